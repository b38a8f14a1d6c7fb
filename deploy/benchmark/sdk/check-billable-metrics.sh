#!/usr/bin/env bash
# Metronome's official Node SDK against Meterflow's billable metric API: starts ./meterflow on a temporary data
# folder, runs billable-metrics-check.mjs, stops it. Exit status: the check's. Not part of `mvn verify` (it needs
# Node.js and the SDK from npm); see docs/api.md.
#   deploy/benchmark/sdk/check-billable-metrics.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
token="sdk-check-token-0123456789"
source "$here/start-meterflow.sh"
node "$here/billable-metrics-check.mjs" --base-url "$url" --token "$token"
