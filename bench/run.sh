#!/usr/bin/env bash
# On-demand benchmark; never part of `./mvnw verify`. Prints one table.
#
#   bench/run.sh            # full run: 90 s JIT warm-up, 3 interleaved rounds of 20 s (about 9 min)
#   WARMUP=10 ROUND=5 bench/run.sh   # a quick smoke run (numbers measure the JIT, not the code)
#
# Starts nginx twice: as a fast WorkOS stub (static answers for /portal/generate_link and the icon
# list) and as the ceiling (the same icon JSON served directly). Starts the gateway from the built
# jar with limits raised, drives both with wrk (one thread, 50 connections, as in the README's
# machine facts) and reports requests/s, p50 and p99, the gateway's RSS and its time to ready.
set -euo pipefail
cd "$(dirname "$0")/.."

WARMUP=${WARMUP:-90}
ROUND=${ROUND:-20}
ROUNDS=${ROUNDS:-3}
STUB_PORT=18080
CEILING_PORT=18083
GATEWAY_PORT=18081
MANAGEMENT_PORT=18082
TOKEN=bench-caller-token-0001
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true' EXIT

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "Installing $2 (Debian package)..." >&2
    apt-get install -y -q "$2" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$2" >/dev/null; }
  fi
}
need wrk wrk
need nginx nginx-light
need hey hey

echo "Building the jar..." >&2
./mvnw -q -B -DskipTests package

# A 2.7 KB icon list, as in the README's machine facts.
python3 - "$WORK/icons.json" <<'PY'
import json, sys
icons = [{"provider": f"Provider{i:02d}SAML", "icon_url": f"https://cdn.workos.com/provider-icons/light/provider-{i:02d}.svg"} for i in range(28)]
open(sys.argv[1], "w").write(json.dumps(icons, separators=(",", ":")))
PY
ICONS=$(cat "$WORK/icons.json")
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$STUB_PORT;
    location = /portal/generate_link {
      default_type application/json;
      return 201 '{"link":"https://setup.workos.com/?token=benchbenchbenchbenchbenchbench01"}';
    }
    location = /portal/provider_icons { default_type application/json; return 200 '$ICONS'; }
  }
  server {
    listen 127.0.0.1:$CEILING_PORT;
    location = /v1/provider-icons { default_type application/json; return 200 '$ICONS'; }
  }
}
CONF
nginx -c "$WORK/nginx.conf"

HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
start_ns=$(date +%s%N)
WORKOS_API_KEY=sk_test_bench0000000000000001 java -Xmx256m ${JAVA_OPTS:-} -jar target/portal-gateway.jar \
  --server.port=$GATEWAY_PORT --management.server.port=$MANAGEMENT_PORT \
  --gateway.workos.base-url=http://127.0.0.1:$STUB_PORT \
  --gateway.callers[0].name=bench --gateway.callers[0].token-sha256="$HASH" \
  --gateway.callers[0].intents=sso,dsync --gateway.rate-limit.portal-links.limit=100000000 \
  --gateway.rate-limit.provider-icons.limit=100000000 --logging.level.audit=warn > "$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
until curl -fs "http://127.0.0.1:$MANAGEMENT_PORT/actuator/health/readiness" >/dev/null 2>&1; do
  kill -0 $GATEWAY_PID 2>/dev/null || { cat "$WORK/gateway.log" >&2; exit 1; }
  sleep 0.05
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$GATEWAY_PORT/v1/provider-icons" >/dev/null \
  || { echo "The gateway does not serve icons from the stub; see $WORK/gateway.log" >&2; exit 1; }
curl -fs -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"organization":"org_01H1234567890ABCDEFGHIJK","intent":"sso"}' \
  "http://127.0.0.1:$GATEWAY_PORT/v1/portal-links" >/dev/null \
  || { echo "The gateway does not issue links from the stub; see $WORK/gateway.log" >&2; exit 1; }

cat > "$WORK/link.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"organization":"org_01H1234567890ABCDEFGHIJK","intent":"sso"}'
wrk.headers["Content-Type"] = "application/json"
LUA

