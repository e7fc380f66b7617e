#!/usr/bin/env bash
# Highest source write rate `ferry replicate` (live mode) follows with lag under one second, on this machine,
# next to the same ladder for a native replica and the load generator's own ceiling, in ONE run.
# See bench/README.md. Environment:
#   RATES="10000 20000 40000 80000 160000 240000 320000 480000 640000"   write rates (commands/s), ascending
#   STEP=10            seconds of load per rate
#   LAG_MAX=1.0        a step passes when the max sampled lag is below this many seconds
#   SETTLE=30          seconds to wait after a step for the lag to drop back to 0 (else: noted, ladder stops)
#   NATIVE=1           1: also run the ladder against a native replica (REPLICAOF), after ferry; 0: skip
#   GEN_MAX=5          seconds of the unthrottled load generator alone (no replica attached); 0: skip
#   PRELOAD=100000     keys in the source before ferry starts (DEBUG POPULATE, so the live phase follows a snapshot)
#   FERRY=bin/ferry    ferry launcher (relative to the repo root unless absolute)
#   FERRY_ARGS=        extra args appended to `ferry replicate --source .. --target ..`
#   JAVA_OPTS=         passed to bin/ferry (exported)
#   KEEP=0             1: keep the work dir (probe samples, ferry log, server logs)
#   WORK_DIR=          use this dir instead of a fresh mktemp dir (then it is never deleted)
#   OUT_DIR=           where report.txt, results.tsv and summary.tsv go (default bench/out/<timestamp>-live)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RATES="${RATES:-10000 20000 40000 80000 160000 240000 320000 480000 640000}"
STEP="${STEP:-10}"
LAG_MAX="${LAG_MAX:-1.0}"
SETTLE="${SETTLE:-30}"
NATIVE="${NATIVE:-1}"
GEN_MAX="${GEN_MAX:-5}"
PRELOAD="${PRELOAD:-100000}"
FERRY_ARGS="${FERRY_ARGS:-}"
export JAVA_OPTS="${JAVA_OPTS:-}"
KEEP="${KEEP:-0}"
if [[ -n "${WORK_DIR:-}" ]]; then WORK="$WORK_DIR"; OWN_WORK=0; else WORK="$(mktemp -d /tmp/ferry-bench.XXXXXX)"; OWN_WORK=1; fi
mkdir -p "$WORK"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
resolve_ferry
LOAD="$ROOT/bench/live-load.py"
OUT_DIR="${OUT_DIR:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)-live}"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"
printf 'who\ttarget_ops\tachieved_ops\tgen_errors\tmax_lag_s\tp99_lag_s\tferry_reported_max_lag_s\tsettle_s\tpass\n' >"$RESULTS"

# background children get SIGINT restored: bash starts background jobs with SIGINT ignored, and a JVM that
# inherits an ignored SIGINT never runs its shutdown hook on it
SIGINT_DFL='import os,signal,sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])'

start_probe() { # SOURCE_PORT TARGET_PORT FILE -> PROBE_PID
  python3 "$LOAD" probe --source "$1" --target "$2" >"$3" 2>"$3.err" &
  PROBE_PID=$!; EXTRA_PIDS+=("$PROBE_PID")
}

# wait_caught_up PROBE_FILE SECONDS -> SETTLED (seconds until the probe saw lag 0 twice in a row, or "no")
wait_caught_up() {
  local file="$1" limit="$2" t0 zeros=0 last="" l deadline
  t0=$(now); SETTLED=no
  deadline=$(( ${EPOCHREALTIME/./} + limit * 1000000 ))
  while (( ${EPOCHREALTIME/./} < deadline )); do
    l="$(tail -n 1 "$file" 2>/dev/null || true)"
    if [[ -n "$l" && "$l" != "$last" ]]; then
      last="$l"
      if [[ "$(awk '{print $2}' <<<"$l")" = 0.000 ]]; then zeros=$((zeros + 1)); else zeros=0; fi
      if (( zeros >= 2 )); then SETTLED=$(elapsed "$t0" "$(now)"); return 0; fi
    fi
    sleep 0.1
  done
}

