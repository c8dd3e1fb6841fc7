#!/bin/sh
# Installs the JavaScript players make bench-player compares against, at
# exact versions, into .cache/bench-player (ignored by git). Prints the
# folder holding hls.min.js and shaka-player.compiled.js.
set -eu
HLSJS_VERSION=1.7.4
SHAKA_VERSION=5.2.12
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.cache/bench-player"
stamp="$dir/versions"
want="hls.js@$HLSJS_VERSION shaka-player@$SHAKA_VERSION"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	command -v npm >/dev/null || { echo "bench-player: npm not found (scripts/setup.sh installs Node.js)" >&2; exit 1; }
	mkdir -p "$dir"
	echo '{"private": true}' >"$dir/package.json"
	# shellcheck disable=SC2086
	npm install --prefix "$dir" --save-exact --no-audit --no-fund --ignore-scripts --loglevel=error $want >&2
	echo "$want" >"$stamp"
fi
test -f "$dir/node_modules/hls.js/dist/hls.min.js"
test -f "$dir/node_modules/shaka-player/dist/shaka-player.compiled.js"
echo "$dir/node_modules"
