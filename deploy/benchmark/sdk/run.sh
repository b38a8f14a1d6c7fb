#!/usr/bin/env bash
# HTTP ingest measured with Metronome's official Node SDK against the standalone launcher on this machine:
# starts ./meterflow on a temporary data folder, runs ingest-load.mjs with 1 and then 16 clients, stops it.
#   deploy/benchmark/sdk/run.sh [seconds per run, default 15]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-15}"
token="sdk-load-token-0123456789"
source "$here/start-meterflow.sh"
for clients in 1 16; do
  node "$here/ingest-load.mjs" --base-url "$url" --token "$token" --clients "$clients" --seconds "$seconds"
done
