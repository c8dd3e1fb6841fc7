output "distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations)."
  value       = module.primary.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution ."
  value       = module.primary.arn
}

output "domain_name" {
  description = "*.cloudfront.net domain name of the distribution."
  value       = module.primary.domain_name
}

output "hosted_zone_id" {
  description = "Route 53 zone ID for alias records pointing at the distribution."
  value       = module.primary.hosted_zone_id
}

output "viewer_request_function_arn" {
  description = "Unqualified ARN of the viewer-request function."
  value       = aws_lambda_function.viewer_request.arn
}

output "origin_request_function_arn" {
  description = "Unqualified ARN of the origin-request function."
  value       = aws_lambda_function.origin_request.arn
}

output "published_versions" {
  description = "Versions the current zips published (candidates for rollout)."
  value = {
    viewer_request = aws_lambda_function.viewer_request.version
    origin_request = aws_lambda_function.origin_request.version
  }
}

output "active_function_arns" {
  description = "Qualified ARNs CloudFront runs now (pinned or the latest published)."
  value = {
    viewer_request = local.viewer_request_arn
    origin_request = local.origin_request_arn
  }
}

output "lambda_role_arn" {
  description = "ARN of the Lambda@Edge execution role."
  value       = aws_iam_role.lambda_edge.arn
}

output "staging_distribution_id" {
  description = "ID of the continuous-deployment staging distribution (null when staging_viewer_request_version is null)."
  value       = local.staging_enabled ? module.staging[0].id : null
}

output "staging_domain_name" {
  description = "*.cloudfront.net name of the staging distribution (null without one)."
  value       = local.staging_enabled ? module.staging[0].domain_name : null
}

output "continuous_deployment_policy_id" {
  description = "ID of the continuous deployment policy attached to the primary distribution (null without a staging distribution)."
  value       = local.staging_enabled ? aws_cloudfront_continuous_deployment_policy.canary[0].id : null
}

output "staging_function_arns" {
  description = "Qualified ARNs the staging distribution runs (null without one)."
  value = local.staging_enabled ? {
    viewer_request = local.staging_viewer_request_arn
    origin_request = local.staging_origin_request_arn
  } : null
}

output "web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope WAFv2 web ACL the module created and attached."
  value       = aws_wafv2_web_acl.this.arn
}
