# Artifact Registry, and the one side effect of this configuration: the images (and the function's
# package) are built from this repository by Cloud Build (`gcloud builds submit` of the repository root,
# which honours .gitignore), tagged with a hash of the sources, under the builder service account.

resource "google_artifact_registry_repository" "images" {
  repository_id = var.name_prefix
  location      = var.region
  format        = "DOCKER"
  description   = "emingest service images and the function's build images"

  # At rest only storage is billed: keep the newest versions, delete the rest.
  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "keep-newest"
    action = "KEEP"
    most_recent_versions {
      keep_count = 5
    }
  }
  cleanup_policies {
    id     = "delete-older"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.apis]
}

locals {
  images = { for name in keys(local.run_services) : name => "${local.registry}/${name}:${local.image_tags[name]}" }

  # The recipe of each image. align and emwrite share one, which runs the service named by its SERVICE build
  # argument; fiji has its own (headless Fiji beside Node), and ignores SERVICE.
  dockerfiles = {
    align   = "services/Dockerfile"
    emwrite = "services/Dockerfile"
    fiji    = "services/fiji/Dockerfile"
  }

  # Flags every build shares: the project's regional Cloud Build, the builder account, sources staged in
  # the build bucket (which that account may read), run from the repository root.
  build_flags = join(" ", [
    "--project=${var.project_id}",
    "--region=${var.region}",
    "--service-account=${google_service_account.component["builder"].id}",
    "--gcs-source-staging-dir=gs://${google_storage_bucket.build.name}/source",
    "--quiet",
  ])

  # Retried: on the first apply the builder's fresh IAM grants can take a minute to reach Cloud Build.
  build_retry = ["for attempt in 1 2 3; do", "&& exit 0; echo \"build attempt $attempt failed\" >&2; sleep 30; done; exit 1"]
}

resource "terraform_data" "image" {
  for_each         = local.images
  triggers_replace = [each.value]
  input            = each.value

  provisioner "local-exec" {
    working_dir = local.repo_root
    command     = "${local.build_retry[0]} gcloud builds submit . ${local.build_flags} --config=terraform/build/image.yaml --substitutions=_IMAGE=${each.value},_DOCKERFILE=${local.dockerfiles[each.key]},_SERVICE=${each.key},_GIT_DESCRIBE=$(git describe --always --dirty 2>/dev/null || echo unknown) ${local.build_retry[1]}"
  }

  depends_on = [
    google_artifact_registry_repository_iam_member.builder_writer,
    google_storage_bucket_iam_member.builder_build,
    google_project_iam_member.builder_logs,
  ]
}

# The function's package: compiled JavaScript, package.json with "main" at functions/ingest, the lock file.
resource "terraform_data" "function_package" {
  triggers_replace = [local.source_hash]
  input            = "function/ingest-${local.source_hash}.zip"

  provisioner "local-exec" {
    working_dir = local.repo_root
    command     = "${local.build_retry[0]} gcloud builds submit . ${local.build_flags} --config=terraform/build/function-package.yaml --substitutions=_DESTINATION=gs://${google_storage_bucket.build.name}/function/ingest-${local.source_hash}.zip ${local.build_retry[1]}"
  }

  depends_on = [
    google_storage_bucket_iam_member.builder_build,
    google_project_iam_member.builder_logs,
  ]
}
