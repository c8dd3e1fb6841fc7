locals {
  name       = "edgeflix-${var.environment}"
  public_url = "https://${var.domain_name}"

  tags = {
    Project     = "edgeflix"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}

# The key-encryption key that wraps the origin's Ed25519 signing keys in
# MySQL. Generated once by Terraform (sha256 of an ephemeral random value:
# 64 hex digits), written as a write-only value, so it is in no variable,
# plan or state, and never replaced: the version number is a constant and
# both resources refuse destruction.
ephemeral "random_password" "kek" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "kek" {
  name_prefix             = "${local.name}/key-encryption-key-"
  description             = "edgeflix origin key-encryption key (EDGEFLIX_KEY_ENCRYPTION_KEY)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_secretsmanager_secret_version" "kek" {
  secret_id                = aws_secretsmanager_secret.kek.id
  secret_string_wo         = sha256(ephemeral.random_password.kek.result)
  secret_string_wo_version = 1

  lifecycle {
    prevent_destroy = true
  }
}

# The gate's proof keys: the viewer-request bundle has them baked in (make
# lambda), the origin reads them from here and accepts /v1/media/ only with a
# valid X-Edgeflix-Proof. Write-only: never in state.
resource "aws_secretsmanager_secret" "edge_proof_keys" {
  name_prefix             = "${local.name}/edge-proof-keys-"
  description             = "edgeflix gate proof keys (EDGEFLIX_EDGE_PROOF_KEYS of the origin)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "edge_proof_keys" {
  secret_id                = aws_secretsmanager_secret.edge_proof_keys.id
  secret_string_wo         = var.edge_proof_keys
  secret_string_wo_version = var.edge_proof_keys_version
}

module "logs" {
  source = "../../modules/logs"

  bucket_name    = "${local.name}-logs-${data.aws_caller_identity.current.account_id}"
  retention_days = var.log_retention_days
  force_destroy  = var.force_destroy_buckets
  tags           = local.tags
}

data "aws_caller_identity" "current" {}

module "network" {
  source = "../../modules/network"

  name                 = local.name
  cidr_block           = var.vpc_cidr_block
  azs                  = var.azs
  flow_logs_bucket_arn = module.logs.bucket_arn
  tags                 = local.tags
}

module "media" {
  source = "../../modules/media"

  bucket_name           = var.media_bucket_name
  kms_key_arn           = var.kms_key_arn
  ingest_principal_arns = var.ingest_principal_arns
  tags                  = local.tags
}

module "data" {
  source = "../../modules/data"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.private_subnet_ids
  origin_security_group_id = module.origin.security_group_id
  kms_key_arn              = var.kms_key_arn

  db_instance_class      = var.db_instance_class
  db_deletion_protection = var.db_deletion_protection

  db_app_password         = var.db_app_password
  db_app_password_version = var.db_app_password_version

  redis_node_type          = var.redis_node_type
  redis_auth_token         = var.redis_auth_token
  redis_auth_token_version = var.redis_auth_token_version

  tags = local.tags
}

module "origin" {
  source = "../../modules/origin"

  name               = local.name
  environment        = var.environment
  vpc_id             = module.network.vpc_id
  vpc_cidr_block     = module.network.vpc_cidr_block
  public_subnet_ids  = module.network.public_subnet_ids
  private_subnet_ids = module.network.private_subnet_ids
  certificate_arn    = var.alb_certificate_arn

  api_origin_secret           = var.api_origin_secret
  api_origin_previous_secrets = var.api_origin_previous_secrets
  edge_proof_keys_secret_arn  = aws_secretsmanager_secret.edge_proof_keys.arn
  endpoint_security_group_id  = module.network.endpoint_security_group_id
  s3_prefix_list_id           = module.network.s3_prefix_list_id
  # Every secret version the origin reads: a new one rolls the fleet.
  secrets_revision = join("|", [
    aws_secretsmanager_secret_version.edge_proof_keys.version_id,
    aws_secretsmanager_secret_version.kek.version_id,
    module.data.db_app_secret_version_id,
    module.data.redis_auth_secret_version_id,
  ])

  instance_type       = var.origin_instance_type
  architecture        = var.origin_architecture
  ami_id              = var.origin_ami_id
  min_size            = var.origin_min_size
  max_size            = var.origin_max_size
  desired_capacity    = var.origin_min_size
  kms_key_arn         = var.kms_key_arn
  secrets_kms_key_arn = var.kms_key_arn

  artifact_bucket_name = var.artifact_bucket_name
  artifact_prefix      = var.artifact_prefix
  artifact_object_key  = var.artifact_object_key

  media_bucket_name = module.media.bucket_name
  media_bucket_arn  = module.media.bucket_arn
  media_prefix      = module.media.media_prefix

  db_address    = module.data.db_address
  db_port       = module.data.db_port
  db_name       = module.data.db_name
  db_secret_arn = module.data.db_app_secret_arn

  redis_address         = module.data.redis_primary_endpoint
  redis_port            = module.data.redis_port
  redis_auth_secret_arn = module.data.redis_auth_secret_arn

  # CloudFront serves API, app and media from one host name, which is also
  # the token issuer (https://<domain_name>; build the Lambda@Edge bundle
  # with make lambda ISS=https://<domain_name>).
  public_origin_url = local.public_url
  public_edge_url   = local.public_url
  issuer            = local.public_url
  extra_secret_arns = {
    EDGEFLIX_KEY_ENCRYPTION_KEY = aws_secretsmanager_secret.kek.arn
  }

  access_logs_bucket  = module.logs.bucket_name
  create_internal_alb = true
  tags                = local.tags
}

module "edge" {
  source = "../../modules/edge"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name                     = local.name
  viewer_request_zip       = var.viewer_request_zip
  origin_request_zip       = var.origin_request_zip
  pinned_versions          = var.pinned_versions
  master_rewrite_at_origin = var.master_rewrite_at_origin

  staging_viewer_request_version = var.staging_viewer_request_version
  staging_origin_request_version = var.staging_origin_request_version
  staging_traffic_weight         = var.staging_traffic_weight
  staging_header_value           = var.staging_header_value

  origin_domain_name = var.origin_domain_name
  api_origin_secret  = var.api_origin_secret

  aliases                    = [var.domain_name]
  acm_certificate_arn        = var.cloudfront_certificate_arn
  price_class                = var.price_class
  waf_rate_limit_per_5min    = var.waf_rate_limit_per_5min
  logging_bucket_domain_name = module.logs.bucket_domain_name
  cors_allowed_origins       = var.cors_allowed_origins

  tags = local.tags
}

module "api" {
  source = "../../modules/api"

  name                = local.name
  vpc_id              = module.network.vpc_id
  vpc_cidr_block      = module.network.vpc_cidr_block
  subnet_ids          = module.network.private_subnet_ids
  alb_listener_arn    = module.origin.internal_https_listener_arn
  alb_tls_server_name = var.origin_domain_name

  throttling_burst_limit = var.operator_api_burst_limit
  throttling_rate_limit  = var.operator_api_rate_limit

  tags = local.tags
}

# --- DNS (optional) ----------------------------------------------------------------

resource "aws_route53_record" "origin" {
  count = var.route53_zone_id == null ? 0 : 1

  zone_id = var.route53_zone_id
  name    = var.origin_domain_name
  type    = "A"

  alias {
    name                   = module.origin.alb_dns_name
    zone_id                = module.origin.alb_zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "service" {
  for_each = var.route53_zone_id == null ? toset([]) : toset(["A", "AAAA"])

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = each.value

  alias {
    name                   = module.edge.domain_name
    zone_id                = module.edge.hosted_zone_id
    evaluate_target_health = false
  }
}
