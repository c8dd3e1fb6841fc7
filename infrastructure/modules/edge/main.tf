data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# AWS managed policies, looked up by name (IDs in comments for reference).
data "aws_cloudfront_cache_policy" "caching_disabled" {
  name = "Managed-CachingDisabled" # 4135ea2d-6df8-44a3-9df3-4b5a84be39ad
}

data "aws_cloudfront_cache_policy" "caching_optimized" {
  name = "Managed-CachingOptimized" # 658327ea-f89d-4fab-a63d-7e88639e58f6
}

data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader" # b689b0a8-53d0-40ab-baf2-68738e2966ac
}

locals {
  caps_header     = "X-Edgeflix-Caps"
  proof_header    = "X-Edgeflix-Proof"
  viewer_function = "${var.name}-viewer-request"
  origin_function = "${var.name}-origin-request"

  # Lambda@Edge needs a numbered version. Unpinned: the version the current
  # zip published. Pinned: that exact earlier (or later) version.
  viewer_request_arn = var.pinned_versions.viewer_request == null ? aws_lambda_function.viewer_request.qualified_arn : "${aws_lambda_function.viewer_request.arn}:${var.pinned_versions.viewer_request}"
  origin_request_arn = var.pinned_versions.origin_request == null ? aws_lambda_function.origin_request.qualified_arn : "${aws_lambda_function.origin_request.arn}:${var.pinned_versions.origin_request}"

  # Canary (CloudFront continuous deployment): a staging distribution runs
  # these published versions and takes a share of the traffic or the
  # requests carrying aws-cf-cd-staging.
  staging_enabled            = var.staging_viewer_request_version != null
  staging_viewer_request_arn = local.staging_enabled ? "${aws_lambda_function.viewer_request.arn}:${var.staging_viewer_request_version}" : null
  staging_origin_request_arn = var.staging_origin_request_version == null ? local.origin_request_arn : "${aws_lambda_function.origin_request.arn}:${var.staging_origin_request_version}"

  # base64 of n bytes is 4*ceil(n/3) characters: the bound for 1 MiB zipped.
  viewer_zip_max_b64 = 4 * ceil(1048576 / 3)
  origin_zip_max_b64 = 4 * ceil(52428800 / 3)
}

# --- Lambda@Edge execution role ------------------------------------------------

data "aws_iam_policy_document" "assume_lambda_edge" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda_edge" {
  provider = aws.us_east_1

  name_prefix        = "edgeflix-edge-"
  description        = "edgeflix Lambda@Edge functions (viewer-request token gate, origin-request master rewrite)"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda_edge.json

  tags = var.tags
}

# Replicas log to /aws/lambda/us-east-1.<function> in the region that ran
# them, so the region is a wildcard; account and log group names are not.
data "aws_iam_policy_document" "lambda_edge_logs" {
  statement {
    sid     = "WriteOwnLogs"
    effect  = "Allow"
    actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = flatten([
      for fn in [local.viewer_function, local.origin_function] : [
        "arn:${data.aws_partition.current.partition}:logs:*:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/us-east-1.${fn}",
        "arn:${data.aws_partition.current.partition}:logs:*:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/us-east-1.${fn}:*",
        "arn:${data.aws_partition.current.partition}:logs:us-east-1:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/${fn}",
        "arn:${data.aws_partition.current.partition}:logs:us-east-1:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/${fn}:*",
      ]
    ])
  }
}

resource "aws_iam_role_policy" "lambda_edge_logs" {
  provider = aws.us_east_1

  name   = "write-own-logs"
  role   = aws_iam_role.lambda_edge.id
  policy = data.aws_iam_policy_document.lambda_edge_logs.json
}

# --- the two functions (same Go wasip1 module, two handlers' bundles) ----------

resource "aws_lambda_function" "viewer_request" {
  provider = aws.us_east_1

  function_name    = local.viewer_function
  description      = "edgeflix viewer-request: playback token gate (Go wasip1 module on Node.js WASI)"
  role             = aws_iam_role.lambda_edge.arn
  runtime          = var.lambda_runtime
  handler          = "index.handler"
  filename         = var.viewer_request_zip
  source_code_hash = filebase64sha256(var.viewer_request_zip)
  publish          = true
  memory_size      = var.viewer_request_memory_mb
  timeout          = 5

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(filebase64(var.viewer_request_zip)) <= local.viewer_zip_max_b64
      error_message = "viewer-request.zip is larger than 1 MiB, the Lambda@Edge limit for viewer triggers."
    }
  }
}

