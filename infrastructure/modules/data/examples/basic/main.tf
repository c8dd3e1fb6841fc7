# RDS MySQL 8.4 and ElastiCache Redis in existing private subnets. Secrets
# come from the environment: TF_VAR_redis_auth_token, TF_VAR_db_app_password.
variable "redis_auth_token" {
  description = "Redis AUTH token (openssl rand -hex 32)."
  type        = string
  sensitive   = true
}

variable "db_app_password" {
  description = "Password of the origin's MySQL user (openssl rand -hex 32); write-only."
  type        = string
  sensitive   = true
  ephemeral   = true
}

module "data" {
  source = "../../"

  name                     = "edgeflix-example"
  vpc_id                   = "vpc-0123456789abcdef0"
  subnet_ids               = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
  origin_security_group_id = "sg-0123456789abcdef0"

  db_instance_class      = "db.t4g.medium"
  db_deletion_protection = false
  db_app_password        = var.db_app_password

  redis_node_type  = "cache.t4g.small"
  redis_auth_token = var.redis_auth_token

  tags = { Project = "edgeflix", Environment = "example" }
}

output "db_app_secret_arn" {
  description = "Secret of the origin's MySQL user."
  value       = module.data.db_app_secret_arn
}
