#!/usr/bin/env bash
# Rerunnable cost of authorization: the FHIR load (bench/run.sh fhir) against the server with
# authorization enforced (role policy ∩ scopes ∩ compartment, every response checked) and with
# `fhir.authorization.enforce=false` (token still verified, nothing else), interleaved on/off for N
# rounds (default 2) in one session, each on a fresh data directory; prints the median throughput of
# each and the ratio on/off per phase (read and search must stay >= 0.90).
# Usage: bench/authz.sh [rounds] [load options such as --reads=5000]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}; shift || true
load_opts=("$@")
port=${BENCH_PORT:-18443}
./mvnw -B -q -DskipTests -Dspotless.check.skip=true package
out=$(mktemp -d "${TMPDIR:-/tmp}/fhir-authz-XXXXXX")
echo "Summaries in $out"

run_once() { # $1 = on|off, $2 = round
  local enforce=true dir pid started
  [ "$1" = off ] && enforce=false
  dir=$(mktemp -d "${TMPDIR:-/tmp}/fhir-bench-XXXXXX")
  (cd "$dir" && exec java -jar "$OLDPWD/fhir-server/target/fhir-server.jar" --server.port="$port" \
      --fhir.authorization.enforce="$enforce" >"$dir/server.log" 2>&1) &
  pid=$!
  started=$(date +%s)
  until curl -sfk "https://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "server exited; see $dir/server.log" >&2; exit 1; fi
    if (( $(date +%s) - started > 180 )); then echo "server not ready after 180 s" >&2; exit 1; fi
    sleep 1
  done
  sleep 3 # let the demo data writers finish
  java -jar bench/target/bench.jar fhir --base="https://localhost:$port/fhir" --ca="$dir/data/tls/server.crt" \
      --out="$out/$1-$2.json" ${load_opts[@]+"${load_opts[@]}"} | tail -n 6
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}

for ((i = 1; i <= rounds; i++)); do
  for mode in on off; do
    echo "round $i, authorization $mode"
    run_once "$mode" "$i"
  done
done
on=$(ls "$out"/on-*.json | paste -sd,); off=$(ls "$out"/off-*.json | paste -sd,)
java -jar bench/target/bench.jar compare --a="$on" --b="$off" --a-name=on --b-name=off
