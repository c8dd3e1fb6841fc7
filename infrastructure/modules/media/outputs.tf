output "bucket_name" {
  description = "Name of the media bucket."
  value       = aws_s3_bucket.media.id
}

output "bucket_arn" {
  description = "ARN of the media bucket."
  value       = aws_s3_bucket.media.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket, for a CloudFront S3 origin with OAC."
  value       = aws_s3_bucket.media.bucket_regional_domain_name
}

output "media_prefix" {
  description = "Key prefix under which media objects live."
  value       = local.media_prefix
}

output "ingest_role_arn" {
  description = "ARN of the ingest role (null when ingest_principal_arns is empty)."
  value       = local.create_ingest_role ? aws_iam_role.ingest[0].arn : null
}
