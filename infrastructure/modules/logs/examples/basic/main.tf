# The log bucket of one environment.
module "logs" {
  source = "../../"

  bucket_name    = "edgeflix-example-logs-123456789012"
  retention_days = 30
  tags           = { Project = "edgeflix", Environment = "example" }
}

output "bucket_domain_name" {
  description = "CloudFront logging_config.bucket value."
  value       = module.logs.bucket_domain_name
}
