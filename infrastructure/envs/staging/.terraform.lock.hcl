# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.
#
# Written by hand: no provider can be downloaded where this repository was
# prepared, so the versions below are the exact pins of versions.tf but the
# package hashes are missing. Before the first plan, on a machine that
# reaches the registry, run from this folder:
#   terraform providers lock -platform=linux_amd64 -platform=linux_arm64 -platform=darwin_arm64
# and commit the result (it adds the h1:/zh: hashes; init then verifies them).

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.99.1"
  constraints = "5.99.1"
}

provider "registry.terraform.io/hashicorp/random" {
  version     = "3.7.2"
  constraints = "3.7.2"
}
