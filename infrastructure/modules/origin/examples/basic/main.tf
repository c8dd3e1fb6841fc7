# The origin fleet in an existing network (see modules/network), reading its
# database, Redis and proof-key secrets from Secrets Manager.
variable "api_origin_secret" {
  description = "API secret CloudFront sends in X-Origin-Verify (openssl rand -hex 32)."
  type        = string
  sensitive   = true
}

module "origin" {
  source = "../../"

  name               = "edgeflix-example"
  environment        = "example"
  vpc_id             = "vpc-0123456789abcdef0"
  vpc_cidr_block     = "10.60.0.0/16"
  public_subnet_ids  = ["subnet-0aaaaaaaaaaaaaaa0", "subnet-0bbbbbbbbbbbbbbb0"]
  private_subnet_ids = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
  certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

  api_origin_secret          = var.api_origin_secret
  edge_proof_keys_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeflix-example/edge-proof-keys-AbCdEf"
  endpoint_security_group_id = "sg-0e0e0e0e0e0e0e0e0"
  s3_prefix_list_id          = "pl-6da54004"

  ami_id               = "ami-0123456789abcdef0"
  artifact_bucket_name = "edgeflix-example-artifacts"
  artifact_object_key  = "releases/v1.0.0/edgeflix-linux-arm64.tar.gz"
  media_bucket_name    = "edgeflix-example-media-123456789012"
  media_bucket_arn     = "arn:aws:s3:::edgeflix-example-media-123456789012"

  db_address            = "edgeflix-example.abcdefghijkl.eu-west-1.rds.amazonaws.com"
  db_name               = "edgeflix"
  db_secret_arn         = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeflix-example/mysql-app-AbCdEf"
  redis_address         = "master.edgeflix-example-redis.abcdef.euw1.cache.amazonaws.com"
  redis_auth_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeflix-example/redis-auth-AbCdEf"

  public_origin_url  = "https://watch.example.com"
  public_edge_url    = "https://watch.example.com"
  issuer             = "https://watch.example.com"
  access_logs_bucket = "edgeflix-example-logs-123456789012"

  tags = { Project = "edgeflix", Environment = "example" }
}

output "alb_dns_name" {
  description = "Alias target of origin.example.com."
  value       = module.origin.alb_dns_name
}
