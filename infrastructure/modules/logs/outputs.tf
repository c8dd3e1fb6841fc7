output "bucket_name" {
  description = "Name of the log bucket (ALB access_logs.bucket)."
  value       = aws_s3_bucket.logs.id
}

output "bucket_arn" {
  description = "ARN of the log bucket (VPC flow log destination)."
  value       = aws_s3_bucket.logs.arn
}

output "bucket_domain_name" {
  description = "bucket.s3.amazonaws.com name of the log bucket (CloudFront logging_config.bucket)."
  value       = aws_s3_bucket.logs.bucket_domain_name
}
