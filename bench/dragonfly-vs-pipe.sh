#!/usr/bin/env bash
# Dragonfly -> Redis full sync: `ferry replicate --mode snapshot` from the Dragonfly master emulator (test tree;
# 4 flows, LZ4, tagged chunks, its data in a backing redis-server) vs `redis-cli --pipe` of the same dataset
# into the same kind of target, in ONE run on this machine. See bench/README.md. Environment:
#   DATASET=mixed mixed (bench/gen-dataset.py mix) | strings (N 100-byte SETs; what issue 15's goal is set on)
#   N=1000000     keys
#   R=3           rounds; each runs pipe and ferry (order alternates)
#   FLOWS=4       emulated shards
#   COMPRESSION=LZ4  NONE | LZ4 | ZSTD
#   SEED=42, FERRY=bin/ferry, FERRY_ARGS=, JAVA_OPTS=, TIMEOUT=900, KEEP=0, WORK_DIR=
#   OUT_DIR=      where report.txt, results.tsv and summary.tsv go (default bench/out/<timestamp>-dragonfly)
# The emulator is built for fidelity, not speed: it DUMPs every key from its backing server and re-encodes it,
# on the same 2 cores. So a first, unmeasured sync (the warm-up) has it keep each flow's bytes, and the measured
# syncs are served from memory: what is timed is Ferry reading, decoding and writing, as against a real master.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATASET="${DATASET:-mixed}"
N="${N:-1000000}"
R="${R:-3}"
SEED="${SEED:-42}"
FLOWS="${FLOWS:-4}"
COMPRESSION="${COMPRESSION:-LZ4}"
FERRY_ARGS="${FERRY_ARGS:-}"
export JAVA_OPTS="${JAVA_OPTS:-}"
TIMEOUT="${TIMEOUT:-900}"
KEEP="${KEEP:-0}"
if [[ -n "${WORK_DIR:-}" ]]; then WORK="$WORK_DIR"; OWN_WORK=0; else WORK="$(mktemp -d /tmp/ferry-bench.XXXXXX)"; OWN_WORK=1; fi
mkdir -p "$WORK"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
dataset_args
resolve_ferry
OUT_DIR="${OUT_DIR:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)-dragonfly}"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"

# ------------------------------------------------------------------ the emulator (test classes on the classpath)
start_emulator "$FLOWS" "$COMPRESSION"
BACK_PORT=$(emulator_value backing)

DATA_FILE="$WORK/dataset-$DATASET-n$N-s$SEED.resp"
gen_dataset "$DATA_FILE"
log "loading the emulator's data (backing redis on port $BACK_PORT)"
summary="$(cli "$BACK_PORT" --pipe <"$DATA_FILE" 2>&1 | tail -n 1 || true)"
[[ "$summary" == *"errors: 0"* ]] || die "redis-cli --pipe reported: $summary"
SRC_DBSIZE=$(cli "$BACK_PORT" DBSIZE)
[[ "$SRC_DBSIZE" = "$N" ]] || die "the emulator's backing server holds $SRC_DBSIZE keys, not N $N"
SRC_DIGEST=$(cli "$BACK_PORT" DEBUG DIGEST)
echo go >&7
DF_PORT=$(emulator_value dragonfly)
log "emulated Dragonfly master on port $DF_PORT ($FLOWS flows, $COMPRESSION)"

run_pipe() {
  start_server "pipe-$1"
  local port="$SERVER_PORT" pid="$SERVER_PID" t0 t1
  t0=$(now)
  summary="$(cli "$port" --pipe <"$DATA_FILE" 2>&1 | tail -n 1 || true)"
  t1=$(now)
  WALL=$(elapsed "$t0" "$t1"); RC=0
  [[ "$summary" == *"errors: 0"* ]] || RC=1
  DBSIZE=$(cli "$port" DBSIZE); DIGEST=$(cli "$port" DEBUG DIGEST)
  stop_server "$pid"
}

