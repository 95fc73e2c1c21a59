#!/usr/bin/env bash
# Loads a seeded Synthea population, as Synthea writes it (never modified, never committed), into a
# running server with a backend-service token, and measures the ingest: resources per second over
# the whole population and the p95 time of one bundle.
#   bench/synthea.sh [patients] [seed]          (defaults: 10 patients, seed 42)
# Environment: FHIR_ORIGIN (https://localhost:8443), CLIENT_ID / CLIENT_SECRET (the demo backend
# service, role integration, scope system/*.cruds), CA (the server's certificate; default
# data/tls/server.crt), SYNTHEA_ARGS (more Synthea options, e.g. "-a 30-40"), FHIR_BASE (default
# $FHIR_ORIGIN/fhir) and NO_TOKEN=1 to load a server without security (the benchmark peer, bench/peer).
# Order: the hospital and practitioner bundles first (organizations, practitioners), then each
# patient's transaction. A refused bundle (e.g. 413 above fhir.server.max-request-size) is listed
# with its status and the first line of its OperationOutcome, and counted apart.
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-10}
seed=${2:-42}
origin=${FHIR_ORIGIN:-https://localhost:8443}
client=${CLIENT_ID:-demo-backend-service}
secret=${CLIENT_SECRET:-demo-backend-secret-NOT-FOR-PRODUCTION-0001}
ca=${CA:-data/tls/server.crt}
base=${FHIR_BASE:-$origin/fhir}
lib=bench/target/synthea-lib
out=bench/target/synthea-$seed-$patients

if [ ! -f "$lib/synthea-3.3.0.jar" ]; then
  echo "Fetching Synthea 3.3.0 and its dependencies from Maven Central into $lib"
  ./mvnw -B -q -f bench/synthea/pom.xml dependency:copy-dependencies -DoutputDirectory="$PWD/$lib"
fi
if [ ! -d "$out/fhir" ]; then
  echo "Generating $patients living patients (seed $seed) into $out"
  mkdir -p "$out"
  (cd "$out" && java -cp "$PWD/../synthea-lib/*" App -s "$seed" -cs "$seed" -p "$patients" \
    --exporter.baseDirectory="$PWD" --exporter.fhir.export=true --exporter.hospital.fhir.export=true \
    --exporter.practitioner.fhir.export=true --exporter.csv.export=false --exporter.metadata.export=false \
    --generate.only_alive_patients=true ${SYNTHEA_ARGS:-} Massachusetts > synthea.log)
fi

[ "${SYNTHEA_GENERATE_ONLY:-0}" = 1 ] && exit 0

token() {
  curl -sf --cacert "$ca" -u "$client:$secret" -d 'grant_type=client_credentials&scope=system/*.cruds' \
    "$origin/auth/oauth2/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

files=$(ls "$out"/fhir/hospitalInformation*.json "$out"/fhir/practitionerInformation*.json)
files="$files $(ls "$out"/fhir/*.json | grep -v -e hospitalInformation -e practitionerInformation | sort)"
loaded=0; refused=0; total_ms=0; times=()
for file in $files; do
  entries=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["entry"]))' "$file")
  bytes=$(stat -c %s "$file")
  # the token is taken before the clock starts: only the bundle is timed
  auth=(); [ "${NO_TOKEN:-0}" = 1 ] || auth=(-H "Authorization: Bearer $(token)" --cacert "$ca")
  start=$(date +%s%N)
  # HTTP/1.1 with "Expect: 100-continue": a body over the server's limit is refused (413) before it is sent
  status=$(curl -s --http1.1 -H 'Expect: 100-continue' "${auth[@]}" -o "$out/response.json" -w '%{http_code}' \
    -H 'Content-Type: application/fhir+json' --data-binary @"$file" "$base" || true)
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ "$status" = 200 ]; then
    loaded=$((loaded + entries)); total_ms=$((total_ms + ms)); times+=("$ms")
    printf '%6d ms  %5d resources  %8d bytes  %s\n' "$ms" "$entries" "$bytes" "$(basename "$file")"
  else
    refused=$((refused + 1))
    printf 'REFUSED %s (%d resources, %d bytes): %s %s\n' "$(basename "$file")" "$entries" "$bytes" "$status" \
      "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["issue"][0].get("diagnostics","")[:160])' \
        "$out/response.json" 2>/dev/null || true)"
  fi
done
p95=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.95+0.999); if (i<1) i=1; print a[i]}')
awk -v n="$loaded" -v ms="$total_ms" -v p95="$p95" -v r="$refused" \
  'BEGIN {printf "loaded %d resources in %.1f s: %.0f resources/s; p95 of a bundle %d ms; %d bundle(s) refused\n", n, ms/1000, n/(ms/1000), p95, r}'
