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
# MySQL. All instances must share it, so it cannot be generated per instance.
resource "aws_secretsmanager_secret" "kek" {
  name_prefix             = "${local.name}/key-encryption-key-"
  description             = "edgeflix origin key-encryption key (EDGEFLIX_KEY_ENCRYPTION_KEY)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30
}

resource "aws_secretsmanager_secret_version" "kek" {
  secret_id     = aws_secretsmanager_secret.kek.id
  secret_string = var.key_encryption_key
}

# The edge secret: CloudFront sends its value in X-Origin-Verify on every
# origin request, the public ALB forwards only requests carrying it, and the
# origin (EDGEFLIX_EDGE_SECRET, read from this secret at every start) serves
# gated media only to them. One secret, one value, three consumers.
resource "aws_secretsmanager_secret" "origin_verify" {
  name_prefix             = "${local.name}/origin-verify-"
  description             = "edgeflix edge secret: CloudFront's X-Origin-Verify header value (EDGEFLIX_EDGE_SECRET of the origin)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "origin_verify" {
  secret_id     = aws_secretsmanager_secret.origin_verify.id
  secret_string = var.origin_verify_secret
}

module "network" {
  source = "../../modules/network"

  name               = local.name
  cidr_block         = var.vpc_cidr_block
  azs                = var.azs
  single_nat_gateway = var.single_nat_gateway
}

module "media" {
  source = "../../modules/media"

  bucket_name                  = var.media_bucket_name
  kms_key_arn                  = null # SSE-S3: CloudFront OAC reads posters without a KMS key policy
  serve_artwork_via_cloudfront = var.serve_artwork_via_cloudfront
  artwork_distribution_arn     = module.edge.distribution_arn
  ingest_principal_arns        = var.ingest_principal_arns
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

  redis_node_type  = var.redis_node_type
  redis_auth_token = var.redis_auth_token
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

  # The ALB rule and the origin both take the edge secret from the secret
  # version (the ARN reference also orders the version before the instances).
  origin_verify_secret           = aws_secretsmanager_secret_version.origin_verify.secret_string
  origin_verify_previous_secrets = var.origin_verify_previous_secrets
  edge_secret_arn                = aws_secretsmanager_secret_version.origin_verify.arn
  secrets_revision               = aws_secretsmanager_secret_version.origin_verify.version_id

  instance_type       = var.origin_instance_type
  architecture        = var.origin_architecture
  min_size            = var.origin_min_size
  max_size            = var.origin_max_size
  desired_capacity    = var.origin_min_size
  kms_key_arn         = var.kms_key_arn
  secrets_kms_key_arn = var.kms_key_arn

  artifact_bucket_name = var.artifact_bucket_name
  artifact_object_key  = var.artifact_object_key

  media_bucket_name = module.media.bucket_name
  media_bucket_arn  = module.media.bucket_arn
  media_prefix      = module.media.media_prefix

  db_address    = module.data.db_address
  db_port       = module.data.db_port
  db_name       = module.data.db_name
  db_secret_arn = module.data.db_master_secret_arn

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

  alb_access_logs_bucket = var.alb_access_logs_bucket
  create_internal_alb    = true
}

module "edge" {
  source = "../../modules/edge"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name               = local.name
  viewer_request_zip = var.viewer_request_zip
  origin_request_zip = var.origin_request_zip
  pinned_versions    = var.pinned_versions

  origin_domain_name   = var.origin_domain_name
  origin_verify_secret = aws_secretsmanager_secret_version.origin_verify.secret_string

  aliases                    = [var.domain_name]
  acm_certificate_arn        = var.cloudfront_certificate_arn
  price_class                = var.price_class
  web_acl_arn                = var.web_acl_arn
  logging_bucket_domain_name = var.cloudfront_logging_bucket_domain_name
  cors_allowed_origins       = var.cors_allowed_origins

  serve_artwork                       = var.serve_artwork_via_cloudfront
  artwork_bucket_regional_domain_name = module.media.bucket_regional_domain_name
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
