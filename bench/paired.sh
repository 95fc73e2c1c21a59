#!/usr/bin/env bash
# Rerunnable paired A/B comparison of two server configurations: server A starts on a fresh data
# directory (embedded PostgreSQL, generated keys and certificate), server B starts beside it with
# A's keys and certificate on A's database and accepts A's tokens (two nodes of one deployment);
# the FHIR load (bench.jar fhir --base-b=...) then alternates between them in short blocks (A B,
# B A, ...), so both meet the same data and the same moments of machine noise. Prints the ratio
# A/B per phase over all blocks, and the median and range of the per-pair ratios. Far less noisy
# than bench/compare.sh (separate runs, ±10-20 % between runs of one configuration here).
# Usage: bench/paired.sh NAME_A "A server options" NAME_B "B server options" [load options]
# e.g.   bench/paired.sh on "--consent.enabled=true" off "--consent.enabled=false" --pairs=10
set -euo pipefail
cd "$(dirname "$0")/.."
name_a=$1 opts_a=$2 name_b=$3 opts_b=$4
shift 4
port_a=${BENCH_PORT:-18443}
port_b=$((port_a + 1))
pg_port=${BENCH_PG_PORT:-15439}
[ -n "${BENCH_NO_BUILD:-}" ] || ./mvnw -B -q -DskipTests -Dspotless.check.skip=true package

dir_a=$(mktemp -d "${TMPDIR:-/tmp}/fhir-bench-XXXXXX")
dir_b=$(mktemp -d "${TMPDIR:-/tmp}/fhir-bench-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir_a" "$dir_b"
}
trap cleanup EXIT

ready() { # $1 = port, $2 = pid, $3 = log
  local started
  started=$(date +%s)
  until curl -sfk "https://127.0.0.1:$1/actuator/health/readiness" >/dev/null 2>&1; do
    if ! kill -0 "$2" 2>/dev/null; then echo "server exited; see $3" >&2; tail -n 20 "$3" >&2; exit 1; fi
    if (( $(date +%s) - started > 180 )); then echo "server not ready after 180 s" >&2; exit 1; fi
    sleep 1
  done
}

echo "$name_a: port $port_a, data in $dir_a; $name_b: port $port_b on the same database"
# shellcheck disable=SC2086 # the options are words
(cd "$dir_a" && exec java -jar "$OLDPWD/fhir-server/target/fhir-server.jar" --server.port="$port_a" \
    --fhir.embedded-db.port="$pg_port" --audit.node-id="bench-$name_a" $opts_a >"$dir_a/server.log" 2>&1) &
pids+=($!)
ready "$port_a" "${pids[0]}" "$dir_a/server.log"

mkdir -p "$dir_b/data"
cp -r "$dir_a/data/keys" "$dir_a/data/tls" "$dir_b/data/"
# shellcheck disable=SC2086
(cd "$dir_b" && exec java -jar "$OLDPWD/fhir-server/target/fhir-server.jar" --server.port="$port_b" \
    --spring.datasource.url="jdbc:postgresql://127.0.0.1:$pg_port/fhir" --spring.datasource.username=postgres --audit.node-id="bench-$name_b" \
    --smart.auth.issuer="https://localhost:$port_a/auth" --smart.auth.fhir-base-url="https://localhost:$port_a/fhir" \
    $opts_b >"$dir_b/server.log" 2>&1) &
pids+=($!)
ready "$port_b" "${pids[1]}" "$dir_b/server.log"
sleep 3 # let the demo data writers finish

out=bench/results/paired-$(date -u +%Y-%m-%dT%H-%M-%SZ)
java -jar bench/target/bench.jar fhir --base="https://localhost:$port_a/fhir" --base-b="https://localhost:$port_b/fhir" \
    --name-a="$name_a" --name-b="$name_b" --ca="$dir_a/data/tls/server.crt" \
    --out="$out-$name_a.json" --out-b="$out-$name_b.json" "$@"
