# --- security groups: only the origin reaches the databases ------------------

resource "aws_security_group" "mysql" {
  name_prefix = "${var.name}-mysql-"
  description = "RDS MySQL: 3306 from the origin instances only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-mysql" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "mysql_from_origin" {
  security_group_id            = aws_security_group.mysql.id
  description                  = "MySQL from origin"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = var.origin_security_group_id
}

resource "aws_security_group" "redis" {
  name_prefix = "${var.name}-redis-"
  description = "ElastiCache Redis: 6379 from the origin instances only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-redis" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_origin" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from origin"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = var.origin_security_group_id
}

# --- RDS MySQL 8 --------------------------------------------------------------

resource "aws_db_subnet_group" "this" {
  name_prefix = "${var.name}-"
  description = "edgeflix MySQL private subnets"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-mysql-"
  family      = var.db_parameter_group_family
  description = "edgeflix MySQL: utf8mb4 everywhere, TLS required"

  parameter {
    name  = "character_set_server"
    value = "utf8mb4"
  }

  parameter {
    name  = "character_set_client"
    value = "utf8mb4"
  }

  parameter {
    name  = "character_set_connection"
    value = "utf8mb4"
  }

  parameter {
    name  = "character_set_results"
    value = "utf8mb4"
  }

  parameter {
    name  = "collation_server"
    value = "utf8mb4_0900_ai_ci"
  }

  parameter {
    name  = "require_secure_transport"
    value = "1"
  }

  # FULLTEXT search over titles: index words of three characters and more.
  parameter {
    name         = "innodb_ft_min_token_size"
    value        = "3"
    apply_method = "pending-reboot"
  }

  parameter {
    name  = "slow_query_log"
    value = "1"
  }

  parameter {
    name  = "long_query_time"
    value = "0.5"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  identifier_prefix = "${var.name}-"

  engine               = "mysql"
  engine_version       = var.db_engine_version
  instance_class       = var.db_instance_class
  parameter_group_name = aws_db_parameter_group.this.name

  db_name  = var.db_name
  username = var.db_master_username
  # RDS generates the password, keeps it in Secrets Manager and rotates it;
  # it never appears in Terraform state.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.mysql.id]
  publicly_accessible    = false
  network_type           = "IPV4"

  backup_retention_period   = var.db_backup_retention_days
  backup_window             = var.db_backup_window
  maintenance_window        = var.db_maintenance_window
  copy_tags_to_snapshot     = true
  deletion_protection       = var.db_deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"

  # Explicit lifecycle: minor versions follow RDS, a major upgrade happens
  # only when db_engine_version changes, and the instance never slides into
  # paid Extended Support unnoticed.
  auto_minor_version_upgrade          = true
  allow_major_version_upgrade         = false
  engine_lifecycle_support            = "open-source-rds-extended-support-disabled"
  iam_database_authentication_enabled = true
  performance_insights_enabled        = true
  performance_insights_kms_key_id     = var.kms_key_arn
  enabled_cloudwatch_logs_exports     = ["error", "slowquery"]

  tags = var.tags
}

# --- ElastiCache Redis ----------------------------------------------------------

resource "aws_elasticache_subnet_group" "this" {
  name        = "${var.name}-redis"
  description = "edgeflix Redis private subnets"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = "${var.name}-redis"
  description          = "edgeflix catalog cache, rate limits, stream leases, OAuth state"

  engine               = "redis"
  engine_version       = var.redis_engine_version
  node_type            = var.redis_node_type
  parameter_group_name = var.redis_parameter_group_name
  port                 = 6379

  num_cache_clusters         = var.redis_replicas + 1
  automatic_failover_enabled = true
  multi_az_enabled           = true

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [aws_security_group.redis.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  auth_token                 = var.redis_auth_token
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit   = var.redis_snapshot_retention_days
  snapshot_window            = "03:00-04:00"
  maintenance_window         = "sun:05:00-sun:06:00"
  auto_minor_version_upgrade = true
  apply_immediately          = false

  tags = var.tags
}

# The origin reads the Redis AUTH token from Secrets Manager at boot; the
# token is a sensitive input of this module, never a launch template value.
resource "aws_secretsmanager_secret" "redis_auth" {
  name_prefix             = "${var.name}/redis-auth-"
  description             = "AUTH token of the edgeflix ElastiCache replication group"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id                = aws_secretsmanager_secret.redis_auth.id
  secret_string_wo         = var.redis_auth_token
  secret_string_wo_version = var.redis_auth_token_version
}

# --- the origin's database user -------------------------------------------------
#
# The RDS-managed master secret rotates every 7 days, and an origin that
# read it at start would lose the database a week later. The origin uses its
# own user instead, whose password changes only when an operator rotates it
# (dual passwords: RETAIN CURRENT PASSWORD, apply, DISCARD OLD PASSWORD; see
# infrastructure/README.md), and every new secret version rolls the origins.
resource "aws_secretsmanager_secret" "db_app" {
  name_prefix             = "${var.name}/mysql-app-"
  description             = "MySQL user of the edgeflix origin (JSON username/password)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "db_app" {
  secret_id        = aws_secretsmanager_secret.db_app.id
  secret_string_wo = jsonencode({ username = var.db_app_username, password = var.db_app_password })
  # Sent to AWS only when the version changes (first apply, rotation);
  # TF_VAR_db_app_password must be set then (README: bootstrap, rotation).
  secret_string_wo_version = var.db_app_password_version
}
