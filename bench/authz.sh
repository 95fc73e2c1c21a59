#!/usr/bin/env bash
# Rerunnable cost of authorization: the FHIR load against the server with authorization enforced
# (role policy ∩ scopes ∩ compartment, every response checked) and with
# `fhir.authorization.enforce=false` (token still verified, nothing else), interleaved for N rounds
# (default 3); prints the medians and the ratios on/off per phase (target: read and search >= 0.90).
# Usage: bench/authz.sh [rounds] [load options such as --reads=5000]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; shift || true
exec bench/compare.sh on "--fhir.authorization.enforce=true" off "--fhir.authorization.enforce=false" "$rounds" "$@"
