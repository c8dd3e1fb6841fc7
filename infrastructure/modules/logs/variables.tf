variable "bucket_name" {
  description = "Globally unique name of the log bucket (ALB and CloudFront access logs, VPC flow logs)."
  type        = string
}

variable "retention_days" {
  description = "Days after which log objects expire."
  type        = number
  default     = 90

  validation {
    condition     = var.retention_days >= 1
    error_message = "retention_days must be at least 1."
  }
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a non-empty bucket (staging only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
