#!/usr/bin/env bash
# Compare `ferry import <dump.rdb>` with `redis-cli --pipe` of the same dataset, in ONE run on this machine.
# See bench/README.md. Environment:
#   N=1000000        keys in the generated dataset
#   R=3              pipe/ferry pairs (order alternates: pipe first on odd rounds, ferry first on even)
#   SEED=42          dataset seed
#   FERRY=bin/ferry  ferry launcher (relative to the repo root unless absolute)
#   FERRY_ARGS=      extra args appended to `ferry import <rdb> --target <uri>`
#   JAVA_OPTS=       passed to bin/ferry (exported); its -Xmx is reported
#   SKIP_FERRY=auto  auto: skip the ferry runs (with a warning) if $FERRY is not executable; 1: always skip;
#                    0: require ferry (fail if missing)
#   KEEP=0           1: keep the work dir (dataset, rdb, server logs)
#   WORK_DIR=        use this dir instead of a fresh mktemp dir (then it is never deleted)
#   RSS_METHOD=auto  auto: GNU /usr/bin/time -v if present; proc: sample VmHWM in /proc/PID/status
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-1000000}"
R="${R:-3}"
SEED="${SEED:-42}"
FERRY="${FERRY:-bin/ferry}"
[[ "$FERRY" = /* ]] || FERRY="$ROOT/$FERRY"
FERRY_ARGS="${FERRY_ARGS:-}"
export JAVA_OPTS="${JAVA_OPTS:-}"
SKIP_FERRY="${SKIP_FERRY:-auto}"
KEEP="${KEEP:-0}"
REDIS_SERVER="${REDIS_SERVER:-redis-server}"
REDIS_CLI="${REDIS_CLI:-redis-cli}"
HOST=127.0.0.1

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v "$REDIS_SERVER" >/dev/null || die "redis-server not found"
command -v "$REDIS_CLI" >/dev/null || die "redis-cli not found"
command -v python3 >/dev/null || die "python3 not found"

case "$SKIP_FERRY" in
  1) RUN_FERRY=0 ;;
  0) [[ -x "$FERRY" ]] || die "$FERRY is not executable (SKIP_FERRY=0)"; RUN_FERRY=1 ;;
  *) if [[ -x "$FERRY" ]]; then RUN_FERRY=1; else RUN_FERRY=0; log "WARNING: $FERRY not found/executable: ferry runs SKIPPED"; fi ;;
esac

if [[ -n "${WORK_DIR:-}" ]]; then WORK="$WORK_DIR"; OWN_WORK=0; else WORK="$(mktemp -d /tmp/ferry-bench.XXXXXX)"; OWN_WORK=1; fi
mkdir -p "$WORK"
OUT_DIR="$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"

# ------------------------------------------------------------------ server lifecycle (child processes, by PID)
declare -a PIDS=()
declare -A PORT_OF=()

stop_server() { # pid
  local pid="$1" port="${PORT_OF[$1]:-}"
  if kill -0 "$pid" 2>/dev/null; then
    [[ -n "$port" ]] && cli "$port" SHUTDOWN NOSAVE NOW >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  for pid in "${PIDS[@]:-}"; do [[ -n "$pid" ]] && stop_server "$pid"; done
  if [[ "$KEEP" = 1 || $rc -ne 0 || $OWN_WORK = 0 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server NAME -> sets SERVER_PID SERVER_PORT SERVER_DIR; same flags as the Java test harness
start_server() {
  local name="$1" dir="$WORK/$1" attempt port pid
  rm -rf "$dir"; mkdir -p "$dir"
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    "$REDIS_SERVER" --daemonize no --port "$port" --bind "$HOST" --dir "$dir" --logfile "$dir/redis.log" \
      --save '' --appendonly no --repl-diskless-sync-delay 0 --enable-debug-command yes \
      >"$dir/stdout.log" 2>&1 </dev/null &
    pid=$!
    PIDS+=("$pid"); PORT_OF[$pid]="$port"
    for _ in $(seq 1 500); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if [[ "$(cli "$port" INFO server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p')" = "$pid" ]]; then
        SERVER_PID="$pid"; SERVER_PORT="$port"; SERVER_DIR="$dir"; return 0
      fi
      sleep 0.02
    done
    stop_server "$pid"
    if grep -q "Address already in use" "$dir/redis.log" "$dir/stdout.log" 2>/dev/null; then
      log "port $port taken, retrying"; continue
    fi
    tail -n 30 "$dir/redis.log" "$dir/stdout.log" >&2 || true
    die "redis-server $name did not start"
  done
  die "redis-server $name: no free port after 5 attempts"
}

# never let a REDISCLI_AUTH from the caller's shell leak in (an empty one still makes redis-cli send AUTH)
cli() { local port="$1"; shift; env -u REDISCLI_AUTH "$REDIS_CLI" -h "$HOST" -p "$port" "$@"; }

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }
rate() { python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / float(sys.argv[2])) if float(sys.argv[2]) > 0 else 'nan')" "$1" "$2"; }

# ------------------------------------------------------------------ (a) dataset
DATASET="$WORK/dataset-n$N-s$SEED.resp"
log "generating $N keys (seed $SEED) -> $DATASET"
t0=$(now)
python3 "$ROOT/bench/gen-dataset.py" -n "$N" --seed "$SEED" -o "$DATASET" 2>"$WORK/gen.txt"
t1=$(now)
GEN_SUMMARY="$(cat "$WORK/gen.txt")"
log "generated in $(elapsed "$t0" "$t1") s: $GEN_SUMMARY"

# ------------------------------------------------------------------ pipe run
# run_pipe -> PIPE_WALL PIPE_DBSIZE PIPE_DIGEST
run_pipe() {
  start_server "pipe-$1"
  local port="$SERVER_PORT" pid="$SERVER_PID" t0 t1 summary
  t0=$(now)
  summary="$(cli "$port" --pipe <"$DATASET" 2>&1 | tail -n 1 || true)"
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

# ------------------------------------------------------------------ (d) ferry run
XMX="$(grep -o -- '-Xmx[^ ]*' <<<"$JAVA_OPTS" | tail -n 1 || true)"
[[ -n "$XMX" ]] || XMX="default(JVM ergonomics)"

# run_ferry -> FERRY_WALL FERRY_DBSIZE FERRY_DIGEST FERRY_RSS_KB FERRY_RC
run_ferry() {
  start_server "ferry-$1"
  local port="$SERVER_PORT" pid="$SERVER_PID" t0 t1 uri="redis://$HOST:$SERVER_PORT" log="$WORK/ferry-$1.log"
  # shellcheck disable=SC2206
  local extra=($FERRY_ARGS)
  FERRY_RSS_KB=nan
  t0=$(now)
  set +e
  if [[ "${RSS_METHOD:-auto}" != proc ]] && [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
    /usr/bin/time -v -o "$WORK/time-$1.txt" "$FERRY" import "$RDB" --target "$uri" "${extra[@]}" >"$log" 2>&1
    FERRY_RC=$?
    t1=$(now)
    FERRY_RSS_KB=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time-$1.txt")
  else
    "$FERRY" import "$RDB" --target "$uri" "${extra[@]}" >"$log" 2>&1 &
    local fp=$! peak=0 v p
    while kill -0 "$fp" 2>/dev/null; do
      for p in $fp $(pgrep -P "$fp" 2>/dev/null); do
        v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$p/status" 2>/dev/null || true)
        [[ -n "$v" && "$v" -gt "$peak" ]] && peak=$v
      done
      sleep 0.1
    done
    wait "$fp"; FERRY_RC=$?
    t1=$(now)
    FERRY_RSS_KB=$peak
  fi
  set -e
  FERRY_WALL=$(elapsed "$t0" "$t1")
  if [[ $FERRY_RC -ne 0 ]]; then
    log "ferry exited $FERRY_RC; last lines of $log:"; tail -n 20 "$log" >&2 || true
  fi
  FERRY_DBSIZE=$(cli "$port" DBSIZE)
  FERRY_DIGEST=$(cli "$port" DEBUG DIGEST)
  stop_server "$pid"
}

# ------------------------------------------------------------------ (e) R alternating pairs
printf 'round\tmethod\twall_s\tdbsize\tkeys_per_s\tdbsize_ok\tdigest_ok\tpeak_rss_mb\texit\n' >"$RESULTS"
declare -a RATIOS=()
FAIL=0
for round in $(seq 1 "$R"); do
  if (( round % 2 == 1 )); then order="pipe ferry"; else order="ferry pipe"; fi
  for m in $order; do
    if [[ $m = pipe ]]; then
      log "round $round: pipe"
      run_pipe "$round"
      stop_server "$PIPE_PID"
      pk=$(rate "$PIPE_DBSIZE" "$PIPE_WALL")
      eval "PIPE_KPS_$round=$pk"
      okd=$([[ $PIPE_DBSIZE = "$REF_DBSIZE" ]] && echo yes || echo NO)
      okg=$([[ $PIPE_DIGEST = "$REF_DIGEST" ]] && echo yes || echo NO)
      printf '%s\tpipe\t%s\t%s\t%s\t%s\t%s\t-\t0\n' "$round" "$PIPE_WALL" "$PIPE_DBSIZE" "$pk" "$okd" "$okg" >>"$RESULTS"
    elif [[ $RUN_FERRY = 1 ]]; then
      log "round $round: ferry import"
      run_ferry "$round"
      fk=$(rate "$FERRY_DBSIZE" "$FERRY_WALL")
      eval "FERRY_KPS_$round=$fk"
      okd=$([[ $FERRY_DBSIZE = "$REF_DBSIZE" ]] && echo yes || echo NO)
      okg=$([[ $FERRY_DIGEST = "$REF_DIGEST" ]] && echo yes || echo NO)
      [[ $okd = yes && $okg = yes && $FERRY_RC = 0 ]] || FAIL=1
      rss=$([[ $FERRY_RSS_KB = nan ]] && echo nan || python3 -c "print('%.0f' % ($FERRY_RSS_KB/1024))")
      printf '%s\tferry\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$FERRY_WALL" "$FERRY_DBSIZE" "$fk" "$okd" "$okg" "$rss" "$FERRY_RC" >>"$RESULTS"
    else
      printf '%s\tferry\tSKIPPED\t-\t-\t-\t-\t-\t-\n' "$round" >>"$RESULTS"
    fi
  done
  if [[ $RUN_FERRY = 1 ]]; then
    pv="PIPE_KPS_$round"; fv="FERRY_KPS_$round"
    RATIOS+=("$(python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) / float(sys.argv[1])))" "${!pv}" "${!fv}")")
  fi
done

# ------------------------------------------------------------------ report
{
  echo
  echo "== ferry import vs redis-cli --pipe =="
  echo "host: $(nproc) cores, $(free -m | awk '/^Mem:/{print $2}') MB RAM; $("$REDIS_SERVER" --version | awk '{print $3}'); $(date -Is)"
  echo "dataset: $GEN_SUMMARY"
  echo "rdb: $(stat -c %s "$RDB") bytes; reference DBSIZE $REF_DBSIZE, DEBUG DIGEST $REF_DIGEST"
  echo "ferry: $FERRY import <rdb> --target redis://$HOST:PORT $FERRY_ARGS   JAVA_OPTS='$JAVA_OPTS'  (-Xmx: $XMX)"
  echo
  column -t -s $'\t' "$RESULTS"
  echo
  if [[ $RUN_FERRY = 1 ]]; then
    echo "ferry/pipe keys/s ratio per round: ${RATIOS[*]}"
    echo "MEDIAN ferry/pipe keys/s ratio: $(printf '%s\n' "${RATIOS[@]}" | sort -g | python3 -c 'import sys,statistics; print("%.3f" % statistics.median(float(l) for l in sys.stdin))')"
    echo "ferry peak RSS (MB, max over rounds): $(awk -F'\t' '$2=="ferry" && $8!="nan"{if($8>m)m=$8} END{print m+0}' "$RESULTS")   -Xmx: $XMX"
    [[ $FAIL = 0 ]] && echo "correctness: every ferry run matched DBSIZE and DEBUG DIGEST of the pipe-loaded server" \
                    || echo "correctness: FAILED (see dbsize_ok/digest_ok/exit columns)"
  else
    echo "ferry runs SKIPPED ($FERRY not executable); only the pipe baseline was measured"
  fi
  echo "results: $RESULTS"
} | tee "$OUT_DIR/report.txt"

exit $FAIL
