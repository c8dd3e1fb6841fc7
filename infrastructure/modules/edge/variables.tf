variable "name" {
  description = "Name prefix for every resource (for example edgeflix-production)."
  type        = string
}

# --- Lambda@Edge -------------------------------------------------------------

variable "viewer_request_zip" {
  description = "Path of the viewer-request bundle (dist/lambda/viewer-request.zip: index.js + edge.wasm + keys). At most 1 MiB zipped. A changed file publishes a new function version."
  type        = string
}

variable "origin_request_zip" {
  description = "Path of the origin-request bundle (dist/lambda/origin-request.zip). At most 50 MiB zipped. A changed file publishes a new function version."
  type        = string
}

variable "pinned_versions" {
  description = "Function versions CloudFront runs, by trigger (viewer_request, origin_request). Null follows the version the current zip published; a number pins (rollback, or holding traffic while a new version is verified)."
  type = object({
    viewer_request = optional(string)
    origin_request = optional(string)
  })
  default = {}

  validation {
    condition = alltrue([
      for v in [var.pinned_versions.viewer_request, var.pinned_versions.origin_request] :
      v == null ? true : can(regex("^[1-9][0-9]*$", v))
    ])
    error_message = "Pinned versions are published version numbers (1, 2, …), never $LATEST."
  }
}

variable "lambda_runtime" {
  description = "Node.js runtime of both functions. nodejs22.x is supported by Lambda@Edge until Node 22's end of life (2027-04-30); move on before then."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = contains(["nodejs22.x"], var.lambda_runtime)
    error_message = "lambda_runtime must be a Node.js runtime Lambda@Edge supports and provider 5.99 knows: nodejs22.x (nodejs20.x reached end of support on 2026-04-30)."
  }
}

variable "master_rewrite_at_origin" {
  description = "True (the default): no origin-request trigger; CloudFront fetches master playlists through the ALB's CloudFront prefix list with X-Edgeflix-Caps (in the master cache key and forwarded), and the origin rewrites them with the module's own Go package. False: the origin-request Lambda@Edge function rewrites masters; its own fetch leaves from Lambda's address space, so set false only where the origin admits it: a CloudFront VPC origin, or an ALB whose security group admits Lambda@Edge's regional ranges. See RATIONALE.md."
  type        = bool
  default     = true
}

variable "staging_viewer_request_version" {
  description = "Published version number of the viewer-request function the staging distribution runs (CloudFront continuous deployment). Null: no staging distribution and no continuous deployment policy."
  type        = string
  default     = null

  validation {
    condition     = var.staging_viewer_request_version == null || can(regex("^[1-9][0-9]*$", var.staging_viewer_request_version))
    error_message = "staging_viewer_request_version is a published version number (1, 2, …), never $LATEST or an alias."
  }
}

variable "staging_origin_request_version" {
  description = "Published version number of the origin-request function on the staging distribution. Null: the version the primary runs."
  type        = string
  default     = null

  validation {
    condition     = var.staging_origin_request_version == null || can(regex("^[1-9][0-9]*$", var.staging_origin_request_version))
    error_message = "staging_origin_request_version is a published version number (1, 2, …), never $LATEST or an alias."
  }
}

variable "staging_traffic_weight" {
  description = "Share of viewers (0 to 0.15, CloudFront's limit) the continuous deployment policy sends to the staging distribution when staging_header_value is null."
  type        = number
  default     = 0.05

  validation {
    condition     = var.staging_traffic_weight >= 0 && var.staging_traffic_weight <= 0.15
    error_message = "staging_traffic_weight must be between 0 and 0.15 (CloudFront continuous deployment sends at most 15 %)."
  }
}

variable "staging_header_value" {
  description = "When set, only requests with the header aws-cf-cd-staging: <value> reach the staging distribution (smoke test at 0 % weight) instead of a weighted share."
  type        = string
  default     = null

  validation {
    condition     = var.staging_header_value == null || can(regex("^[A-Za-z0-9_-]{1,64}$", var.staging_header_value))
    error_message = "staging_header_value: 1 to 64 letters, digits, - or _."
  }
}

variable "viewer_request_memory_mb" {
  description = "Memory of the viewer-request function (viewer triggers allow at most 128 MB)."
  type        = number
  default     = 128

  validation {
    condition     = var.viewer_request_memory_mb == 128
    error_message = "Viewer triggers run with exactly 128 MB."
  }
}

variable "origin_request_memory_mb" {
  description = "Memory of the origin-request function (128 to 10240 MB; more memory also means more CPU for the Wasm rewrite)."
  type        = number
  default     = 512
}

# --- CloudFront --------------------------------------------------------------

variable "origin_domain_name" {
  description = "DNS name CloudFront connects to over HTTPS: a record pointing at the public ALB, covered by the ALB's certificate (ALB DNS names have no certificate of ours)."
  type        = string
}

variable "api_origin_header_name" {
  description = "Header CloudFront adds to requests of the API behaviours so the ALB can tell CloudFront's traffic apart. Media behaviours never carry it."
  type        = string
  default     = "X-Origin-Verify"
}

variable "api_origin_secret" {
  description = "Value of api_origin_header_name (the API secret, shared with the origin module's ALB rule). It is not the media proof key and must never equal it."
  type        = string
  sensitive   = true
}

variable "aliases" {
  description = "Alternate domain names of the distribution (for example watch.example.com). Empty uses the *.cloudfront.net name only."
  type        = list(string)
  default     = []
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 covering aliases. Null uses the default *.cloudfront.net certificate (then aliases must be empty)."
  type        = string
  default     = null
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100, PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "logging_bucket_domain_name" {
  description = "Domain name (bucket.s3.amazonaws.com) of the access log bucket (ACLs enabled, see modules/logs)."
  type        = string
}

variable "waf_rate_limit_per_5min" {
  description = "Requests per viewer IP in any 5 minutes before the WAF blocks it. Segments come from the cache, but every request counts: a 4-second-segment stream makes ~75 requests per 5 minutes, so several screens behind one NAT fit easily."
  type        = number
  default     = 3000

  validation {
    condition     = var.waf_rate_limit_per_5min >= 100 && var.waf_rate_limit_per_5min <= 2000000000
    error_message = "waf_rate_limit_per_5min must be between 100 and 2e9 (WAFv2 limits)."
  }
}

variable "waf_managed_rule_groups" {
  description = "AWS managed rule groups evaluated after the rate limit, in order."
  type        = list(string)
  default     = ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]
}

variable "logging_prefix" {
  description = "Key prefix of the access logs."
  type        = string
  default     = "cloudfront/"
}

variable "cors_allowed_origins" {
  description = "Origins allowed to fetch media cross-origin (the web app's origin); [\"*\"] allows any (media is token-gated, no credentials)."
  type        = list(string)
  default     = ["*"]
}

variable "master_playlist_ttl" {
  description = "Default TTL in seconds of rewritten master playlists (per path and caps class)."
  type        = number
  default     = 300
}

variable "media_ttl" {
  description = "Default TTL in seconds of media playlists and segments (immutable once published)."
  type        = number
  default     = 86400
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
