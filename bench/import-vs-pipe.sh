#!/usr/bin/env bash
# Compare `ferry import <dump.rdb>` with `redis-cli --pipe` of the same dataset and with Redis loading the same
# dump.rdb itself at start-up, in ONE run on this machine. See bench/README.md. Environment:
#   DATASET=mixed    mixed (gen-dataset.py mix) | strings (N 100-byte SETs)
#   N=1000000        keys in the generated dataset
#   R=3              rounds of pipe, ferry and load (order alternates: pipe ferry load on odd rounds, reversed on even)
#   SEED=42          dataset seed
#   FERRY=bin/ferry  ferry launcher (relative to the repo root unless absolute)
#   FERRY_ARGS=      extra args appended to `ferry import <rdb> --target <uri>`
#   JAVA_OPTS=       passed to bin/ferry (exported); its -Xmx is reported
#   HEAP_OPTS=       e.g. -Xmx64m: each round also runs ferry with JAVA_OPTS="$JAVA_OPTS $HEAP_OPTS" (method
#                    ferry-heap), to show the import's heap does not grow with the dataset; a ferry-heap run that
#                    does not finish is a missed goal, not an incorrect run
#   SKIP_FERRY=auto  auto: skip the ferry runs (with a warning) if $FERRY is not executable; 1: always skip;
#                    0: require ferry (fail if missing)
#   TIMEOUT=600      seconds the load method may take to reach DBSIZE = N
#   KEEP=0           1: keep the work dir (dataset, rdb, server logs)
#   WORK_DIR=        use this dir instead of a fresh mktemp dir (then it is never deleted)
#   OUT_DIR=         where report.txt, results.tsv and summary.tsv go (default bench/out/<timestamp>-import)
#   RSS_METHOD=auto  auto: GNU /usr/bin/time -v if present; proc: sample VmHWM in /proc/PID/status
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATASET="${DATASET:-mixed}"
N="${N:-1000000}"
R="${R:-3}"
SEED="${SEED:-42}"
FERRY="${FERRY:-bin/ferry}"
[[ "$FERRY" = /* ]] || FERRY="$ROOT/$FERRY"
FERRY_ARGS="${FERRY_ARGS:-}"
export JAVA_OPTS="${JAVA_OPTS:-}"
HEAP_OPTS="${HEAP_OPTS:-}"
SKIP_FERRY="${SKIP_FERRY:-auto}"
TIMEOUT="${TIMEOUT:-600}"
KEEP="${KEEP:-0}"
if [[ -n "${WORK_DIR:-}" ]]; then WORK="$WORK_DIR"; OWN_WORK=0; else WORK="$(mktemp -d /tmp/ferry-bench.XXXXXX)"; OWN_WORK=1; fi
mkdir -p "$WORK"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
dataset_args

case "$SKIP_FERRY" in
  1) RUN_FERRY=0 ;;
  0) [[ -x "$FERRY" ]] || die "$FERRY is not executable (SKIP_FERRY=0)"; RUN_FERRY=1 ;;
  *) if [[ -x "$FERRY" ]]; then RUN_FERRY=1; else RUN_FERRY=0; log "WARNING: $FERRY not found/executable: ferry runs SKIPPED"; fi ;;
esac

OUT_DIR="${OUT_DIR:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)-import}"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"

rate() { python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / float(sys.argv[2])) if float(sys.argv[2]) > 0 else 'nan')" "$1" "$2"; }
# ratio A B -> A / B with 3 decimals
ratio() { python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])) if float(sys.argv[2]) > 0 else 'nan')" "$1" "$2"; }

# ------------------------------------------------------------------ (a) dataset
DATA_FILE="$WORK/dataset-$DATASET-n$N-s$SEED.resp"
gen_dataset "$DATA_FILE"

# ------------------------------------------------------------------ pipe run
# run_pipe -> PIPE_WALL PIPE_DBSIZE PIPE_DIGEST
run_pipe() {
  start_server "pipe-$1"
  local port="$SERVER_PORT" pid="$SERVER_PID" t0 t1 summary
  t0=$(now)
  summary="$(cli "$port" --pipe <"$DATA_FILE" 2>&1 | tail -n 1 || true)"
  t1=$(now)
  [[ "$summary" == *"errors: 0"* ]] || die "redis-cli --pipe reported: $summary"
  PIPE_WALL=$(elapsed "$t0" "$t1")
  PIPE_DBSIZE=$(cli "$port" DBSIZE)
  PIPE_DIGEST=$(cli "$port" DEBUG DIGEST)
  PIPE_PORT="$port"; PIPE_PID="$pid"
}

# ------------------------------------------------------------------ (b)+(c) reference load, SAVE -> import input
log "reference: redis-cli --pipe into a fresh server"
run_pipe ref
REF_DBSIZE="$PIPE_DBSIZE"; REF_DIGEST="$PIPE_DIGEST"
log "reference: wall ${PIPE_WALL}s dbsize $REF_DBSIZE digest $REF_DIGEST"
[[ "$REF_DBSIZE" = "$N" ]] || die "reference DBSIZE $REF_DBSIZE != N $N"
t0=$(now)
[[ "$(cli "$PIPE_PORT" SAVE)" = OK ]] || die "SAVE failed"
t1=$(now)
RDB="$WORK/dump.rdb"
cp "$SERVER_DIR/dump.rdb" "$RDB"
log "SAVE took $(elapsed "$t0" "$t1") s; import input $RDB ($(stat -c %s "$RDB") bytes)"
stop_server "$PIPE_PID"

# ------------------------------------------------------------------ load run: Redis reading the same dump.rdb
# run_load TAG -> LOAD_WALL LOAD_DBSIZE LOAD_DIGEST LOAD_RC: wall time from launching a fresh redis-server on
# (a hard link to) dump.rdb until it answers DBSIZE = N. While it loads it answers DBSIZE with -LOADING, so the
# first DBSIZE = N is the end of the load; the poll costs ~10 ms of resolution.
run_load() {
  local dir="$WORK/load-$1" attempt port pid t0 t1="" n deadline
  for attempt in 1 2 3 4 5; do
    rm -rf "$dir"; mkdir -p "$dir"
    ln "$RDB" "$dir/dump.rdb" 2>/dev/null || cp "$RDB" "$dir/dump.rdb" # the server never writes it (--save '', NOSAVE)
    port="$(free_port)"
    t0=$(now)
    "$REDIS_SERVER" --daemonize no --port "$port" --bind "$HOST" --dir "$dir" --dbfilename dump.rdb \
      --logfile "$dir/redis.log" --save '' --appendonly no --enable-debug-command yes >"$dir/stdout.log" 2>&1 </dev/null &
    pid=$!
    PIDS+=("$pid"); PORT_OF[$pid]="$port"
    deadline=$(( ${EPOCHREALTIME/./} + TIMEOUT * 1000000 ))
    while kill -0 "$pid" 2>/dev/null && (( ${EPOCHREALTIME/./} < deadline )); do
      n="$(cli "$port" DBSIZE 2>/dev/null || true)"
      if [[ "$n" = "$REF_DBSIZE" ]]; then t1=$(now); break; fi
      sleep 0.01
    done
    [[ -n "$t1" ]] && break
    if ! kill -0 "$pid" 2>/dev/null && grep -q "Address already in use" "$dir/redis.log" "$dir/stdout.log" 2>/dev/null; then
      stop_server "$pid"; log "port $port taken, retrying"; continue
    fi
    break
  done
  if [[ -n "$t1" ]]; then
    LOAD_RC=0; LOAD_WALL=$(elapsed "$t0" "$t1")
    LOAD_DBSIZE=$(cli "$port" DBSIZE); LOAD_DIGEST=$(cli "$port" DEBUG DIGEST)
  else
    LOAD_RC=1; LOAD_WALL=nan; LOAD_DBSIZE=$(cli "$port" DBSIZE 2>/dev/null || echo '?'); LOAD_DIGEST=-
    log "redis-server on dump.rdb did not reach DBSIZE $REF_DBSIZE within $TIMEOUT s (last answer: ${n:-none})"
    tail -n 20 "$dir/redis.log" >&2 || true
  fi
  stop_server "$pid"
}

# ------------------------------------------------------------------ (d) ferry run
XMX="$(grep -o -- '-Xmx[^ ]*' <<<"$JAVA_OPTS" | tail -n 1 || true)"
[[ -n "$XMX" ]] || XMX="default(JVM ergonomics)"

# run_ferry TAG JAVA_OPTS -> F_WALL F_DBSIZE F_DIGEST F_RSS_KB F_RC
run_ferry() {
  start_server "ferry-$1"
  local port="$SERVER_PORT" pid="$SERVER_PID" t0 t1 uri="redis://$HOST:$SERVER_PORT" log="$WORK/ferry-$1.log" jopts="$2"
  # shellcheck disable=SC2206
  local extra=($FERRY_ARGS)
  F_RSS_KB=nan
  t0=$(now)
  set +e
  if [[ "${RSS_METHOD:-auto}" != proc ]] && [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
    JAVA_OPTS="$jopts" /usr/bin/time -v -o "$WORK/time-$1.txt" "$FERRY" import "$RDB" --target "$uri" "${extra[@]}" >"$log" 2>&1
    F_RC=$?
    t1=$(now)
    F_RSS_KB=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time-$1.txt")
  else
    JAVA_OPTS="$jopts" "$FERRY" import "$RDB" --target "$uri" "${extra[@]}" >"$log" 2>&1 &
    local fp=$! peak=0 v p
    while kill -0 "$fp" 2>/dev/null; do
      for p in $fp $(pgrep -P "$fp" 2>/dev/null); do
        v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$p/status" 2>/dev/null || true)
        [[ -n "$v" && "$v" -gt "$peak" ]] && peak=$v
      done
      sleep 0.1
    done
    wait "$fp"; F_RC=$?
    t1=$(now)
    F_RSS_KB=$peak
  fi
  set -e
  F_WALL=$(elapsed "$t0" "$t1")
  if [[ $F_RC -ne 0 ]]; then
    log "ferry exited $F_RC; last lines of $log:"; tail -n 20 "$log" >&2 || true
  fi
  F_DBSIZE=$(cli "$port" DBSIZE)
  F_DIGEST=$(cli "$port" DEBUG DIGEST)
  stop_server "$pid"
}

# ------------------------------------------------------------------ (e) R rounds, order alternating
METHODS="pipe ferry load"
[[ $RUN_FERRY = 1 && -n "$HEAP_OPTS" ]] && METHODS+=" ferry-heap"
printf 'round\tmethod\twall_s\tdbsize\tkeys_per_s\tdbsize_ok\tdigest_ok\tpeak_rss_mb\texit\n' >"$RESULTS"
RATIOS=""; LOAD_RATIOS=""; HEAP_RATIOS=""; PIPE_WALLS=""; FERRY_WALLS=""; LOAD_WALLS=""; HEAP_WALLS=""
FAIL=0          # an incorrect run: wrong DBSIZE/digest, or a default-heap ferry run that did not exit 0
REF_OK=yes      # every pipe and load run matched the reference
FERRY_OK=yes    # every default-heap ferry run exited 0 and matched the reference
HEAP_OK=yes     # every ferry-heap run that finished (exit 0) matched the reference
HEAP_DONE=0     # ferry-heap runs that finished
for round in $(seq 1 "$R"); do
  # reversing the order on even rounds alternates every pair (ferry before pipe, then after it, ...)
  if (( round % 2 == 1 )); then order="$METHODS"; else order="$(tr ' ' '\n' <<<"$METHODS" | tac | tr '\n' ' ')"; fi
  P_W=nan; F_W=nan; L_W=nan; H_W=nan
  for m in $order; do
    case $m in
      pipe)
        log "round $round: pipe"
        run_pipe "$round"
        stop_server "$PIPE_PID"
        okd=$([[ $PIPE_DBSIZE = "$REF_DBSIZE" ]] && echo yes || echo NO)
        okg=$([[ $PIPE_DIGEST = "$REF_DIGEST" ]] && echo yes || echo NO)
        [[ $okd = yes && $okg = yes ]] || { FAIL=1; REF_OK=NO; }
        P_W=$PIPE_WALL; PIPE_WALLS+="$P_W "
        printf '%s\tpipe\t%s\t%s\t%s\t%s\t%s\t-\t0\n' "$round" "$PIPE_WALL" "$PIPE_DBSIZE" "$(rate "$PIPE_DBSIZE" "$PIPE_WALL")" "$okd" "$okg" >>"$RESULTS"
        ;;
      load)
        log "round $round: redis-server loading dump.rdb"
        run_load "$round"
        okd=$([[ $LOAD_DBSIZE = "$REF_DBSIZE" ]] && echo yes || echo NO)
        okg=$([[ $LOAD_DIGEST = "$REF_DIGEST" ]] && echo yes || echo NO)
        [[ $okd = yes && $okg = yes && $LOAD_RC = 0 ]] || { FAIL=1; REF_OK=NO; }
        [[ $LOAD_RC = 0 ]] && { L_W=$LOAD_WALL; LOAD_WALLS+="$L_W "; }
        printf '%s\tload\t%s\t%s\t%s\t%s\t%s\t-\t%s\n' "$round" "$LOAD_WALL" "$LOAD_DBSIZE" "$(rate "$REF_DBSIZE" "$LOAD_WALL")" "$okd" "$okg" "$LOAD_RC" >>"$RESULTS"
        ;;
      ferry|ferry-heap)
        if [[ $RUN_FERRY = 0 ]]; then
          printf '%s\t%s\tSKIPPED\t-\t-\t-\t-\t-\t-\n' "$round" "$m" >>"$RESULTS"; continue
        fi
        if [[ $m = ferry ]]; then jopts="$JAVA_OPTS"; else jopts="${JAVA_OPTS:+$JAVA_OPTS }$HEAP_OPTS"; fi
        log "round $round: $m import (JAVA_OPTS='$jopts')"
        run_ferry "$m-$round" "$jopts"
        okd=$([[ $F_DBSIZE = "$REF_DBSIZE" ]] && echo yes || echo NO)
        okg=$([[ $F_DIGEST = "$REF_DIGEST" ]] && echo yes || echo NO)
        if [[ $m = ferry ]]; then
          [[ $okd = yes && $okg = yes && $F_RC = 0 ]] || { FAIL=1; FERRY_OK=NO; }
          F_W=$F_WALL; FERRY_WALLS+="$F_W "
        elif [[ $F_RC = 0 ]]; then
          # a heap run that ends with an error (OutOfMemoryError) misses the heap goal; one that ends 0 must be right
          [[ $okd = yes && $okg = yes ]] || { FAIL=1; HEAP_OK=NO; }
          H_W=$F_WALL; HEAP_WALLS+="$H_W "; HEAP_DONE=$((HEAP_DONE + 1))
        fi
        rss=$([[ $F_RSS_KB = nan ]] && echo nan || python3 -c "print('%.0f' % ($F_RSS_KB/1024))")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$m" "$F_WALL" "$F_DBSIZE" "$(rate "$F_DBSIZE" "$F_WALL")" "$okd" "$okg" "$rss" "$F_RC" >>"$RESULTS"
        ;;
    esac
  done
  # keys/s ratios of the round: the same N keys, so a keys/s ratio is the inverse ratio of the wall times
  [[ $F_W != nan && $P_W != nan ]] && RATIOS+="$(ratio "$P_W" "$F_W") "
  [[ $F_W != nan && $L_W != nan ]] && LOAD_RATIOS+="$(ratio "$L_W" "$F_W") "
  [[ $F_W != nan && $H_W != nan ]] && HEAP_RATIOS+="$(ratio "$F_W" "$H_W") "
done

# ------------------------------------------------------------------ summary.tsv (bench/ratios.sh reads it)
# shellcheck disable=SC2086
{
  summary_header
  if [[ $RUN_FERRY = 1 ]]; then
    summary_row import "$DATASET" "$N" "$(median $FERRY_WALLS)" "redis-cli --pipe" "$(median $PIPE_WALLS)" s \
      "$(median $RATIOS)" ">=1.0" "$([[ $FERRY_OK = yes && $REF_OK = yes ]] && echo yes || echo NO)" "ferry/pipe keys/s"
    summary_row import-load "$DATASET" "$N" "$(median $FERRY_WALLS)" "redis-server loading dump.rdb" "$(median $LOAD_WALLS)" s \
      "$(median $LOAD_RATIOS)" "-" "$([[ $FERRY_OK = yes && $REF_OK = yes ]] && echo yes || echo NO)" "ferry/load keys/s"
    if [[ -n "$HEAP_OPTS" ]]; then
      heap_ratio=$( (( HEAP_DONE == R )) && median $HEAP_RATIOS || echo DNF)
      summary_row heap "$DATASET" "$N" "$(median $HEAP_WALLS)" "ferry, ${JAVA_OPTS:+JAVA_OPTS=$JAVA_OPTS}${JAVA_OPTS:-default heap}" "$(median $FERRY_WALLS)" s \
        "$heap_ratio" finishes "$HEAP_OK" "JAVA_OPTS+=$HEAP_OPTS finished $HEAP_DONE/$R; ratio: its keys/s over the default heap's"
    fi
  fi
}

# ------------------------------------------------------------------ report
MED_RATIO=$(median $RATIOS); MED_LOAD=$(median $LOAD_RATIOS)
{
  echo
  echo "== ferry import vs redis-cli --pipe and vs redis-server loading the RDB =="
  host_line
  echo "dataset: $DATASET: $GEN_SUMMARY"
  echo "rdb: $(stat -c %s "$RDB") bytes; reference DBSIZE $REF_DBSIZE, DEBUG DIGEST $REF_DIGEST"
  echo "ferry: $FERRY import <rdb> --target redis://$HOST:PORT $FERRY_ARGS   JAVA_OPTS='$JAVA_OPTS'  (-Xmx: $XMX)${HEAP_OPTS:+; ferry-heap: JAVA_OPTS+=$HEAP_OPTS}"
  echo "load: a fresh redis-server started on dump.rdb, wall from its launch until DBSIZE answers $REF_DBSIZE"
  echo
  column -t -s $'\t' "$RESULTS"
  echo
  if [[ $RUN_FERRY = 1 ]]; then
    echo "ferry/pipe keys/s ratio per round: $RATIOS  MEDIAN: $MED_RATIO"
    echo "ferry/load keys/s ratio per round: $LOAD_RATIOS  MEDIAN: $MED_LOAD"
    if [[ -n "$HEAP_OPTS" ]]; then
      # shellcheck disable=SC2086
      echo "ferry-heap ($HEAP_OPTS) finished $HEAP_DONE of $R; its keys/s over the default heap's per round: $HEAP_RATIOS  MEDIAN: $(median $HEAP_RATIOS)"
    fi
    echo "ferry peak RSS (MB, max over rounds): $(awk -F'\t' '$2=="ferry" && $8!="nan"{if($8>m)m=$8} END{print m+0}' "$RESULTS")   -Xmx: $XMX"
    [[ -z "$HEAP_OPTS" ]] || echo "ferry-heap peak RSS (MB, max over rounds): $(awk -F'\t' '$2=="ferry-heap" && $8!="nan"{if($8>m)m=$8} END{print m+0}' "$RESULTS")   JAVA_OPTS+=$HEAP_OPTS"
    [[ $FAIL = 0 ]] && echo "correctness: every run matched DBSIZE and DEBUG DIGEST of the pipe-loaded reference${HEAP_OPTS:+ (ferry-heap: those that finished)}" \
                    || echo "correctness: FAILED (see dbsize_ok/digest_ok/exit columns)"
  else
    echo "ferry runs SKIPPED ($FERRY not executable); only the pipe and load baselines were measured"
  fi
  echo "results: $RESULTS"
  echo "dataset: $DATASET, N=$N, seed $SEED"
} | tee "$OUT_DIR/report.txt"

exit $FAIL
