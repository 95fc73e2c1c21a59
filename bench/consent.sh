#!/usr/bin/env bash
# Rerunnable cost of consent enforcement (issue 7): 10,000 patients, each created with a privacy
# Consent (treatment permitted except PSY observations), then 30,000 reads and 30,000 searches of
# random patients, against two nodes on one database (bench/paired.sh), one with consent enforced,
# one with `consent.enabled=false` (authorization, encryption and audit on in both), the load
# alternating between them in blocks. Runs twice with the nodes' roles swapped (node A issues the
# tokens and hosts the database) and prints both runs' ratios on/off and their geometric mean,
# which cancels whatever advantage node A has; target: read and search >= 0.90.
# Usage: bench/consent.sh [load options such as --pairs=30 --searches=30000]
# `bench/consent.sh separate [rounds]` runs the older comparison of separate servers on separate
# databases (bench/compare.sh; ±10-20 % between runs of one configuration on this machine).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = separate ]; then
  shift
  rounds=${1:-3}; shift || true
  exec bench/compare.sh on "--consent.enabled=true" off "--consent.enabled=false" "$rounds" \
      --consents=true --patients=10000 "$@"
fi
load=(--consents=true --patients=10000 --reads=30000 --searches=30000 --pairs=30 "$@")
on=(on "--consent.enabled=true")
off=(off "--consent.enabled=false")
bench/paired.sh "${on[@]}" "${off[@]}" "${load[@]}" | tee "${TMPDIR:-/tmp}/consent-run-1.log"
BENCH_NO_BUILD=1 bench/paired.sh "${off[@]}" "${on[@]}" "${load[@]}" | tee "${TMPDIR:-/tmp}/consent-run-2.log"
echo
echo "on/off per phase (run 1: on is node A; run 2: off is node A; both: the geometric mean, which"
echo "cancels any advantage of being node A):"
for phase in create read search; do
  r1=$(awk -v p="$phase" '$1 == p && NF >= 8 && $4 ~ /^[0-9.]+$/ {print $4; exit}' "${TMPDIR:-/tmp}/consent-run-1.log")
  r2=$(awk -v p="$phase" '$1 == p && NF >= 8 && $4 ~ /^[0-9.]+$/ {print $4; exit}' "${TMPDIR:-/tmp}/consent-run-2.log")
  awk -v p="$phase" -v a="$r1" -v b="$r2" \
      'BEGIN { printf "%-8s run 1 %.3f, run 2 %.3f (1/%.3f), both %.3f\n", p, a, 1 / b, b, sqrt(a / b) }'
done
