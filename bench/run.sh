#!/usr/bin/env bash
# Rerunnable load benchmark: builds the server and the load generator, starts the server on a
# fresh data directory (embedded PostgreSQL, generated certificate), waits until it is ready, runs
# the load, prints the figures and their ratio to the reference, writes bench/results/*.json, and
# stops the server. `bench/run.sh` or `bench/run.sh fhir [--patients=5000 --http=2 ...]` measures the
# FHIR API; `bench/run.sh auth` measures Argon2id cost and client-credentials tokens per second.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -B -q -DskipTests -Dspotless.check.skip=true package

workdir=$(mktemp -d "${TMPDIR:-/tmp}/fhir-bench-XXXXXX")
port=${BENCH_PORT:-18443}
log="$workdir/server.log"
echo "Server state in $workdir (log: $log)"
(cd "$workdir" && exec java ${BENCH_SERVER_JAVA_OPTS:-} -jar "$OLDPWD/fhir-server/target/fhir-server.jar" \
    --server.port="$port" >"$log" 2>&1) &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT

started=$(date +%s)
until curl -sfk "https://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1; do
  if ! kill -0 "$server" 2>/dev/null; then echo "Server exited; see $log" >&2; exit 1; fi
  if (( $(date +%s) - started > 180 )); then echo "Server not ready after 180 s" >&2; exit 1; fi
  sleep 1
done
echo "Server ready after $(( $(date +%s) - started )) s"

mode=fhir
if [ "${1:-}" = auth ] || [ "${1:-}" = fhir ]; then mode=$1; shift; fi
if [ "$mode" = auth ]; then
  java -jar bench/target/bench.jar auth --issuer="https://localhost:$port/auth" --ca="$workdir/data/tls/server.crt" "$@"
else
  java -jar bench/target/bench.jar fhir --base="https://localhost:$port/fhir" --ca="$workdir/data/tls/server.crt" "$@"
fi
