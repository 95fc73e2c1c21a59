#!/usr/bin/env bash
# End-to-end tests in headless Chromium (/usr/bin/chromium, Debian package `chromium`; CHROMIUM=path
# to override) against the packaged server, started once on a fresh data directory (demo mode):
# 1. a real third-party SMART app (fhirclient) does a standalone launch (smart-launch.mjs);
# 2. the clinician app served by the jar at /app/, one Playwright spec per role
#    (clinician-app/e2e, @playwright/test), with axe-core on every page.
# Installs the npm packages if needed. Needs `./mvnw -DskipTests package` (or `verify`) first.
# Exit status 0 = both passed. Break-glass lasts 75 s here, so its spec sees it expire.
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
(cd "$workdir" && exec java -jar "$jar" --server.port="$port" --consent.break-glass-duration=75s >"$log" 2>&1) &
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

app="$root/clinician-app"
[ -d "$app/node_modules/@playwright/test" ] || (cd "$app" && npm ci --no-audit --no-fund --loglevel=error)
mkdir -p "$app/target"
(cd "$app" && APP_ORIGIN="https://localhost:$port" NODE_EXTRA_CA_CERTS="$workdir/data/tls/server.crt" \
  npx playwright test) || { echo "clinician app end-to-end failed; screenshots in clinician-app/target/e2e-results; server log:" >&2; tail -40 "$log" >&2; exit 1; }
