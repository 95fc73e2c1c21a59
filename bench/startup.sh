#!/usr/bin/env bash
# Rerunnable start-up and shutdown benchmark: time from `java -jar fhir-server.jar` to readiness
# (/actuator/health/readiness UP), for a first start in an empty directory and for a restart on the
# same directory, N times each (default 3). `STARTUP_B_OPTS="-XX:..." bench/startup.sh` also runs a
# variant B with those JVM options, interleaved with A, and prints the ratio B/A; STARTUP_B_JAR=path
# (e.g. a jar built from another commit) compares two builds the same way.
# Usage: bench/startup.sh [runs]   (assumes `./mvnw -DskipTests package` ran, or set BUILD=1)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
port=${BENCH_PORT:-18443}
jar=${STARTUP_A_JAR:-"$PWD/fhir-server/target/fhir-server.jar"}
if [ "${BUILD:-0}" = 1 ] || [ ! -f "$jar" ]; then ./mvnw -B -q -DskipTests -Dspotless.check.skip=true package; fi

# Prints milliseconds to readiness for one start in directory $1 with JVM options $2, and milliseconds
# from SIGTERM to the process's exit (graceful shutdown: requests finished, pools and database closed).
start_once() {
  local dir=$1 opts=$2 jar=$3 t0 t1 pid
  t0=$(date +%s%N)
  (cd "$dir" && exec java $opts -jar "$jar" --server.port="$port" >>"$dir/server.log" 2>&1) &
  pid=$!
  until curl -sfk "https://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "server exited; see $dir/server.log" >&2; exit 1; fi
    sleep 0.1
  done
  t1=$(date +%s%N)
  sleep 3 # let background demo-data writers finish before stopping
  t2=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  t3=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) $(( (t3 - t2) / 1000000 ))"
}

declare -A fresh restart stop
variants=(A)
[ -n "${STARTUP_B_OPTS:-}${STARTUP_B_JAR:-}" ] && variants+=(B)
for ((i = 1; i <= runs; i++)); do
  for v in "${variants[@]}"; do
    opts=${STARTUP_A_OPTS:-}; vjar=$jar
    if [ "$v" = B ]; then opts=${STARTUP_B_OPTS:-$opts}; vjar=${STARTUP_B_JAR:-$jar}; fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/fhir-startup-XXXXXX")
    read -r f fs <<<"$(start_once "$dir" "$opts" "$vjar")"; read -r r rs <<<"$(start_once "$dir" "$opts" "$vjar")"
    fresh[$v]="${fresh[$v]:-} $f"; restart[$v]="${restart[$v]:-} $r"; stop[$v]="${stop[$v]:-} $fs $rs"
    printf 'run %d %s: empty directory %5d ms, restart %5d ms, shutdowns %d / %d ms\n' "$i" "$v" "$f" "$r" "$fs" "$rs"
    rm -rf "$dir"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for v in "${variants[@]}"; do
  printf '%s median: empty directory %d ms, restart %d ms, shutdown %d ms (max %d)\n' "$v" \
    "$(echo "${fresh[$v]}" | median)" "$(echo "${restart[$v]}" | median)" \
    "$(echo "${stop[$v]}" | median)" "$(echo "${stop[$v]}" | tr ' ' '\n' | sort -n | tail -1)"
done
if [ "${#variants[@]}" = 2 ]; then
  awk -v fa="$(echo "${fresh[A]}" | median)" -v fb="$(echo "${fresh[B]}" | median)" \
      -v ra="$(echo "${restart[A]}" | median)" -v rb="$(echo "${restart[B]}" | median)" \
      'BEGIN {printf "ratio B/A: empty directory %.2f, restart %.2f\n", fb/fa, rb/ra}'
fi
