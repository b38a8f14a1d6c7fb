#!/usr/bin/env bash
# HTTP ingest measured with Metronome's official Node SDK against the standalone launcher on this machine:
# starts ./meterflow on a temporary data folder, runs ingest-load.mjs with 1 and then 16 clients, stops it.
#   deploy/benchmark/sdk/run.sh [seconds per run, default 15]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
seconds="${1:-15}"
token="sdk-load-token-0123456789"
data="$(mktemp -d)"
log="$data/meterflow.log"
[[ -d "$here/node_modules/@metronome/sdk" ]] || (cd "$here" && npm install --no-audit --no-fund --silent)
"$root/meterflow" --data-dir "$data/data" --http-port 0 --kafka-port 0 --api-token "$token" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 600); do
  url=$(sed -n 's/^Meterflow ready: http=\([^ ]*\) .*/\1/p' "$log")
  [[ -n "$url" ]] && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
[[ -n "$url" ]] || { echo "Meterflow did not start" >&2; exit 1; }
echo "Meterflow at $url; $(node --version); @metronome/sdk $(node -p "require('$here/node_modules/@metronome/sdk/package.json').version")"
for clients in 1 16; do
  node "$here/ingest-load.mjs" --base-url "$url" --token "$token" --clients "$clients" --seconds "$seconds"
done
