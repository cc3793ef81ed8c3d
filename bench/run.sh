#!/usr/bin/env bash
# On-demand benchmark; never part of `./mvnw verify`. Prints one table (about 35 minutes).
#
#   bench/run.sh                         # full run: 90 s JIT warm-up per JVM, 3 interleaved rounds
#   WARMUP=10 ROUND=5 ROUNDS=1 bench/run.sh   # a smoke run of the script (numbers measure the JIT)
#
# What runs, all on loopback:
#   nginx            as the WorkOS stub (static answers) and as the ceiling (the icon JSON directly);
#   Spring Cloud Gateway  the peer (bench/scg): the icon route with LocalResponseCache and the
#                    same bearer-token check, on the same Reactor Netty, -Xmx256m;
#   BareWebFlux      a bare WebFlux RouterFunction returning the same bytes (bench/BareWebFlux.java):
#                    where the issue's 0.6 x nginx target comes from; and relaying links to the stub
#                    with a WebClient (no filters, authentication, quotas or JSON): the least a
#                    link costs on this stack, in every link table below;
#   BareReactorNetty the same two answers from Reactor Netty's own routes and HttpClient, no Spring
#                    (bench/BareReactorNetty.java): what a path outside WebFlux could reach;
#   the gateway      twice, from the same jar: native transport (epoll, the default) and
#                    -Dreactor.netty.native=false (NIO), both with -Xmx256m;
#   wrk              closed loop, one thread, 50 connections (the README's machine facts);
#   hey              -c 10 -q 50 (10 workers x 50 req/s = 500 req/s), the issue's second view of links;
#   FixedRate        open loop at a fixed rate, evenly spaced, latency from when each request
#                    was due (bench/FixedRate.java): the latency the gateway adds to a link.
# The servers under load run on the image's Java (BENCH_JAVA, bench/common.sh).
# Then time to ready: the uber-jar, the extracted jar, extracted + a CDS archive (Java 17), and
# extracted + an AOT cache (Java 25, JEP 483/514/515) when a JDK 25 is under /usr/lib/jvm.
set -euo pipefail
cd "$(dirname "$0")/.."

WARMUP=${WARMUP:-90}
ROUND=${ROUND:-20}
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-500}
STUB_PORT=18080
CEILING_PORT=18083
BARE_PORT=18084
NETTY_PORT=18086
SCG_PORT=18085
GATEWAY_PORT=18081
NIO_PORT=18091
WORK=$(mktemp -d)
GATEWAY_PID=; NIO_PID=; SCG_PID=
trap 'kill $(jobs -p) $GATEWAY_PID $NIO_PID $SCG_PID 2>/dev/null || true; stop_stub' EXIT
# shellcheck source=bench/common.sh
. bench/common.sh

need wrk wrk
need nginx nginx-light
need hey hey

BENCH_JAVA=$(bench_java)

# GATEWAY_JAR=path/to/portal-gateway.jar benchmarks that jar instead of building this checkout
# (for before/after runs of two commits with the same script; bench/ab.sh compares two jars
# interleaved, in one run).
GATEWAY_JAR=${GATEWAY_JAR:-}
if [ -z "$GATEWAY_JAR" ]; then
  echo "Building the jar..." >&2
  ./mvnw -q -B -DskipTests package
  GATEWAY_JAR=target/portal-gateway.jar
fi
echo "Building the Spring Cloud Gateway peer..." >&2
./mvnw -q -B -f bench/scg/pom.xml -DskipTests package
SCG_JAR=bench/scg/target/scg-peer.jar
java -Djarmode=tools -jar "$GATEWAY_JAR" extract --destination "$WORK/extracted" >/dev/null
CP="$WORK/extracted/lib/*"

start_stub


