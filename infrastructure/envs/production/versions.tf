terraform {
  # 1.11: write-only arguments (secret_string_wo) and ephemeral values.
  required_version = ">= 1.11.0"

  # Exact pins; .terraform.lock.hcl records them (see its header for hashes).
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.99.1"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.7.2"
    }
  }

  # State lives in S3, locked with a lock file next to it (Terraform >= 1.10).
  # Fill in and run `terraform init`, or pass -backend-config=backend.hcl.
  backend "s3" {
    # bucket       = "edgeflix-terraform-state-<account-id>"
    # key          = "production/terraform.tfstate"
    # region       = "eu-west-1"
    # encrypt      = true
    # use_lockfile = true
  }
}
