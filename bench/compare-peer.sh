#!/usr/bin/env bash
# Issue 21's side-by-side table: this server (TLS, token, role policy, consent, audit, field
# encryption) against plain HAPI FHIR JPA of the same version (bench/peer: plain HTTP, no safeguard),
# each on its own fresh embedded PostgreSQL, loaded by one client in the same sitting. Every phase
# (create Patient, read Patient by id, search Patient?family=&birthdate=) runs in blocks that
# alternate between the two servers (ours first, then plain first, ...), each side reading and
# searching the patients it created, after a warm-up of every phase on both. Prints requests/s, p95
# and the ratio ours/plain per phase, and the per-pair ratios (bench.jar fhir --separate=true).
#   bench/compare-peer.sh [load options]   e.g. --pairs=10 --patients=2000 --reads=5000 --searches=2000
# Scale curve (issue 21): --scale=10000,100000 loads both servers in steps to each level (transactions
# of --batch=100 patients) and measures read and search in paired blocks at each level, over every
# patient loaded so far; prints one row per level (req/s, ratio, p95 of both, load rate).
# Needs `./mvnw -DskipTests package` (server, peer and bench jars). Ports OURS_PORT (18471),
# PEER_PORT (18472); JVM options OURS_JAVA_OPTS, PEER_JAVA_OPTS (e.g. a JFR recording). Synthea ingest side by side: bench/synthea-peer.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ours_jar=$PWD/fhir-server/target/fhir-server.jar
peer_jar=$PWD/bench/peer/target/fhir-peer.jar
ours_port=${OURS_PORT:-18471}
peer_port=${PEER_PORT:-18472}
[ -f "$ours_jar" ] && [ -f "$peer_jar" ] && [ -f bench/target/bench.jar ] || { echo "build first: ./mvnw -DskipTests package" >&2; exit 2; }

ours_dir=$(mktemp -d "${TMPDIR:-/tmp}/compare-ours-XXXXXX")
peer_dir=$(mktemp -d "${TMPDIR:-/tmp}/compare-peer-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$ours_dir" "$peer_dir"
}
trap cleanup EXIT

# one after the other (2 cores: start-ups must not compete)
(cd "$ours_dir" && exec java ${OURS_JAVA_OPTS:-} -jar "$ours_jar" --server.port="$ours_port" >"$ours_dir/server.log" 2>&1) &
pids+=($!)
until grep -q "created 7 demo users" "$ours_dir/server.log" 2>/dev/null; do
  kill -0 "${pids[0]}" 2>/dev/null || { echo "ours exited:" >&2; tail -30 "$ours_dir/server.log" >&2; exit 1; }; sleep 0.5
done
(cd "$peer_dir" && exec java ${PEER_JAVA_OPTS:-} -jar "$peer_jar" --server.port="$peer_port" --peer.data-dir="$peer_dir" >"$peer_dir/server.log" 2>&1) &
pids+=($!)
until curl -sf -o /dev/null "http://127.0.0.1:$peer_port/fhir/metadata"; do
  kill -0 "${pids[1]}" 2>/dev/null || { echo "peer exited:" >&2; tail -30 "$peer_dir/server.log" >&2; exit 1; }; sleep 0.5
done
sleep "${SETTLE:-10}"

java -jar bench/target/bench.jar fhir --base="https://localhost:$ours_port/fhir" --ca="$ours_dir/data/tls/server.crt" \
  --base-b="http://127.0.0.1:$peer_port/fhir" --separate=true --name-a=ours --name-b=plain \
  --out="bench/results/compare-peer-ours.json" --out-b="bench/results/compare-peer-plain.json" "$@"