# ready_ms <java> [jvm and app args...]: starts a gateway, prints ms from process start to
# readiness, stops it.
ready_ms() {
  local java=$1; shift
  local start; start=$(date +%s%N)
  "$java" -Xmx256m "$@" --server.port=18071 --management.server.port=18072 "${GATEWAY_ARGS[@]}" \
    > "$WORK/start.log" 2>&1 &
  local pid=$!
  until curl -fs "http://127.0.0.1:18072/actuator/health/readiness" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { cat "$WORK/start.log" >&2; exit 1; }
    sleep 0.02
  done
  echo $(( ($(date +%s%N) - start) / 1000000 ))
  kill $pid; wait $pid 2>/dev/null || true
}
median3() { local a b c; a=$("$@"); b=$("$@"); c=$("$@"); printf '%s\n%s\n%s\n' "$a" "$b" "$c" | sort -n | sed -n 2p; }

echo "Time to ready..." >&2
JAR="$WORK/extracted/$(basename "$GATEWAY_JAR")"
READY_UBER=$(median3 ready_ms java -jar "$GATEWAY_JAR")
READY_EXTRACTED=$(median3 ready_ms java -jar "$JAR")
# A CDS archive from a training run that stops once the context is refreshed.
java -XX:ArchiveClassesAtExit="$WORK/app.jsa" -Dspring.context.exit=onRefresh -jar "$JAR" "${GATEWAY_ARGS[@]}" \
  --server.port=0 --management.server.port=0 > "$WORK/train-cds.log" 2>&1
READY_CDS=$(median3 ready_ms java -XX:SharedArchiveFile="$WORK/app.jsa" -Xlog:cds=off -jar "$JAR")
JAVA25=$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -1 || true)
READY_AOT="(no JDK 25)"
if [ -n "$JAVA25" ]; then
  "$JAVA25" -XX:AOTCacheOutput="$WORK/app.aot" -Dspring.context.exit=onRefresh -jar "$JAR" "${GATEWAY_ARGS[@]}" \
    --server.port=0 --management.server.port=0 > "$WORK/train-aot.log" 2>&1
  READY_AOT="$(median3 ready_ms "$JAVA25" -XX:AOTCache="$WORK/app.aot" -jar "$JAR") ms"
fi

GATEWAY_PID=$(start_gateway "$GATEWAY_JAR" $GATEWAY_PORT 18082)
NIO_PID=$(start_gateway "$GATEWAY_JAR" $NIO_PORT 18092 -Dreactor.netty.native=false)
"$BENCH_JAVA" -Xmx256m -jar "$SCG_JAR" --server.port=$SCG_PORT --stub.uri=http://127.0.0.1:$STUB_PORT \
  --caller.token-sha256="$HASH" > "$WORK/scg.log" 2>&1 &
SCG_PID=$!
"$BENCH_JAVA" -Xmx256m -cp "$CP" bench/BareWebFlux.java $BARE_PORT "$WORK/icons.json" "http://127.0.0.1:$STUB_PORT" \
  > "$WORK/bare.log" 2>&1 &
"$BENCH_JAVA" -Xmx256m -cp "$CP" bench/BareReactorNetty.java $NETTY_PORT "$WORK/icons.json" \
  "http://127.0.0.1:$STUB_PORT" > "$WORK/netty.log" 2>&1 &
for url in http://127.0.0.1:18082/actuator/health/readiness http://127.0.0.1:18092/actuator/health/readiness \
    http://127.0.0.1:$BARE_PORT/v1/provider-icons http://127.0.0.1:$NETTY_PORT/v1/provider-icons; do
  await "$url"
done
await "http://127.0.0.1:$SCG_PORT/v1/provider-icons" "${AUTH[@]}"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SCG_PORT/v1/provider-icons")" = 401 ] \
  || { echo "Spring Cloud Gateway serves icons without the token" >&2; exit 1; }
for port in $BARE_PORT $NETTY_PORT; do
  curl -fs -X POST -H 'Content-Type: application/json' -d "$LINK_BODY" "http://127.0.0.1:$port/v1/portal-links" \
    >/dev/null || { echo "The bare server on $port does not relay links to the stub; see $WORK" >&2; exit 1; }
