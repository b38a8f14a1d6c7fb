#!/usr/bin/env bash
# Metronome's official Node SDK against Meterflow's billable metric API: starts ./meterflow on a temporary data
# folder, runs billable-metrics-check.mjs, stops it. Exit status: the check's. Not part of `mvn verify` (it needs
# Node.js and the SDK from npm); see docs/api.md.
#   deploy/benchmark/sdk/check-billable-metrics.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
token="sdk-check-token-0123456789"
data="$(mktemp -d)"
log="$data/meterflow.log"
[[ -d "$here/node_modules/@metronome/sdk" ]] || (cd "$here" && npm install --no-audit --no-fund --silent)
"$root/meterflow" --data-dir "$data/data" --http-port 0 --kafka-port 0 --api-token "$token" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
url=""
for _ in $(seq 1 600); do
  url=$(sed -n 's/^Meterflow ready: http=\([^ ]*\) .*/\1/p' "$log")
  [[ -n "$url" ]] && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
[[ -n "$url" ]] || { echo "Meterflow did not start" >&2; exit 1; }
echo "Meterflow at $url; $(node --version); @metronome/sdk $(node -p "require('$here/node_modules/@metronome/sdk/package.json').version")"
node "$here/billable-metrics-check.mjs" --base-url "$url" --token "$token"
