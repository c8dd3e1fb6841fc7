# A VPC over two AZs without internet egress: interface endpoints for SSM and
# Secrets Manager, an S3 gateway endpoint, flow logs to a log bucket.
module "logs" {
  source = "../../../logs"

  bucket_name = "edgeflix-example-logs-123456789012"
  tags        = { Project = "edgeflix", Environment = "example" }
}

module "network" {
  source = "../../"

  name                 = "edgeflix-example"
  cidr_block           = "10.60.0.0/16"
  azs                  = ["eu-west-1a", "eu-west-1b"]
  flow_logs_bucket_arn = module.logs.bucket_arn
  tags                 = { Project = "edgeflix", Environment = "example" }
}

output "private_subnet_ids" {
  description = "Private subnets for the origins and databases."
  value       = module.network.private_subnet_ids
}
