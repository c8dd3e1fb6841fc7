variable "region" {
  description = "AWS region of the origin, databases and media bucket."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment name, part of every resource name."
  type        = string
  default     = "production"
}

variable "azs" {
  description = "Availability zones in region (at least two)."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "domain_name" {
  description = "Public host name of the service (web app, API and media through CloudFront), for example watch.example.com."
  type        = string
}

variable "origin_domain_name" {
  description = "Host name CloudFront uses to reach the ALB, for example origin.example.com; must be covered by alb_certificate_arn."
  type        = string
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone for domain_name and origin_domain_name. Null: create the DNS records yourself (see outputs)."
  type        = string
  default     = null
}

variable "alb_certificate_arn" {
  description = "ACM certificate in region covering origin_domain_name (public ALB; also used by the internal ALB)."
  type        = string
}

variable "cloudfront_certificate_arn" {
  description = "ACM certificate in us-east-1 covering domain_name."
  type        = string
}

variable "media_bucket_name" {
  description = "Globally unique name of the media bucket."
  type        = string
}

variable "ingest_principal_arns" {
  description = "Principals allowed to assume the ingest role (writer of media/)."
  type        = list(string)
  default     = []
}

variable "artifact_bucket_name" {
  description = "Bucket holding edgeflix release binaries."
  type        = string
}

variable "artifact_prefix" {
  description = "Key prefix of every release tarball in the artifact bucket (the origins may read all of them, for rollback)."
  type        = string
  default     = "releases/"
}

variable "origin_ami_id" {
  description = "Pinned Amazon Linux 2023 AMI of the origins (changing it rolls the fleet; see README)."
  type        = string
}

variable "artifact_object_key" {
  description = "Key of the edgeflix linux binary the origin runs (matching origin_architecture)."
  type        = string
}

variable "origin_instance_type" {
  description = "EC2 instance type of the origin."
  type        = string
  default     = "m7g.large"
}

variable "origin_architecture" {
  description = "arm64 or x86_64, matching origin_instance_type and the binary."
  type        = string
  default     = "arm64"
}

variable "origin_min_size" {
  description = "Minimum number of origin instances."
  type        = number
  default     = 2
}

variable "origin_max_size" {
  description = "Maximum number of origin instances."
  type        = number
  default     = 8
}

variable "api_origin_secret" {
  description = "API secret (generate with `openssl rand -hex 32`): CloudFront sends it in X-Origin-Verify on the API behaviours only and the ALB requires it there. It is in state (CloudFront and ALB keep it as a plain attribute): encrypt the state bucket."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.api_origin_secret) >= 32 && can(regex("^[A-Za-z0-9_-]+$", var.api_origin_secret))
    error_message = "api_origin_secret must be at least 32 characters of [A-Za-z0-9_-] (it travels as an HTTP header value)."
  }
}

variable "api_origin_previous_secrets" {
  description = "Previous API secrets still accepted by the ALB during a rotation (at most 2)."
  type        = list(string)
  default     = []
  sensitive   = true

  validation {
    condition     = length(var.api_origin_previous_secrets) <= 2
    error_message = "At most 2 previous API secrets (an ALB header condition takes 3 values)."
  }
}

variable "edge_proof_keys" {
  description = "The gate's proof keys as JSON (the file `edgeflix fn bundle` bakes into the Lambda bundle; several keys during a rotation). Ephemeral: written to Secrets Manager as a write-only value, never in state or plan; needed only when edge_proof_keys_version changes."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
}

variable "edge_proof_keys_version" {
  description = "Version of edge_proof_keys; bump it (with TF_VAR_edge_proof_keys set) to write new keys, which rolls the origins."
  type        = number
  default     = 1
}

variable "db_app_password" {
  description = "Password of the origin's MySQL user (`openssl rand -hex 32`). Ephemeral, write-only; needed when db_app_password_version changes (first apply, rotation)."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
}

variable "db_app_password_version" {
  description = "Version of db_app_password; bump it to rotate (README: key rotation)."
  type        = number
  default     = 1
}

variable "redis_auth_token" {
  description = "Redis AUTH token (generate with `openssl rand -hex 32`). ElastiCache keeps it in state as auth_token; its Secrets Manager copy is write-only."
  type        = string
  sensitive   = true
}

variable "redis_auth_token_version" {
  description = "Version of redis_auth_token in Secrets Manager; bump it with a new token."
  type        = number
  default     = 1
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.r7g.large"
}

variable "db_deletion_protection" {
  description = "Deletion protection of the RDS instance."
  type        = bool
  default     = true
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for data at rest (RDS, Redis, secrets, EBS). Null uses AWS managed keys."
  type        = string
  default     = null
}

variable "viewer_request_zip" {
  description = "Path of the viewer-request Lambda@Edge bundle built by `make lambda`."
  type        = string
  default     = "../../../dist/lambda/viewer-request.zip"
}

variable "origin_request_zip" {
  description = "Path of the origin-request Lambda@Edge bundle built by `make lambda`."
  type        = string
  default     = "../../../dist/lambda/origin-request.zip"
}

variable "pinned_versions" {
  description = "Lambda@Edge versions to run instead of the latest published (rollback / staged rollout)."
  type = object({
    viewer_request = optional(string)
    origin_request = optional(string)
  })
  default = {}
}

variable "staging_viewer_request_version" {
  description = "Canary: published viewer-request version for a CloudFront continuous-deployment staging distribution (null: none)."
  type        = string
  default     = null
}

variable "staging_origin_request_version" {
  description = "Canary: published origin-request version on the staging distribution (null: the primary's)."
  type        = string
  default     = null
}

variable "staging_traffic_weight" {
  description = "Canary: share of viewers sent to the staging distribution (0 to 0.15)."
  type        = number
  default     = 0.05
}

variable "staging_header_value" {
  description = "Canary: when set, only requests with aws-cf-cd-staging: <value> reach the staging distribution."
  type        = string
  default     = null
}

variable "master_rewrite_at_origin" {
  description = "True (the default): the origin rewrites master playlists for X-Edgeflix-Caps and no origin-request trigger runs. False only with an origin the origin-request function's own fetch can reach (a VPC origin, or an ALB admitting Lambda@Edge's ranges); see modules/edge and RATIONALE.md."
  type        = bool
  default     = true
}

variable "waf_rate_limit_per_5min" {
  description = "WAF: requests per viewer IP in 5 minutes before blocking."
  type        = number
  default     = 3000
}

variable "log_retention_days" {
  description = "Days the access and flow logs are kept."
  type        = number
  default     = 90
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy empty the log bucket (staging only)."
  type        = bool
  default     = false
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

variable "cors_allowed_origins" {
  description = "Origins allowed to fetch media cross-origin."
  type        = list(string)
  default     = ["*"]
}

variable "operator_api_burst_limit" {
  description = "Operator API burst limit."
  type        = number
  default     = 50
}

variable "operator_api_rate_limit" {
  description = "Operator API steady rate limit (requests per second)."
  type        = number
  default     = 20
}