done
for port in $GATEWAY_PORT $NIO_PORT; do
  check_gateway "$port"
done
# Which transport each gateway really uses (a silent fallback to NIO is the Boot 4 risk).
transport() { jcmd "$1" Thread.print 2>/dev/null | grep -q 'reactor-http-epoll' && echo epoll || echo nio; }


# fixed <url>: links at $RATE req/s for $ROUND s (after 10 s unrecorded); prints "p50 p99 p99.9 sent failed"
fixed() {
  java -Xmx256m -XX:+UseSerialGC -cp "$CP" bench/FixedRate.java "$1" "$RATE" "$ROUND" 10 "$LINK_BODY" \
    "Authorization: Bearer $TOKEN" 2>/dev/null | tail -1
}
# paced <url>: links with hey, 10 workers at 50 req/s each, for $ROUND s; prints "p50 p99" in ms
paced() {
  hey -c 10 -q 50 -z "${ROUND}s" -m POST -T application/json -d "$LINK_BODY" "${AUTH[@]}" "$1" | awk '
    / 50% in / { p50 = $3 * 1000 } / 99% in / { p99 = $3 * 1000 }
    END { printf "%.2f %.2f\n", p50, p99 }'
}
for port in $GATEWAY_PORT $NIO_PORT; do
  warm_gateway "$port"
done
echo "Warming up Spring Cloud Gateway for $WARMUP s..." >&2
wrk -t1 -c50 -d"${WARMUP}s" "${AUTH[@]}" "http://127.0.0.1:$SCG_PORT/v1/provider-icons" >/dev/null
for port in $BARE_PORT $NETTY_PORT; do
  echo "Warming up the bare server on $port for $WARMUP s..." >&2
  wrk -t1 -c50 -d"$(( WARMUP / 2 ))s" "http://127.0.0.1:$port/v1/provider-icons" >/dev/null
  wrk -t1 -c50 -d"$(( WARMUP / 2 ))s" -s "$WORK/link.lua" "http://127.0.0.1:$port/v1/portal-links" >/dev/null
done

for f in nginx bare netty scg gw nio stub-links bare-links netty-links gw-links nio-links stub-fixed bare-fixed \
  netty-fixed gw-fixed stub-hey bare-hey netty-hey gw-hey; do : > "$WORK/$f"; done
for round in $(seq 1 "$ROUNDS"); do
  echo "Round $round of $ROUNDS..." >&2
  run "http://127.0.0.1:$CEILING_PORT/v1/provider-icons" >> "$WORK/nginx"
  run "http://127.0.0.1:$BARE_PORT/v1/provider-icons" >> "$WORK/bare"
  run "http://127.0.0.1:$NETTY_PORT/v1/provider-icons" >> "$WORK/netty"
  run "http://127.0.0.1:$SCG_PORT/v1/provider-icons" "${AUTH[@]}" >> "$WORK/scg"
  run "http://127.0.0.1:$GATEWAY_PORT/v1/provider-icons" "${AUTH[@]}" >> "$WORK/gw"
  run "http://127.0.0.1:$NIO_PORT/v1/provider-icons" "${AUTH[@]}" >> "$WORK/nio"
  run "http://127.0.0.1:$STUB_PORT/portal/generate_link" -s "$WORK/link.lua" >> "$WORK/stub-links"
  run "http://127.0.0.1:$BARE_PORT/v1/portal-links" -s "$WORK/link.lua" >> "$WORK/bare-links"
  run "http://127.0.0.1:$NETTY_PORT/v1/portal-links" -s "$WORK/link.lua" >> "$WORK/netty-links"
  run "http://127.0.0.1:$GATEWAY_PORT/v1/portal-links" "${AUTH[@]}" -s "$WORK/link.lua" >> "$WORK/gw-links"
  run "http://127.0.0.1:$NIO_PORT/v1/portal-links" "${AUTH[@]}" -s "$WORK/link.lua" >> "$WORK/nio-links"
  fixed "http://127.0.0.1:$STUB_PORT/portal/generate_link" >> "$WORK/stub-fixed"
  fixed "http://127.0.0.1:$BARE_PORT/v1/portal-links" >> "$WORK/bare-fixed"
  fixed "http://127.0.0.1:$NETTY_PORT/v1/portal-links" >> "$WORK/netty-fixed"
  fixed "http://127.0.0.1:$GATEWAY_PORT/v1/portal-links" >> "$WORK/gw-fixed"
  paced "http://127.0.0.1:$STUB_PORT/portal/generate_link" >> "$WORK/stub-hey"
  paced "http://127.0.0.1:$BARE_PORT/v1/portal-links" >> "$WORK/bare-hey"
  paced "http://127.0.0.1:$NETTY_PORT/v1/portal-links" >> "$WORK/netty-hey"
  paced "http://127.0.0.1:$GATEWAY_PORT/v1/portal-links" >> "$WORK/gw-hey"
