#!/usr/bin/env bash
# The AOT cache training run of the image (Dockerfile), also run by LayeredJarIT and bench/image.sh.
#
# It starts the gateway as the image's entry point does, with -XX:AOTCacheOutput, waits until it is
# ready, sends it a few requests of each kind, and stops it with SIGTERM, as Kubernetes does; the
# JVM writes app.aot as it exits. A run that stops as soon as the context is refreshed
# (spring.context.exit=onRefresh) leaves out everything that happens after that and before the
# readiness probe answers: the web servers binding, the management server's child context,
# the lifecycle beans; and a caller's first request would load its classes from the jars.
#
# No network is needed: WorkOS is an address nothing listens on, so links and icons take the
# gateway's failure path (its problem answers) through the same client, chain and handlers. Only
# bash, sha256sum and the JVM are used (bash's /dev/tcp; the runtime image has no curl).
#
#   [PORT=8080 MANAGEMENT_PORT=8081] aot-training.sh java -XX:AOTCacheOutput=app.aot <the entry
#   point's options> -jar portal-gateway.jar          (in the directory of the jar)
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: aot-training.sh <java command line with -XX:AOTCacheOutput=app.aot>" >&2; exit 2; }
PORT=${PORT:-8080}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-8081}
TOKEN=aot-training-caller-token
HASH=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)

# The key only passes the format check: nothing is sent to WorkOS. It lives in this run's
# environment only, never in the image.
WORKOS_API_KEY=sk_test_aottraining0000 "$@" \
	--server.port="$PORT" --management.server.port="$MANAGEMENT_PORT" \
	--gateway.workos.base-url=http://127.0.0.1:9 \
	--gateway.callers[0].name=aot-training --gateway.callers[0].token-sha256="$HASH" \
	--gateway.callers[0].intents=sso &
gateway=$!
trap 'kill -9 $gateway 2>/dev/null || true' EXIT

# One HTTP/1.1 request; prints the status code.
request() {
	local method=$1 port=$2 path=$3 body=${4:-}
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%s %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
		"$method" "$path" "$TOKEN" "${#body}" "$body" >&3
	local status
	read -r _ status _ <&3 || status=none
	exec 3<&-
	echo "$status"
}

for _ in $(seq 1 600); do
	kill -0 $gateway 2>/dev/null || { echo "The training run's gateway exited before it was ready" >&2; exit 1; }
	[ "$(request GET "$MANAGEMENT_PORT" /actuator/health/readiness 2>/dev/null || true)" = 200 ] && break
	sleep 0.1
done
[ "$(request GET "$MANAGEMENT_PORT" /actuator/health/readiness)" = 200 ] \
	|| { echo "The training run's gateway was not ready within 60 s" >&2; exit 1; }

link='{"organization":"org_01H1234567890ABCDEFGHIJK","intent":"sso"}'
# Answers as expected without WorkOS: icons and links a problem (502/503), the malformed link 400.
for round in 1 2 3; do
	statuses=(
		"$(request GET "$PORT" /v1/provider-icons)"
		"$(request POST "$PORT" /v1/portal-links "$link")"
		"$(request POST "$PORT" /v1/portal-links '{"organization":')"
		"$(request GET "$MANAGEMENT_PORT" /actuator/health/liveness)"
		"$(request GET "$MANAGEMENT_PORT" /actuator/prometheus)"
	)
	echo "training round $round: icons, link, malformed link, liveness, prometheus: ${statuses[*]}"
done

kill -TERM $gateway
status=0
wait $gateway || status=$?
trap - EXIT
# 143: stopped by SIGTERM, as asked.
[ $status = 0 ] || [ $status = 143 ] || { echo "The training run's gateway exited with $status" >&2; exit 1; }
[ -s app.aot ] || { echo "The training run wrote no app.aot" >&2; exit 1; }
