#!/usr/bin/env bash
# Builds tools/tfscan (trivy's Terraform checks as a Go library, its own Go
# module) into .cache/bin once per source change, then scans the whole
# infrastructure/ folder: 0 HIGH or CRITICAL, every ignore with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.cache/bin/tfscan
stamp=.cache/bin/tfscan.sha256
sum=$(cat tools/tfscan/go.mod tools/tfscan/go.sum tools/tfscan/*.go | sha256sum | cut -d' ' -f1)
if [[ ! -x $bin || ! -f $stamp || $(cat "$stamp") != "$sum" ]]; then
  echo "== building tools/tfscan (trivy library; a few minutes the first time)"
  mkdir -p .cache/bin
  (cd tools/tfscan && GOEXPERIMENT=jsonv2 go build -trimpath -o "../../$bin" .)
  echo "$sum" > "$stamp"
fi
"$bin" "$@" infrastructure
