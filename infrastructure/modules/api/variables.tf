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
