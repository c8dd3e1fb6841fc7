# The operator API in front of an existing internal ALB listener.
module "api" {
  source = "../../"

  name                = "edgeflix-example"
  vpc_id              = "vpc-0123456789abcdef0"
  vpc_cidr_block      = "10.60.0.0/16"
  subnet_ids          = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
  alb_listener_arn    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/efxi-example/0123456789abcdef/0123456789abcdef"
  alb_tls_server_name = "origin.example.com"
  tags                = { Project = "edgeflix", Environment = "example" }
}

output "api_endpoint" {
  description = "Invoke URL of the operator API."
  value       = module.api.api_endpoint
}
