#!/usr/bin/env bash
# On-demand A/B of two gateway jars (two commits), never part of `./mvnw verify`: both gateways run
# side by side behind the same nginx WorkOS stub, each is warmed, then rounds of icons and links with
# wrk (one thread, 50 connections) alternate between them, and one table prints every round and the
# means. Interleaving is the point: this machine moves by about ±10 % from minute to minute, so two
# builds measured one after the other (bench/run.sh with GATEWAY_JAR=) differ by the minute as much as
# by the code. And two JVMs of the same code settle several per cent apart for their whole life (each
# compiles its hot code its own way; bench/RESULTS.md, seventh session): one process per build resolves
# about 10 %, PROCESSES=3 (new processes, warmed again) is for smaller differences. Rounds are named
# process.round. About (3 + ROUNDS) x PROCESSES minutes.
#
#   bench/ab.sh before.jar after.jar                  # 60 s icons + 30 s links warm-up each, 4 rounds of 15 s
#   PROCESSES=3 bench/ab.sh before.jar after.jar      # three pairs of processes, one after the other
#   WARMUP=10 ROUND=5 ROUNDS=1 bench/ab.sh a.jar b.jar   # a smoke run of the script (numbers measure the JIT)
#
# A jar of a commit: git worktree add /tmp/before <commit> && (cd /tmp/before && ./mvnw -q -B -DskipTests
# package) gives /tmp/before/target/portal-gateway.jar. The servers run on the image's Java, as in
# bench/run.sh (BENCH_JAVA=java for the default one), with -Xmx256m and the same quotas that never refuse.
set -euo pipefail
if [ $# -ne 2 ] || [ ! -f "$1" ] || [ ! -f "$2" ]; then
  echo "usage: bench/ab.sh <A.jar> <B.jar>" >&2
  exit 2
fi
JAR_A=$(realpath "$1")
JAR_B=$(realpath "$2")
cd "$(dirname "$0")/.."
WARMUP=${WARMUP:-60}
ROUND=${ROUND:-15}
ROUNDS=${ROUNDS:-4}
PROCESSES=${PROCESSES:-1}
STUB_PORT=18180
CEILING_PORT=18183
PORT_A=18101
PORT_B=18201
WORK=$(mktemp -d)
PID_A=; PID_B=
trap 'kill $PID_A $PID_B 2>/dev/null || true; stop_stub' EXIT
# shellcheck source=bench/common.sh
. bench/common.sh

need wrk wrk
need nginx nginx-light
BENCH_JAVA=$(bench_java)
start_stub
: > "$WORK/rounds"
for process in $(seq 1 "$PROCESSES"); do
  PID_A=$(start_gateway "$JAR_A" $PORT_A $((PORT_A + 1)))
  PID_B=$(start_gateway "$JAR_B" $PORT_B $((PORT_B + 1)))
  for port in $PORT_A $PORT_B; do
    await "http://127.0.0.1:$((port + 1))/actuator/health/readiness"
    check_gateway "$port"
  done
  echo "Process $process of $PROCESSES..." >&2
  for port in $PORT_A $PORT_B; do
    warm_gateway "$port"
  done
  for round in $(seq 1 "$ROUNDS"); do
    echo "Process $process of $PROCESSES: round $round of $ROUNDS..." >&2
    # Which build goes first alternates, so neither always runs on the warmer or the cooler minute.
    order="A B"; [ $((round % 2)) -eq 0 ] && order="B A"
    for side in $order; do
      port=$PORT_A; [ "$side" = B ] && port=$PORT_B
      read -r icons _ _ < <(run "http://127.0.0.1:$port/v1/provider-icons" "${AUTH[@]}")
      read -r links _ _ < <(run "http://127.0.0.1:$port/v1/portal-links" "${AUTH[@]}" -s "$WORK/link.lua")
      echo "$process.$round $side $icons $links" >> "$WORK/rounds"
    done
  done
  kill "$PID_A" "$PID_B"
  # Both gone (a graceful shutdown takes a moment) before the next pair binds the same ports.
  while kill -0 "$PID_A" 2>/dev/null || kill -0 "$PID_B" 2>/dev/null; do sleep 0.2; done
  PID_A=; PID_B=
done

printf '\n%-8s %-6s %12s %12s\n' "round" "build" "icons req/s" "links req/s"
sort -k1,1V -k2,2 "$WORK/rounds" | while read -r round side icons links; do
  printf '%-8s %-6s %12s %12s\n' "$round" "$side" "$icons" "$links"
done
awk -v a="$(basename "$JAR_A")" -v b="$(basename "$JAR_B")" '
  { icons[$2] += $3; links[$2] += $4; n[$2]++ }
  END {
    printf "%-15s %12.0f %12.0f   A = %s\n", "mean A", icons["A"] / n["A"], links["A"] / n["A"], a
    printf "%-15s %12.0f %12.0f   B = %s\n", "mean B", icons["B"] / n["B"], links["B"] / n["B"], b
    printf "%-15s %+11.1f%% %+11.1f%%\n", "B against A", 100 * (icons["B"] / icons["A"] - 1), 100 * (links["B"] / links["A"] - 1)
  }' "$WORK/rounds"
printf 'Java of the servers: %s; %s process(es) per build, each %s x %s s rounds after %s s + %s s of warm-up\n' \
  "$("$BENCH_JAVA" -version 2>&1 | head -1)" "$PROCESSES" "$ROUNDS" "$ROUND" "$WARMUP" "$(( WARMUP / 2 ))"
