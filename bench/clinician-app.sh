#!/usr/bin/env bash
# The clinician app's speed (issue 20: initial JS, first page after sign-in, patient search p95 with
# 10,000 patients): starts the packaged server on a fresh data directory, loads PATIENTS patients
# (default 10000) and measures in Debian's Chromium (clinician-app/bench/app-speed.mjs).
# Needs `./mvnw -DskipTests package` first. PORT (default 18446).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${PORT:-18446}
workdir=$(mktemp -d "${TMPDIR:-/tmp}/fhir-app-bench-XXXXXX")
log="$workdir/server.log"
(cd "$workdir" && exec java -jar "$root/fhir-server/target/fhir-server.jar" --server.port="$port" >"$log" 2>&1) &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$workdir"' EXIT
until grep -q "created 7 demo users" "$log" 2>/dev/null; do
  kill -0 "$server" 2>/dev/null || { tail -40 "$log" >&2; exit 1; }
  sleep 1
done
cd clinician-app
APP_ORIGIN="https://localhost:$port" NODE_EXTRA_CA_CERTS="$workdir/data/tls/server.crt" node bench/app-speed.mjs
