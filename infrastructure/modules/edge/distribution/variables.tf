variable "name" {
  description = "Name of the distribution (comment), for example edgeflix-production or edgeflix-production-staging."
  type        = string
}

variable "staging" {
  description = "Create a CloudFront continuous-deployment staging distribution (takes traffic only through the primary's continuous deployment policy)."
  type        = bool
  default     = false
}

variable "continuous_deployment_policy_id" {
  description = "ID of the continuous deployment policy sending a share of the traffic to the staging distribution (primary only; null: none)."
  type        = string
  default     = null
}

variable "viewer_request_arn" {
  description = "Qualified ARN (numbered version) of the viewer-request function: the token gate."
  type        = string
}

variable "origin_request_arn" {
  description = "Qualified ARN (numbered version) of the origin-request function: the master playlist rewrite. Null: CloudFront fetches master playlists itself (the origin rewrites them for X-Edgeflix-Caps)."
  type        = string
  default     = null
}

variable "origin_domain_name" {
  description = "DNS name of the public ALB, covered by its certificate."
  type        = string
}

variable "api_origin_header_name" {
  description = "Header CloudFront adds to requests of the API origin (never to media)."
  type        = string
}

variable "api_origin_secret" {
  description = "Value of api_origin_header_name: the API behaviour's own secret, never used for media."
  type        = string
  sensitive   = true
}

variable "cache_policy_ids" {
  description = "Cache policy IDs by use: master, media, art, api."
  type = object({
    master = string
    media  = string
    art    = string
    api    = string
  })
}

variable "origin_request_policy_ids" {
  description = "Origin request policy IDs by use: master (caps + proof), media (proof), api (viewer headers but Host)."
  type = object({
    master = string
    media  = string
    api    = string
  })
}

variable "response_headers_policy_ids" {
  description = "Response headers policy IDs by use: media (CORS, HSTS), api (HSTS, frame options)."
  type = object({
    media = string
    api   = string
  })
}

variable "aliases" {
  description = "Alternate domain names (empty for a staging distribution: CloudFront moves traffic to it through the primary)."
  type        = list(string)
  default     = []
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 covering aliases. Null uses the *.cloudfront.net certificate (aliases must then be empty)."
  type        = string
  default     = null
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
}

variable "web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope WAFv2 web ACL."
  type        = string
}

variable "logging_bucket_domain_name" {
  description = "Domain name (bucket.s3.amazonaws.com) of the access log bucket (ACLs enabled)."
  type        = string
}

variable "logging_prefix" {
  description = "Key prefix of the access logs."
  type        = string
}

variable "tags" {
  description = "Tags added to the distribution."
  type        = map(string)
  default     = {}
}
