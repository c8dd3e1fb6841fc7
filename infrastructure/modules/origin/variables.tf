variable "name" {
  description = "Name prefix for every resource (for example edgeflix-production)."
  type        = string
}

variable "environment" {
  description = "Environment name; SSM parameters live under /edgeflix/<environment>/origin/."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC (egress to RDS/Redis, ingress to the internal ALB, and EDGEFLIX_TRUSTED_PROXIES: the ALBs and the VPC link connect from inside it)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets for the internet-facing ALB that CloudFront reaches."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets for the origin instances and the internal ALB."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate (in this region) for the ALB HTTPS listeners; must cover origin_domain_name."
  type        = string
}

variable "origin_verify_header_name" {
  description = "Name of the header CloudFront adds to every origin request; the ALB forwards only requests carrying the right value."
  type        = string
  default     = "X-Origin-Verify"
}

variable "origin_verify_secret" {
  description = "Shared secret value of origin_verify_header_name (32+ characters; rotate by adding the new value to origin_verify_previous_secrets first)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.origin_verify_secret) >= 32
    error_message = "origin_verify_secret must be at least 32 characters."
  }
}

variable "origin_verify_previous_secrets" {
  description = "Older header secret values still accepted during a rotation (at most 4)."
  type        = list(string)
  default     = []
  sensitive   = true

  validation {
    condition     = length(var.origin_verify_previous_secrets) <= 4
    error_message = "An ALB header condition takes at most 5 values: the current secret and 4 previous ones."
  }
}

variable "edge_secret_arn" {
  description = "ARN of the Secrets Manager secret whose value CloudFront sends in origin_verify_header_name (the same value as origin_verify_secret). Rendered as EDGEFLIX_EDGE_SECRET, so the origin serves gated media only to requests carrying it; the IAM policy names exactly this ARN."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.edge_secret_arn))
    error_message = "edge_secret_arn must be the full ARN of a Secrets Manager secret."
  }
}

variable "instance_type" {
  description = "EC2 instance type of the origin (arm64 Graviton by default)."
  type        = string
  default     = "m7g.large"
}

variable "architecture" {
  description = "CPU architecture of instance_type and of the edgeflix binary: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "root_volume_size" {
  description = "Root EBS volume size in GiB (encrypted gp3)."
  type        = number
  default     = 20
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the root volume (null: the account's default EBS key)."
  type        = string
  default     = null
}

variable "min_size" {
  description = "Minimum number of origin instances."
  type        = number
  default     = 2
}

variable "max_size" {
  description = "Maximum number of origin instances."
  type        = number
  default     = 8
}

variable "desired_capacity" {
  description = "Initial number of origin instances (autoscaling moves it afterwards)."
  type        = number
  default     = 2
}

variable "cpu_target_percent" {
  description = "Average CPU the target tracking policy keeps the group at."
  type        = number
  default     = 55
}

variable "artifact_bucket_name" {
  description = "Bucket holding release binaries."
  type        = string
}

variable "artifact_object_key" {
  description = "Key of the release tarball (for example releases/v1.4.0/edgeflix-linux-arm64.tar.gz) holding the edgeflix binary at ./edgeflix and the web app at ./web/. A new key changes the launch template and rolls the group."
  type        = string
}

variable "media_bucket_name" {
  description = "Name of the media bucket the origin streams from."
  type        = string
}

variable "media_bucket_arn" {
  description = "ARN of the media bucket."
  type        = string
}

variable "media_prefix" {
  description = "Key prefix of the media objects (read access is limited to it)."
  type        = string
  default     = "media/"
}

variable "media_kms_key_arn" {
  description = "KMS key that encrypts the media bucket, when it is SSE-KMS (null for SSE-S3)."
  type        = string
  default     = null
}

variable "db_address" {
  description = "RDS MySQL host name."
  type        = string
}

variable "db_port" {
  description = "RDS MySQL port."
  type        = number
  default     = 3306
}

variable "db_name" {
  description = "MySQL database name."
  type        = string
}

variable "db_secret_arn" {
  description = "Secrets Manager secret (JSON username/password, managed by RDS) for the MySQL user."
  type        = string
}

variable "redis_address" {
  description = "Redis primary endpoint host name."
  type        = string
}

variable "redis_port" {
  description = "Redis port."
  type        = number
  default     = 6379
}

variable "redis_auth_secret_arn" {
  description = "Secrets Manager secret holding the Redis AUTH token."
  type        = string
}

variable "extra_secret_arns" {
  description = "Map of environment variable name to Secrets Manager secret ARN, for further secrets the origin needs (each becomes an env var of the service; EDGEFLIX_EDGE_SECRET always comes from edge_secret_arn)."
  type        = map(string)
  default     = {}
}

variable "secrets_revision" {
  description = "Opaque marker of the secrets' versions (for example the edge secret's version_id). Changing it changes the launch template, and the instance refresh restarts the origins so they read the new values."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9._:,|-]*$", var.secrets_revision))
    error_message = "secrets_revision may hold only letters, digits and . _ : , | - (it is written into user_data)."
  }
}

variable "public_origin_url" {
  description = "Public URL of the service (the CloudFront alias), used as OAuth issuer and redirect base: EDGEFLIX_ORIGIN_URL."
  type        = string
}

variable "issuer" {
  description = "iss of the tokens the origin signs and of its /.well-known/openid-configuration: the public https URL of the service (https://<CloudFront alias>), EDGEFLIX_ISSUER. The Lambda@Edge bundle must be built with the same value (make lambda ISS=...)."
  type        = string

  validation {
    condition     = can(regex("^https://[^/?#]+$", var.issuer))
    error_message = "issuer must be an https URL without path, query or trailing slash (for example https://watch.example.com)."
  }
}

variable "public_edge_url" {
  description = "Public URL of the edge (CloudFront) that manifest_url points at: EDGEFLIX_EDGE_URL."
  type        = string
}

variable "extra_environment" {
  description = "Further non-secret environment variables of the origin service, stored as SSM String parameters (they cannot override the module's own, such as EDGEFLIX_REDIS_TLS, EDGEFLIX_ISSUER or EDGEFLIX_TRUSTED_PROXIES)."
  type        = map(string)
  default     = {}
}

variable "migrate_on_start" {
  description = "Start the origin with -migrate so it applies pending MySQL migrations before serving."
  type        = bool
  default     = true
}

variable "enable_ssm_session_manager" {
  description = "Attach AmazonSSMManagedInstanceCore so operators reach instances with Session Manager (no SSH, no bastion)."
  type        = bool
  default     = true
}

variable "alb_deletion_protection" {
  description = "Refuse to delete the public ALB."
  type        = bool
  default     = true
}

variable "alb_access_logs_bucket" {
  description = "Bucket for ALB access logs (needs the ELB log delivery bucket policy). Null disables access logs."
  type        = string
  default     = null
}

variable "create_internal_alb" {
  description = "Create an internal ALB (private subnets) for API Gateway's VPC link, which serves only /v1/operator/*."
  type        = bool
  default     = true
}

variable "secrets_kms_key_arn" {
  description = "Customer managed KMS key that encrypts the secrets in Secrets Manager (null: the AWS managed key, which needs no IAM grant)."
  type        = string
  default     = null
}

variable "ami_id" {
  description = "AMI to run. Null follows the latest Amazon Linux 2023 image from the public SSM parameter (a new image then rolls the group through an instance refresh)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
