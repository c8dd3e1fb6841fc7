# The media bucket with an ingest role a CI role can assume.
module "media" {
  source = "../../"

  bucket_name           = "edgeflix-example-media-123456789012"
  ingest_principal_arns = ["arn:aws:iam::123456789012:role/edgeflix-ci"]
  tags                  = { Project = "edgeflix", Environment = "example" }
}

output "ingest_role_arn" {
  description = "Role ingest assumes to publish media."
  value       = module.media.ingest_role_arn
}
