#!/usr/bin/env bash
# `ferry verify` throughput: two servers loaded with the same N keys (bench/gen-dataset.py, DATASET, redis-cli
# --pipe), then R timed `ferry verify` runs that must say EQUAL, then DELETE keys removed from the target and
# one run that must report exactly that many `missing on target` (and list exactly those keys in --report).
# Keys/s are set against `redis-cli --pipe` loading the same keys, measured in the same run (on shared cores
# only a ratio measured side by side means anything). See bench/README.md.
# Environment:
#   DATASET=mixed   mixed (gen-dataset.py mix) | strings (N 100-byte SETs; what issue 15's goal is set on)
#   N=1000000       keys on each side
#   R=3             timed verify runs of the equal pair
#   SEED=42         dataset seed
#   DELETE=100      keys deleted on the target for the difference run
#   FERRY=bin/ferry launcher (relative to the repo root unless absolute)
#   FERRY_ARGS=     extra args appended to `ferry verify --source .. --target ..`
#   JAVA_OPTS=      passed to bin/ferry (exported)
#   TIMEOUT=600     seconds one verify may take
#   KEEP=0          1: keep the work dir (server logs, ferry output, report)
#   WORK_DIR=       use this dir instead of a fresh mktemp dir (then it is never deleted)
#   OUT_DIR=        where report.txt, results.tsv and summary.tsv go (default bench/out/<timestamp>-verify)
#   GOAL_KPS=200000 keys/s per side the summary row sets the wall-time rate against (issue 15)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATASET="${DATASET:-mixed}"
GOAL_KPS="${GOAL_KPS:-200000}"
N="${N:-1000000}"
R="${R:-3}"
SEED="${SEED:-42}"
DELETE="${DELETE:-100}"
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
OUT_DIR="${OUT_DIR:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)-verify}"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"

# ------------------------------------------------------------------ two servers, same keys
DATA_FILE="$WORK/dataset-$DATASET-n$N-s$SEED.resp"
gen_dataset "$DATA_FILE"

# load NAME -> PORT PIPE_S: a fresh server loaded by redis-cli --pipe, timed
load() {
  start_server "$1"
  PORT="$SERVER_PORT"
  local t0 t1 summary
  t0=$(now)
  summary="$(cli "$PORT" --pipe <"$DATA_FILE" 2>&1 | tail -n 1 || true)"
  t1=$(now)
  [[ "$summary" == *"errors: 0"* ]] || die "redis-cli --pipe into $1 reported: $summary"
  PIPE_S=$(elapsed "$t0" "$t1")
  [[ "$(cli "$PORT" DBSIZE)" = "$N" ]] || die "$1: DBSIZE $(cli "$PORT" DBSIZE) != N $N"
}
load source; SRC_PORT=$PORT; SRC_PIPE_S=$PIPE_S
load target; TGT_PORT=$PORT; TGT_PIPE_S=$PIPE_S
rm -f "$DATA_FILE"
PIPE_KPS=$(python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / ((float(sys.argv[2]) + float(sys.argv[3])) / 2)))" "$N" "$SRC_PIPE_S" "$TGT_PIPE_S")
log "redis-cli --pipe: source ${SRC_PIPE_S}s, target ${TGT_PIPE_S}s (mean $PIPE_KPS keys/s)"
SRC_DIGEST=$(cli "$SRC_PORT" DEBUG DIGEST)
[[ "$(cli "$TGT_PORT" DEBUG DIGEST)" = "$SRC_DIGEST" ]] || die "the two loaded servers differ (DEBUG DIGEST)"
MEM=$(info_field "$SRC_PORT" memory used_memory_human)

# ------------------------------------------------------------------ verify runs
# field FILE LABEL -> the number after LABEL in ferry's summary (thousands separators dropped)
field() { sed -n "s/^ *$2 \{1,\}\([0-9][0-9.,]*\).*/\1/p" "$1" | tail -n 1 | tr -d ','; }