# stats PROBE_FILE T0 T1 -> "max p99" of the lag samples with T0 <= t <= T1
stats() {
  awk -v a="$2" -v b="$3" '$1>=a && $1<=b {print $2}' "$1" | sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan nan"; exit} i=int(NR*0.99); if (i<1) i=1; printf "%.3f %.3f\n", v[NR], v[i]}'
}

# ferry's own progress lines in [T0, T1 + 5 s] (they come every 5 s): max of "lag X / Y s"
ferry_lag() {
  [[ -f "$FERRY_ERR" ]] || { echo -; return; }
  awk -v a="$1" -v b="$2" '$1>=a && $1<=b+5 && / live: lag / {for (i=1;i<=NF;i++) if ($i=="s,") {v=$(i-1); if (v>m) m=v}} END {printf "%.1f\n", m+0}' "$FERRY_ERR"
}

# ladder WHO TARGET_PORT PROBE_FILE -> rows in RESULTS; BEST_<WHO>
ladder() {
  local who="$1" probe_file="$3" rate t0 t1 line achieved errs mx p99 fl pass best=0 failed=0
  for rate in $RATES; do
    log "$who: $rate ops/s for $STEP s"
    t0=$(now)
    line="$(python3 "$LOAD" gen --port "$SRC_PORT" --rate "$rate" --seconds "$STEP" --seed "$rate" || true)"
    t1=$(now)
    achieved=$(sed -n 's/.* rate=\([0-9]*\).*/\1/p' <<<"$line"); errs=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$line")
    wait_caught_up "$probe_file" "$SETTLE"
    read -r mx p99 < <(stats "$probe_file" "$t0" "$(now)") # the load's step plus its catch-up
    if [[ $who = ferry ]]; then fl=$(ferry_lag "$t0" "$t1"); else fl=-; fi
    pass=$(python3 -c "import sys; print('yes' if sys.argv[1] != 'nan' and float(sys.argv[1]) < float(sys.argv[2]) and sys.argv[3] != 'no' else 'no')" "$mx" "$LAG_MAX" "$SETTLED")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$who" "$rate" "${achieved:-nan}" "${errs:-nan}" "$mx" "$p99" "$fl" "$SETTLED" "$pass" >>"$RESULTS"
    log "  achieved ${achieved:-?} ops/s, max lag $mx s (p99 $p99), ferry says $fl s, settled after $SETTLED s -> $pass"
    # sustained = passed, and so did every lower rate (a lucky pass above a failure does not count)
    if [[ $pass = yes ]]; then (( failed == 1 || ${achieved:-0} <= best )) || best=$achieved; else failed=1; fi
    if [[ $SETTLED = no ]]; then log "  $who did not catch up within $SETTLE s: ladder stopped"; break; fi
  done
  eval "BEST_$who=$best"
}

# ------------------------------------------------------------------ source (+ the generator's own ceiling)
start_server source
SRC_PORT="$SERVER_PORT"
GEN_MAX_RATE=-
if [[ "$GEN_MAX" != 0 ]]; then
  log "load generator alone, unthrottled, $GEN_MAX s (no replica attached)"
  line="$(python3 "$LOAD" gen --port "$SRC_PORT" --rate 0 --seconds "$GEN_MAX" --seed 7)"
  GEN_MAX_RATE=$(sed -n 's/.* rate=\([0-9]*\).*/\1/p' <<<"$line")
  printf 'gen-alone\tmax\t%s\t%s\t-\t-\t-\t-\t-\n' "$GEN_MAX_RATE" "$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$line")" >>"$RESULTS"
  log "  $line"
fi
[[ "$PRELOAD" = 0 ]] || cli "$SRC_PORT" DEBUG POPULATE "$PRELOAD" pre: 64 >/dev/null

