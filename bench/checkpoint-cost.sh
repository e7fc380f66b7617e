#!/usr/bin/env bash
# What checkpoints cost: the live-lag ladder and the full-sync ratio, each run with checkpoints (the default) and
# with --no-checkpoints, back to back, on the same build. Each underlying script measures its own reference in
# the same run (a native replica, REPLICAOF), so compare the ratios, not the absolute figures. Environment:
#   RUNS="live sync"   which benchmarks: live (bench/live-lag.sh), sync (bench/replicate-vs-native.sh)
#   N=300000           keys for the full-sync benchmark
#   anything the two scripts take (FERRY, JAVA_OPTS, RATES, STEP, R...)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-live sync}"
export N="${N:-300000}"
OUT="$(mktemp -d /tmp/ferry-ckpt-cost.XXXXXX)"
summary=()
for what in $RUNS; do
  for mode in with without; do
    args=""; [[ $mode == without ]] && args="--no-checkpoints"
    log="$OUT/$what-$mode.log"
    echo "== $what, checkpoints $mode ($log)"
    case $what in
      live) FERRY_ARGS="$args ${FERRY_ARGS:-}" NATIVE=1 "$ROOT/bench/live-lag.sh" >"$log" 2>&1 || true
            line="$(grep -E 'ferry/native sustained-rate ratio' "$log" || echo 'ratio: -')";;
      sync) FERRY_ARGS="$args ${FERRY_ARGS:-}" "$ROOT/bench/replicate-vs-native.sh" >"$log" 2>&1 || true
            line="$(grep -E 'MEDIAN|correctness' "$log" | tr '\n' ' ' || echo 'ratio: -')";;
      *) echo "unknown benchmark $what" >&2; exit 2;;
    esac
    echo "   $line"
    summary+=("$what, checkpoints $mode: $line")
  done
done
echo
printf '%s\n' "${summary[@]}"
echo "logs: $OUT"
