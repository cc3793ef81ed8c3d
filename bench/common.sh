# What bench/run.sh, bench/ab.sh, bench/image.sh and bench/startup-steps.sh share: the WorkOS stub
# (nginx), the gateway's settings and how a gateway is started and measured. Sourced by them (from the
# repository's root, after WORK is set); not run on its own.

TOKEN=bench-caller-token-0001
STUB_PORT=${STUB_PORT:-18080}
CEILING_PORT=${CEILING_PORT:-18083}
LINK_BODY='{"organization":"org_01H1234567890ABCDEFGHIJK","intent":"sso"}'
AUTH=(-H "Authorization: Bearer $TOKEN")

need() { # <command> <Debian package>
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "Installing $2 (Debian package)..." >&2
    apt-get install -y -q "$2" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$2" >/dev/null; }
  fi
}

# The JVM for the servers under load (the gateway, the peer, bare WebFlux): the image's Java (the
# Dockerfile's JAVA_VERSION, found under /usr/lib/jvm), what users run; BENCH_JAVA=java measures the
# default java instead (Java 17 on these machines: every section of bench/RESULTS.md before
# 2026-12-01's sixth session).
bench_java() {
  if [ -n "${BENCH_JAVA:-}" ]; then echo "$BENCH_JAVA"; return; fi
  local version found=
  version=$(sed -n 's/^ARG JAVA_VERSION=\([0-9]*\)$/\1/p' Dockerfile)
  for home in /usr/lib/jvm/*; do
    if grep -qs "^JAVA_VERSION=\"$version[.\"]" "$home/release" && [ -x "$home/bin/java" ]; then
      found="$home/bin/java"; break
    fi
  done
  if [ -z "$found" ]; then
    echo "No JDK $version under /usr/lib/jvm: the servers run on the default java" >&2
    found=java
  fi
  echo "$found"
}

# start_stub [icons.json]: nginx as the WorkOS stub (static answers) on STUB_PORT and as the ceiling
# (the icon JSON directly) on CEILING_PORT, one worker; the icon list is the file given, or a 2.7 KB
# list of 28 icons (as in the README's machine facts) written to WORK/icons.json. Also writes
# WORK/link.lua (wrk's link request).
start_stub() {
  if [ -n "${1:-}" ]; then
    cp "$1" "$WORK/icons.json"
  else
    python3 - "$WORK/icons.json" <<'PY'
import json, sys
icons = [{"provider": f"Provider{i:02d}SAML", "icon_url": f"https://cdn.workos.com/provider-icons/light/provider-{i:02d}.svg"} for i in range(28)]
open(sys.argv[1], "w").write(json.dumps(icons, separators=(",", ":")))
PY
  fi
  local icons; icons=$(cat "$WORK/icons.json")
  cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  # nginx closes a kept-alive connection after 1,000 requests by default: the gateway then opens a
  # WorkOS connection every ~90 links, whose objects outlive young collections and grew the old
  # generation by ~0.4 MiB/s under links (bench/RESULTS.md, 2026-12-01 third session), which a
  # WorkOS key's 100 links a minute never does.
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$STUB_PORT;
    location = /portal/generate_link {
      default_type application/json;
      return 201 '{"link":"https://setup.workos.com/?token=benchbenchbenchbenchbenchbench01"}';
    }
    location = /portal/provider_icons { default_type application/json; return 200 '$icons'; }
  }
  server {
    listen 127.0.0.1:$CEILING_PORT;
    location = /v1/provider-icons { default_type application/json; return 200 '$icons'; }
  }
}
CONF
  nginx -c "$WORK/nginx.conf"
  cat > "$WORK/link.lua" <<LUA
wrk.method = "POST"
wrk.body = '$LINK_BODY'
wrk.headers["Content-Type"] = "application/json"
LUA
}
stop_stub() { [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; }

# The image's way of starting, read where it is defined (bench/image.sh, bench/startup-steps.sh); each
# takes the repository's root.
# dockerfile_env <root> <name>: the value of the Dockerfile's ENV <name>="...".
dockerfile_env() { sed -n "s/^ENV $2=\"\(.*\)\"$/\1/p" "$1/Dockerfile"; }
# entry_point <root>: the words of the Dockerfile's ENTRYPOINT.
entry_point() { sed -n 's/^ENTRYPOINT \[\(.*\)\]$/\1/p' "$1/Dockerfile" | tr -d '",'; }
# chart_jvm_options <root>: the chart's default JVM options as a pod with its 384 MiB memory limit gets
# them (jvm.options, maxDirectMemorySize, activeProcessorCount 1, and the limit, which a container
# would give the JVM, as -XX:MaxRAM).
chart_jvm_options() {
  echo "$(sed -n 's/^  options: "\(.*\)"$/\1/p' "$1/helm/portal-gateway/values.yaml") -XX:MaxDirectMemorySize=64m -XX:ActiveProcessorCount=1 -XX:MaxRAM=384m"
}

HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
# Quotas that never refuse, over 100 ms windows, so that the links' fair share holds about as many
# grants as a production window does (one per link granted in the window: the default 100 a minute
# holds 100, a 60 s window at 12k links/s 700k; bench/image.sh says what that did to the heap).
GATEWAY_ARGS=(--gateway.workos.base-url=http://127.0.0.1:$STUB_PORT
  --gateway.callers[0].name=bench --gateway.callers[0].token-sha256="$HASH"
  --gateway.callers[0].intents=sso,dsync --gateway.rate-limit.portal-links.limit=100000000
  --gateway.rate-limit.provider-icons.limit=100000000 --gateway.rate-limit.portal-links.period=100ms
  --gateway.rate-limit.provider-icons.period=100ms --logging.level.audit=warn)
export WORKOS_API_KEY=sk_test_bench0000000000000001

start_gateway() { # <jar> <port> <management port> [jvm args...]: starts it on BENCH_JAVA, prints its pid
  local jar=$1 port=$2 mport=$3; shift 3
  "$BENCH_JAVA" -Xmx256m "$@" -jar "$jar" --server.port="$port" --management.server.port="$mport" \
    "${GATEWAY_ARGS[@]}" > "$WORK/gateway-$port.log" 2>&1 &
  echo $!
}

# check_gateway <port>: fails unless the gateway on <port> serves icons and issues links from the stub.
check_gateway() {
  curl -fs "${AUTH[@]}" "http://127.0.0.1:$1/v1/provider-icons" >/dev/null \
    || { echo "The gateway on $1 does not serve icons from the stub; see $WORK" >&2; exit 1; }
  curl -fs -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d "$LINK_BODY" \
    "http://127.0.0.1:$1/v1/portal-links" >/dev/null \
    || { echo "The gateway on $1 does not issue links from the stub; see $WORK" >&2; exit 1; }
}

# warm_gateway <port>: WARMUP s of icons, then WARMUP / 2 s of links (its JIT, before anything is measured).
warm_gateway() {
  echo "Warming up the gateway on $1 for $(( WARMUP + WARMUP / 2 )) s..." >&2
  wrk -t1 -c50 -d"${WARMUP}s" "${AUTH[@]}" "http://127.0.0.1:$1/v1/provider-icons" >/dev/null
  wrk -t1 -c50 -d"$(( WARMUP / 2 ))s" "${AUTH[@]}" -s "$WORK/link.lua" "http://127.0.0.1:$1/v1/portal-links" >/dev/null
}

# await <url> [curl args...]: waits up to a minute for a 2xx from <url>, fails after.
await() {
  local url=$1; shift
  for _ in $(seq 1 1200); do curl -fs "$@" "$url" >/dev/null 2>&1 && return; sleep 0.05; done
  curl -fs "$@" "$url" >/dev/null || { echo "Not up: $url; logs in $WORK" >&2; exit 1; }
}

# run <url> [wrk args...]: ROUND seconds of wrk (one thread, 50 connections); prints "requests/s p50_ms p99_ms"
run() {
  local url=$1; shift
  wrk -t1 -c50 -d"${ROUND}s" --latency "$@" "$url" | awk '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    END { printf "%.0f %.2f %.2f\n", rps, ms(p50), ms(p99) }'
}