done
rss_mb=$(( $(ps -o rss= -p "$GATEWAY_PID") / 1024 ))
nio_rss_mb=$(( $(ps -o rss= -p "$NIO_PID") / 1024 ))
GW_TRANSPORT=$(transport "$GATEWAY_PID")
NIO_TRANSPORT=$(transport "$NIO_PID")

best() { sort -k1 -n -r "$WORK/$1" | head -1; }     # closed loop: the round with the most req/s
lowest() { sort -k1 -n "$WORK/$1" | head -1; }      # fixed rate: the round with the lowest p50
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f", a - b }'; }
read -r n_rps n_p50 n_p99 < <(best nginx)
read -r b_rps b_p50 b_p99 < <(best bare)
read -r e_rps e_p50 e_p99 < <(best netty)
read -r c_rps c_p50 c_p99 < <(best scg)
read -r g_rps g_p50 g_p99 < <(best gw)
read -r o_rps o_p50 o_p99 < <(best nio)
read -r s_rps s_p50 s_p99 < <(best stub-links)
read -r r_rps r_p50 r_p99 < <(best bare-links)
read -r er_rps er_p50 er_p99 < <(best netty-links)
read -r l_rps l_p50 l_p99 < <(best gw-links)
read -r m_rps m_p50 m_p99 < <(best nio-links)
read -r sf_p50 sf_p99 sf_p999 sf_n sf_err < <(lowest stub-fixed)
read -r bf_p50 bf_p99 bf_p999 bf_n bf_err < <(lowest bare-fixed)
read -r ef_p50 ef_p99 ef_p999 ef_n ef_err < <(lowest netty-fixed)
read -r gf_p50 gf_p99 gf_p999 gf_n gf_err < <(lowest gw-fixed)
read -r sh_p50 sh_p99 < <(lowest stub-hey)
read -r bh_p50 bh_p99 < <(lowest bare-hey)
read -r eh_p50 eh_p99 < <(lowest netty-hey)
read -r gh_p50 gh_p99 < <(lowest gw-hey)
row() { printf '%-52s %10s %9s %9s\n' "$@"; }
printf '\n'
row "what (wrk -t1 -c50, best of $ROUNDS x ${ROUND} s)" "req/s" "p50 ms" "p99 ms"
row "icons, nginx directly (ceiling)" "$n_rps" "$n_p50" "$n_p99"
row "icons, bare WebFlux RouterFunction, fixed bytes" "$b_rps" "$b_p50" "$b_p99"
row "icons, bare Reactor Netty route, fixed bytes" "$e_rps" "$e_p50" "$e_p99"
row "icons, Spring Cloud Gateway 5, LocalResponseCache" "$c_rps" "$c_p50" "$c_p99"
row "icons, through the gateway (cached, $GW_TRANSPORT)" "$g_rps" "$g_p50" "$g_p99"
row "icons, through the gateway ($NIO_TRANSPORT)" "$o_rps" "$o_p50" "$o_p99"
row "  gateway / Spring Cloud Gateway" "$(ratio "$g_rps" "$c_rps")" "" ""
row "  gateway / nginx" "$(ratio "$g_rps" "$n_rps")" "" ""
row "  gateway / bare WebFlux" "$(ratio "$g_rps" "$b_rps")" "" ""
row "  bare WebFlux / nginx, bare Reactor Netty / nginx" "$(ratio "$b_rps" "$n_rps")" "$(ratio "$e_rps" "$n_rps")" ""
row "links, stub directly" "$s_rps" "$s_p50" "$s_p99"
row "links, bare WebFlux relaying to the stub (WebClient)" "$r_rps" "$r_p50" "$r_p99"
row "links, bare Reactor Netty relay (HttpClient)" "$er_rps" "$er_p50" "$er_p99"
row "links, through the gateway ($GW_TRANSPORT)" "$l_rps" "$l_p50" "$l_p99"
row "links, through the gateway ($NIO_TRANSPORT)" "$m_rps" "$m_p50" "$m_p99"
printf '\n'
row "links at $RATE req/s, open loop (best of $ROUNDS x ${ROUND} s)" "p50 ms" "p99 ms" "p99.9 ms"
row "stub directly ($sf_n sent, $sf_err failed)" "$sf_p50" "$sf_p99" "$sf_p999"
row "bare WebFlux relay ($bf_n sent, $bf_err failed)" "$bf_p50" "$bf_p99" "$bf_p999"
row "bare Reactor Netty relay ($ef_n sent, $ef_err failed)" "$ef_p50" "$ef_p99" "$ef_p999"
row "through the gateway ($gf_n sent, $gf_err failed)" "$gf_p50" "$gf_p99" "$gf_p999"
row "  latency the bare relay adds" "$(minus "$bf_p50" "$sf_p50")" "$(minus "$bf_p99" "$sf_p99")" \
  "$(minus "$bf_p999" "$sf_p999")"
