#!/usr/bin/env bash
# On-demand: time to ready of two builds, each started the way the image starts it, in turn, so that
# both see the same minutes of this machine. Prints each pair and the medians: wall time from start
# to readiness 200, and the CPU time the JVM's main thread had used by then (the start's own work,
# which other processes and the hypervisor slow down less than they slow the clock). Never part of
# `./mvnw verify`; about three minutes at the default.
#
#   bench/ready-ab.sh before.jar after.jar       # 10 pairs; N=20 for more
#
# Each jar is prepared by bench/image.sh (KEEP=1, the shortest load): the Dockerfile's extraction,
# its AOT cache training run, the chart's JVM options with -XX:MaxRAM=384m, its entry point.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# = 2 ] || { echo "usage: bench/ready-ab.sh A.jar B.jar" >&2; exit 2; }
N=${N:-10}
prepare() {
  KEEP=1 GATEWAY_JAR=$1 ICONS_S=1 LINKS_S=1 MEASURE_S=1 bench/image.sh | sed -n 's/^kept: //p'
}
A=$(prepare "$1")
B=$(prepare "$2")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$A" "$B"' EXIT

# start <dir>: "wall_ms main_cpu_ms"
start() {
  local begin pid main
  begin=$(date +%s%N)
  bash "$1/start.sh" > "$1/gateway.log" 2>&1 &
  pid=$!
  until curl -fs "$(cat "$1/ready-url")" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { cat "$1/gateway.log" >&2; exit 1; }
    sleep 0.01
  done
  # The launcher's first thread (the pid) only waits; main() runs on the other thread still named
  # "java" (thread ids wrap around, so not simply the next id). Clock ticks of 10 ms.
  for main in $(ls "/proc/$pid/task"); do
    [ "$main" != "$pid" ] && [ "$(cat "/proc/$pid/task/$main/comm")" = java ] && break
  done
  echo "$(( ($(date +%s%N) - begin) / 1000000 )) $(awk '{print ($14 + $15) * 10}' "/proc/$pid/task/$main/stat")"
  kill $pid; wait $pid 2>/dev/null || true
}

printf '%-6s %18s %18s\n' pair "A wall / cpu ms" "B wall / cpu ms"
for i in $(seq 1 "$N"); do
  if [ $((i % 2)) = 1 ]; then a=$(start "$A"); b=$(start "$B"); else b=$(start "$B"); a=$(start "$A"); fi
  printf '%-6s %18s %18s\n' "$i" "${a/ / / }" "${b/ / / }"
  echo "$a $b" >> "$A/pairs"
done
median() { # of column <n> of the pairs
  cut -d' ' -f"$1" "$A/pairs" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
printf '%-6s %18s %18s\n' median "$(median 1) / $(median 2)" "$(median 3) / $(median 4)"
echo "A: $1, B: $2"
