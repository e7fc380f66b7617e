#!/usr/bin/env bash
# Full sync Redis -> Redis: `ferry replicate --mode snapshot` vs native replication (REPLICAOF of a fresh
# replica), measured in ONE run on this machine, against the same loaded source. See bench/README.md.
# Environment:
#   DATASET=mixed      mixed (gen-dataset.py mix) | strings (N 100-byte SETs); loaded with redis-cli --pipe
#   N=1000000          keys in the source
#   R=3                rounds; each round runs native and ferry (order alternates: native first on odd rounds)
#   SEED=42            dataset seed
#   DISKLESS="yes no"  source repl-diskless-sync values to measure (each gets R rounds); "yes" is the 7.0 default
#   REPLICA_ARGS=      extra redis-server args for the native replica (e.g. "--repl-diskless-load swapdb")
#   FERRY=bin/ferry    ferry launcher (relative to the repo root unless absolute)
#   FERRY_ARGS=        extra args appended to `ferry replicate --mode snapshot --source .. --target ..`
#   JAVA_OPTS=         passed to bin/ferry (exported)
#   TIMEOUT=600        seconds one sync may take before it is declared failed
#   KEEP=0             1: keep the work dir (dataset, server logs, ferry logs)
#   WORK_DIR=          use this dir instead of a fresh mktemp dir (then it is never deleted)
#   OUT_DIR=           where report.txt, results.tsv and summary.tsv go (default bench/out/<timestamp>-replicate)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATASET="${DATASET:-mixed}"
N="${N:-1000000}"
R="${R:-3}"
SEED="${SEED:-42}"
DISKLESS="${DISKLESS:-yes no}"
REPLICA_ARGS="${REPLICA_ARGS:-}"
FERRY_ARGS="${FERRY_ARGS:-}"
export JAVA_OPTS="${JAVA_OPTS:-}"
TIMEOUT="${TIMEOUT:-600}"
KEEP="${KEEP:-0}"
if [[ -n "${WORK_DIR:-}" ]]; then WORK="$WORK_DIR"; OWN_WORK=0; else WORK="$(mktemp -d /tmp/ferry-bench.XXXXXX)"; OWN_WORK=1; fi
mkdir -p "$WORK"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
dataset_args
resolve_ferry
OUT_DIR="${OUT_DIR:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)-replicate}"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"

# ------------------------------------------------------------------ source: N keys of DATASET
DATA_FILE="$WORK/dataset-$DATASET-n$N-s$SEED.resp"
gen_dataset "$DATA_FILE"

start_server source
SRC_PORT="$SERVER_PORT"; SRC_PID="$SERVER_PID"
log "loading the source (port $SRC_PORT) with redis-cli --pipe"
summary="$(cli "$SRC_PORT" --pipe <"$DATA_FILE" 2>&1 | tail -n 1 || true)"
[[ "$summary" == *"errors: 0"* ]] || die "redis-cli --pipe reported: $summary"
rm -f "$DATA_FILE"
SRC_DBSIZE=$(cli "$SRC_PORT" DBSIZE)
[[ "$SRC_DBSIZE" = "$N" ]] || die "source DBSIZE $SRC_DBSIZE != N $N"
SRC_DIGEST=$(cli "$SRC_PORT" DEBUG DIGEST)
SRC_MEM=$(info_field "$SRC_PORT" memory used_memory_human)
log "source: dbsize $SRC_DBSIZE digest $SRC_DIGEST used_memory $SRC_MEM"

# wait until the source has no replica attached and no fork running (the previous sync is fully over)
source_idle() {
  local i
  for i in $(seq 1 600); do
    local info; info="$(cli "$SRC_PORT" INFO 2>/dev/null | tr -d '\r')"
    if grep -q '^connected_slaves:0$' <<<"$info" && grep -q '^rdb_bgsave_in_progress:0$' <<<"$info"; then return 0; fi
    sleep 0.1
  done
  die "the source still has a replica or a fork after 60 s"
}