row "  latency the bare Reactor Netty relay adds" "$(minus "$ef_p50" "$sf_p50")" "$(minus "$ef_p99" "$sf_p99")" \
  "$(minus "$ef_p999" "$sf_p999")"
row "  latency the gateway adds" "$(minus "$gf_p50" "$sf_p50")" "$(minus "$gf_p99" "$sf_p99")" \
  "$(minus "$gf_p999" "$sf_p999")"
row "links, hey -c 10 -q 50 (best of $ROUNDS x ${ROUND} s)" "p50 ms" "p99 ms" ""
row "stub directly" "$sh_p50" "$sh_p99" ""
row "bare WebFlux relay" "$bh_p50" "$bh_p99" ""
row "bare Reactor Netty relay" "$eh_p50" "$eh_p99" ""
row "through the gateway" "$gh_p50" "$gh_p99" ""
row "  latency the bare relay adds" "$(minus "$bh_p50" "$sh_p50")" "$(minus "$bh_p99" "$sh_p99")" ""
row "  latency the bare Reactor Netty relay adds" "$(minus "$eh_p50" "$sh_p50")" "$(minus "$eh_p99" "$sh_p99")" ""
row "  latency the gateway adds" "$(minus "$gh_p50" "$sh_p50")" "$(minus "$gh_p99" "$sh_p99")" ""
printf '\n'
row "gateway RSS after load, -Xmx256m ($GW_TRANSPORT / $NIO_TRANSPORT)" "$rss_mb / $nio_rss_mb MiB" "" ""
row "time to ready, java -jar (uber-jar), median of 3" "$READY_UBER ms" "" ""
row "time to ready, extracted jar" "$READY_EXTRACTED ms" "" ""
row "time to ready, extracted + CDS archive (Java 17)" "$READY_CDS ms" "" ""
row "time to ready, extracted + AOT cache (Java 25)" "$READY_AOT" "" ""
row "JIT warm-up before measuring, per JVM" "${WARMUP} s" "" ""
row "Java of the servers under load" "$("$BENCH_JAVA" -version 2>&1 | head -1)" "" ""
