#!/usr/bin/env bash
# The deployment rehearsal: on a fresh Debian machine (root, no container engine running, nothing pullable from public
# image registries, loopback-only traffic), build and run Meterflow as a compose cluster and prove it keeps every
# accepted event exactly once through SIGKILLs. See docs/deploy.md, "Rehearsal".
#
#   sudo deploy/rehearsal/run.sh
#
# Steps: install Debian packages (docker.io, docker-compose, debootstrap, umoci, skopeo, python3; a JDK and Maven if
# missing); start dockerd by hand on a socket and data folder of its own (host networking only, no bridge, no
# iptables); build a JRE base image from Debian packages (debootstrap → umoci → skopeo) from the machine's own apt
# mirror; build the Meterflow image with Jib from that base tar and load it; start the compose cluster (the broker
# from the image's kafka role: compose.rehearsal.yaml); play the retroactive-alias story over HTTP; stream usage while
# one ingest-stream and one alias-sync container are SIGKILLed and started again; check on usage-resolved
# (read_committed) that every accepted event nets one ASSIGN at its customer; tear everything down; print the figures.
#
# Environment (all optional):
#   MF_BASE_TAR=/path/base.tar   reuse a base image tar instead of building one (it is kept if the script built it
#                                and MF_KEEP_BASE_TAR names where to put it)
#   MF_LOAD_SECONDS=90           how long the usage stream runs;  MF_LOAD_RATE=200  events per second
#   MF_PORT_BASE=29000           ports used: base+92 broker, +93 controller, +181/+182 alias-sync, +281..+283 ingest
#   MF_KEEP_WORK=1               keep the work folder (logs, expected events) after the run
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/mf-rehearsal.XXXXXX)
chmod 755 "$WORK"
RUN=r$(date +%s)
PORT_BASE=${MF_PORT_BASE:-29000}
LOAD_SECONDS=${MF_LOAD_SECONDS:-90}
LOAD_RATE=${MF_LOAD_RATE:-200}
PROJECT=mfrehearsal
export DOCKER_HOST=unix://$WORK/docker.sock
export MF_KAFKA_PORT=$((PORT_BASE + 92)) MF_KAFKA_CONTROLLER_PORT=$((PORT_BASE + 93))
export MF_ALIAS_SYNC_1_PORT=$((PORT_BASE + 181)) MF_ALIAS_SYNC_2_PORT=$((PORT_BASE + 182))
export MF_INGEST_STREAM_1_PORT=$((PORT_BASE + 281)) MF_INGEST_STREAM_2_PORT=$((PORT_BASE + 282))
export MF_INGEST_STREAM_3_PORT=$((PORT_BASE + 283))
export MF_API_TOKENS_FILE=$WORK/api-tokens
COMPOSE=(docker-compose -p "$PROJECT" -f "$REPO/deploy/compose/compose.yaml" -f "$REPO/deploy/compose/compose.rehearsal.yaml")
declare -A FIG

log() { printf '%s rehearsal: %s\n' "$(date +%T)" "$*" >&2; }
now() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }

teardown() {
    local code=$?
    log "tearing down (exit code so far: $code)"
    if [[ -S $WORK/docker.sock ]]; then
        "${COMPOSE[@]}" logs --no-color >"$WORK/compose.log" 2>&1 || true
        "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
        docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1 || true
    fi
    if [[ -f $WORK/dockerd.pid ]]; then
        local pid
        pid=$(cat "$WORK/dockerd.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    # Whatever dockerd left mounted under its folders (overlay layers, its exec root).
    grep -o " $WORK[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    if [[ -n ${MF_KEEP_WORK:-} ]]; then
        log "work folder kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$code"
}
trap teardown EXIT

[[ $(id -u) -eq 0 ]] || { echo "rehearsal: run as root (it installs packages and starts dockerd)" >&2; exit 2; }

# 1. Packages ---------------------------------------------------------------------------------------------------
T=$(now)
need=()
for cmd_pkg in dockerd:docker.io docker-compose:docker-compose debootstrap:debootstrap umoci:umoci skopeo:skopeo \
               python3:python3 bc:bc java:openjdk-17-jdk-headless mvn:maven; do
    command -v "${cmd_pkg%%:*}" >/dev/null || need+=("${cmd_pkg#*:}")
done
if ((${#need[@]})); then
    log "installing ${need[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
FIG[packages_s]=$(since "$T")

# 2. dockerd, by hand: its own socket, data and exec folders (so it disturbs no other engine or test on the machine),
#    no bridge and no iptables (containers use the host's network) -----------------------------------------------
T=$(now)
mkdir -p "$WORK/docker" "$WORK/exec"
dockerd --host "$DOCKER_HOST" --data-root "$WORK/docker" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false >"$WORK/dockerd.log" 2>&1 &
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
docker info >/dev/null || { tail -20 "$WORK/dockerd.log" >&2; exit 1; }
FIG[dockerd_s]=$(since "$T")
log "dockerd up ($(docker info -f '{{.ServerVersion}} {{.Driver}}'))"

# 3. The base image: a JRE from Debian packages, from the mirror this machine's apt uses ------------------------------
T=$(now)
if [[ -n ${MF_BASE_TAR:-} && -f ${MF_BASE_TAR} ]]; then
    BASE_TAR=$MF_BASE_TAR
    log "base image: reusing $BASE_TAR"
else
    . /etc/os-release
    SUITE=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
    # The first source of the suite itself: deb822 stanzas (URIs: / Suites:), then one-line "deb [opts] URL suite".
    MIRROR=$( { awk -v s="$SUITE" 'BEGIN { RS = "" } {
                    uri = ""; ok = 0; n = split($0, line, "\n")
                    for (i = 1; i <= n; i++) {
                        if (line[i] ~ /^URIs:/) { split(line[i], f, " "); uri = f[2] }
                        if (line[i] ~ /^Suites:/) { m = split(line[i], f, " "); for (j = 2; j <= m; j++) if (f[j] == s) ok = 1 }
                    }
                    if (ok && uri != "") print uri }' /etc/apt/sources.list.d/*.sources 2>/dev/null
                awk -v s="$SUITE" '$1 == "deb" { for (i = 3; i <= NF; i++) if ($i == s) { print $(i - 1); break } }' \
                    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
              } | head -1 || true)
    [[ -n $MIRROR ]] || { echo "rehearsal: no Debian mirror found in the apt sources" >&2; exit 1; }
    log "base image: debootstrap $SUITE from $MIRROR"
    debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates "$SUITE" "$WORK/rootfs" \
        "$MIRROR" >"$WORK/debootstrap.log" 2>&1
    rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/*
    (cd "$WORK" && umoci init --layout oci && umoci new --image oci:base && umoci unpack --image oci:base bundle \
        && cp -a rootfs/. bundle/rootfs/ && umoci repack --image oci:base bundle \
        && umoci config --image oci:base --config.env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \
             --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --config.user 65532) \
        >"$WORK/umoci.log" 2>&1
    BASE_TAR=$WORK/base.tar
    skopeo copy "oci:$WORK/oci:base" "docker-archive:$BASE_TAR:meterflow/jre17-base:$SUITE" >"$WORK/skopeo.log"
    rm -rf "$WORK/rootfs" "$WORK/bundle" "$WORK/oci"
    if [[ -n ${MF_KEEP_BASE_TAR:-} ]]; then cp "$BASE_TAR" "$MF_KEEP_BASE_TAR"; fi
fi
FIG[base_image_s]=$(since "$T")
FIG[base_image_mb]=$(( $(stat -c %s "$BASE_TAR") / 1048576 ))

# 4. The Meterflow image: Jib, no daemon, from the base tar; then into dockerd ------------------------------------
T=$(now)
VERSION=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$REPO/pom.xml" | head -1)
export MF_IMAGE=meterflow/meterflow:$VERSION
log "building $MF_IMAGE with Jib"
(cd "$REPO" && mvn -B -ntp -pl deploy/image -am package jib:buildTar -DskipTests \
    "-Djib.from.image=tar://$BASE_TAR" "-Dmeterflow.image=$MF_IMAGE") >"$WORK/jib.log" 2>&1 \
    || { tail -40 "$WORK/jib.log" >&2; exit 1; }
FIG[jib_build_s]=$(since "$T")
docker load -i "$REPO/deploy/image/target/meterflow-image.tar" >/dev/null
FIG[image_mb]=$(( $(docker image inspect -f '{{.Size}}' "$MF_IMAGE") / 1048576 ))
[[ $(docker image inspect -f '{{.Config.User}}' "$MF_IMAGE") == 10001:10001 ]] || { echo "rehearsal: image user" >&2; exit 1; }
[[ $(docker run --rm "$MF_IMAGE" nosuchrole >/dev/null 2>&1; echo $?) == 2 ]] || { echo "rehearsal: unknown role exit" >&2; exit 1; }

# 5. The compose cluster --------------------------------------------------------------------------------------------
TOKEN=rehearsal-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" >"$MF_API_TOKENS_FILE"
chmod 644 "$MF_API_TOKENS_FILE"
"${COMPOSE[@]}" config -q
T=$(now)
"${COMPOSE[@]}" up -d kafka 2>>"$WORK/compose-up.log"
for _ in $(seq 1 120); do "${COMPOSE[@]}" logs kafka 2>/dev/null | grep -q 'Kafka ready: ' && break; sleep 1; done
"${COMPOSE[@]}" logs kafka | grep -q 'Kafka ready: ' || { "${COMPOSE[@]}" logs kafka | tail -30 >&2; exit 1; }
FIG[broker_ready_s]=$(since "$T")
APPS=(alias-sync-1 alias-sync-2 ingest-stream-1 ingest-stream-2 ingest-stream-3)
PORTS=("$MF_ALIAS_SYNC_1_PORT" "$MF_ALIAS_SYNC_2_PORT" "$MF_INGEST_STREAM_1_PORT" "$MF_INGEST_STREAM_2_PORT"
       "$MF_INGEST_STREAM_3_PORT")
T=$(now)
"${COMPOSE[@]}" up -d "${APPS[@]}" 2>>"$WORK/compose-up.log"
for i in "${!APPS[@]}"; do
    for _ in $(seq 1 300); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[$i]}/health/ready") == 200 ]] && break
        sleep 1
    done
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[$i]}/health/ready") == 200 ]] \
        || { "${COMPOSE[@]}" logs "${APPS[$i]}" | tail -30 >&2; exit 1; }
done
FIG[apps_ready_s]=$(since "$T")
log "cluster ready: broker in ${FIG[broker_ready_s]} s, 5 app instances in ${FIG[apps_ready_s]} s"

AS=http://127.0.0.1:$MF_ALIAS_SYNC_1_PORT,http://127.0.0.1:$MF_ALIAS_SYNC_2_PORT
IN=http://127.0.0.1:$MF_INGEST_STREAM_1_PORT,http://127.0.0.1:$MF_INGEST_STREAM_2_PORT,http://127.0.0.1:$MF_INGEST_STREAM_3_PORT
EXPECTED=$WORK/expected.tsv
: >"$EXPECTED"
chmod 644 "$EXPECTED"

# 6. The retroactive story over HTTP: ingest at ingest-stream-1, read back at ingest-stream-2 -----------------------
STORY=$(python3 "$REPO/deploy/rehearsal/traffic.py" story --run "$RUN" --token "$TOKEN" --alias-sync "$AS" \
    --ingest "$IN" --expected "$EXPECTED")
log "story: $STORY"

# 7. A steady stream of usage through SIGKILLs --------------------------------------------------------------------
KILL_INGEST=$(docker inspect -f '{{.Name}}' "$("${COMPOSE[@]}" ps -q ingest-stream-2)" | tr -d /)
KILL_ALIAS=$(docker inspect -f '{{.Name}}' "$("${COMPOSE[@]}" ps -q alias-sync-2)" | tr -d /)
log "streaming usage for $LOAD_SECONDS s at $LOAD_RATE events/s; SIGKILL ingest-stream-2 and alias-sync-2 mid-stream"
LOAD=$(python3 "$REPO/deploy/rehearsal/traffic.py" load --run "$RUN" --token "$TOKEN" --alias-sync "$AS" \
    --ingest "$IN" --expected "$EXPECTED" --seconds "$LOAD_SECONDS" --rate "$LOAD_RATE" --restart-after 10 \
    --kill "$(echo "$LOAD_SECONDS * 0.25" | bc):$KILL_INGEST:http://127.0.0.1:$MF_INGEST_STREAM_2_PORT/health/ready" \
    --kill "$(echo "$LOAD_SECONDS * 0.35" | bc):$KILL_ALIAS:http://127.0.0.1:$MF_ALIAS_SYNC_2_PORT/health/ready")
log "load: $LOAD"

# 8. Exactly once, from usage-resolved read_committed, by a checker run from the image ------------------------------
T=$(now)
CHECK=""
for attempt in $(seq 1 40); do
    if CHECK=$(docker run --rm --network host --entrypoint java -v "$WORK:/rehearsal:ro" "$MF_IMAGE" \
            -cp @/app/jib-classpath-file io.meterflow.image.AttributionCheck "127.0.0.1:$MF_KAFKA_PORT" \
            /rehearsal/expected.tsv "$RUN-" 2>>"$WORK/check.log"); then
        break
    fi
    sleep 5
done
FIG[check_attempts]=$attempt
FIG[check_s]=$(since "$T")
echo "$CHECK" | tail -1 >&2
ok=1
echo "$CHECK" | grep -q 'missing 0, wrong or more than once 0, unacknowledged but not once 0' || ok=0
echo "$STORY" | grep -q '"story": "ok"' || ok=0

# 9. What it measured -----------------------------------------------------------------------------------------------
echo
echo "Meterflow rehearsal $RUN on $(hostname) ($(nproc) cores, load average now $(cut -d" " -f1-3 /proc/loadavg), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)), image $MF_IMAGE"
echo "  setup: packages ${FIG[packages_s]} s, dockerd ${FIG[dockerd_s]} s, base image ${FIG[base_image_s]} s (${FIG[base_image_mb]} MB tar), Jib build ${FIG[jib_build_s]} s (image ${FIG[image_mb]} MB)"
echo "  ready: broker ${FIG[broker_ready_s]} s after up; alias-sync x2 + ingest-stream x3 ${FIG[apps_ready_s]} s after up"
python3 - "$STORY" "$LOAD" <<'PY'
import json, sys
story, load = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("  story: %s: %s ingested under an unknown alias at %s, %s when read at %s, then %s (%s) at %s once the alias "
      "was attached, in %.1f s" % (story["story"], story["transaction_id"], story["ingested_via"], story["parked_status"],
      story["read_via"], story["then_status"], story["resolution"], story["matched_customer"]["name"], story["seconds"]))
print("  load: %d events sent, %d accepted (HTTP 200) in %.1f s = %.1f events/s by %d senders; %d requests, failed: %s; "
      "%d batches needed a retry, slowest batch %.1f s to a 200" % (load["events_sent"], load["events_accepted"],
      load["seconds"], load["accepted_events_per_second"], load["senders"], load["requests"], load["failed_requests"],
      load["batches_retried"], load["slowest_batch_s"]))
for k in load["kills"]:
    print("  kill: %s SIGKILLed at %.1f s, started again at %.1f s, /health/ready 200 at %.1f s: %.1f s from kill to ready"
          % (k["container"], k["killed_at_s"], k["started_at_s"], k["ready_at_s"], k["kill_to_ready_s"]))
for a in load["attached"]:
    print("  attach: %s asked at %.1f s, applied after %.1f s via %s (failed attempts: %s)"
          % (a["alias"], a["asked_at_s"], a["took_s"], a["via"], a["failed_attempts"] or "none"))
PY
echo "  check: $(echo "$CHECK" | tail -1), on attempt ${FIG[check_attempts]}, ${FIG[check_s]} s after the stream"
echo "  result: $( ((ok)) && echo PASSED || echo FAILED)"
((ok))
