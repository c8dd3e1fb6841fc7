variable "name" {
  description = "Name prefix for every resource (for example edgeflix-production)."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC the databases live in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnet IDs (at least two AZs) for the RDS and ElastiCache subnet groups."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "At least two private subnets in different AZs are required."
  }
}

variable "origin_security_group_id" {
  description = "Security group of the origin instances: the only source allowed to reach MySQL and Redis."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for RDS storage, the RDS master secret, ElastiCache at rest and the Redis auth secret. Null uses the AWS managed keys."
  type        = string
  default     = null
}

# --- RDS MySQL ---------------------------------------------------------------

variable "db_engine_version" {
  description = "MySQL major version. 8.4 is the LTS release in RDS standard support until 2029-07-31; 8.0 left standard support on 2026-07-31 (paid Extended Support only), so it is refused. RDS picks and upgrades the minor version."
  type        = string
  default     = "8.4"

  validation {
    condition     = contains(["8.4"], var.db_engine_version)
    error_message = "db_engine_version must be 8.4 (MySQL 8.0 is out of RDS standard support since 2026-07-31)."
  }
}

variable "db_parameter_group_family" {
  description = "Parameter group family matching db_engine_version."
  type        = string
  default     = "mysql8.4"
}

variable "db_app_username" {
  description = "MySQL user the origin connects as: DML and DDL on db_name only (created at bootstrap, see infrastructure/README.md). The master user is for operators only."
  type        = string
  default     = "edgeflix_app"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{2,31}$", var.db_app_username))
    error_message = "db_app_username: 3-32 lowercase letters, digits or _, starting with a letter."
  }
}

variable "db_app_password" {
  description = "Password of db_app_username. Ephemeral: written to Secrets Manager as a write-only value, never stored in state or plan. Needed only when db_app_password_version changes (rotation, see README)."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null

  validation {
    condition     = var.db_app_password == null || length(coalesce(var.db_app_password, "")) >= 32
    error_message = "db_app_password must be at least 32 characters."
  }
}

variable "db_app_password_version" {
  description = "Version of db_app_password. Bump it (with TF_VAR_db_app_password set) to write a new password; Terraform writes the secret only when this number changes."
  type        = number
  default     = 1
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.r7g.large"
}

variable "db_allocated_storage" {
  description = "Initial storage in GiB (gp3)."
  type        = number
  default     = 50
}

variable "db_max_allocated_storage" {
  description = "Upper bound in GiB for storage autoscaling."
  type        = number
  default     = 500
}

variable "db_name" {
  description = "Name of the database the origin uses."
  type        = string
  default     = "edgeflix"
}

variable "db_master_username" {
  description = "Master user name. Its password is generated and rotated by RDS in Secrets Manager (manage_master_user_password)."
  type        = string
  default     = "edgeflix_admin"
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 14

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 1 and 35."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the RDS instance (turn off deliberately before a destroy)."
  type        = bool
  default     = true
}

variable "db_backup_window" {
  description = "Daily UTC backup window (hh24:mi-hh24:mi), outside the maintenance window."
  type        = string
  default     = "02:00-03:00"
}

variable "db_maintenance_window" {
  description = "Weekly UTC maintenance window (ddd:hh24:mi-ddd:hh24:mi)."
  type        = string
  default     = "sun:04:00-sun:05:00"
}

# --- ElastiCache Redis -------------------------------------------------------

variable "redis_engine_version" {
  description = "Redis OSS engine version."
  type        = string
  default     = "7.1"
}

variable "redis_parameter_group_name" {
  description = "ElastiCache parameter group (must match the engine major version)."
  type        = string
  default     = "default.redis7"
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "redis_replicas" {
  description = "Number of read replicas besides the primary (at least one, for automatic failover)."
  type        = number
  default     = 1

  validation {
    condition     = var.redis_replicas >= 1 && var.redis_replicas <= 5
    error_message = "redis_replicas must be between 1 and 5."
  }
}

variable "redis_auth_token" {
  description = "Redis AUTH token (16 to 128 printable characters without spaces, '\"', '/' or '@'). Stored in Secrets Manager for the origin."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.redis_auth_token) >= 16 && length(var.redis_auth_token) <= 128 && can(regex("^[!#-.0-?A-~]+$", var.redis_auth_token))
    error_message = "redis_auth_token must be 16-128 printable ASCII characters without spaces, '\"', '/' or '@'."
  }
}

variable "redis_auth_token_version" {
  description = "Version of redis_auth_token in Secrets Manager (write-only value): bump it together with a new token."
  type        = number
  default     = 1
}

variable "redis_snapshot_retention_days" {
  description = "Days of Redis snapshots to keep (Redis holds no durable data; 0 disables)."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