# ------------------------------------------------------------------ (a) native: REPLICAOF of a fresh replica
# run_native TAG -> WALL DBSIZE DIGEST RC
run_native() {
  # shellcheck disable=SC2086
  start_server "native-$1" $REPLICA_ARGS
  local port="$SERVER_PORT" pid="$SERVER_PID" t0 t1 info link loading keys deadline
  RC=1
  t0=$(now)
  cli "$port" REPLICAOF "$HOST" "$SRC_PORT" >/dev/null
  deadline=$(( $(date +%s) + TIMEOUT ))
  while (( $(date +%s) < deadline )); do
    info="$(cli "$port" INFO 2>/dev/null | tr -d '\r')" || true
    link=$(sed -n 's/^master_link_status://p' <<<"$info")
    loading=$(sed -n 's/^loading://p' <<<"$info")
    keys=$(sed -n 's/^db0:keys=\([0-9]*\),.*/\1/p' <<<"$info")
    if [[ $link = up && $loading = 0 && ${keys:-0} = "$SRC_DBSIZE" ]]; then RC=0; break; fi
    sleep 0.02
  done
  t1=$(now)
  WALL=$(elapsed "$t0" "$t1")
  [[ $RC = 0 ]] || log "native replica did not finish in $TIMEOUT s (link=$link loading=$loading keys=$keys)"
  DBSIZE=$(cli "$port" DBSIZE)
  DIGEST=$(cli "$port" DEBUG DIGEST)
  INTERNAL=-
  cp "$SERVER_DIR/redis.log" "$WORK/native-$1.redis.log" 2>/dev/null || true
  stop_server "$pid"
}

# ------------------------------------------------------------------ (b) ferry replicate --mode snapshot
# run_ferry TAG -> WALL DBSIZE DIGEST RC INTERNAL RSS_MB
run_ferry() {
  start_server "ferry-$1"
  local port="$SERVER_PORT" pid="$SERVER_PID" t0 t1 flog="$WORK/ferry-$1.log" tfile="$WORK/time-$1.txt"
  # shellcheck disable=SC2206
  local extra=($FERRY_ARGS) timecmd=()
  if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then timecmd=(/usr/bin/time -v -o "$tfile"); fi
  t0=$(now)
  set +e
  timeout -s TERM "$TIMEOUT" "${timecmd[@]}" "${FERRY_CMD[@]}" replicate --mode snapshot \
    --source "redis://$HOST:$SRC_PORT" --target "redis://$HOST:$port" "${extra[@]}" >"$flog" 2>&1
  RC=$?
  set -e
  t1=$(now)
  WALL=$(elapsed "$t0" "$t1")
  if [[ $RC -ne 0 ]]; then log "ferry exited $RC; last lines of $flog:"; tail -n 20 "$flog" >&2 || true; fi
  INTERNAL=$(sed -n 's/^  time *\([0-9.]*\) s$/\1/p' "$flog" | tail -n 1)
  [[ -n "$INTERNAL" ]] || INTERNAL=nan
  RSS_MB=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tfile" 2>/dev/null | awk '{printf "%.0f", $1/1024}')
  [[ -n "$RSS_MB" ]] || RSS_MB=nan
  FSKIP=$(sed -n 's/^  skipped *//p' "$flog" | tail -n1); FFAIL=$(sed -n 's/^  failed *//p' "$flog" | tail -n1)
  # Ferry's checkpoint hash is its bookkeeping, not data (ferry verify skips it): drop it before comparing
  "${FERRY_CMD[@]}" forget --target "redis://$HOST:$port" >/dev/null 2>&1 || true
  DBSIZE=$(cli "$port" DBSIZE)
  DIGEST=$(cli "$port" DEBUG DIGEST)
  stop_server "$pid"
}

