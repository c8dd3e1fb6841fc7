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

variable "api_origin_header_name" {
  description = "Name of the header CloudFront adds to the API behaviours' origin requests; the ALB forwards only requests carrying a current value (media uses proof_header_name instead)."
  type        = string
  default     = "X-Origin-Verify"
}

variable "api_origin_secret" {
  description = "Secret value of api_origin_header_name (32+ characters). It gates the API path only; it is not a media proof key."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.api_origin_secret) >= 32
    error_message = "api_origin_secret must be at least 32 characters."
  }
}

variable "api_origin_previous_secrets" {
  description = "Older API secret values still accepted during a rotation (at most 2: an ALB http_header condition takes at most 3 values)."
  type        = list(string)
  default     = []
  sensitive   = true

  validation {
    condition     = length(var.api_origin_previous_secrets) <= 2
    error_message = "An ALB http_header condition takes at most 3 values: the current API secret and at most 2 previous ones."
  }
}

variable "proof_header_name" {
  description = "Header the gate adds to gated media requests (HMAC over path and expiry); the ALB forwards /v1/media/ only with it and the origin verifies it."
  type        = string
  default     = "X-Edgeflix-Proof"
}

variable "edge_proof_keys_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the gate's proof keys (several at once during a rotation). Rendered as EDGEFLIX_EDGE_PROOF_KEYS; the IAM policy names exactly this ARN."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.edge_proof_keys_secret_arn))
    error_message = "edge_proof_keys_secret_arn must be the full ARN of a Secrets Manager secret."
  }
}

variable "endpoint_security_group_id" {
  description = "Security group of the VPC interface endpoints (network module): the origin's only HTTPS egress besides S3."
  type        = string
}

variable "s3_prefix_list_id" {
  description = "Prefix list of the S3 gateway endpoint (network module): media, releases and the AL2023 package repositories."
  type        = string
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

variable "artifact_prefix" {
  description = "Key prefix of every release tarball; the instance role reads all of them, so an instance refresh can roll back to the previous release."
  type        = string
  default     = "releases/"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+/$", var.artifact_prefix))
    error_message = "artifact_prefix is a key prefix ending in /."
  }
}

variable "artifact_object_key" {
  description = "Key of the release tarball under artifact_prefix (for example releases/v1.4.0/edgeflix-linux-arm64.tar.gz) holding ./edgeflix, ./web/ and ./rds-ca.pem (the RDS CA bundle). A new key changes the launch template and rolls the group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+\\.tar\\.gz$", var.artifact_object_key))
    error_message = "artifact_object_key is an S3 key ending in .tar.gz."
  }
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
  description = "Map of environment variable name to Secrets Manager secret ARN, for further secrets the origin needs (each becomes an env var of the service; EDGEFLIX_EDGE_PROOF_KEYS always comes from edge_proof_keys_secret_arn)."
  type        = map(string)
  default     = {}
}

variable "secrets_revision" {
  description = "Opaque marker of the secrets' versions (the version_id of every secret the origin reads). Changing it changes the launch template, and the instance refresh restarts the origins so they read the new values."
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

variable "access_logs_bucket" {
  description = "Bucket for the ALBs' access logs (SSE-S3, ELB log delivery bucket policy: see modules/logs)."
  type        = string
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
  description = "Amazon Linux 2023 AMI to run, pinned: a new value rolls the group through an instance refresh, so it changes only when you change it (aws ssm get-parameter --name /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64)."
  type        = string

  validation {
    condition     = can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must be an AMI ID (ami-…)."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
