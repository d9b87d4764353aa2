# Task delivery (DESIGN.md "Rules that hold everywhere"): one topic per task service, a push subscription
# to its /tasks with an OIDC token, exponential redelivery, and after max_delivery_attempts a dead-letter
# topic whose own push subscription tells the service (/dead-letter) to record the task as failed.
# The same for the fiji service's batch tasks when var.enable_fiji (local.queued_services), except that with
# fiji_delivery = "pull" its task subscription has no push endpoint: the service pulls it (local.pulled_services).

resource "google_pubsub_topic" "tasks" {
  for_each   = toset(local.queued_services)
  name       = "${var.name_prefix}-${each.key}"
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  for_each   = toset(local.queued_services)
  name       = "${var.name_prefix}-${each.key}-dead-letter"
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "tasks" {
  for_each                   = toset(local.pushed_services)
  name                       = "${var.name_prefix}-${each.key}-push"
  topic                      = google_pubsub_topic.tasks[each.key].id
  ack_deadline_seconds       = var.pubsub.ack_deadline_seconds
  message_retention_duration = var.pubsub.retention

  push_config {
    push_endpoint = "${google_cloud_run_v2_service.service[each.key].uri}/tasks"
    oidc_token {
      service_account_email = google_service_account.component["pusher"].email
      audience              = google_cloud_run_v2_service.service[each.key].uri
    }
  }

  retry_policy {
    minimum_backoff = var.pubsub.minimum_backoff
    maximum_backoff = var.pubsub.maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = var.pubsub.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_pubsub_topic_iam_member.agent_dead_letter_publisher,
    google_cloud_run_v2_service_iam_member.pusher_invoker,
  ]
}

# Pulled, so a job may outlive the 600 s a push waits: the service's client extends each lease while the job
# runs. Retry and dead letter as for push. Its stream sets its own ack deadline; 600 s is what a synchronous
# pull (`gcloud pubsub subscriptions pull`) gets.
resource "google_pubsub_subscription" "pull" {
  for_each                   = toset(local.pulled_services)
  name                       = "${var.name_prefix}-${each.key}-pull"
  topic                      = google_pubsub_topic.tasks[each.key].id
  ack_deadline_seconds       = 600
  message_retention_duration = var.pubsub.retention

  retry_policy {
    minimum_backoff = var.pubsub.minimum_backoff
    maximum_backoff = var.pubsub.maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = var.pubsub.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_pubsub_topic_iam_member.agent_dead_letter_publisher]
}

resource "google_pubsub_subscription" "dead_letter" {
  for_each                   = toset(local.queued_services)
  name                       = "${var.name_prefix}-${each.key}-dead-letter-push"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  ack_deadline_seconds       = 60
  message_retention_duration = var.pubsub.retention

  push_config {
    push_endpoint = "${google_cloud_run_v2_service.service[each.key].uri}/dead-letter"
    oidc_token {
      service_account_email = google_service_account.component["pusher"].email
      audience              = google_cloud_run_v2_service.service[each.key].uri
    }
  }

  retry_policy {
    minimum_backoff = var.pubsub.minimum_backoff
    maximum_backoff = var.pubsub.maximum_backoff
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_cloud_run_v2_service_iam_member.pusher_invoker]
}