# run <url> [wrk args...]: prints "requests/s p50_ms p99_ms"
run() {
  local url=$1; shift
  wrk -t1 -c50 -d"${ROUND}s" --latency "$@" "$url" | awk '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    END { printf "%.0f %.2f %.2f\n", rps, ms(p50), ms(p99) }'
}
AUTH=(-H "Authorization: Bearer $TOKEN")
LINK_BODY='{"organization":"org_01H1234567890ABCDEFGHIJK","intent":"sso"}'
# fixed <url> [hey args...]: links at a fixed 500 req/s (50 workers × 10/s); prints "p50_ms p99_ms"
fixed() {
  local url=$1; shift
  hey -z "${ROUND}s" -c 50 -q 10 -m POST -T application/json -d "$LINK_BODY" "$@" "$url" | awk '
    /50%+ in/ { p50 = $3 * 1000 } /99%+ in/ { p99 = $3 * 1000 }
    END { printf "%.2f %.2f\n", p50, p99 }'
}
echo "Warming up the gateway's JIT for ${WARMUP} s..." >&2
wrk -t1 -c50 -d"${WARMUP}s" "${AUTH[@]}" "http://127.0.0.1:$GATEWAY_PORT/v1/provider-icons" >/dev/null
wrk -t1 -c50 -d"$(( WARMUP / 3 + 1 ))s" "${AUTH[@]}" -s "$WORK/link.lua" "http://127.0.0.1:$GATEWAY_PORT/v1/portal-links" >/dev/null

best() { sort -k1 -n -r | head -1; }
: > "$WORK/nginx-icons"; : > "$WORK/gw-icons"; : > "$WORK/stub-links"; : > "$WORK/gw-links"
: > "$WORK/stub-fixed"; : > "$WORK/gw-fixed"
for round in $(seq 1 "$ROUNDS"); do
  echo "Round $round of $ROUNDS..." >&2
  run "http://127.0.0.1:$CEILING_PORT/v1/provider-icons" >> "$WORK/nginx-icons"
  run "http://127.0.0.1:$GATEWAY_PORT/v1/provider-icons" "${AUTH[@]}" >> "$WORK/gw-icons"
  run "http://127.0.0.1:$STUB_PORT/portal/generate_link" -s "$WORK/link.lua" >> "$WORK/stub-links"
  run "http://127.0.0.1:$GATEWAY_PORT/v1/portal-links" "${AUTH[@]}" -s "$WORK/link.lua" >> "$WORK/gw-links"
  fixed "http://127.0.0.1:$STUB_PORT/portal/generate_link" >> "$WORK/stub-fixed"
  fixed "http://127.0.0.1:$GATEWAY_PORT/v1/portal-links" "${AUTH[@]}" >> "$WORK/gw-fixed"
done
rss_mb=$(( $(ps -o rss= -p $GATEWAY_PID) / 1024 ))

read -r n_rps n_p50 n_p99 < <(best < "$WORK/nginx-icons")
read -r g_rps g_p50 g_p99 < <(best < "$WORK/gw-icons")
read -r s_rps s_p50 s_p99 < <(best < "$WORK/stub-links")
read -r l_rps l_p50 l_p99 < <(best < "$WORK/gw-links")
# Fixed rate: the round with the lowest p50 of each.
read -r sf_p50 sf_p99 < <(sort -k1 -n < "$WORK/stub-fixed" | head -1)
read -r gf_p50 gf_p99 < <(sort -k1 -n < "$WORK/gw-fixed" | head -1)
printf '\n%-44s %10s %9s %9s\n' "what (wrk -t1 -c50, best of $ROUNDS × ${ROUND} s)" "req/s" "p50 ms" "p99 ms"
printf '%-44s %10s %9s %9s\n' "icons, nginx directly (ceiling)" "$n_rps" "$n_p50" "$n_p99"
printf '%-44s %10s %9s %9s\n' "icons, through the gateway (cached)" "$g_rps" "$g_p50" "$g_p99"
printf '%-44s %10s\n' "  gateway / nginx" "$(awk -v a="$g_rps" -v b="$n_rps" 'BEGIN { printf "%.2f", a / b }')"
printf '%-44s %10s %9s %9s\n' "links, stub directly" "$s_rps" "$s_p50" "$s_p99"
printf '%-44s %10s %9s %9s\n' "links, through the gateway" "$l_rps" "$l_p50" "$l_p99"
printf '%-44s %10s %9s %9s\n' "links at 500 req/s, stub directly (hey)" "(fixed)" "$sf_p50" "$sf_p99"
printf '%-44s %10s %9s %9s\n' "links at 500 req/s, through the gateway" "(fixed)" "$gf_p50" "$gf_p99"
printf '%-44s %10s %9s %9s\n' "  latency the gateway adds" "" \
  "$(awk -v a="$gf_p50" -v b="$sf_p50" 'BEGIN { printf "%.2f", a - b }')" \
  "$(awk -v a="$gf_p99" -v b="$sf_p99" 'BEGIN { printf "%.2f", a - b }')"
printf '%-44s %10s\n' "gateway RSS after load (-Xmx256m)" "${rss_mb} MiB"
printf '%-44s %10s\n' "gateway time to ready (java -jar)" "${ready_ms} ms"
printf '%-44s %10s\n' "JIT warm-up before measuring" "${WARMUP} s"
