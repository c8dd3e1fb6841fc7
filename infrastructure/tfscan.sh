#!/usr/bin/env bash
# Builds tools/tfscan (trivy's Terraform checks as a Go library, its own Go
# module) into .cache/bin once per source change, then scans the whole
# infrastructure/ folder: 0 HIGH or CRITICAL, every ignore with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.cache/bin/tfscan
stamp=.cache/bin/tfscan.sha256
sum=$(find tools/tfscan -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -d' ' -f1)
if [[ ! -x $bin || ! -f $stamp || $(cat "$stamp") != "$sum" ]]; then
  echo "== building and testing tools/tfscan (trivy library; minutes the first time)"
  mkdir -p .cache/bin
  (cd tools/tfscan && export GOEXPERIMENT=jsonv2 && go vet . && go test -count=1 . && go build -o "../../$bin" .)
  echo "$sum" > "$stamp"
fi
"$bin" "$@" infrastructure
