# CloudFront + Lambda@Edge in front of an origin, with a canary: version 8 of
# the viewer-request function takes 5 % of the viewers on a staging
# distribution. Build the zips first (make lambda).
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

variable "api_origin_secret" {
  description = "API secret CloudFront sends in X-Origin-Verify (openssl rand -hex 32)."
  type        = string
  sensitive   = true
}

module "edge" {
  source = "../../"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name               = "edgeflix-example"
  viewer_request_zip = "../../../../../dist/lambda/viewer-request.zip"
  origin_request_zip = "../../../../../dist/lambda/origin-request.zip"

  origin_domain_name         = "origin.example.com"
  api_origin_secret          = var.api_origin_secret
  logging_bucket_domain_name = "edgeflix-example-logs-123456789012.s3.amazonaws.com"

  staging_viewer_request_version = "8"
  staging_traffic_weight         = 0.05

  tags = { Project = "edgeflix", Environment = "example" }
}

output "staging_distribution_id" {
  description = "The canary's staging distribution."
  value       = module.edge.staging_distribution_id
}
