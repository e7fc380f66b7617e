# Shared helpers for the bench/*.sh scripts (sourced, not run).
# Server lifecycle: redis-servers are child processes on free loopback ports, each in a private dir under
# $WORK, stopped by PID (SHUTDOWN NOSAVE NOW, then kill) by the EXIT trap.
# The caller sets ROOT, WORK, OWN_WORK, KEEP before sourcing and may append PIDs of other children
# (ferry, load generators) to EXTRA_PIDS so the trap ends them too.

REDIS_SERVER="${REDIS_SERVER:-redis-server}"
REDIS_CLI="${REDIS_CLI:-redis-cli}"
HOST=127.0.0.1

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v "$REDIS_SERVER" >/dev/null || die "redis-server not found"
command -v "$REDIS_CLI" >/dev/null || die "redis-cli not found"
command -v python3 >/dev/null || die "python3 not found"

declare -a PIDS=()
declare -a EXTRA_PIDS=()
declare -A PORT_OF=()

# never let a REDISCLI_AUTH from the caller's shell leak in (an empty one still makes redis-cli send AUTH)
cli() { local port="$1"; shift; env -u REDISCLI_AUTH "$REDIS_CLI" -h "$HOST" -p "$port" "$@"; }

# info_field PORT SECTION FIELD -> value of FIELD in INFO SECTION
info_field() { cli "$1" INFO "$2" 2>/dev/null | tr -d '\r' | sed -n "s/^$3://p"; }

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

stop_child() { # pid: a non-server child (ferry, python): SIGTERM, then SIGKILL after 10 s
  local pid="$1"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  for pid in "${EXTRA_PIDS[@]:-}"; do [[ -n "$pid" ]] && stop_child "$pid"; done
  for pid in "${PIDS[@]:-}"; do [[ -n "$pid" ]] && stop_server "$pid"; done
  if [[ "$KEEP" = 1 || $rc -ne 0 || $OWN_WORK = 0 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server NAME [extra redis-server args...] -> sets SERVER_PID SERVER_PORT SERVER_DIR
start_server() {
  local name="$1" dir="$WORK/$1" attempt port pid
  shift
  rm -rf "$dir"; mkdir -p "$dir"
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    "$REDIS_SERVER" --daemonize no --port "$port" --bind "$HOST" --dir "$dir" --logfile "$dir/redis.log" \
      --save '' --appendonly no --repl-diskless-sync-delay 0 --enable-debug-command yes "$@" \
      >"$dir/stdout.log" 2>&1 </dev/null &
    pid=$!
    PIDS+=("$pid"); PORT_OF[$pid]="$port"
    for _ in $(seq 1 500); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if [[ "$(info_field "$port" server process_id)" = "$pid" ]]; then
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

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }
median() { python3 -c 'import sys,statistics; v=[float(x) for x in sys.argv[1:]]; print("%.3f" % statistics.median(v) if v else "nan")' "$@"; }

# ------------------------------------------------------------------ datasets and the machine-readable summary
# dataset_args: checks DATASET (strings | mixed) and sets GEN_ARGS, the bench/gen-dataset.py flags that make it.
# mixed stays the default so figures from before the knob remain comparable.
dataset_args() {
  case "$DATASET" in
    strings) GEN_ARGS=(--strings) ;;
    mixed) GEN_ARGS=() ;;
    *) die "DATASET must be strings or mixed, not '$DATASET'" ;;
  esac
}

# gen_dataset FILE: N keys of DATASET with SEED into FILE; GEN_SUMMARY = the generator's one-line summary
gen_dataset() {
  dataset_args
  log "generating $N $DATASET keys (seed $SEED) -> $1"
  python3 "$ROOT/bench/gen-dataset.py" -n "$N" --seed "$SEED" "${GEN_ARGS[@]}" -o "$1" 2>"$WORK/gen.txt"
  GEN_SUMMARY="$(cat "$WORK/gen.txt")"
  log "generated: $GEN_SUMMARY"
}

