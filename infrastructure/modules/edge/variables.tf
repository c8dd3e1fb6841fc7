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

variable "origin_verify_header_name" {
  description = "Header CloudFront adds to every origin request so the ALB can tell CloudFront's traffic apart."
  type        = string
  default     = "X-Origin-Verify"
}

variable "origin_verify_secret" {
  description = "Value of origin_verify_header_name (shared with the origin module)."
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

variable "web_acl_arn" {
  description = "ARN of a WAFv2 web ACL (scope CLOUDFRONT, us-east-1) to attach. Null attaches none."
  type        = string
  default     = null
}

variable "logging_bucket_domain_name" {
  description = "Domain name (bucket.s3.amazonaws.com) of a bucket with ACLs enabled for standard access logs. Null disables logging."
  type        = string
  default     = null
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

variable "serve_artwork" {
  description = "Serve posters (/media/<asset>/poster.jpg) straight from S3 through Origin Access Control instead of through the origin."
  type        = bool
  default     = false
}

variable "artwork_bucket_regional_domain_name" {
  description = "Regional domain name of the media bucket, used when serve_artwork is true."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
