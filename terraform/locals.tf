# Names and values computed once, used across files.
locals {
  repo_root = abspath("${path.module}/..")

  source_bucket = coalesce(var.source_bucket_name, "${var.project_id}-${var.name_prefix}-src")
  output_bucket = coalesce(var.output_bucket_name, "${var.project_id}-${var.name_prefix}-out")
  build_bucket  = "${var.project_id}-${var.name_prefix}-build"

  firestore_location = coalesce(var.firestore_location, var.region)

  # The TypeScript every deployable compiles: a change to any of these files rebuilds the images and the
  # function package (and so rolls out new revisions).
  source_files = sort(concat(
    tolist(fileset(local.repo_root, "{core,adapters,cloud-runtime,services,functions,cli}/**")),
    ["package.json", "package-lock.json", "tsconfig.json"],
  ))
  source_hash = substr(sha256(join("", [for f in local.source_files : filesha256("${local.repo_root}/${f}")])), 0, 16)

  # What each image is built from, and nothing else: the sources above less the Dockerfiles, its own
  # Dockerfile and ignore file, the build config and, where that Dockerfile compiles the native addon, the
  # addon's sources and scripts/native.sh (native/build is the script's local output, not a source).
  image_files = {
    for name in keys(local.run_services) : name => sort(concat(
      [for f in local.source_files : f if !startswith(basename(f), "Dockerfile")],
      [local.dockerfiles[name], "${local.dockerfiles[name]}.dockerignore", "terraform/build/image.yaml"],
      local.dockerfiles[name] == "services/Dockerfile" ? concat(tolist(fileset(local.repo_root, "native/*.{cc,h}")), ["scripts/native.sh", "scripts/code-version.mjs"]) : [],
    ))
  }
  # Each image's tag: a hash of the paths and contents of its files (a Dockerfile names files by path).
  image_tags = {
    for name, files in local.image_files :
    name => coalesce(var.image_tag, substr(sha256(join("\n", [for f in files : "${f} ${filesha256("${local.repo_root}/${f}")}"])), 0, 16))
  }

  registry = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"

  # Task delivery: one topic per task-running service; stages map to topics in adapters/gcp/pubsub-queue.ts.
  task_services = ["align", "emwrite"]

  # Services fed by a task topic (with a dead-letter topic pushed to their /dead-letter): the task services,
  # plus fiji when enabled (its batch tasks, published by `emingest fiji-batch` to <name_prefix>-fiji).
  queued_services = concat(local.task_services, var.enable_fiji ? ["fiji"] : [])
  # Of those, the ones that pull their tasks (fiji with fiji_delivery = "pull": jobs longer than a push waits);
  # the others get an OIDC push subscription to /tasks.
  pulled_services = var.enable_fiji && var.fiji_delivery == "pull" ? ["fiji"] : []
  pushed_services = [for name in local.queued_services : name if !contains(local.pulled_services, name)]

  # Cloud Run services: the task services, plus fiji when asked for.
  run_services = merge(
    { align = var.services.align, emwrite = var.services.emwrite },
    var.enable_fiji ? { fiji = var.services.fiji } : {},
  )

  source_buckets = concat([local.source_bucket], var.additional_source_buckets)

  # Environment of the Cloud Run services (cloud-runtime/service-deps.ts serviceConfigFromEnv,
  # adapters/gcp/clients.ts gcpConfigFromEnv). PORT is set by Cloud Run itself.
  service_env = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    SOURCE_BUCKETS       = join(",", local.source_buckets)
    OUTPUT_BUCKET        = google_storage_bucket.output.name
    ALIGN_TOPIC          = google_pubsub_topic.tasks["align"].name
    EMWRITE_TOPIC        = google_pubsub_topic.tasks["emwrite"].name
    RUNS_COLLECTION      = "runs"
  }

  # Environment of the fiji service (services/fiji/config.ts fijiConfigFromEnv). FIJI_EXECUTABLES, FIJI_RUN_AS,
  # FIJI_SCRATCH_ROOT and FIJI_JAVA_HEAP_MB are the image's (services/fiji/Dockerfile). A job gets a minute
  # less than the request, so a timed-out job is reported (a failure) rather than cut off (a redelivery),
  # unless job_timeout_seconds says otherwise (pulled jobs: no request to outlive; services.tf checks it);
  # one job per instance slot, as many slots as Cloud Run sends requests at once.
  fiji_env = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    RUNS_COLLECTION      = "runs"
    FIJI_BUCKETS         = join(",", concat(local.source_buckets, [google_storage_bucket.output.name]))
    FIJI_MAX_JOBS        = tostring(var.services.fiji.concurrency)
    FIJI_TIMEOUT_SECONDS = tostring(coalesce(var.services.fiji.job_timeout_seconds, max(1, var.services.fiji.timeout_seconds - 60)))
  }
  # With fiji_delivery = "pull", the subscription the fiji service pulls; without it, it takes pushes only.
  fiji_pull_env = { for name in local.pulled_services : "FIJI_PULL_SUBSCRIPTION" => google_pubsub_subscription.pull[name].id if name == "fiji" }

  # Environment of the upload function (functions/ingest/index.ts): the services' settings, plus where the
  # workflow is and the service URLs it passes on.
  function_env = {
    GOOGLE_CLOUD_PROJECT  = var.project_id
    SOURCE_BUCKETS        = join(",", local.source_buckets)
    OUTPUT_BUCKET         = google_storage_bucket.output.name
    ALIGN_TOPIC           = google_pubsub_topic.tasks["align"].name
    EMWRITE_TOPIC         = google_pubsub_topic.tasks["emwrite"].name
    RUNS_COLLECTION       = "runs"
    TRIGGERS_COLLECTION   = "triggers"
    WORKFLOW_LOCATION     = var.region
    WORKFLOW_NAME         = google_workflows_workflow.ingest.name
    WORKFLOW_POLL_SECONDS = tostring(var.workflow_poll_seconds)
    ALIGN_URL             = google_cloud_run_v2_service.service["align"].uri
    EMWRITE_URL           = google_cloud_run_v2_service.service["emwrite"].uri
  }

  # Environment of the workflow (workflows-yaml/ingest.yaml reads them with sys.get_env).
  workflow_env = {
    ALIGN_URL   = google_cloud_run_v2_service.service["align"].uri
    EMWRITE_URL = google_cloud_run_v2_service.service["emwrite"].uri
  }
}