# $OUT_DIR/summary.tsv, read by bench/ratios.sh: one row per ratio the script measured.
#   name     what is compared (import, import-load, heap, sync-diskless-yes, live, dragonfly, verify, verify-pipe)
#   dataset  strings | mixed | live-mix     n: keys (- when not a key count)
#   ferry    Ferry's median figure          ref_name, ref: the reference and its median figure
#   unit     of ferry and ref: s (wall time, lower is faster), keys/s or ops/s
#   ratio    the median of the per-round ratios, oriented as its goal reads; DNF: a run did not finish
#   goal     >=X, <=X, finishes, or - (a reference, no goal)
#   correct  yes | NO: every run feeding the row left the right data (DBSIZE, DEBUG DIGEST, exit 0)
#   note     free text
summary_header() { printf 'name\tdataset\tn\tferry\tref_name\tref\tunit\tratio\tgoal\tcorrect\tnote\n' >"$OUT_DIR/summary.tsv"; }
summary_row() { # the 11 columns above, in order
  (( $# == 11 )) || die "summary_row takes 11 columns, got $#"
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$OUT_DIR/summary.tsv"
}

# resolve_ferry -> FERRY_CMD array: the jar (java -jar) if present, else bin/ferry
resolve_ferry() {
  FERRY="${FERRY:-bin/ferry}"
  [[ "$FERRY" = /* ]] || FERRY="$ROOT/$FERRY"
  [[ -x "$FERRY" ]] || die "$FERRY is not executable"
  FERRY_CMD=("$FERRY")
}

host_line() {
  echo "host: $(nproc) cores, $(free -m | awk '/^Mem:/{print $2}') MB RAM; $("$REDIS_SERVER" --version | awk '{print $3}'); java $(java -version 2>&1 | head -n1 | awk -F'"' '{print $2}'); $(date -Is)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')"
}

# ------------------------------------------------------------------ the Dragonfly master emulator (test tree)
# start_emulator SHARDS COMPRESSION: runs dev.ferry.testkit.dragonfly.EmulatorMain from the test classes with the
# runtime libraries of the shaded jar (offline, the dependency plugin that would list them is not available),
# controlled through the fifo on fd 7; sets EMU_PID and EMU_OUT. emulator_value PREFIX: the value of the last line
# it printed starting with PREFIX, waiting at most 60 s (and failing if it exits).
start_emulator() {
  log "compiling the test classes (for the emulator)"
  (cd "$ROOT" && ./mvnw -q -o -B test-compile >/dev/null)
  local jar="$ROOT/target/ferry.jar"
  [[ -f "$jar" ]] || "${FERRY_CMD[@]}" --version >/dev/null 2>&1 || true # bin/ferry builds the jar when it is missing
  [[ -f "$jar" ]] || die "$jar is missing: run ./mvnw -B -o -DskipTests package"
  local in="$WORK/emulator.in"
  EMU_OUT="$WORK/emulator.out"
  mkfifo "$in"
  java -cp "$ROOT/target/test-classes:$jar" dev.ferry.testkit.dragonfly.EmulatorMain "$1" "$2" <"$in" >"$EMU_OUT" \
    2>"$WORK/emulator.err" &
  EMU_PID=$!
  exec 7>"$in"
  EXTRA_PIDS+=("$EMU_PID") # SIGTERM: its shutdown hook stops the backing redis-server it started
}

emulator_value() {
  local i v
  for i in $(seq 1 600); do
    v=$(sed -n "s/^$1 //p" "$EMU_OUT" | tail -n1)
    [[ -n "$v" ]] && { echo "$v"; return 0; }
    kill -0 "$EMU_PID" 2>/dev/null || { cat "$WORK/emulator.err" >&2; die "the emulator exited"; }
    sleep 0.1
  done
  die "the emulator did not print '$1' within 60 s"
}
