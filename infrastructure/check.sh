#!/usr/bin/env bash
# Checks for the Terraform that run without provider downloads:
#   1. terraform fmt -check over every module and environment;
#   2. the origin's user_data template renders (terraform console, built-in
#      functions only) and the result is valid bash;
#   3. the policy and wiring checks in policy_test.go and the provider
#      schema check in schema_test.go (go test; the schema bindings are
#      installed into .cache/provider-aws by provider-schema.sh);
#   4. trivy's Terraform checks over the whole folder (tfscan.sh): 0 HIGH or
#      CRITICAL, every ignore with a written reason.
# terraform init/validate/plan need the AWS provider and are NOT run here.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CLI_CONFIG_FILE=/dev/null
command -v terraform >/dev/null || { echo "check-infra: terraform (>= 1.11) not on PATH" >&2; exit 1; }

echo "== terraform fmt -check -recursive infrastructure"
terraform fmt -check -recursive infrastructure

echo "== user_data template renders to valid bash"
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && echo 'jsonencode(templatefile("'"$root"'/infrastructure/modules/origin/user_data.sh.tftpl", {region="eu-west-1", artifact_bucket="b", artifact_key="k.tar.gz", parameter_names=[for i in range(12) : "/edgeflix/production/origin/NAME_${i}"], db_secret_arn="arn:db", db_address="db.host", db_port=3306, db_name="edgeflix", redis_secret="arn:redis", extra_secrets={EDGEFLIX_KEY_ENCRYPTION_KEY="arn:kek", EDGEFLIX_EDGE_PROOF_KEYS="arn:proof"}, origin_args="origin -migrate", secrets_revision="v1|v2", config_revision="abc"}))' |
  terraform console -no-color) | python3 -c 'import json,sys; print(json.loads(json.loads(sys.stdin.read())))' > "$tmp/user_data.sh"
bash -n "$tmp/user_data.sh"
# the embedded render-env script must be valid bash too
sed -n "/render-env <<'SCRIPT'/,/^SCRIPT\$/p" "$tmp/user_data.sh" | sed '1d;$d' > "$tmp/render-env.sh"
test -s "$tmp/render-env.sh"
bash -n "$tmp/render-env.sh"
grep -q '^ExecStart=/opt/edgeflix/edgeflix origin -migrate$' "$tmp/user_data.sh"
grep -q '^emit EDGEFLIX_EDGE_PROOF_KEYS "$(secret "arn:proof")"$' "$tmp/render-env.sh"
grep -q '^install -m 0644 /opt/edgeflix/rds-ca.pem ' "$tmp/user_data.sh"
# nothing is downloaded from outside; the watchdog's curl probes loopback only
# (an if, not `! grep`: set -e ignores a negated command's failure)
if grep 'curl ' "$tmp/user_data.sh" | grep -v 'http://127.0.0.1:8080/'; then
  echo "check-infra: user_data curls something other than the local origin" >&2
  exit 1
fi
# the watchdog (ASG health is EC2: it restarts a hung origin on /livez)
sed -n "/watchdog <<'SCRIPT'/,/^SCRIPT\$/p" "$tmp/user_data.sh" | sed '1d;$d' > "$tmp/watchdog.sh"
test -s "$tmp/watchdog.sh"
bash -n "$tmp/watchdog.sh"
grep -q 'probe livez' "$tmp/watchdog.sh"
grep -q '^systemctl enable --now edgeflix-watchdog.timer$' "$tmp/user_data.sh"
grep -q '^emit EDGEFLIX_REDIS_PASSWORD ' "$tmp/render-env.sh"

echo "== provider schema bindings (@cdktf/provider-aws, hashicorp/aws 5.99.1)"
infrastructure/provider-schema.sh

echo "== go test ./infrastructure/ (policies, wiring, provider schema)"
EDGEFLIX_REQUIRE_PROVIDER_SCHEMA=1 go test -count=1 ./infrastructure/

echo "== trivy Terraform checks over infrastructure/ (tools/tfscan)"
infrastructure/tfscan.sh

echo "infrastructure checks passed"
