terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }

  # State lives in S3 with a DynamoDB lock table (or use_lockfile on
  # Terraform >= 1.10). Fill in and run `terraform init`, or pass the values
  # with -backend-config=backend.hcl.
  backend "s3" {
    # bucket         = "edgeflix-terraform-state-<account-id>"
    # key            = "production/terraform.tfstate"
    # region         = "eu-west-1"
    # dynamodb_table = "edgeflix-terraform-locks"
    # encrypt        = true
  }
}
