output "distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution (OAC bucket policy condition)."
  value       = aws_cloudfront_distribution.this.arn
}

output "domain_name" {
  description = "*.cloudfront.net domain name of the distribution."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "hosted_zone_id" {
  description = "Route 53 zone ID for alias records pointing at the distribution."
  value       = aws_cloudfront_distribution.this.hosted_zone_id
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
