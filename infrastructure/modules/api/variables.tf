variable "name" {
  description = "Name prefix for every resource (for example edgeflix-production)."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC holding the internal ALB."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the VPC link's network interfaces."
  type        = list(string)
}

variable "alb_listener_arn" {
  description = "ARN of the (internal) ALB HTTPS listener that the operator API routes to."
  type        = string
}

variable "alb_tls_server_name" {
  description = "Host name API Gateway verifies on the ALB certificate and sends as SNI (a name the ALB certificate covers)."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR of the VPC (the VPC link may talk to the internal ALB only)."
  type        = string
}

variable "jwt_issuer" {
  description = "Issuer of the operator access tokens: the origin's public URL. API Gateway fetches <issuer>/.well-known/openid-configuration and from it the jwks_uri (the origin's /.well-known/jwks.json)."
  type        = string

  validation {
    condition     = startswith(var.jwt_issuer, "https://")
    error_message = "jwt_issuer must be an https URL reachable from the internet."
  }
}

variable "jwt_audience" {
  description = "Accepted aud values of operator access tokens."
  type        = list(string)
}

variable "jwt_scopes" {
  description = "Scopes an access token needs for the operator routes (empty: any valid token of the audience)."
  type        = list(string)
  default     = ["operator"]
}

variable "throttling_burst_limit" {
  description = "Burst limit (requests) of the default route settings."
  type        = number
  default     = 50
}

variable "throttling_rate_limit" {
  description = "Steady-state rate limit (requests per second) of the default route settings."
  type        = number
  default     = 20
}

variable "log_retention_days" {
  description = "Retention of the access log group."
  type        = number
  default     = 90
}

variable "log_kms_key_arn" {
  description = "KMS key for the access log group (null: CloudWatch default encryption)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
