# One service account per component, each with only what it needs, granted on the narrowest resource
# the role can be granted on (a bucket, a topic, a subscription, a service) and on the project only where
# the service has no finer resource (Firestore, Workflows, logging, Eventarc). The README lists every
# grant with its reason; test/terraform checks that the list and this file agree.

locals {
  service_accounts = merge(
    {
      ingest   = "emingest upload function: starts runs"
      trigger  = "emingest Eventarc trigger: invokes the upload function"
      align    = "emingest align service"
      emwrite  = "emingest emwrite service"
      workflow = "emingest workflow: calls the services' steps"
      pusher   = "emingest Pub/Sub push identity (OIDC)"
      builder  = "emingest Cloud Build: images and function package"
    },
    var.enable_fiji ? { fiji = "emingest fiji service" } : {},
  )

  # Components that read slices and write run outputs.
  data_readers = concat(["ingest", "align", "emwrite"], var.enable_fiji ? ["fiji"] : [])
  source_reads = { for pair in setproduct(local.data_readers, local.source_buckets) : "${pair[0]}/${pair[1]}" => { sa = pair[0], bucket = pair[1] } }

  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # Every task subscription, pushed or pulled, by service: the Pub/Sub service agent dead-letters from each.
  task_subscriptions = merge(
    { for name, s in google_pubsub_subscription.tasks : name => s.id },
    { for name, s in google_pubsub_subscription.pull : name => s.id },
  )
}

resource "google_service_account" "component" {
  for_each     = local.service_accounts
  account_id   = "${var.name_prefix}-${each.key}"
  display_name = each.value
  depends_on   = [google_project_service.apis]
}

# --- Storage -------------------------------------------------------------------------------------------

resource "google_storage_bucket_iam_member" "source_reader" {
  for_each = local.source_reads
  bucket   = each.value.bucket
  role     = "roles/storage.objectViewer"
  member   = google_service_account.component[each.value.sa].member
}

resource "google_storage_bucket_iam_member" "output_writer" {
  for_each = toset(local.data_readers)
  bucket   = google_storage_bucket.output.name
  role     = "roles/storage.objectUser"
  member   = google_service_account.component[each.key].member
}

resource "google_storage_bucket_iam_member" "builder_build" {
  bucket = google_storage_bucket.build.name
  role   = "roles/storage.objectUser"
  member = google_service_account.component["builder"].member
}

# --- Firestore (no finer resource than the project for data access) -------------------------------------

resource "google_project_iam_member" "firestore_user" {
  for_each = toset(concat(["ingest", "align", "emwrite"], var.enable_fiji ? ["fiji"] : []))
  project  = var.project_id
  role     = "roles/datastore.user"
  member   = google_service_account.component[each.key].member
}

# --- Pub/Sub: publishers on their own topics only ------------------------------------------------------

resource "google_pubsub_topic_iam_member" "ingest_publisher" {
  topic  = google_pubsub_topic.tasks["align"].id
  role   = "roles/pubsub.publisher"
  member = google_service_account.component["ingest"].member
}

resource "google_pubsub_topic_iam_member" "service_publisher" {
  for_each = toset(local.task_services)
  topic    = google_pubsub_topic.tasks[each.key].id
  role     = "roles/pubsub.publisher"
  member   = google_service_account.component[each.key].member
}

# The Pub/Sub service agent forwards undeliverable messages and acks them on the source subscription,
# and mints the OIDC tokens of push deliveries.
resource "google_pubsub_topic_iam_member" "agent_dead_letter_publisher" {
  for_each = toset(local.queued_services)
  topic    = google_pubsub_topic.dead_letter[each.key].id
  role     = "roles/pubsub.publisher"
  member   = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "agent_subscriber" {
  for_each     = local.task_subscriptions
  subscription = each.value
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# A service that pulls its tasks may consume its own subscription, and nothing else.
resource "google_pubsub_subscription_iam_member" "service_subscriber" {
  for_each     = toset(local.pulled_services)
  subscription = google_pubsub_subscription.pull[each.key].id
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.component[each.key].member
}

resource "google_service_account_iam_member" "agent_token_creator" {
  for_each           = toset(["pusher", "trigger"])
  service_account_id = google_service_account.component[each.key].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

# --- Invokers: only the push and workflow identities may call the services -----------------------------

# Pulled tasks still have their dead letters pushed (to /dead-letter): every queued service is invoked.
resource "google_cloud_run_v2_service_iam_member" "pusher_invoker" {
  for_each = toset(local.queued_services)
  name     = google_cloud_run_v2_service.service[each.key].name
  location = var.region
  role     = "roles/run.invoker"
  member   = google_service_account.component["pusher"].member
}

resource "google_cloud_run_v2_service_iam_member" "workflow_invoker" {
  for_each = local.run_services
  name     = google_cloud_run_v2_service.service[each.key].name
  location = var.region
  role     = "roles/run.invoker"
  member   = google_service_account.component["workflow"].member
}

resource "google_project_iam_member" "workflow_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.component["workflow"].member
}

resource "google_project_iam_member" "ingest_workflows" {
  project = var.project_id
  role    = "roles/workflows.invoker"
  member  = google_service_account.component["ingest"].member
}

# --- The upload trigger --------------------------------------------------------------------------------

resource "google_project_iam_member" "trigger_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.component["trigger"].member
}

resource "google_cloud_run_v2_service_iam_member" "trigger_invoker" {
  name     = google_cloudfunctions2_function.ingest.name
  location = var.region
  role     = "roles/run.invoker"
  member   = google_service_account.component["trigger"].member
}

# Eventarc's Cloud Storage triggers publish through Pub/Sub as the Cloud Storage service agent.
data "google_storage_project_service_account" "gcs_agent" {
  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "gcs_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = data.google_storage_project_service_account.gcs_agent.member
}

# --- Builds --------------------------------------------------------------------------------------------

resource "google_artifact_registry_repository_iam_member" "builder_writer" {
  repository = google_artifact_registry_repository.images.name
  location   = var.region
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.component["builder"].member
}

resource "google_project_iam_member" "builder_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.component["builder"].member
}
