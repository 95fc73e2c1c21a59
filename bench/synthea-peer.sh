#!/usr/bin/env bash
# Synthea ingest side by side: this server (every safeguard on, TLS, a backend token) against plain
# HAPI FHIR JPA of the same version on the same embedded PostgreSQL (bench/peer), the same seeded
# population posted unmodified by bench/synthea.sh. Each round starts both on fresh, empty
# directories, one after the other (never at once: 2 cores), and swaps which goes first; it prints
# resources/s per side and the ratio ours/peer per round and over all rounds. Each server is left
# idle for SETTLE seconds (default 10) after it is ready, so that what it does once after start-up
# (the server's demo data, caches; HAPI's terminology caches) is not counted as ingest.
# Besides the wall time it counts the CPU time the load took: the machine's (server, PostgreSQL and
# the loader, from /proc/stat) and the server JVM's (/proc/PID/stat). CPU time varies far less than
# wall time on this machine, and on 2 cores it is what the wall time follows.
# WARMUP="patients seed" (e.g. "5 7") first loads another population, not counted, into each server
# (both warmed by the same load: the JIT compiler's work is then mostly done before the clock starts).
#   bench/synthea-peer.sh [patients] [seed] [rounds]      (defaults: 10 patients, seed 42, 2 rounds)
# Needs `./mvnw -DskipTests package` (both jars).
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-10}
seed=${2:-42}
rounds=${3:-2}
ours_jar=$PWD/fhir-server/target/fhir-server.jar
peer_jar=$PWD/bench/peer/target/fhir-peer.jar
ours_port=${OURS_PORT:-18461}
peer_port=${PEER_PORT:-18462}
[ -f "$ours_jar" ] && [ -f "$peer_jar" ] || { echo "build first: ./mvnw -DskipTests package" >&2; exit 2; }

# the population, generated once (bench/synthea.sh generates it before loading; here without a server)
SYNTHEA_GENERATE_ONLY=1 bench/synthea.sh "$patients" "$seed" >/dev/null
if [ -n "${WARMUP:-}" ]; then
  # shellcheck disable=SC2086
  SYNTHEA_GENERATE_ONLY=1 bench/synthea.sh $WARMUP >/dev/null
fi

# CPU time in clock ticks: the whole machine's (busy), and one process's (user + system)
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
process_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_s=$(getconf CLK_TCK)

# Loads the population into a fresh server of one side; prints
# "<resources> <milliseconds> <machine CPU ticks> <server JVM CPU ticks>".
load() {
  local side=$1 dir pid line
  dir=$(mktemp -d "${TMPDIR:-/tmp}/synthea-$side-XXXXXX")
  if [ "$side" = ours ]; then
    (cd "$dir" && exec java -jar "$ours_jar" --server.port="$ours_port" >"$dir/server.log" 2>&1) &
    pid=$!
    until grep -q "created 7 demo users" "$dir/server.log" 2>/dev/null; do
      kill -0 "$pid" 2>/dev/null || { echo "ours exited: $dir/server.log" >&2; exit 1; }; sleep 0.5
    done
    sleep "${SETTLE:-10}"
    # shellcheck disable=SC2086
    [ -z "${WARMUP:-}" ] || FHIR_ORIGIN=https://localhost:$ours_port CA=$dir/data/tls/server.crt bench/synthea.sh $WARMUP >/dev/null
    m0=$(machine_ticks); j0=$(process_ticks "$pid")
    line=$(FHIR_ORIGIN=https://localhost:$ours_port CA=$dir/data/tls/server.crt bench/synthea.sh "$patients" "$seed" | tail -1)
  else
    (cd "$dir" && exec java -jar "$peer_jar" --server.port="$peer_port" --peer.data-dir="$dir" >"$dir/server.log" 2>&1) &
    pid=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$peer_port/fhir/metadata"; do
      kill -0 "$pid" 2>/dev/null || { echo "peer exited: $dir/server.log" >&2; exit 1; }; sleep 0.5
    done
    sleep "${SETTLE:-10}"
    # shellcheck disable=SC2086
    [ -z "${WARMUP:-}" ] || NO_TOKEN=1 FHIR_BASE=http://127.0.0.1:$peer_port/fhir bench/synthea.sh $WARMUP >/dev/null
    m0=$(machine_ticks); j0=$(process_ticks "$pid")
    line=$(NO_TOKEN=1 FHIR_BASE=http://127.0.0.1:$peer_port/fhir bench/synthea.sh "$patients" "$seed" | tail -1)
  fi
  m1=$(machine_ticks); j1=$(process_ticks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  # "loaded N resources in T s: ..." (and the refused count, which must be 0)
  echo "$line" | grep -q " 0 bundle(s) refused" || { echo "$side refused bundles: $line" >&2; exit 1; }
  echo "$line" | awk -v m=$((m1 - m0)) -v j=$((j1 - j0)) '{print $2, $5 * 1000, m, j}'
}

printf '%-6s %-6s %9s %9s %9s %14s %14s %12s\n' round first ours/s peer/s ours/peer "machine CPU-s" "server CPU-s" "CPU ours/peer"
total_ours=0; total_peer=0; sum_ours_ms=0; sum_peer_ms=0; cpu_ours=0; cpu_peer=0
for ((i = 1; i <= rounds; i++)); do
  if (( i % 2 == 1 )); then order=(ours peer); else order=(peer ours); fi
  declare -A result=()
  for side in "${order[@]}"; do result[$side]=$(load "$side"); done
  read -r n_ours ms_ours mc_ours jc_ours <<<"${result[ours]}"; read -r n_peer ms_peer mc_peer jc_peer <<<"${result[peer]}"
  # CPU ours/peer: machine CPU time per resource loaded (> 1: ours needs more)
  awk -v r="$i" -v f="${order[0]}" -v a="$n_ours" -v am="$ms_ours" -v b="$n_peer" -v bm="$ms_peer" \
    -v ma="$mc_ours" -v mb="$mc_peer" -v ja="$jc_ours" -v jb="$jc_peer" -v t="$ticks_per_s" \
    'BEGIN {printf "%-6s %-6s %9.0f %9.0f %8.2fx %6.0f /%6.0f %6.0f /%6.0f %11.2fx\n", r, f, a/(am/1000), b/(bm/1000), (a/am)/(b/bm), ma/t, mb/t, ja/t, jb/t, (ma/a)/(mb/b)}'
  total_ours=$((total_ours + n_ours)); total_peer=$((total_peer + n_peer))
  cpu_ours=$((cpu_ours + mc_ours)); cpu_peer=$((cpu_peer + mc_peer))
  sum_ours_ms=$(awk -v s="$sum_ours_ms" -v m="$ms_ours" 'BEGIN {print s + m}')
  sum_peer_ms=$(awk -v s="$sum_peer_ms" -v m="$ms_peer" 'BEGIN {print s + m}')
done
awk -v a="$total_ours" -v am="$sum_ours_ms" -v b="$total_peer" -v bm="$sum_peer_ms" -v ma="$cpu_ours" -v mb="$cpu_peer" \
  'BEGIN {printf "all    %-6s %9.0f %9.0f %8.2fx %31s %11.2fx\n(resources/s; ours/peer >= 1.00x: ours at least as fast; CPU ours/peer: machine CPU per resource)\n", "", a/(am/1000), b/(bm/1000), (a/am)/(b/bm), "", (ma/a)/(mb/b)}'
