#!/usr/bin/env bash
# Rerunnable cost of consent enforcement: the FHIR load with 10,000 patients, each created with a
# privacy Consent (treatment permitted except PSY observations), against the server with consent
# enforced and with `consent.enabled=false` (authorization, encryption and audit unchanged),
# interleaved for N rounds (default 3); prints the medians and the ratios on/off per phase
# (target: read and search >= 0.90).
# Usage: bench/consent.sh [rounds] [load options such as --reads=5000]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; shift || true
exec bench/compare.sh on "--consent.enabled=true" off "--consent.enabled=false" "$rounds" \
    --consents=true --patients=10000 "$@"
