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

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper, less available)."
  type        = bool
  default     = false
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

variable "serve_artwork_via_cloudfront" {
  description = "Serve posters straight from S3 through CloudFront OAC."
  type        = bool
  default     = true
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

variable "origin_verify_secret" {
  description = "Edge secret (generate with `openssl rand -hex 32`): stored in Secrets Manager; CloudFront sends it in X-Origin-Verify, the ALB requires it and the origin requires it on gated media (EDGEFLIX_EDGE_SECRET)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.origin_verify_secret) >= 32 && can(regex("^[A-Za-z0-9_-]+$", var.origin_verify_secret))
    error_message = "origin_verify_secret must be at least 32 characters of [A-Za-z0-9_-] (it travels as an HTTP header value and a systemd environment value)."
  }
}

variable "origin_verify_previous_secrets" {
  description = "Previous header secrets still accepted during a rotation."
  type        = list(string)
  default     = []
  sensitive   = true
}

variable "redis_auth_token" {
  description = "Redis AUTH token (generate with `openssl rand -hex 32`)."
  type        = string
  sensitive   = true
}

variable "key_encryption_key" {
  description = "Key-encryption key of the origin's signing keys in MySQL (64 hex digits, `openssl rand -hex 32`); every origin instance must share it."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[0-9a-fA-F]{64}$", var.key_encryption_key))
    error_message = "key_encryption_key must be 64 hex digits."
  }
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

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

variable "web_acl_arn" {
  description = "WAFv2 web ACL (CLOUDFRONT scope) for the distribution, or null."
  type        = string
  default     = null
}

variable "cloudfront_logging_bucket_domain_name" {
  description = "Bucket (ACLs enabled) for CloudFront standard logs, as bucket.s3.amazonaws.com, or null."
  type        = string
  default     = null
}

variable "alb_access_logs_bucket" {
  description = "Bucket for ALB access logs, or null."
  type        = string
  default     = null
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
