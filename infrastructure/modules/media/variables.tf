variable "bucket_name" {
  description = "Globally unique name of the media bucket. Objects live under media/<asset>/ (docs/CONTRACTS.md)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for SSE-KMS. Null uses SSE-S3 (AES256), (the origin reads media; nothing reads the bucket directly from CloudFront)."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted object versions are removed."
  type        = number
  default     = 30
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which unfinished multipart uploads (interrupted ingest) are aborted and their parts freed."
  type        = number
  default     = 3
}

variable "ingest_principal_arns" {
  description = "IAM principals (for example a CI role) allowed to assume the ingest role that writes media/. Empty: no ingest role is created."
  type        = list(string)
  default     = []
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a non-empty bucket (never in production)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
