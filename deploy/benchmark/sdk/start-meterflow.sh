# Sourced by the SDK scripts: installs the SDK if missing, starts ./meterflow on a temporary data folder with API
# token $token, stops it (and removes the folder) when the script exits, and sets $url once it is ready.
# Expects $here (this folder) and $token.
root="$(cd "$here/../../.." && pwd)"
data="$(mktemp -d)"
log="$data/meterflow.log"
[[ -d "$here/node_modules/@metronome/sdk" ]] || (cd "$here" && npm install --no-audit --no-fund --silent)
"$root/meterflow" --data-dir "$data/data" --http-port 0 --kafka-port 0 --api-token "$token" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
url=""
for _ in $(seq 1 600); do
  url=$(sed -n 's/^Meterflow ready: http=\([^ ]*\) .*/\1/p' "$log")
  [[ -n "$url" ]] && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
[[ -n "$url" ]] || { echo "Meterflow did not start" >&2; exit 1; }
echo "Meterflow at $url; $(node --version); @metronome/sdk $(node -p "require('$here/node_modules/@metronome/sdk/package.json').version")"
