# One CloudFront distribution of edgeflix. The edge module creates it twice
# when a canary is staged: the primary and a continuous-deployment staging
# copy running other Lambda@Edge versions. Both get exactly these
# behaviours, so what the policy tests prove for one holds for the other.

locals {
  api_origin_id   = "alb-api"
  media_origin_id = "alb-media"
  custom_cert     = var.acm_certificate_arn != null
}

resource "aws_cloudfront_distribution" "this" {
  enabled         = true
  staging         = var.staging
  is_ipv6_enabled = true
  # Continuous deployment does not work with HTTP/3, and a staging
  # distribution must match the primary, so neither serves HTTP/3.
  http_version                    = "http2"
  comment                         = "edgeflix ${var.name}"
  price_class                     = var.price_class
  aliases                         = var.aliases
  web_acl_id                      = var.web_acl_arn
  continuous_deployment_policy_id = var.continuous_deployment_policy_id

  # API, OAuth, JWKS, the web app and artwork: CloudFront proves itself to the
  # ALB with the API secret. It is never sent with media requests.
  origin {
    origin_id   = local.api_origin_id
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
      name  = var.api_origin_header_name
      value = var.api_origin_secret
    }
  }

  # Gated media: the same ALB, no static secret. The viewer-request gate adds
  # X-Edgeflix-Proof (HMAC over path and expiry) and the origin serves
  # /v1/media/ only with a valid proof for that path.
  origin {
    origin_id   = local.media_origin_id
    domain_name = var.origin_domain_name

    custom_origin_config {
      http_port                = 80
      https_port               = 443
      origin_protocol_policy   = "https-only"
      origin_ssl_protocols     = ["TLSv1.2"]
      origin_read_timeout      = 30
      origin_keepalive_timeout = 5
    }
  }

  # Everything else (API, OAuth, JWKS, web app): never cached, every viewer
  # header but Host forwarded. A /v1/media/ path never lands here: the
  # ordered /v1/media/* behaviour below takes it first.
  default_cache_behavior {
    target_origin_id           = local.api_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = var.cache_policy_ids.api
    origin_request_policy_id   = var.origin_request_policy_ids.api
    response_headers_policy_id = var.response_headers_policy_ids.api
  }

  # Master playlists: token gate, then (optionally) the caps rewrite.
  ordered_cache_behavior {
    path_pattern               = "/t/*/master.m3u8"
    target_origin_id           = local.media_origin_id
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = var.cache_policy_ids.master
    origin_request_policy_id   = var.origin_request_policy_ids.master
    response_headers_policy_id = var.response_headers_policy_ids.media

    lambda_function_association {
      event_type   = "viewer-request"
      lambda_arn   = var.viewer_request_arn
      include_body = false
    }

    dynamic "lambda_function_association" {
      for_each = var.origin_request_arn == null ? [] : [var.origin_request_arn]

      content {
        event_type   = "origin-request"
        lambda_arn   = lambda_function_association.value
        include_body = false
      }
    }
  }

  # Media playlists, init segments and segments (/t/*): gate, cached once
  # per path. Untokenised media paths (/v1/media/*) go through the gate too,
  # which answers 403 to any path without /t/<token>: no behaviour reaches
  # /v1/media/ ungated.
  dynamic "ordered_cache_behavior" {
    for_each = ["/t/*", "/v1/media/*"]

    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = local.media_origin_id
      viewer_protocol_policy     = "https-only"
      allowed_methods            = ["GET", "HEAD", "OPTIONS"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = var.cache_policy_ids.media
      origin_request_policy_id   = var.origin_request_policy_ids.media
      response_headers_policy_id = var.response_headers_policy_ids.media

      lambda_function_association {
        event_type   = "viewer-request"
        lambda_arn   = var.viewer_request_arn
        include_body = false
      }
    }
  }

  # Artwork of published titles (/v1/art/<asset>/<file>: posters, backdrops)
  # is public and cacheable; the origin decides what exists. Sprites are
  # media and go through the gate.
  ordered_cache_behavior {
    path_pattern               = "/v1/art/*"
    target_origin_id           = local.api_origin_id
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = false
    cache_policy_id            = var.cache_policy_ids.art
    response_headers_policy_id = var.response_headers_policy_ids.media
  }

  logging_config {
    bucket          = var.logging_bucket_domain_name
    prefix          = var.logging_prefix
    include_cookies = false
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
    minimum_protocol_version       = "TLSv1.2_2021"
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.custom_cert || length(var.aliases) == 0
      error_message = "aliases need acm_certificate_arn (a us-east-1 certificate covering them)."
    }

    precondition {
      condition     = !var.staging || length(var.aliases) == 0
      error_message = "A staging distribution has no aliases: the primary's continuous deployment policy routes traffic to it."
    }
  }
}