resource "aws_lambda_function" "origin_request" {
  provider = aws.us_east_1

  function_name    = local.origin_function
  description      = "edgeflix origin-request: master playlist rewrite for the device caps"
  role             = aws_iam_role.lambda_edge.arn
  runtime          = var.lambda_runtime
  handler          = "index.handler"
  filename         = var.origin_request_zip
  source_code_hash = filebase64sha256(var.origin_request_zip)
  publish          = true
  memory_size      = var.origin_request_memory_mb
  timeout          = 30

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(filebase64(var.origin_request_zip)) <= local.origin_zip_max_b64
      error_message = "origin-request.zip is larger than 50 MiB, the Lambda@Edge limit for origin triggers."
    }
  }
}

# --- cache, origin request and response headers policies ------------------------

# Master playlists: one cache entry per (path, caps class). The viewer-request
# function strips /t/<token> and sets X-Edgeflix-Caps before the cache lookup.
resource "aws_cloudfront_cache_policy" "master" {
  name        = "${var.name}-master-playlist"
  comment     = "Master playlists keyed on path and X-Edgeflix-Caps"
  min_ttl     = 0
  default_ttl = var.master_playlist_ttl
  max_ttl     = 86400

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true

    cookies_config {
      cookie_behavior = "none"
    }

    headers_config {
      header_behavior = "whitelist"

      headers {
        items = [local.caps_header]
      }
    }

    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# Media playlists and segments: one cache entry per path for every viewer.
resource "aws_cloudfront_cache_policy" "media" {
  name        = "${var.name}-media"
  comment     = "Media playlists and fMP4 segments keyed on path only"
  min_ttl     = 0
  default_ttl = var.media_ttl
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true

    cookies_config {
      cookie_behavior = "none"
    }

    headers_config {
      header_behavior = "none"
    }

    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# Headers a viewer-request function adds reach the origin only when the
# behaviour's origin request (or cache) policy lists them, so both gated
# policies forward X-Edgeflix-Proof; it stays out of every cache key (media is
# cached once per path, whatever proof fetched it).
resource "aws_cloudfront_origin_request_policy" "master" {
  name    = "${var.name}-master-playlist"
  comment = "Forward the device caps and the gate's path proof"

  cookies_config {
    cookie_behavior = "none"
  }

  headers_config {
    header_behavior = "whitelist"

    headers {
      items = [local.caps_header, local.proof_header]
    }
  }

  query_strings_config {
    query_string_behavior = "none"
  }
}

resource "aws_cloudfront_origin_request_policy" "media" {
  name    = "${var.name}-media"
  comment = "Forward the gate's path proof to the origin"

  cookies_config {
    cookie_behavior = "none"
  }

  headers_config {
    header_behavior = "whitelist"

    headers {
      items = [local.proof_header]
    }
  }

  query_strings_config {
    query_string_behavior = "none"
  }
}

resource "aws_cloudfront_response_headers_policy" "media" {
  name    = "${var.name}-media"
  comment = "CORS for players on other origins, security headers"

  cors_config {
    access_control_allow_credentials = false
    access_control_max_age_sec       = 600
    origin_override                  = true

    access_control_allow_headers {
      items = ["Range"]
    }

    access_control_allow_methods {
      items = ["GET", "HEAD", "OPTIONS"]
    }

    access_control_allow_origins {
      items = var.cors_allowed_origins
    }

    access_control_expose_headers {
      items = ["Content-Range", "Content-Length"]
    }
  }

  security_headers_config {
    content_type_options {
      override = true
    }

    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = false
      override                   = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
  }
}

resource "aws_cloudfront_response_headers_policy" "api" {
  name    = "${var.name}-api"
  comment = "Security headers for the API and the web app"

  security_headers_config {
    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = false
      override                   = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }

    xss_protection {
      protection = false
      override   = true
    }
  }
}

# --- WAF: CLOUDFRONT scope, created here so no distribution goes without ---

resource "aws_wafv2_web_acl" "this" {
  provider = aws.us_east_1

  name        = "${var.name}-edge"
  description = "edgeflix CloudFront: per-IP rate limit and AWS managed rules"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 0

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit_per_5min
        aggregate_key_type    = "IP"
        evaluation_window_sec = 300
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  dynamic "rule" {
    for_each = var.waf_managed_rule_groups

    content {
      name     = rule.value
      priority = 10 + rule.key

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          vendor_name = "AWS"
          name        = rule.value
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-${rule.value}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-edge"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

# --- the distributions -------------------------------------------------------------

locals {
  cache_policy_ids = {
    master = aws_cloudfront_cache_policy.master.id
    media  = aws_cloudfront_cache_policy.media.id
    art    = data.aws_cloudfront_cache_policy.caching_optimized.id
    api    = data.aws_cloudfront_cache_policy.caching_disabled.id
  }
  origin_request_policy_ids = {
    master = aws_cloudfront_origin_request_policy.master.id
    media  = aws_cloudfront_origin_request_policy.media.id
    api    = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
  }
  response_headers_policy_ids = {
    media = aws_cloudfront_response_headers_policy.media.id
    api   = aws_cloudfront_response_headers_policy.api.id
  }
}

module "primary" {
  source = "./distribution"

  name                            = var.name
  continuous_deployment_policy_id = local.staging_enabled ? aws_cloudfront_continuous_deployment_policy.canary[0].id : null
  viewer_request_arn              = local.viewer_request_arn
  origin_request_arn              = var.master_rewrite_at_origin ? null : local.origin_request_arn

  origin_domain_name          = var.origin_domain_name
  api_origin_header_name      = var.api_origin_header_name
  api_origin_secret           = var.api_origin_secret
  cache_policy_ids            = local.cache_policy_ids
  origin_request_policy_ids   = local.origin_request_policy_ids
  response_headers_policy_ids = local.response_headers_policy_ids

  aliases                    = var.aliases
  acm_certificate_arn        = var.acm_certificate_arn
  price_class                = var.price_class
  web_acl_arn                = aws_wafv2_web_acl.this.arn
  logging_bucket_domain_name = var.logging_bucket_domain_name
  logging_prefix             = "${var.logging_prefix}primary/"

  tags = var.tags
}

module "staging" {
  source = "./distribution"
  count  = local.staging_enabled ? 1 : 0

  name               = "${var.name}-staging"
  staging            = true
  viewer_request_arn = local.staging_viewer_request_arn
  origin_request_arn = var.master_rewrite_at_origin ? null : local.staging_origin_request_arn

  origin_domain_name          = var.origin_domain_name
  api_origin_header_name      = var.api_origin_header_name
  api_origin_secret           = var.api_origin_secret
  cache_policy_ids            = local.cache_policy_ids
  origin_request_policy_ids   = local.origin_request_policy_ids
  response_headers_policy_ids = local.response_headers_policy_ids

  acm_certificate_arn        = var.acm_certificate_arn
  price_class                = var.price_class
  web_acl_arn                = aws_wafv2_web_acl.this.arn
  logging_bucket_domain_name = var.logging_bucket_domain_name
  logging_prefix             = "${var.logging_prefix}staging/"

  tags = var.tags
}

# Sends staging_traffic_weight of the viewers (sticky per viewer for the
# session), or only requests with aws-cf-cd-staging: <staging_header_value>,
# to the staging distribution. Promote with `aws cloudfront
# update-distribution-with-staging-config`, then set pinned_versions to the
# staged versions and staging_viewer_request_version = null.
resource "aws_cloudfront_continuous_deployment_policy" "canary" {
  count = local.staging_enabled ? 1 : 0

  enabled = true

  staging_distribution_dns_names {
    items    = [module.staging[0].domain_name]
    quantity = 1
  }

  traffic_config {
    type = var.staging_header_value == null ? "SingleWeight" : "SingleHeader"

    dynamic "single_weight_config" {
      for_each = var.staging_header_value == null ? [var.staging_traffic_weight] : []

      content {
        weight = single_weight_config.value

        session_stickiness_config {
          idle_ttl    = 300
          maximum_ttl = 3600
        }
      }
    }

    dynamic "single_header_config" {
      for_each = var.staging_header_value == null ? [] : [var.staging_header_value]

      content {
        header = "aws-cf-cd-staging"
        value  = single_header_config.value
      }
    }
  }
}
