#!/usr/bin/env bash
# Installs the AWS provider's generated bindings (npm @cdktf/provider-aws,
# exact version; it declares hashicorp/aws 5.99.1, the version the envs pin)
# into .cache/provider-aws, which git ignores. schema_test.go reads them to
# check every resource, argument and attribute name used in infrastructure/.
# Nothing is installed when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
version=19.65.1
dir=.cache/provider-aws
pkg=$dir/node_modules/@cdktf/provider-aws/package.json
if [[ -f $pkg ]] && grep -q "\"version\": \"$version\"" "$pkg"; then
  exit 0
fi
echo "== installing @cdktf/provider-aws@$version into $dir (schema of hashicorp/aws 5.99.1, ~360 MB)"
mkdir -p "$dir"
printf '{"private":true,"dependencies":{"@cdktf/provider-aws":"%s"}}\n' "$version" > "$dir/package.json"
# Its peers (cdktf, constructs) are only needed to run the bindings, not to read them.
npm install --prefix "$dir" --omit=peer --legacy-peer-deps --ignore-scripts --no-audit --no-fund --save-exact >/dev/null
grep -q "\"version\": \"$version\"" "$pkg"
