#!/usr/bin/env bash
# On-demand: the gateway started the way the image starts it, on this machine, without Docker.
# Prints time to ready (median of 5), RSS after load, the throughput after that, and RSS again after
# it (whether the heap keeps growing). Never part of `./mvnw verify`.
#
#   bench/image.sh                     # 60 s of cached icons, then 20 s of links, as in issue 18
#   ICONS_S=10 LINKS_S=5 bench/image.sh   # a smoke run
#   EXTRA_OPTS="-XX:+UseCompactObjectHeaders" bench/image.sh   # a JVM option tried in the image
#                                      # and the chart alike (training run and start)
#   KEEP=1 bench/image.sh                 # keeps its directory: the jar prepared the image's way and
#                                      # its start (bench/ready-ab.sh starts two such in turn)
#   NMT=1 bench/image.sh                  # also where the RSS goes: Native Memory Tracking, the
#                                      # process's memory map by kind (anonymous, jars, AOT cache, and
#                                      # how much of the cache was written), the code cache by segment
#
# The image's steps: the Dockerfile's layered extraction, its AOT cache training run on a JDK of
# the Dockerfile's Java version (under /usr/lib/jvm), its JAVA_TOOL_OPTIONS replaced by the Helm
# chart's default ones plus -XX:MaxRAM=384m (the chart's memory limit, which a container would
# give the JVM), and its entry point. WorkOS is an nginx stub.
set -euo pipefail
cd "$(dirname "$0")/.."
ICONS_S=${ICONS_S:-60}
LINKS_S=${LINKS_S:-20}
STUB_PORT=18180
CEILING_PORT=18183
PORT=18181
MPORT=18182
WORK=$(mktemp -d)
# nginx is stopped before its pid file goes with $WORK.
trap 'kill $(jobs -p) 2>/dev/null || true; stop_stub; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
# shellcheck source=bench/common.sh
. bench/common.sh
need wrk wrk
need nginx nginx-light

VERSION=$(sed -n 's/^ARG JAVA_VERSION=\([0-9]*\)$/\1/p' Dockerfile)
JAVA=$(BENCH_JAVA= bench_java 2>/dev/null)
[ "$JAVA" != java ] || { echo "No JDK $VERSION under /usr/lib/jvm (Debian: temurin-$VERSION-jdk)" >&2; exit 1; }

if [ -z "${GATEWAY_JAR:-}" ]; then
  ./mvnw -q -B -DskipTests package
  GATEWAY_JAR=target/portal-gateway.jar
fi
# Extraction names the application's jar after the file; the Dockerfile's entry point runs
# portal-gateway.jar, so a jar given under another name (GATEWAY_JAR=before.jar) is copied first.
cp "$GATEWAY_JAR" "$WORK/portal-gateway.jar"
"$JAVA" -Djarmode=tools -jar "$WORK/portal-gateway.jar" extract --layers --destination "$WORK/extracted" >/dev/null
mkdir "$WORK/app"
for layer in dependencies spring-boot-loader snapshot-dependencies application; do
  cp -r "$WORK/extracted/$layer/." "$WORK/app/"
done
cd "$WORK/app"

# One icon (this script's figures since it was written), the link as in bench/run.sh.
printf '%s' '[{"provider":"GoogleOAuth","icon_url":"https://cdn.workos.com/provider-icons/light/google.svg"}]' \
  > "$WORK/one-icon.json"
start_stub "$WORK/one-icon.json"