# ------------------------------------------------------------------ rounds
printf 'diskless\tround\tmethod\twall_s\tferry_time_s\tdbsize\tdbsize_ok\tdigest_ok\tpeak_rss_mb\texit\n' >"$RESULTS"
FAIL=0
declare -A RATIOS=() NATIVE_WALLS=() FERRY_WALLS=() MODE_OK=()
for mode in $DISKLESS; do
  [[ "$(cli "$SRC_PORT" CONFIG SET repl-diskless-sync "$mode")" = OK ]] || die "CONFIG SET repl-diskless-sync $mode"
  RATIOS[$mode]=""; NATIVE_WALLS[$mode]=""; FERRY_WALLS[$mode]=""; MODE_OK[$mode]=yes
  for round in $(seq 1 "$R"); do
    if (( round % 2 == 1 )); then order="native ferry"; else order="ferry native"; fi
    for m in $order; do
      source_idle
      log "diskless=$mode round $round: $m"
      RSS_MB=-; FSKIP=0; FFAIL=0
      if [[ $m = native ]]; then run_native "$mode-$round"; NATIVE_WALL=$WALL; else run_ferry "$mode-$round"; FERRY_WALL=$WALL; fi
      okd=$([[ $DBSIZE = "$SRC_DBSIZE" ]] && echo yes || echo NO)
      okg=$([[ $DIGEST = "$SRC_DIGEST" ]] && echo yes || echo NO)
      [[ $okd = yes && $okg = yes && $RC = 0 && "${FSKIP:-0}" = 0 && "${FFAIL:-0}" = 0 ]] || { FAIL=1; MODE_OK[$mode]=NO; }
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$round" "$m" "$WALL" "$INTERNAL" "$DBSIZE" "$okd" "$okg" "$RSS_MB" "$RC" >>"$RESULTS"
      log "  wall ${WALL}s dbsize $DBSIZE digest_ok $okg rc $RC"
    done
    NATIVE_WALLS[$mode]+="$NATIVE_WALL "; FERRY_WALLS[$mode]+="$FERRY_WALL "
    RATIOS[$mode]+="$(python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) / float(sys.argv[1])))" "$NATIVE_WALL" "$FERRY_WALL") "
  done
done

# ------------------------------------------------------------------ summary.tsv (bench/ratios.sh reads it)
summary_header
for mode in $DISKLESS; do
  # shellcheck disable=SC2086
  summary_row "sync-diskless-$mode" "$DATASET" "$N" "$(median ${FERRY_WALLS[$mode]})" "native REPLICAOF (repl-diskless-sync $mode)" \
    "$(median ${NATIVE_WALLS[$mode]})" s "$(median ${RATIOS[$mode]})" "<=1.25" "${MODE_OK[$mode]}" "ferry/native wall time"
done

# ------------------------------------------------------------------ report
{
  echo
  echo "== ferry replicate --mode snapshot vs native REPLICAOF full sync =="
  host_line
  echo "dataset: $DATASET: $GEN_SUMMARY"
  echo "source: DBSIZE $SRC_DBSIZE, used_memory $SRC_MEM, DEBUG DIGEST $SRC_DIGEST; repl-diskless-sync-delay 0"
  echo "native: fresh redis-server${REPLICA_ARGS:+ $REPLICA_ARGS} (repl-diskless-load $(cli "$SRC_PORT" CONFIG GET repl-diskless-load | tail -n1) unless set above), REPLICAOF -> master_link_status:up, loading:0, db0 keys = source DBSIZE"
  echo "ferry:  ${FERRY_CMD[*]} replicate --mode snapshot --source .. --target <fresh server> $FERRY_ARGS  JAVA_OPTS='$JAVA_OPTS' (wall incl. JVM start)"
  echo
  column -t -s $'\t' "$RESULTS"
  echo
  for mode in $DISKLESS; do
    # shellcheck disable=SC2086
    echo "repl-diskless-sync $mode: ferry/native wall-time ratio per round: ${RATIOS[$mode]}  MEDIAN: $(median ${RATIOS[$mode]})"
  done
  [[ $FAIL = 0 ]] && echo "correctness: every run matched the source's DBSIZE and DEBUG DIGEST (ferry: exit 0, 0 skipped, 0 failed)" \
                  || echo "correctness: FAILED (see dbsize_ok/digest_ok/exit columns and logs in $WORK)"
  echo "results: $RESULTS"
  echo "dataset: $DATASET, N=$N, seed $SEED"
} | tee "$OUT_DIR/report.txt"
cp "$WORK"/ferry-*.log "$OUT_DIR/" 2>/dev/null || true
exit $FAIL
