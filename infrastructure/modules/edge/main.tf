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
  alb_origin_id   = "origin-alb"
  s3_origin_id    = "media-s3"
  custom_cert     = var.acm_certificate_arn != null
  caps_header     = "X-Edgeflix-Caps"
  viewer_function = "${var.name}-viewer-request"
  origin_function = "${var.name}-origin-request"

  # Lambda@Edge needs a numbered version. Unpinned: the version the current
  # zip published. Pinned: that exact earlier (or later) version.
  viewer_request_arn = var.pinned_versions.viewer_request == null ? aws_lambda_function.viewer_request.qualified_arn : "${aws_lambda_function.viewer_request.arn}:${var.pinned_versions.viewer_request}"
  origin_request_arn = var.pinned_versions.origin_request == null ? aws_lambda_function.origin_request.qualified_arn : "${aws_lambda_function.origin_request.arn}:${var.pinned_versions.origin_request}"

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
  runtime          = "nodejs20.x"
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
  runtime          = "nodejs20.x"
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

resource "aws_cloudfront_origin_request_policy" "master" {
  name    = "${var.name}-master-playlist"
  comment = "Forward the device caps to the origin-request function and the origin"

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

resource "aws_cloudfront_origin_access_control" "artwork" {
  count = var.serve_artwork ? 1 : 0

  name                              = "${var.name}-artwork"
  description                       = "CloudFront reads posters from the media bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# --- the distribution --------------------------------------------------------------

resource "aws_cloudfront_distribution" "this" {
  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  comment         = "edgeflix ${var.name}"
  price_class     = var.price_class
  aliases         = var.aliases
  web_acl_id      = var.web_acl_arn

  origin {
    origin_id   = local.alb_origin_id
    domain_name = var.origin_domain_name

    custom_origin_config {
      http_port                = 80
      https_port               = 443
      origin_protocol_policy   = "https-only"
      origin_ssl_protocols     = ["TLSv1.2"]
      origin_read_timeout      = 30
      origin_keepalive_timeout = 5
    }

    custom_header {
      name  = var.origin_verify_header_name
      value = var.origin_verify_secret
    }
  }

  dynamic "origin" {
    for_each = var.serve_artwork ? [var.artwork_bucket_regional_domain_name] : []

    content {
      origin_id                = local.s3_origin_id
      domain_name              = origin.value
      origin_access_control_id = aws_cloudfront_origin_access_control.artwork[0].id
    }
  }

  # API, OAuth, JWKS and the web app: never cached, every viewer header but
  # Host forwarded (the ALB certificate names origin_domain_name).
  default_cache_behavior {
    target_origin_id           = local.alb_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.api.id
  }

  # Master playlists: token gate, then the caps rewrite on a cache miss.
  ordered_cache_behavior {
    path_pattern               = "/t/*/master.m3u8"
    target_origin_id           = local.alb_origin_id
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.master.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.master.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id

    lambda_function_association {
      event_type   = "viewer-request"
      lambda_arn   = local.viewer_request_arn
      include_body = false
    }

    lambda_function_association {
      event_type   = "origin-request"
      lambda_arn   = local.origin_request_arn
      include_body = false
    }
  }

  # Media playlists and segments: token gate only; cached once for everyone.
  ordered_cache_behavior {
    path_pattern               = "/t/*"
    target_origin_id           = local.alb_origin_id
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.media.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id

    lambda_function_association {
      event_type   = "viewer-request"
      lambda_arn   = local.viewer_request_arn
      include_body = false
    }
  }

  dynamic "ordered_cache_behavior" {
    for_each = var.serve_artwork ? ["/media/*/poster.jpg"] : []

    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = local.s3_origin_id
      viewer_protocol_policy     = "https-only"
      allowed_methods            = ["GET", "HEAD"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = false
      cache_policy_id            = data.aws_cloudfront_cache_policy.caching_optimized.id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id
    }
  }

  dynamic "logging_config" {
    for_each = var.logging_bucket_domain_name == null ? [] : [var.logging_bucket_domain_name]

    content {
      bucket          = logging_config.value
      prefix          = var.logging_prefix
      include_cookies = false
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
      locations        = []
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = !local.custom_cert
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = local.custom_cert ? "sni-only" : null
    minimum_protocol_version       = local.custom_cert ? "TLSv1.2_2021" : "TLSv1"
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.custom_cert || length(var.aliases) == 0
      error_message = "aliases need acm_certificate_arn (a us-east-1 certificate covering them)."
    }

    precondition {
      condition     = !var.serve_artwork || var.artwork_bucket_regional_domain_name != null
      error_message = "serve_artwork needs artwork_bucket_regional_domain_name."
    }
  }
}