# run_verify TAG [args...] -> RC WALL and the summary fields; output in $WORK/verify-TAG.out/.err
run_verify() {
  local tag="$1" t0 t1
  shift
  local out="$WORK/verify-$tag.out" err="$WORK/verify-$tag.err"
  # shellcheck disable=SC2206
  local extra=($FERRY_ARGS)
  local tfile="$WORK/time-$tag.txt" timecmd=() c0s c0t
  if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then timecmd=(/usr/bin/time -v -o "$tfile"); fi
  c0s=$(server_cpu "$SRC_PORT"); c0t=$(server_cpu "$TGT_PORT")
  t0=$(now)
  set +e
  timeout -s TERM "$TIMEOUT" "${timecmd[@]}" "${FERRY_CMD[@]}" verify --source "redis://$HOST:$SRC_PORT" --target "redis://$HOST:$TGT_PORT" \
    -q "$@" "${extra[@]}" >"$out" 2>"$err"
  RC=$?
  set -e
  t1=$(now)
  WALL=$(elapsed "$t0" "$t1")
  SRC_CPU=$(elapsed "$c0s" "$(server_cpu "$SRC_PORT")"); TGT_CPU=$(elapsed "$c0t" "$(server_cpu "$TGT_PORT")")
  FERRY_CPU=$(python3 -c 'import re,sys
try: t=open(sys.argv[1]).read()
except OSError: print("nan"); sys.exit()
u=re.search(r"User time \(seconds\): ([\d.]+)",t); k=re.search(r"System time \(seconds\): ([\d.]+)",t)
print("%.1f" % (float(u.group(1))+float(k.group(1))) if u and k else "nan")' "$tfile")
  SECONDS_=$(field "$out" seconds); SRC_KEYS=$(field "$out" "source keys checked"); TGT_KEYS=$(field "$out" "target keys checked")
  MOT=$(field "$out" "missing on target"); MOS=$(field "$out" "missing on source")
  TYPE=$(field "$out" type); VALUE=$(field "$out" value); TTL=$(field "$out" ttl)
  ROUNDS=$(sed -n 's/^ *rounds *\(.*\)$/\1/p' "$out" | tail -n 1)
  RESULT=$(grep '^result:' "$out" | tail -n 1 || true)
  if [[ $RC -ne 0 && $RC -ne 3 ]]; then log "ferry verify exited $RC:"; tail -n 5 "$err" "$out" >&2 || true; fi
}
# server_cpu PORT -> CPU seconds (user + sys) the server has used so far
server_cpu() { cli "$1" INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/{s+=$2} END{printf "%.3f", s}'; }
# kps A B -> A / B rounded; nan when either is missing (a failed run has no summary to read)
ratio_of() { python3 -c "import sys
try: print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))
except (ValueError, ZeroDivisionError): print('nan')" "$1" "$2"; }
kps() { python3 -c "import sys
try: print('%.0f' % (float(sys.argv[1]) / float(sys.argv[2])))
except (ValueError, ZeroDivisionError): print('nan')" "$1" "$2"; }

printf 'run\twall_s\tverify_s\tsource_keys\ttarget_keys\tsource_keys_per_s\ttarget_keys_per_s\tkeys_per_s_wall\tvs_pipe\tcpu_s_ferry/source/target\tresult\texit\n' >"$RESULTS"
FAIL=0
SRC_RATES=""; TGT_RATES=""; RATIOS=""; WALL_SIDE_RATES=""
for round in $(seq 1 "$R"); do
  log "verify run $round of $R (equal data)"
  run_verify "equal-$round"
  SKPS=$(kps "$SRC_KEYS" "$SECONDS_"); TKPS=$(kps "$TGT_KEYS" "$SECONDS_"); WKPS=$(kps "$N" "$WALL")
  RATIO=$(python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$SKPS" "$PIPE_KPS")
  # issue 15 counts the JVM's start-up: the slower side's keys checked over the whole command's wall time
  WALL_SIDE_RATES+="$(python3 -c "import sys; print(min(float(sys.argv[1]), float(sys.argv[2])))" "$(kps "$SRC_KEYS" "$WALL")" "$(kps "$TGT_KEYS" "$WALL")") "
  [[ $RC = 0 && "$RESULT" = "result: EQUAL" && "$SRC_KEYS" = "$N" && "$TGT_KEYS" = "$N" ]] || FAIL=1
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "equal-$round" "$WALL" "$SECONDS_" "$SRC_KEYS" "$TGT_KEYS" "$SKPS" "$TKPS" \
    "$WKPS" "$RATIO" "$FERRY_CPU/$SRC_CPU/$TGT_CPU" "${RESULT#result: }" "$RC" >>"$RESULTS"
  log "  wall ${WALL}s, verify ${SECONDS_}s, $SKPS source keys/s, $TKPS target keys/s, $RESULT, exit $RC"
  SRC_RATES+="$SKPS "; TGT_RATES+="$TKPS "; RATIOS+="$RATIO "
done

# ------------------------------------------------------------------ DELETE keys missing on the target
cli "$TGT_PORT" --scan | head -n "$DELETE" | sort >"$WORK/deleted.txt" || true
[[ "$(wc -l <"$WORK/deleted.txt")" = "$DELETE" ]] || die "could not pick $DELETE keys on the target"
xargs -a "$WORK/deleted.txt" -d '\n' -n 100 env -u REDISCLI_AUTH "$REDIS_CLI" -h "$HOST" -p "$TGT_PORT" DEL >/dev/null
[[ "$(cli "$TGT_PORT" DBSIZE)" = "$((N - DELETE))" ]] || die "target DBSIZE after deleting $DELETE keys: $(cli "$TGT_PORT" DBSIZE)"
log "deleted $DELETE keys on the target; verify must report exactly them"
REPORT="$WORK/missing.jsonl"
run_verify missing --report "$REPORT"
python3 - "$REPORT" >"$WORK/reported.txt" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print(d["key"] if d["kind"] == "missing_on_target" and d["target"] is None else "UNEXPECTED " + line.strip())
EOF
sort -o "$WORK/reported.txt" "$WORK/reported.txt"
MISSING_OK=no
if [[ $RC = 3 && "$MOT" = "$DELETE" && "$MOS$TYPE$VALUE$TTL" = "0000" && "$TGT_KEYS" = "$((N - DELETE))" ]] \
   && cmp -s "$WORK/deleted.txt" "$WORK/reported.txt"; then MISSING_OK=yes; else FAIL=1; fi
SKPS=$(kps "$SRC_KEYS" "$SECONDS_"); TKPS=$(kps "$TGT_KEYS" "$SECONDS_"); WKPS=$(kps "$N" "$WALL")
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "missing-$DELETE" "$WALL" "$SECONDS_" "$SRC_KEYS" "$TGT_KEYS" "$SKPS" "$TKPS" \
  "$WKPS" "-" "$FERRY_CPU/$SRC_CPU/$TGT_CPU" "${RESULT#result: }" "$RC" >>"$RESULTS"

# ------------------------------------------------------------------ summary.tsv (bench/ratios.sh reads it)
# shellcheck disable=SC2086
MED_WALL_SIDE=$(median $WALL_SIDE_RATES)
summary_header
summary_row verify "$DATASET" "$N" "$MED_WALL_SIDE" "goal per side" "$GOAL_KPS" keys/s "$(ratio_of "$MED_WALL_SIDE" "$GOAL_KPS")" ">=1.0" \
  "$([[ $FAIL = 0 ]] && echo yes || echo NO)" "slower side's keys checked / wall incl. JVM start; by verify's own seconds (no JVM start): $(median $SRC_RATES | cut -d. -f1) keys/s"
summary_row verify-pipe "$DATASET" "$N" "$MED_WALL_SIDE" "redis-cli --pipe load, same keys" "$PIPE_KPS" keys/s "$(ratio_of "$MED_WALL_SIDE" "$PIPE_KPS")" "-" \
  "$([[ $FAIL = 0 ]] && echo yes || echo NO)" "verify keys/s per side (wall) over pipe keys/s"

# ------------------------------------------------------------------ report
{
  echo
  echo "== ferry verify throughput =="
  host_line
  echo "dataset: $DATASET: $GEN_SUMMARY"
  echo "each side: DBSIZE $N, used_memory $MEM, DEBUG DIGEST $SRC_DIGEST (equal)"
  echo "redis-cli --pipe load of the same keys, this run: source ${SRC_PIPE_S}s, target ${TGT_PIPE_S}s -> $PIPE_KPS keys/s"
  echo "ferry:  ${FERRY_CMD[*]} verify --source .. --target .. -q $FERRY_ARGS  JAVA_OPTS='$JAVA_OPTS'"
  echo "        (wall incl. JVM start; verify_s = the summary's 'seconds'; keys/s per side = keys checked / verify_s;"
  echo "         cpu_s = CPU seconds used during the run by ferry (/usr/bin/time), the source and the target (INFO cpu))"
  echo
  column -t -s $'\t' "$RESULTS"
  echo
  # shellcheck disable=SC2086
  echo "MEDIAN source keys/s: $(median $SRC_RATES)   target keys/s: $(median $TGT_RATES)   verify/pipe keys/s ratio: $(median $RATIOS)"
  echo "MEDIAN keys/s per side by wall time (JVM start included, the slower side): $MED_WALL_SIDE (goal $GOAL_KPS)"
  echo "missing run: exit $RC, rounds $ROUNDS, missing on target $MOT (expected $DELETE), other counters $MOS/$TYPE/$VALUE/$TTL," \
       "report lists exactly the deleted keys: $MISSING_OK"
  [[ $FAIL = 0 ]] && echo "correctness: every equal run said EQUAL (exit 0) with N keys checked per side; the missing run found exactly the $DELETE deleted keys" \
                  || echo "correctness: FAILED (see result/exit columns and the files in $WORK)"
  echo "results: $RESULTS"
  echo "dataset: $DATASET, N=$N, seed $SEED"
} | tee "$OUT_DIR/report.txt"
cp "$WORK"/verify-*.out "$WORK"/verify-*.err "$REPORT" "$OUT_DIR/" 2>/dev/null || true
exit $FAIL
