#!/usr/bin/env bash
# On-demand: where the gateway's start goes, step by step (bench/StartupSteps.java), started the way
# the image starts it: the extracted jar, the Dockerfile's JAVA_TOOL_OPTIONS replaced by the chart's
# default JVM options with -XX:MaxRAM=384m (as bench/image.sh does), the entry point's options
# (Spring AOT among them), and an AOT cache trained for this launcher by one start first. Prints each run's largest
# steps. Never part of `./mvnw verify`; about a minute.
#
#   bench/startup-steps.sh                       # builds the jar; 3 runs, 25 steps each
#   GATEWAY_JAR=x.jar RUNS=5 ROWS=40 bench/startup-steps.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
ROWS=${ROWS:-25}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=bench/common.sh
. bench/common.sh
JAVA=$(bench_java)
JDK_BIN=$(dirname "$JAVA")
if [ -z "${GATEWAY_JAR:-}" ]; then
  ./mvnw -q -B -DskipTests package
  GATEWAY_JAR=target/portal-gateway.jar
fi
cp "$GATEWAY_JAR" "$WORK/portal-gateway.jar"
"$JAVA" -Djarmode=tools -jar "$WORK/portal-gateway.jar" extract --destination "$WORK/app" >/dev/null
# An AOT cache takes jars only on its class path, not a directory of classes.
mkdir "$WORK/classes"
env -u JAVA_TOOL_OPTIONS "$JDK_BIN/javac" -nowarn -d "$WORK/classes" -cp "$WORK/app/portal-gateway.jar:$WORK/app/lib/*" \
  bench/StartupSteps.java
env -u JAVA_TOOL_OPTIONS "$JDK_BIN/jar" cf "$WORK/startup-steps.jar" -C "$WORK/classes" .
cd "$WORK/app"
CP="$WORK/startup-steps.jar:portal-gateway.jar:$(ls lib/*.jar | tr '\n' ':')"
export MALLOC_ARENA_MAX=$(dockerfile_env "$OLDPWD" MALLOC_ARENA_MAX)
export JAVA_TOOL_OPTIONS=$(chart_jvm_options "$OLDPWD")
# The entry point's JVM options, but its AOT cache (this launcher has its own) and its -jar.
OPTS=()
for word in $(entry_point "$OLDPWD"); do
  case $word in java | -XX:AOTCache=* | -jar | *.jar) ;; *) OPTS+=("$word") ;; esac
done
HASH=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
ARGS=(--server.port=0 --management.server.port=0 --gateway.callers[0].name=bench
  --gateway.callers[0].token-sha256="$HASH" --gateway.callers[0].intents=sso --logging.level.root=warn)
export WORKOS_API_KEY=sk_test_startupsteps0000
"$JAVA" -XX:AOTCacheOutput="$WORK/steps.aot" "${OPTS[@]}" -cp "$CP" StartupSteps 0 -- "${ARGS[@]}" >/dev/null 2>&1
for run in $(seq 1 "$RUNS"); do
  echo "== run $run of $RUNS ($("$JAVA" -version 2>&1 | grep -v Picked | head -1))"
  "$JAVA" -XX:AOTCache="$WORK/steps.aot" "${OPTS[@]}" -cp "$CP" StartupSteps "$ROWS" -- "${ARGS[@]}" 2>&1 | grep -v '^Picked up'
done
