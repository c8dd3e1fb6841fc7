output "cloudfront_domain_name" {
  description = "*.cloudfront.net name of the distribution (CNAME/alias target of domain_name)."
  value       = module.edge.domain_name
}

output "cloudfront_distribution_id" {
  description = "ID of the distribution (invalidations)."
  value       = module.edge.distribution_id
}

output "service_url" {
  description = "Public URL of the service."
  value       = local.public_url
}

output "alb_dns_name" {
  description = "DNS name of the public ALB (alias target of origin_domain_name)."
  value       = module.origin.alb_dns_name
}

output "media_bucket_name" {
  description = "Name of the media bucket."
  value       = module.media.bucket_name
}

output "ingest_role_arn" {
  description = "Role that ingest assumes to publish media (null if no principals were given)."
  value       = module.media.ingest_role_arn
}

output "rds_endpoint" {
  description = "RDS MySQL endpoint (host:port)."
  value       = module.data.db_endpoint
}

output "rds_app_secret_arn" {
  description = "Secrets Manager secret of the origin's MySQL user (bootstrap: CREATE USER from it)."
  value       = module.data.db_app_secret_arn
}

output "edge_proof_keys_secret_arn" {
  description = "Secrets Manager secret of the gate's proof keys."
  value       = aws_secretsmanager_secret.edge_proof_keys.arn
}

output "staging_distribution_id" {
  description = "Canary: ID of the CloudFront staging distribution (null without one)."
  value       = module.edge.staging_distribution_id
}

output "continuous_deployment_policy_id" {
  description = "Canary: ID of the continuous deployment policy (null without one)."
  value       = module.edge.continuous_deployment_policy_id
}

output "rds_master_secret_arn" {
  description = "Secrets Manager secret with the RDS master credentials (rotated by RDS every 7 days; operators only)."
  value       = module.data.db_master_secret_arn
}

output "redis_primary_endpoint" {
  description = "ElastiCache Redis primary endpoint (TLS)."
  value       = module.data.redis_primary_endpoint
}

output "operator_api_endpoint" {
  description = "Invoke URL of the operator API (API Gateway)."
  value       = module.api.api_endpoint
}

output "origin_autoscaling_group" {
  description = "Autoscaling group to instance-refresh when rolling a release."
  value       = module.origin.autoscaling_group_name
}

output "lambda_edge_published_versions" {
  description = "Versions the current Lambda@Edge zips published."
  value       = module.edge.published_versions
}

output "lambda_edge_active_arns" {
  description = "Lambda@Edge versions CloudFront runs now."
  value       = module.edge.active_function_arns
}
