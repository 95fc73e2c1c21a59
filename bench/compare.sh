#!/usr/bin/env bash
# Rerunnable A/B load comparison of two server configurations in one session: the FHIR load
# (bench/run.sh fhir) against the server started with the options of A and of B, interleaved for
# N rounds (default 2; A first in odd rounds, B first in even ones), each on a fresh data directory;
# prints the median throughput of each and the ratio A/B per phase. The machine's noise is ±10-20 %
# between runs, hence the interleaving.
# Usage: bench/compare.sh NAME_A "A server options" NAME_B "B server options" [rounds] [load options]
# e.g.   bench/compare.sh on "--fhir.authorization.enforce=true" off "--fhir.authorization.enforce=false" 3
# Two builds (e.g. before and after a change): JAR_A=/path/a.jar JAR_B=/path/b.jar (default: this
# checkout's fhir-server/target/fhir-server.jar for both).
set -euo pipefail
cd "$(dirname "$0")/.."
name_a=$1 opts_a=$2 name_b=$3 opts_b=$4
rounds=${5:-2}
shift 4; shift || true
load_opts=("$@")
port=${BENCH_PORT:-18443}
./mvnw -B -q -DskipTests -Dspotless.check.skip=true package
out=$(mktemp -d "${TMPDIR:-/tmp}/fhir-compare-XXXXXX")
echo "Summaries in $out"

jar_default="$PWD/fhir-server/target/fhir-server.jar"
jar_a=${JAR_A:-$jar_default} jar_b=${JAR_B:-$jar_default}

run_once() { # $1 = name, $2 = server options, $3 = round, $4 = jar
  local dir pid started
  dir=$(mktemp -d "${TMPDIR:-/tmp}/fhir-bench-XXXXXX")
  # shellcheck disable=SC2086 # the options are words
  (cd "$dir" && exec java -jar "$4" --server.port="$port" $2 \
      >"$dir/server.log" 2>&1) &
  pid=$!
  started=$(date +%s)
  until curl -sfk "https://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "server exited; see $dir/server.log" >&2; exit 1; fi
    if (( $(date +%s) - started > 180 )); then echo "server not ready after 180 s" >&2; exit 1; fi
    sleep 1
  done
  sleep 3 # let the demo data writers finish
  java -jar bench/target/bench.jar fhir --base="https://localhost:$port/fhir" --ca="$dir/data/tls/server.crt" \
      --out="$out/$1-$3.json" ${load_opts[@]+"${load_opts[@]}"} | tail -n 6
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}

for ((i = 1; i <= rounds; i++)); do
  # the order alternates between rounds: whichever runs second in a round was seen to be slowed
  if (( i % 2 == 1 )); then
    echo "round $i, $name_a"; run_once "$name_a" "$opts_a" "$i" "$jar_a"
    echo "round $i, $name_b"; run_once "$name_b" "$opts_b" "$i" "$jar_b"
  else
    echo "round $i, $name_b"; run_once "$name_b" "$opts_b" "$i" "$jar_b"
    echo "round $i, $name_a"; run_once "$name_a" "$opts_a" "$i" "$jar_a"
  fi
done
a=$(ls "$out/$name_a"-*.json | paste -sd,); b=$(ls "$out/$name_b"-*.json | paste -sd,)
java -jar bench/target/bench.jar compare --a="$a" --b="$b" --a-name="$name_a" --b-name="$name_b"