# ------------------------------------------------------------------ ferry live
start_server ferry-target
TGT_PORT="$SERVER_PORT"
FERRY_OUT="$WORK/ferry.out"; FERRY_ERR="$WORK/ferry.err"
# shellcheck disable=SC2206
extra=($FERRY_ARGS)
log "ferry replicate (live) redis://$HOST:$SRC_PORT -> redis://$HOST:$TGT_PORT"
python3 -c "$SIGINT_DFL" "${FERRY_CMD[@]}" replicate --source "redis://$HOST:$SRC_PORT" --target "redis://$HOST:$TGT_PORT" "${extra[@]}" \
  >"$FERRY_OUT" 2> >(while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done >"$FERRY_ERR") &
FERRY_PID=$!; EXTRA_PIDS+=("$FERRY_PID")
start_probe "$SRC_PORT" "$TGT_PORT" "$WORK/probe-ferry.txt"
wait_caught_up "$WORK/probe-ferry.txt" 120
[[ $SETTLED != no ]] || die "ferry did not reach the live phase within 120 s (see $FERRY_ERR)"
log "ferry is live (snapshot + first canary after $SETTLED s)"
ladder ferry "$TGT_PORT" "$WORK/probe-ferry.txt"
stop_child "$PROBE_PID"

# stop ferry with SIGINT, then compare
SRC_OFFSET_BEFORE=$(info_field "$SRC_PORT" replication master_repl_offset)
log "SIGINT to ferry (pid $FERRY_PID)"
kill -INT "$FERRY_PID"
FERRY_RC=0
for _ in $(seq 1 600); do kill -0 "$FERRY_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$FERRY_PID" 2>/dev/null; then log "ferry still running 60 s after SIGINT"; FERRY_RC=timeout; stop_child "$FERRY_PID"; else wait "$FERRY_PID" || FERRY_RC=$?; fi
SRC_OFFSET=$(info_field "$SRC_PORT" replication master_repl_offset)
FERRY_APPLIED=$(sed -n 's/.*confirmed to offset \([0-9,]*\) of replication id.*/\1/p' "$FERRY_OUT" | tail -n 1 | tr -d ,)
# Ferry's checkpoint hash (on by default) is its bookkeeping, not data (ferry verify skips it): drop it before
# comparing, or the target always has one key more than the source
"${FERRY_CMD[@]}" forget --target "redis://$HOST:$TGT_PORT" >"$WORK/forget.out" 2>&1 || log "ferry forget failed: $(tail -n 1 "$WORK/forget.out")"
SRC_DIGEST=$(cli "$SRC_PORT" DEBUG DIGEST); TGT_DIGEST=$(cli "$TGT_PORT" DEBUG DIGEST)
SRC_DBSIZE=$(cli "$SRC_PORT" DBSIZE); TGT_DBSIZE=$(cli "$TGT_PORT" DBSIZE)
DIGEST_OK=$([[ $SRC_DIGEST = "$TGT_DIGEST" ]] && echo yes || echo NO)
FERRY_SUMMARY="$(cat "$FERRY_OUT")"

# ------------------------------------------------------------------ native replica, same ladder
BEST_native=-
if [[ "$NATIVE" = 1 ]]; then
  start_server native-replica
  REP_PORT="$SERVER_PORT"
  cli "$REP_PORT" REPLICAOF "$HOST" "$SRC_PORT" >/dev/null
  for _ in $(seq 1 1200); do
    [[ "$(info_field "$REP_PORT" replication master_link_status)" = up && "$(info_field "$REP_PORT" persistence loading)" = 0 ]] && break
    sleep 0.1
  done
  start_probe "$SRC_PORT" "$REP_PORT" "$WORK/probe-native.txt"
  wait_caught_up "$WORK/probe-native.txt" 120
  [[ $SETTLED != no ]] || die "the native replica did not sync within 120 s"
  log "native replica is in sync after $SETTLED s"
  ladder native "$REP_PORT" "$WORK/probe-native.txt"
  stop_child "$PROBE_PID"
fi

