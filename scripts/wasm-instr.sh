#!/usr/bin/env bash
# wasm-instr.sh [BASELINE.wasm]: instructions of the edge module's compiled
# code per rewrite of an 8-variant master under wazero (unguarded), counted
# with callgrind, for this tree's module and, if given, another build of it.
# The module's JIT-compiled functions are the ones callgrind cannot name
# and places in no object file (the function lines of its summary, not the
# call lines); their counts for 1100 calls minus those for 100 calls, over
# 1000, are one call's (instantiation and warm-up cancel out); a second
# thousand calls checks that the count is linear. wasmcount runs the module
# with fake clocks and without its GC, so that nothing in it depends on how
# long callgrind takes. Unlike a time, the figure does not move with the
# machine's load (docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
	echo "wasm-instr: installing valgrind"
	SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi

mkdir -p .cache/wasmcount dist
GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -buildmode=c-shared -trimpath -ldflags=-s -o dist/edge.wasm ./wasm/module
go build -o .cache/wasmcount/wasmcount ./cmd/wasmcount

jit() { # jit MODULE CALLS: callgrind's count of the unnamed (JIT) functions
	local out=.cache/wasmcount/callgrind.out
	# Go's asynchronous preemption signals trip callgrind, and so does RDTSCP
	# (Go's runtime reads the clock with it when a lock is contended).
	GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off valgrind --tool=callgrind --callgrind-out-file="$out" \
		.cache/wasmcount/wasmcount -module "$1" -n "$2" >"$out.log" 2>&1 ||
		{ echo "wasm-instr: the run under callgrind failed ($out.log)" >&2; return 1; }
	callgrind_annotate --auto=no --threshold=100 "$out" | grep -F '???:0x' | grep -F '[???]' | awk '{gsub(",", "", $1); s += $1} END {print s + 0}'
}

count() { # count MODULE LABEL
	.cache/wasmcount/wasmcount -module "$1" -n 1 # fills the compilation cache
	local a b c d1 d2
	a=$(jit "$1" 100)
	b=$(jit "$1" 1100)
	c=$(jit "$1" 2100)
	d1=$(((b - a) / 1000))
	d2=$(((c - b) / 1000))
	if [ $((d1 > d2 ? d1 - d2 : d2 - d1)) -gt $((d1 / 50)) ]; then
		echo "$2: not linear, $d1 and $d2 instructions per rewrite in two runs of 1000 calls"
		return
	fi
	echo "$2: $(((d1 + d2) / 2)) instructions per rewrite"
}

count dist/edge.wasm "this tree ($(git rev-parse --short HEAD))"
if [ $# -gt 0 ]; then
	count "$1" "baseline $1"
fi
