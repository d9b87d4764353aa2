# Cloud Run services: align (features, pair alignment; the workflow's start step), emwrite (render,
# pyramid, plan, finalize) and, when enabled, fiji. Private (no public invoker; see iam.tf), scale to zero,
# except a service that pulls its tasks (local.pulled_services): nothing would wake it, and between requests
# Cloud Run would throttle its CPU, so it keeps one instance up with CPU always allocated.

resource "google_cloud_run_v2_service" "service" {
  for_each            = local.run_services
  name                = "${var.name_prefix}-${each.key}"
  location            = var.region
  ingress             = var.service_ingress
  deletion_protection = false

  template {
    service_account                  = google_service_account.component[each.key].email
    max_instance_request_concurrency = each.value.concurrency
    timeout                          = "${each.value.timeout_seconds}s"
    # Second generation: a microVM with "full Linux compatibility, including support for all system calls,
    # namespaces, and cgroups"; the first is gVisor, with "emulation of most, but not all operating system
    # calls" (https://cloud.google.com/run/docs/about-execution-environments). fiji's job sandbox needs the
    # namespaces (services/README.md "What a fiji job can and cannot see"): under gVisor, `bwrap --unshare-net`
    # fails to set up the new loopback (google/gvisor#13438, containers/bubblewrap#745), and the service
    # would refuse to start. The others run on it too: one environment to reason about.
    execution_environment = "EXECUTION_ENVIRONMENT_GEN2"

    scaling {
      min_instance_count = contains(local.pulled_services, each.key) ? 1 : 0
      max_instance_count = each.value.max_instances
    }

    containers {
      image = terraform_data.image[each.key].output

      resources {
        limits = {
          cpu    = each.value.cpu
          memory = each.value.memory
        }
        cpu_idle          = !contains(local.pulled_services, each.key)
        startup_cpu_boost = true
      }

      ports {
        container_port = 8080
      }

      dynamic "env" {
        for_each = each.key == "fiji" ? tomap(merge(local.fiji_env, local.fiji_pull_env)) : tomap(local.service_env)
        content {
          name  = env.key
          value = env.value
        }
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 2
        failure_threshold = 30
      }
    }
  }

  lifecycle {
    precondition {
      # A pushed task's or an HTTP request's job is cut off with its request; only a pulled one may outlive it.
      condition     = each.key != "fiji" || var.fiji_delivery == "pull" || coalesce(var.services.fiji.job_timeout_seconds, 0) <= var.services.fiji.timeout_seconds - 60
      error_message = "services.fiji.job_timeout_seconds may exceed timeout_seconds - 60 only with fiji_delivery = \"pull\"."
    }
  }

  # A pulling service's first pull should find its grant (a refused one is retried, every 30 s).
  depends_on = [google_project_service.apis, google_pubsub_subscription_iam_member.service_subscriber]
}