# ------------------------------------------------------------------ summary.tsv (bench/ratios.sh reads it)
# a side that passed every step was not pushed to its limit: its figure is the ladder's top, a bound
passed_all() { awk -F'\t' -v w="$1" '$1==w {n++; if ($9!="yes") bad=1} END {exit !(n>0 && !bad)}' "$RESULTS"; }
LIVE_NOTE="highest rate with max lag < $LAG_MAX s (it and every lower step)"
F_ALL=no; N_ALL=no
passed_all ferry && F_ALL=yes
[[ "$NATIVE" = 1 ]] && passed_all native && N_ALL=yes
case $F_ALL$N_ALL in
  yesyes) LIVE_NOTE+="; both passed every step, so no ratio (nan): raise RATES" ;;
  yesno) LIVE_NOTE+="; ferry passed every step: the ratio is a floor" ;;
  noyes) LIVE_NOTE+="; the native replica passed every step: the ratio is a ceiling" ;;
esac
LIVE_RATIO=nan
[[ "$NATIVE" = 1 && "$BEST_native" != 0 && $F_ALL$N_ALL != yesyes ]] && LIVE_RATIO=$(python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$BEST_ferry" "$BEST_native")
summary_header
summary_row live live-mix - "$BEST_ferry" "native replica" "$BEST_native" ops/s "$LIVE_RATIO" ">=1.0" \
  "$([[ $DIGEST_OK = yes && $FERRY_RC = 0 ]] && echo yes || echo NO)" "$LIVE_NOTE"

# ------------------------------------------------------------------ report
{
  echo
  echo "== ferry replicate (live) lag vs source write rate =="
  host_line
  echo "load: bench/live-load.py gen, 1 connection, pipelined, 1/4 each SET/INCR/LPUSH/HSET over 100k keys; $STEP s per rate"
  echo "lag: bench/live-load.py probe, INCR on the source + GET on the replica every 50 ms; lag = age of the oldest INCR"
  echo "     the replica does not show yet (end to end: source -> ferry -> target); pass = max lag < $LAG_MAX s and back to 0 within $SETTLE s"
  echo "ferry: ${FERRY_CMD[*]} replicate --source redis://$HOST:SRC --target redis://$HOST:TGT $FERRY_ARGS  JAVA_OPTS='$JAVA_OPTS'; ferry_reported = its progress lines (every 5 s)"
  echo
  column -t -s $'\t' "$RESULTS"
  echo
  echo "load generator alone (unthrottled, no replica): $GEN_MAX_RATE ops/s"
  echo "HIGHEST RATE with max lag < $LAG_MAX s (it and every lower step): ferry $BEST_ferry ops/s; native replica $BEST_native ops/s"
  if [[ "$NATIVE" = 1 && "$BEST_native" != 0 ]]; then
    echo "ferry/native sustained-rate ratio: $(python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$BEST_ferry" "$BEST_native")"
  fi
  [[ "$GEN_MAX_RATE" = - || "$GEN_MAX_RATE" = 0 ]] || echo "ferry sustained / generator max: $(python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$BEST_ferry" "$GEN_MAX_RATE")"
  echo "after SIGINT: ferry exit $FERRY_RC; summary confirmed offset ${FERRY_APPLIED:-?}, source master_repl_offset $SRC_OFFSET (before SIGINT $SRC_OFFSET_BEFORE)"
  echo "target vs source: DBSIZE $TGT_DBSIZE/$SRC_DBSIZE, DEBUG DIGEST $DIGEST_OK"
  echo "ferry summary:"
  sed 's/^/  | /' <<<"$FERRY_SUMMARY"
  echo "results: $RESULTS"
  echo "dataset: live-load.py mix (1/4 each SET/INCR/LPUSH/HSET), PRELOAD=$PRELOAD keys"
} | tee "$OUT_DIR/report.txt"
cp "$FERRY_ERR" "$FERRY_OUT" "$WORK"/probe-*.txt "$OUT_DIR/" 2>/dev/null || true
[[ $DIGEST_OK = yes && $FERRY_RC = 0 ]]
