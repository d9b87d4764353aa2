variable "project_id" {
  description = "The Google Cloud project to deploy into (it must exist and have billing enabled)."
  type        = string
}

variable "region" {
  description = "Region of the buckets, Cloud Run services, the function, its trigger, Artifact Registry and the workflow."
  type        = string
  default     = "us-central1"
}

variable "name_prefix" {
  description = "Prefix of every resource name (topics, services, service accounts, buckets)."
  type        = string
  default     = "emingest"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,13}$", var.name_prefix))
    error_message = "name_prefix: 2-14 characters, lowercase letters, digits and dashes, starting with a letter (service account ids are at most 30 characters)."
  }
}

variable "source_bucket_name" {
  description = "Bucket the slices and ingest.json are uploaded to (default: <project_id>-<name_prefix>-src)."
  type        = string
  default     = null
}

variable "output_bucket_name" {
  description = "Bucket the volumes are written to (default: <project_id>-<name_prefix>-out)."
  type        = string
  default     = null
}

variable "additional_source_buckets" {
  description = "Existing buckets the services may also read slices from (started with `gcloud workflows run`; uploads there trigger nothing)."
  type        = list(string)
  default     = []
}

variable "public_output" {
  description = "Make the output bucket publicly readable (allUsers objectViewer) with CORS for neuroglancer. Off unless asked for."
  type        = bool
  default     = false
}

variable "cors_origins" {
  description = "Origins allowed to read the output bucket from a browser; applied only when public_output is true."
  type        = list(string)
  default     = ["*"]
}

variable "tmp_retention_days" {
  description = "Age in days after which temporary run objects (tiles, features) are deleted by the output bucket's lifecycle rule: a backstop for runs that failed or were abandoned."
  type        = number
  default     = 7
  validation {
    condition     = var.tmp_retention_days >= 1
    error_message = "tmp_retention_days must be at least 1."
  }
}

variable "force_destroy_buckets" {
  description = "Let `terraform destroy` delete the buckets with their objects (slices and volumes). Off: destroy stops at non-empty buckets."
  type        = bool
  default     = false
}

variable "enable_fiji" {
  description = "Deploy the fiji Cloud Run service (services/fiji). Needs services/fiji/Dockerfile in this repository."
  type        = bool
  default     = false
}

variable "fiji_delivery" {
  description = "How the fiji service (enable_fiji) gets its batch tasks: \"push\" (one HTTP request per task; a job must end within the 600 s a push waits, or it is delivered and run again) or \"pull\" (the service pulls and extends each task's lease while its job runs; CPU always allocated and one instance always up: see terraform/README.md)."
  type        = string
  default     = "push"
  validation {
    condition     = contains(["push", "pull"], var.fiji_delivery)
    error_message = "fiji_delivery must be \"push\" or \"pull\"."
  }
}

variable "services" {
  description = "Sizing of the Cloud Run services. Every service scales to zero (but fiji with fiji_delivery = \"pull\", which keeps one instance); max_instances bounds the fan-out."
  type = object({
    align = optional(object({
      cpu             = optional(string, "2")
      memory          = optional(string, "4Gi")
      concurrency     = optional(number, 2)
      max_instances   = optional(number, 100)
      timeout_seconds = optional(number, 1800)
    }), {})
    emwrite = optional(object({
      cpu             = optional(string, "2")
      memory          = optional(string, "4Gi")
      concurrency     = optional(number, 2)
      max_instances   = optional(number, 100)
      timeout_seconds = optional(number, 1800)
    }), {})
    fiji = optional(object({
      cpu             = optional(string, "4")
      memory          = optional(string, "8Gi")
      concurrency     = optional(number, 1)
      max_instances   = optional(number, 20)
      timeout_seconds = optional(number, 3600)
      # FIJI_TIMEOUT_SECONDS (default timeout_seconds - 60); longer than the request only with fiji_delivery = "pull".
      job_timeout_seconds = optional(number)
    }), {})
  })
  default = {}
  validation {
    condition = alltrue([
      for s in [var.services.align, var.services.emwrite, var.services.fiji] :
      s.concurrency >= 1 && s.max_instances >= 1 && s.timeout_seconds >= 1 && s.timeout_seconds <= 3600
    ])
    error_message = "services: concurrency and max_instances must be >= 1, timeout_seconds between 1 and 3600."
  }
  validation {
    condition     = coalesce(var.services.fiji.job_timeout_seconds, 1) >= 1
    error_message = "services.fiji.job_timeout_seconds must be at least 1."
  }
}

variable "service_ingress" {
  description = "Ingress of the Cloud Run services. Pub/Sub push and Workflows count as internal traffic in the same project."
  type        = string
  default     = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  validation {
    condition     = contains(["INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"], var.service_ingress)
    error_message = "service_ingress must be INGRESS_TRAFFIC_ALL, INGRESS_TRAFFIC_INTERNAL_ONLY or INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER."
  }
}

variable "ingest_function" {
  description = "The upload-triggered function (functions/ingest)."
  type = object({
    runtime         = optional(string, "nodejs22")
    memory          = optional(string, "1Gi")
    cpu             = optional(string, "1")
    timeout_seconds = optional(number, 540)
    max_instances   = optional(number, 10)
  })
  default = {}
}

variable "pubsub" {
  description = "Task delivery: push ack deadline, redelivery backoff, and attempts before a task is dead-lettered."
  type = object({
    ack_deadline_seconds  = optional(number, 600)
    minimum_backoff       = optional(string, "10s")
    maximum_backoff       = optional(string, "600s")
    max_delivery_attempts = optional(number, 5)
    retention             = optional(string, "604800s")
  })
  default = {}
  validation {
    condition     = var.pubsub.max_delivery_attempts >= 5 && var.pubsub.max_delivery_attempts <= 100 && var.pubsub.ack_deadline_seconds >= 10 && var.pubsub.ack_deadline_seconds <= 600
    error_message = "pubsub: max_delivery_attempts must be 5-100 and ack_deadline_seconds 10-600 (Pub/Sub's limits)."
  }
}

variable "firestore_location" {
  description = "Location of the Firestore (default) database (default: the region)."
  type        = string
  default     = null
}

variable "workflow_name" {
  description = "Name of the Workflows workflow (the function starts executions of it; `gcloud workflows run <name>`)."
  type        = string
  default     = "ingest"
}

variable "workflow_poll_seconds" {
  description = "First barrier polling interval of the workflow, in seconds (it doubles up to 60 s)."
  type        = number
  default     = 10
}

variable "image_tag" {
  description = "Tag of the built images (default: a hash of the sources, so a change rebuilds and rolls out a new revision)."
  type        = string
  default     = null
}