run_ferry() {
  start_server "ferry-$1"
  local port="$SERVER_PORT" pid="$SERVER_PID" t0 t1 flog="$WORK/ferry-$1.log"
  # shellcheck disable=SC2206
  local extra=($FERRY_ARGS)
  t0=$(now)
  set +e
  timeout -s TERM "$TIMEOUT" "${FERRY_CMD[@]}" replicate --mode snapshot --source "dragonfly://$HOST:$DF_PORT" \
    --target "redis://$HOST:$port" "${extra[@]}" >"$flog" 2>&1
  RC=$?
  set -e
  t1=$(now)
  WALL=$(elapsed "$t0" "$t1")
  if [[ $RC -ne 0 ]]; then log "ferry exited $RC"; tail -n 20 "$flog" >&2 || true; fi
  # Ferry's checkpoint hash is its bookkeeping, not data (ferry verify skips it): drop it before comparing
  "${FERRY_CMD[@]}" forget --target "redis://$HOST:$port" >>"$flog" 2>&1 || true
  DBSIZE=$(cli "$port" DBSIZE); DIGEST=$(cli "$port" DEBUG DIGEST)
  stop_server "$pid"
}

log "warm-up sync (not measured): the emulator records its snapshot bytes"
run_ferry warmup
[[ $RC = 0 && $DBSIZE = "$SRC_DBSIZE" && $DIGEST = "$SRC_DIGEST" ]] || die "the warm-up sync failed (rc $RC, dbsize $DBSIZE)"
log "  warm-up: ${WALL}s (the emulator generating its snapshot)"
WARMUP_WALL=$WALL

printf 'round\tmethod\twall_s\tkeys_per_s\tdbsize_ok\tdigest_ok\texit\n' >"$RESULTS"
FAIL=0
RATIOS=""; PIPE_WALLS=""; FERRY_WALLS=""
for round in $(seq 1 "$R"); do
  if (( round % 2 == 1 )); then order="pipe ferry"; else order="ferry pipe"; fi
  for m in $order; do
    log "round $round: $m"
    if [[ $m = pipe ]]; then run_pipe "$round"; PIPE_WALL=$WALL; else run_ferry "$round"; FERRY_WALL=$WALL; fi
    okd=$([[ $DBSIZE = "$SRC_DBSIZE" ]] && echo yes || echo NO)
    okg=$([[ $DIGEST = "$SRC_DIGEST" ]] && echo yes || echo NO)
    [[ $okd = yes && $okg = yes && $RC = 0 ]] || FAIL=1
    rate=$(python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$SRC_DBSIZE" "$WALL")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$m" "$WALL" "$rate" "$okd" "$okg" "$RC" >>"$RESULTS"
    log "  wall ${WALL}s ($rate keys/s) dbsize_ok $okd digest_ok $okg rc $RC"
  done
  PIPE_WALLS+="$PIPE_WALL "; FERRY_WALLS+="$FERRY_WALL "
  RATIOS+="$(python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$PIPE_WALL" "$FERRY_WALL") "
done

summary_header
# shellcheck disable=SC2086
summary_row dragonfly "$DATASET" "$N" "$(median $FERRY_WALLS)" "redis-cli --pipe into Redis" "$(median $PIPE_WALLS)" s \
  "$(median $RATIOS)" ">=0.9" "$([[ $FAIL = 0 ]] && echo yes || echo NO)" "ferry/pipe keys/s; emulator $FLOWS flows $COMPRESSION"

{
  echo
  echo "== ferry replicate --mode snapshot from an emulated Dragonfly ($FLOWS flows, $COMPRESSION) vs redis-cli --pipe =="
  host_line
  echo "dataset: $DATASET: $GEN_SUMMARY"
  echo "source: DBSIZE $SRC_DBSIZE, DEBUG DIGEST $SRC_DIGEST (the emulator's backing server)"
  echo "warm-up sync with the emulator generating the snapshot (not in the ratio): ${WARMUP_WALL}s"
  echo
  column -t -s $'\t' "$RESULTS"
  echo
  # shellcheck disable=SC2086
  echo "ferry keys/s as a fraction of redis-cli --pipe keys/s (pipe wall / ferry wall) per round: $RATIOS MEDIAN: $(median $RATIOS)"
  [[ $FAIL = 0 ]] && echo "correctness: every run matched the source's DBSIZE and DEBUG DIGEST" \
                  || echo "correctness: FAILED (see results and logs in $WORK)"
  echo "results: $RESULTS"
  echo "dataset: $DATASET, N=$N, seed $SEED"
} | tee "$OUT_DIR/report.txt"
exit $FAIL