# The Dockerfile's runtime ENV, training run and entry point, read from the Dockerfile.
IMAGE_OPTS=$(dockerfile_env "$OLDPWD" JAVA_TOOL_OPTIONS)
# And its MALLOC_ARENA_MAX (glibc), for the training run and the gateway alike.
export MALLOC_ARENA_MAX=$(dockerfile_env "$OLDPWD" MALLOC_ARENA_MAX)
ENTRY=($(entry_point "$OLDPWD"))
ENTRY[0]=$JAVA
# The training run: the script the Dockerfile's RUN mounts, given that RUN's java command line.
TRAINING_RUN=$(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' "$OLDPWD/Dockerfile" \
  | sed -n 's|^RUN --mount=type=bind,source=\([^,]*\),target=\([^ ]*\) bash \2 *\(java .*\)$|\1 \3|p')
TRAINING=($TRAINING_RUN)
TRAINING[1]=$JAVA
JAVA_TOOL_OPTIONS="$IMAGE_OPTS ${EXTRA_OPTS:-}" PORT=$PORT MANAGEMENT_PORT=$MPORT \
  bash "$OLDPWD/${TRAINING[0]}" "${TRAINING[@]:1}" > "$WORK/train.log" 2>&1 \
  || { cat "$WORK/train.log" >&2; exit 1; }
# The chart's default JVM options (jvm.options, maxDirectMemorySize, activeProcessorCount 1).
CHART_OPTS="$(chart_jvm_options "$OLDPWD") ${EXTRA_OPTS:-}"
export JAVA_TOOL_OPTIONS="$CHART_OPTS${NMT:+ -XX:NativeMemoryTracking=summary}"

# Quotas that never refuse, over 100 ms windows: the links' fair share keeps one entry per link
# granted in its window; a 60 s window at 12k links/s holds 700k of them (~20 MiB live, promoted
# and dropped a minute later), the default window of 100 links a minute holds 100.
ARGS=(--server.port=$PORT --management.server.port=$MPORT --gateway.workos.base-url=http://127.0.0.1:$STUB_PORT
  --gateway.callers[0].name=bench --gateway.callers[0].token-sha256="$HASH" --gateway.callers[0].intents=sso
  --gateway.rate-limit.portal-links.limit=100000000 --gateway.rate-limit.provider-icons.limit=100000000
  --gateway.rate-limit.portal-links.period=100ms --gateway.rate-limit.provider-icons.period=100ms
  --logging.level.audit=warn)
# KEEP=1 keeps WORK (printed last) and this start as WORK/start.sh, for bench/ready-ab.sh.
if [ -n "${KEEP:-}" ]; then
  { echo "cd $(printf %q "$PWD")"; printf 'export JAVA_TOOL_OPTIONS=%q MALLOC_ARENA_MAX=%q WORKOS_API_KEY=%q\n' "$JAVA_TOOL_OPTIONS" "$MALLOC_ARENA_MAX" "$WORKOS_API_KEY"
    printf 'exec'; printf ' %q' "${ENTRY[@]}" "${ARGS[@]}"; echo; } > "$WORK/start.sh"
  echo "http://127.0.0.1:$MPORT/actuator/health/readiness" > "$WORK/ready-url"
fi
start() {
  "${ENTRY[@]}" "${ARGS[@]}" > "$WORK/gateway.log" 2>&1 &
  PID=$!
}
ready_ms() {
  local begin; begin=$(date +%s%N)
  start
  until curl -fs "http://127.0.0.1:$MPORT/actuator/health/readiness" >/dev/null 2>&1; do
    kill -0 $PID 2>/dev/null || { cat "$WORK/gateway.log" >&2; exit 1; }
    sleep 0.01
  done
  echo $(( ($(date +%s%N) - begin) / 1000000 ))
  kill $PID; wait $PID 2>/dev/null || true
}
READY=$(for _ in 1 2 3 4 5; do ready_ms; done | sort -n | sed -n 3p)
grep -q "AOT-processed" "$WORK/gateway.log" || { echo "Not started AOT-processed; see $WORK" >&2; exit 1; }
start
await "http://127.0.0.1:$MPORT/actuator/health/readiness"
curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/provider-icons" >/dev/null \
  || { echo "The gateway does not serve icons; see $WORK/gateway.log" >&2; exit 1; }
wrk -t1 -c50 -d"${ICONS_S}s" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/provider-icons" > "$WORK/icons.txt"
wrk -t1 -c50 -d"${LINKS_S}s" -H "Authorization: Bearer $TOKEN" -s "$WORK/link.lua" "http://127.0.0.1:$PORT/v1/portal-links" > "$WORK/links.txt"
RSS=$(( $(ps -o rss= -p "$PID") / 1024 ))
# Throughput once warmer (MEASURE_S each, after the load above): for before/after pairs of JVM
# options, so that memory is not bought with speed unnoticed.
MEASURE_S=${MEASURE_S:-30}
wrk -t1 -c50 -d"${MEASURE_S}s" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/provider-icons" > "$WORK/icons2.txt"
wrk -t1 -c50 -d"${MEASURE_S}s" -H "Authorization: Bearer $TOKEN" -s "$WORK/link.lua" "http://127.0.0.1:$PORT/v1/portal-links" > "$WORK/links2.txt"
RSS2=$(( $(ps -o rss= -p "$PID") / 1024 ))
printf '%-60s %s\n' "Java" "$(JAVA_TOOL_OPTIONS= "$JAVA" -version 2>&1 | grep -v Picked | head -1)"
printf '%-60s %s\n' "JAVA_TOOL_OPTIONS" "$CHART_OPTS"
printf '%-60s %s ms\n' "time to ready, the image's way, median of 5" "$READY"
printf '%-60s %s MiB\n' "RSS after ${ICONS_S} s of icons and ${LINKS_S} s of links" "$RSS"
printf '%-60s %s MiB\n' "RSS after those ${MEASURE_S} s of each" "$RSS2"
printf '%-60s %s\n' "icons req/s, the next ${MEASURE_S} s" "$(awk '/Requests\/sec/ {print $2}' "$WORK/icons2.txt")"
printf '%-60s %s\n' "links req/s, the next ${MEASURE_S} s" "$(awk '/Requests\/sec/ {print $2}' "$WORK/links2.txt")"
if [ -n "${NMT:-}" ]; then
  "$(dirname "$JAVA")/jcmd" "$PID" VM.native_memory summary | grep -E '^(Total|-)' | sed 's/^-//' | tr -s ' '
  echo "heap:"
  "$(dirname "$JAVA")/jcmd" "$PID" GC.heap_info | grep -E 'DefNew|Tenured|space' | sed 's/^ */  /'
  echo "code cache by segment (size, used):"
  "$(dirname "$JAVA")/jcmd" "$PID" Compiler.codecache | grep -E '^(CodeHeap|  total| size)|^ total_blobs' | sed 's/^/  /'
  echo "memory map, RSS by kind (MiB):"
  awk '/^[0-9a-f]+-[0-9a-f]+ / {name = NF >= 6 ? $6 : "[anon]"; next}
       /^Rss:/ {if (name ~ /\.aot$/) k = "AOT cache"; else if (name ~ /\.(jar|so)/ || name ~ /^\//) k = "files (jars, libraries)"; else k = "anonymous"; rss[k] += $2}
       /^Private_Dirty:/ {if (name ~ /\.aot$/) aotDirty += $2}
       END {for (k in rss) printf "  %-28s %6.1f\n", k, rss[k] / 1024;
            printf "  %-28s %6.1f\n", "  of it written (relocated)", aotDirty / 1024}' "/proc/$PID/smaps"
fi
[ -z "${KEEP:-}" ] || echo "kept: $WORK"
