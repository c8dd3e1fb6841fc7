variable "name" {
  description = "Name prefix for every resource (for example edgeflix-production)."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC. Public and private subnets are carved out of it with cidrsubnet."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0))
    error_message = "cidr_block must be a valid IPv4 CIDR block."
  }
}

variable "azs" {
  description = "Availability zones to spread subnets over; at least two for Multi-AZ RDS, ElastiCache failover and the ALB."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2
    error_message = "At least two availability zones are required."
  }
}

variable "flow_logs_bucket_arn" {
  description = "ARN of the bucket receiving VPC flow logs (modules/logs grants delivery.logs.amazonaws.com)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
