output "db_endpoint" {
  description = "RDS endpoint as host:port."
  value       = aws_db_instance.this.endpoint
}

output "db_address" {
  description = "RDS host name."
  value       = aws_db_instance.this.address
}

output "db_port" {
  description = "RDS port."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Database name."
  value       = aws_db_instance.this.db_name
}

output "db_instance_arn" {
  description = "ARN of the RDS instance."
  value       = aws_db_instance.this.arn
}

output "db_master_secret_arn" {
  description = "ARN of the Secrets Manager secret (JSON username/password) RDS manages (and rotates every 7 days) for the master user: operators only, never the origin."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "redis_primary_endpoint" {
  description = "Primary endpoint host name of the Redis replication group (TLS, port redis_port)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "redis_reader_endpoint" {
  description = "Reader endpoint host name of the Redis replication group."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "redis_port" {
  description = "Redis port."
  value       = aws_elasticache_replication_group.this.port
}

output "db_app_secret_arn" {
  description = "ARN of the secret (JSON username/password) of the origin's MySQL user."
  value       = aws_secretsmanager_secret.db_app.arn
}

output "db_app_secret_version_id" {
  description = "Version of the origin's MySQL secret (feeds the origins' instance refresh)."
  value       = aws_secretsmanager_secret_version.db_app.version_id
}

output "redis_auth_secret_version_id" {
  description = "Version of the Redis AUTH secret (feeds the origins' instance refresh)."
  value       = aws_secretsmanager_secret_version.redis_auth.version_id
}

output "redis_auth_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the Redis AUTH token."
  value       = aws_secretsmanager_secret.redis_auth.arn
}

output "mysql_security_group_id" {
  description = "Security group of the RDS instance."
  value       = aws_security_group.mysql.id
}

output "redis_security_group_id" {
  description = "Security group of the Redis replication group."
  value       = aws_security_group.redis.id
}
