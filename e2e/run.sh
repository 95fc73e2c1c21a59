#!/usr/bin/env bash
# End-to-end test with a real SMART app: starts the packaged server on a fresh data directory (demo
# mode), installs fhirclient and playwright-core (npm) if needed, and runs smart-launch.mjs in
# headless Chromium (/usr/bin/chromium, Debian package `chromium`; CHROMIUM=path to override).
# Needs `./mvnw -DskipTests package` (or `verify`) first. Exit status 0 = the launch worked.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
jar="$root/fhir-server/target/fhir-server.jar"
port=${E2E_PORT:-18445}
[ -f "$jar" ] || { echo "build first: ./mvnw -DskipTests package" >&2; exit 2; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "Chromium not found (apt-get install chromium)" >&2; exit 2; }
[ -d node_modules/fhirclient ] && [ -d node_modules/playwright-core ] || npm install --no-audit --no-fund --loglevel=error

workdir=$(mktemp -d "${TMPDIR:-/tmp}/fhir-e2e-XXXXXX")
log="$workdir/server.log"
(cd "$workdir" && exec java -jar "$jar" --server.port="$port" >"$log" 2>&1) &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$workdir"' EXIT

started=$(date +%s)
# Ready, and the demo users (seeded right after readiness) exist.
until grep -q "created 7 demo users" "$log" 2>/dev/null; do
  if ! kill -0 "$server" 2>/dev/null; then echo "server exited; log:" >&2; tail -50 "$log" >&2; exit 1; fi
  if (( $(date +%s) - started > 180 )); then echo "server not ready after 180 s" >&2; exit 1; fi
  sleep 1
done
node smart-launch.mjs "https://localhost:$port/fhir" "$root/docs/demo-accounts.md" || { tail -40 "$log" >&2; exit 1; }
