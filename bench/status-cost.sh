#!/usr/bin/env bash
# What a scrape of the status endpoint (issue 14) costs, and whether it stays responsive while the writer is
# saturated, in ONE run on this machine. See bench/README.md. Two parts:
#   1. 16 shards: `ferry replicate --mode live --status-port` from the Dragonfly master emulator (test tree) with
#      SHARDS flows into a redis-server; once /status says live, REQUESTS sequential requests each of /metrics,
#      /status and /history (a new connection per request, as a scraper makes), after checking that /status,
#      /history and /metrics all show SHARDS shards.
#   2. saturated writer: `ferry import <1M-key RDB> --status-port` into a fresh redis-server, R times alone and
#      R times with /status and /metrics polled every POLL_MS ms for the whole import.
# Environment:
#   SHARDS=16            emulated Dragonfly flows (= shards in /status)
#   COMPRESSION=LZ4      NONE | LZ4 | ZSTD (the emulator's blobs)
#   N_LIVE=100000        keys in the emulator for part 1
#   N_IMPORT=1000000     keys in the RDB for part 2 (bench/gen-dataset.py mix)
#   REQUESTS=200         timed requests per endpoint in part 1
#   WARMUP=10            untimed requests per endpoint before them (the first one is reported as "first")
#   POLL_MS=100          part 2 polling interval (each tick: GET /status, then GET /metrics)
#   R=3                  part 2 rounds (each: one import alone, one polled; order alternating)
#   SLOW_MS=50           requests slower than this are counted and reported
#   FULL_HISTORY=0       1: part 1 also waits until /history holds its 15 minutes and times the endpoints again
#   SEED=42, FERRY=bin/ferry, FERRY_ARGS= (appended to both ferry commands), JAVA_OPTS=, TIMEOUT=900, KEEP=0, WORK_DIR=
# Loopback only: every server, ferry and the status endpoint listen on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARDS="${SHARDS:-16}"
COMPRESSION="${COMPRESSION:-LZ4}"
N_LIVE="${N_LIVE:-100000}"
N_IMPORT="${N_IMPORT:-1000000}"
REQUESTS="${REQUESTS:-200}"
WARMUP="${WARMUP:-10}"
POLL_MS="${POLL_MS:-100}"
R="${R:-3}"
SLOW_MS="${SLOW_MS:-50}"
FULL_HISTORY="${FULL_HISTORY:-0}"
SEED="${SEED:-42}"
FERRY_ARGS="${FERRY_ARGS:-}"
export JAVA_OPTS="${JAVA_OPTS:-}"
TIMEOUT="${TIMEOUT:-900}"
KEEP="${KEEP:-0}"
if [[ -n "${WORK_DIR:-}" ]]; then WORK="$WORK_DIR"; OWN_WORK=0; else WORK="$(mktemp -d /tmp/ferry-bench.XXXXXX)"; OWN_WORK=1; fi
mkdir -p "$WORK"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
resolve_ferry
OUT_DIR="$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)-status"
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/results.tsv"
# shellcheck disable=SC2206
EXTRA=($FERRY_ARGS)
CLK_TCK=$(getconf CLK_TCK)
FAIL=0

# background children get SIGINT restored: bash starts background jobs with SIGINT ignored, and a JVM that
# inherits an ignored SIGINT never runs its shutdown hook on it (same as bench/live-lag.sh)
SIGINT_DFL='import os,signal,sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])'

# forget_pid PID: drop a child that was stopped already from the EXIT trap's lists (its number may be reused)
forget_pid() {
  local p keep=()
  for p in "${EXTRA_PIDS[@]:-}"; do [[ -n "$p" && "$p" != "$1" ]] && keep+=("$p"); done
  EXTRA_PIDS=("${keep[@]:-}")
}

# jvm_cpu_ticks PID -> utime + stime of the process (all its threads), in clock ticks
jvm_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# ------------------------------------------------------------------ the HTTP client (stdlib, one connection per request)
SCRAPE="$WORK/scrape.py"
cat >"$SCRAPE" <<'PY'
"""Times requests to ferry's status endpoint. One new TCP connection per request ("Connection: close"), the whole
body read: what one Prometheus scrape or one dashboard refresh costs, including connect and close."""
import http.client, json, os, re, statistics, sys, time

HOST = "127.0.0.1"

def get(port, path, timeout=10.0):
    t0 = time.perf_counter()
    c = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Connection": "close"})
        r = c.getresponse()
        body = r.read()
        return (time.perf_counter() - t0) * 1000.0, r.status, body
    finally:
        c.close()

def alive(pid):
    """Running, not a zombie waiting for bash to collect it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

def pct(v, p):
    s = sorted(v)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]

def summary(ms):
    return "%.2f\t%.2f\t%.2f" % (statistics.median(ms), pct(ms, 95), max(ms)) if ms else "nan\tnan\tnan"

def wait_live(port, pid, timeout):
    """Until /status says phase live (bounded; fails if ferry exits first)."""
    deadline = time.time() + timeout
    last = "no answer yet"
    while time.time() < deadline:
        if not alive(pid):
            sys.exit(f"ferry exited before its status said live (last: {last})")
        try:
            _, code, body = get(port, "/status", 2.0)
            if code == 200:
                st = json.loads(body)
                shards = st.get("shards") or []
                last = "phase %s, shards %s" % (st.get("phase"), [s.get("phase") for s in shards])
                if st.get("phase") == "live" and shards and all(s.get("phase") == "live" for s in shards):
                    print(last)
                    return
            else:
                last = f"HTTP {code}"
        except OSError as e:
            last = str(e)
        time.sleep(0.2)
    sys.exit(f"/status did not say live within {timeout} s (last: {last})")

SHARD_FIELDS = ["name", "phase", "position", "positionText", "positionUnit", "snapshot", "commandsRead", "bytesRead",
                "readRate", "lag", "reconnects", "resyncs", "note"]
TOP_FIELDS = ["ferry", "runId", "command", "source", "target", "phase", "startedAt", "now", "uptimeSeconds", "shards",
              "keys", "writer", "skipped", "failed", "warned", "checkpoint", "verify"]

def check(port, shards, hist_wait):
    """Every shard in /status, in /history's last sample and as a ferry_shard_lag_seconds series; the schema's fields."""
    problems = []
    _, code, body = get(port, "/status")
    st = json.loads(body) if code == 200 else {}
    if code != 200: problems.append(f"/status: HTTP {code}")
    for f in TOP_FIELDS:
        if f not in st: problems.append(f"/status: no field {f}")
    names = [s.get("name") for s in st.get("shards") or []]
    if len(names) != shards or len(set(names)) != shards:
        problems.append(f"/status: {len(names)} shards ({len(set(names))} distinct names), expected {shards}")
    for s in st.get("shards") or []:
        for f in SHARD_FIELDS:
            if f not in s: problems.append(f"/status shard {s.get('name')}: no field {f}")
        lag = s.get("lag") or {}
        if lag.get("seconds") is None: problems.append(f"/status shard {s.get('name')}: lag.seconds is null")
        if s.get("position") is None: problems.append(f"/status shard {s.get('name')}: position is null while live")
    kinds = sorted({(s.get("position") or {}).get("kind") for s in st.get("shards") or []}, key=str)
    # /history: its sampler runs every second or two; wait for a sample taken after the run was live
    deadline = time.time() + hist_wait
    while True:
        _, code, body = get(port, "/history")
        hist = json.loads(body) if code == 200 else {}
        samples = hist.get("samples") or []
        last = samples[-1] if samples else {}
        hn = len(last.get("shards") or [])
        if hn == shards or time.time() > deadline: break
        time.sleep(0.5)
    if code != 200: problems.append(f"/history: HTTP {code}")
    if hn != shards: problems.append(f"/history: last sample has {hn} shards, expected {shards} ({len(samples)} samples)")
    _, code, body = get(port, "/metrics")
    text = body.decode("utf-8", "replace")
    if code != 200: problems.append(f"/metrics: HTTP {code}")
    series = set(re.findall(r'^ferry_shard_lag_seconds\{[^}]*shard="([^"]*)"', text, re.M))
    if len(series) != shards:
        problems.append(f"/metrics: {len(series)} ferry_shard_lag_seconds series, expected {shards}")
    if set(names) != series and len(series) == shards:
        problems.append("/metrics: the shard labels differ from /status's shard names")
    lines = sum(1 for l in text.splitlines() if l and not l.startswith("#"))
    print(f"status: {len(names)} shards (position kinds {kinds}), phase {st.get('phase')}, command {st.get('command')}; "
          f"history: {len(samples)} samples, {hn} shards in the last; metrics: {len(series)} ferry_shard_lag_seconds "
          f"series, {lines} samples in all")
    for p in problems: print("PROBLEM: " + p)
    sys.exit(1 if problems else 0)

def wait_history(port, pid):
    """Until /history holds keepSeconds / intervalSeconds samples (bounded: keepSeconds + 2 min); prints that count."""
    _, _, body = get(port, "/history")
    h = json.loads(body)
    want = int(h["keepSeconds"] // h["intervalSeconds"])
    deadline = time.time() + h["keepSeconds"] + 120
    while True:
        n = len(json.loads(get(port, "/history")[2])["samples"])
        if n >= want:
            print(n); return
        if not alive(pid): sys.exit(f"ferry exited while /history held {n} of {want} samples")
        if time.time() > deadline: sys.exit(f"/history held {n} of {want} samples after {h['keepSeconds'] + 120} s")
        time.sleep(10)

def seq(port, path, n, warmup, slow, out):
    """First request, warmup untimed, then n timed sequential requests -> one summary line (tab separated)."""
    first, code, body = get(port, path)
    errors = 0 if code == 200 else 1
    for _ in range(warmup): get(port, path)
    ms, sizes = [], []
    with open(out, "w") as f:
        for i in range(n):
            try:
                t, code, body = get(port, path)
            except OSError as e:
                errors += 1; f.write(f"{i}\terror\t{e}\n"); continue
            if code != 200: errors += 1
            ms.append(t); sizes.append(len(body)); f.write(f"{i}\t{t:.3f}\t{code}\t{len(body)}\t{time.time():.3f}\n")
    print("%s\t%d\t%.2f\t%s\t%d\t%d\t%d\t%d" % (path, len(ms), first, summary(ms), min(sizes), max(sizes),
                                                 sum(1 for t in ms if t > slow), errors))

def poll(port, interval_ms, pid, slow, start_timeout, out):
    """Every interval_ms while pid runs: GET /status then GET /metrics. A failure while ferry still runs is an error;
    one as it exits (its endpoint closes with the run) ends the polling."""
    deadline = time.time() + start_timeout
    while True:  # the endpoint comes up once the JVM has started
        try:
            get(port, "/status", 1.0); break
        except OSError:
            if not alive(pid): sys.exit("ferry exited before its status endpoint answered")
            if time.time() > deadline: sys.exit(f"the status endpoint did not answer within {start_timeout} s")
            time.sleep(0.02)
    res = {"/status": [], "/metrics": []}
    sizes = {"/status": [], "/metrics": []}
    errors, seen = [], []
    t_start = time.time()
    nxt = time.perf_counter()
    with open(out, "w") as f:
        while alive(pid):
            for path in ("/status", "/metrics"):
                try:
                    t, code, body = get(port, path)
                except OSError as e:
                    time.sleep(0.5)
                    if alive(pid): errors.append(f"{path}: {e}")
                    continue
                if code != 200:
                    errors.append(f"{path}: HTTP {code}"); continue
                res[path].append(t); sizes[path].append(len(body))
                extra = ""
                if path == "/status":
                    st = json.loads(body)
                    w = (st.get("writer") or {})
                    seen.append((st.get("phase"), w.get("keysWritten"), w.get("writeRate")))
                    extra = f"\t{st.get('phase')}\t{w.get('keysWritten')}\t{w.get('writeRate')}"
                # seconds since the first answer, endpoint, ms, bytes, epoch s (to match a GC log), [phase keys rate]
                f.write(f"{time.time() - t_start:.3f}\t{path}\t{t:.3f}\t{len(body)}\t{time.time():.3f}{extra}\n")
            # a tick that ran late is not made up with a burst: the next one is interval_ms after this one
            nxt = max(nxt + interval_ms / 1000.0, time.perf_counter())
            time.sleep(max(0.0, nxt - time.perf_counter()))
    span = time.time() - t_start
    written = [s[1] for s in seen if isinstance(s[1], int)]
    phases = []
    for s in seen:
        if not phases or phases[-1] != s[0]: phases.append(s[0])
    rates = [s[2] for s in seen if isinstance(s[2], (int, float))]
    for path in ("/status", "/metrics"):
        ms = res[path]
        print("%s\t%d\t%s\t%d\t%d\t%d\t%d\t%.1f" % (path, len(ms), summary(ms), min(sizes[path] or [0]),
                                                   max(sizes[path] or [0]), sum(1 for t in ms if t > slow),
                                                   sum(1 for e in errors if e.startswith(path + ":")), span))
    print("seen\t%s\t%s\t%s\t%s" % ("->".join(map(str, phases)), min(written) if written else "-",
                                     max(written) if written else "-", "%.0f" % max(rates) if rates else "-"))
    for e in errors[:10]: print("error\t" + e)

def agg(slow, files):
    """The per-request lines of several poll files, summed up per endpoint (same columns as poll, no errors/span)."""
    ms = {"/status": [], "/metrics": []}
    sizes = {"/status": [], "/metrics": []}
    for fn in files:
        with open(fn) as f:
            for line in f:
                c = line.rstrip("\n").split("\t")
                ms[c[1]].append(float(c[2])); sizes[c[1]].append(int(c[3]))
    for path in ("/status", "/metrics"):
        print("%s\t%d\t%s\t%d\t%d\t%d" % (path, len(ms[path]), summary(ms[path]), min(sizes[path] or [0]),
                                           max(sizes[path] or [0]), sum(1 for t in ms[path] if t > slow)))

if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "wait-live": wait_live(int(a[0]), int(a[1]), float(a[2]))
    elif cmd == "wait-history": wait_history(int(a[0]), int(a[1]))
    elif cmd == "check": check(int(a[0]), int(a[1]), float(a[2]))
    elif cmd == "seq": seq(int(a[0]), a[1], int(a[2]), int(a[3]), float(a[4]), a[5])
    elif cmd == "agg": agg(float(a[0]), a[1:])
    elif cmd == "poll": poll(int(a[0]), float(a[1]), int(a[2]), float(a[3]), float(a[4]), a[5])
    else: sys.exit("unknown command " + cmd)
PY

printf 'part\tendpoint\trequests\tfirst_ms\tmedian_ms\tp95_ms\tmax_ms\tbytes_min\tbytes_max\tover_%sms\terrors\tnote\n' "$SLOW_MS" >"$RESULTS"

# ================================================================== part 1: 16 shards, live, idle
# The emulator (bench/lib.sh start_emulator): 16 flows, live.
start_emulator "$SHARDS" "$COMPRESSION"
BACK_PORT=$(emulator_value backing)
log "generating $N_LIVE keys (seed $SEED) for the emulator's backing redis (port $BACK_PORT)"
python3 "$ROOT/bench/gen-dataset.py" -n "$N_LIVE" --seed "$SEED" -o "$WORK/live.resp" 2>"$WORK/gen-live.txt"
summary="$(cli "$BACK_PORT" --pipe <"$WORK/live.resp" 2>&1 | tail -n 1 || true)"
[[ "$summary" == *"errors: 0"* ]] || die "redis-cli --pipe reported: $summary"
rm -f "$WORK/live.resp"
echo go >&7
DF_PORT=$(emulator_value dragonfly)
log "emulated Dragonfly master on port $DF_PORT ($SHARDS flows, $COMPRESSION), $(cli "$BACK_PORT" DBSIZE) keys"

start_server live-target
LIVE_TGT_PORT=$SERVER_PORT; LIVE_TGT_PID=$SERVER_PID
STATUS_PORT=$(free_port)
FERRY_LOG="$WORK/ferry-live.log"
log "ferry replicate --mode live, status on port $STATUS_PORT (load average $(cut -d' ' -f1-3 /proc/loadavg))"
python3 -c "$SIGINT_DFL" "${FERRY_CMD[@]}" replicate --source "dragonfly://$HOST:$DF_PORT" --target "redis://$HOST:$LIVE_TGT_PORT" \
  --mode live --status-port "$STATUS_PORT" "${EXTRA[@]}" >"$FERRY_LOG" 2>&1 &
FERRY_PID=$! # python execs bin/ferry, which execs java: this is the JVM's pid
EXTRA_PIDS+=("$FERRY_PID")
t0=$(now)
python3 "$SCRAPE" wait-live "$STATUS_PORT" "$FERRY_PID" "$TIMEOUT" >"$WORK/wait-live.txt" 2>&1 \
  || { cat "$WORK/wait-live.txt" >&2; tail -n 30 "$FERRY_LOG" >&2; die "ferry did not reach live"; }
log "live after $(elapsed "$t0" "$(now)") s: $(cat "$WORK/wait-live.txt")"
[[ "$(cli "$LIVE_TGT_PORT" DBSIZE)" -ge "$N_LIVE" ]] || log "WARNING: target DBSIZE $(cli "$LIVE_TGT_PORT" DBSIZE) < $N_LIVE while live"

log "checking that /status, /history and /metrics show $SHARDS shards"
if python3 "$SCRAPE" check "$STATUS_PORT" "$SHARDS" 10 >"$WORK/check.txt" 2>&1; then CHECK=ok; else CHECK=FAILED; FAIL=1; fi
cat "$WORK/check.txt" >&2
[[ $CHECK = ok ]] || log "ERROR: the $SHARDS-shard check FAILED (see above); timing anyway"

# the JVM's CPU while idle (live, no writes) over 5 s, as the baseline for the CPU the requests cost
c0=$(jvm_cpu_ticks "$FERRY_PID"); sleep 5; c1=$(jvm_cpu_ticks "$FERRY_PID")
IDLE_CPU_MS_PER_S=$(python3 -c "import sys; print('%.1f' % ((int(sys.argv[2]) - int(sys.argv[1])) * 1000 / int(sys.argv[3]) / 5))" "$c0" "$c1" "$CLK_TCK")
log "JVM CPU while idle: $IDLE_CPU_MS_PER_S ms/s"
# time_endpoint ROW PATH NAME: REQUESTS sequential requests to PATH -> one row of results.tsv
time_endpoint() {
  local row="$1" ep="$2" name="$3" line c0 c1 t0 t1 cpu n first med p95 mx bmin bmax slow errs
  c0=$(jvm_cpu_ticks "$FERRY_PID"); t0=$(now)
  line=$(python3 "$SCRAPE" seq "$STATUS_PORT" "$ep" "$REQUESTS" "$WARMUP" "$SLOW_MS" "$OUT_DIR/seq-$name.tsv") \
    || die "timing $ep failed"
  t1=$(now); c1=$(jvm_cpu_ticks "$FERRY_PID")
  # JVM CPU per request: what it used during the batch minus its idle rate, over the requests made (incl. warm-up)
  cpu=$(python3 -c "import sys; t0,t1,c0,c1,hz,idle,n=map(float,sys.argv[1:]); print('%.2f' % (((c1-c0)*1000/hz - idle*(t1-t0)) / n))" \
    "$t0" "$t1" "$c0" "$c1" "$CLK_TCK" "$IDLE_CPU_MS_PER_S" "$((REQUESTS + WARMUP + 1))")
  IFS=$'\t' read -r _ n first med p95 mx bmin bmax slow errs <<<"$line"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$ep" "$n" "$first" "$med" "$p95" "$mx" \
    "$bmin" "$bmax" "$slow" "$errs" "JVM ~${cpu} ms CPU/request; check $CHECK" >>"$RESULTS"
  log "  $ep: median $med ms, p95 $p95, max $mx, first $first, $bmin-$bmax bytes, over ${SLOW_MS} ms: $slow, errors $errs, JVM ~${cpu} ms CPU/request"
  [[ $errs = 0 ]] || FAIL=1
}
for ep in /metrics /status /history; do time_endpoint "live-$SHARDS-shards" "$ep" "${ep#/}"; done
if [[ $FULL_HISTORY = 1 ]]; then
  # /history grows with the run (one sample of every shard each intervalSeconds, kept keepSeconds): its cost when full
  log "waiting until /history is full (15 minutes of samples; ferry idle)"
  HIST_SAMPLES=$(python3 "$SCRAPE" wait-history "$STATUS_PORT" "$FERRY_PID") || die "waiting for a full /history failed"
  log "/history holds $HIST_SAMPLES samples"
  for ep in /history /status /metrics; do time_endpoint "live-$SHARDS-shards-full-history" "$ep" "full-${ep#/}"; done
  since=$(( $(date +%s%3N) - 10000 ))
  time_endpoint "live-$SHARDS-shards-full-history" "/history?since=$since" "full-history-since"
fi
[[ -n "$(grep -m1 'status: http' "$FERRY_LOG" || true)" ]] || log "WARNING: ferry did not print its 'status: http://...' line"

log "stopping ferry (SIGINT), the live target and the emulator"
kill -INT "$FERRY_PID" 2>/dev/null || true
for _ in $(seq 1 300); do kill -0 "$FERRY_PID" 2>/dev/null || break; sleep 0.1; done
LIVE_RC=0
if kill -0 "$FERRY_PID" 2>/dev/null; then log "ferry still running 30 s after SIGINT"; LIVE_RC=timeout; stop_child "$FERRY_PID"; else wait "$FERRY_PID" || LIVE_RC=$?; fi
forget_pid "$FERRY_PID"
[[ $LIVE_RC = 0 ]] || { log "ferry replicate exited $LIVE_RC after SIGINT"; tail -n 20 "$FERRY_LOG" >&2; }
stop_server "$LIVE_TGT_PID"
exec 7>&- # stdin closes: the emulator stops its master and its backing redis-server
for _ in $(seq 1 300); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
stop_child "$EMU_PID"; forget_pid "$EMU_PID"

# ================================================================== part 2: import (saturated writer), polled or not
DATASET="$WORK/import.resp"
log "generating $N_IMPORT keys (seed $SEED)"
python3 "$ROOT/bench/gen-dataset.py" -n "$N_IMPORT" --seed "$SEED" -o "$DATASET" 2>"$WORK/gen-import.txt"
start_server rdb-source
summary="$(cli "$SERVER_PORT" --pipe <"$DATASET" 2>&1 | tail -n 1 || true)"
[[ "$summary" == *"errors: 0"* ]] || die "redis-cli --pipe reported: $summary"
[[ "$(cli "$SERVER_PORT" DBSIZE)" = "$N_IMPORT" ]] || die "the RDB source holds $(cli "$SERVER_PORT" DBSIZE) keys, not $N_IMPORT"
[[ "$(cli "$SERVER_PORT" SAVE)" = OK ]] || die "SAVE failed"
RDB="$WORK/dump.rdb"
mv "$SERVER_DIR/dump.rdb" "$RDB"
stop_server "$SERVER_PID"
rm -f "$DATASET"
log "RDB: $RDB ($(stat -c %s "$RDB") bytes, $N_IMPORT keys)"

# run_import NAME POLL(0|1) -> IMP_WALL IMP_RC IMP_CPU IMP_DBSIZE; with POLL=1 also POLL_LINES
run_import() {
  local name="$1" polled="$2" port spid t0 t1 pid tf="$WORK/time-$1.txt" flog="$WORK/ferry-$1.log" ppid=""
  start_server "import-$name"
  port=$SERVER_PORT; spid=$SERVER_PID
  STATUS_PORT=$(free_port)
  t0=$(now)
  # GNU time gives the JVM's CPU (user + sys, all threads); bin/ferry execs java, so the JVM is time's child.
  # timeout signals its whole process group when it fires.
  local timed=()
  [[ -x /usr/bin/time ]] && timed=(/usr/bin/time -f '%U %S' -o "$tf")
  timeout -s TERM "$TIMEOUT" "${timed[@]}" "${FERRY_CMD[@]}" import "$RDB" --target "redis://$HOST:$port" \
    --status-port "$STATUS_PORT" "${EXTRA[@]}" >"$flog" 2>&1 &
  pid=$!
  EXTRA_PIDS+=("$pid")
  # the EXIT trap must end the JVM itself (a SIGTERM to timeout or time would not reach it): find it, bounded
  local jvm="" i
  for i in $(seq 1 100); do
    jvm=$(pgrep -P "$pid" | head -n1 || true)
    [[ -n "$jvm" && ${#timed[@]} -gt 0 ]] && jvm=$(pgrep -P "$jvm" | head -n1 || true)
    [[ -n "$jvm" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  [[ -n "$jvm" ]] && EXTRA_PIDS=("$jvm" "${EXTRA_PIDS[@]}")
  if [[ $polled = 1 ]]; then
    python3 "$SCRAPE" poll "$STATUS_PORT" "$POLL_MS" "$pid" "$SLOW_MS" 60 "$OUT_DIR/poll-$name.tsv" >"$WORK/poll-$name.txt" 2>&1 &
    ppid=$!
    EXTRA_PIDS+=("$ppid")
  fi
  IMP_RC=0; wait "$pid" || IMP_RC=$?
  t1=$(now)
  forget_pid "$pid"; [[ -n "$jvm" ]] && forget_pid "$jvm"
  IMP_WALL=$(elapsed "$t0" "$t1")
  POLL_RC=0
  if [[ -n $ppid ]]; then
    wait "$ppid" || POLL_RC=$?
    forget_pid "$ppid"
    POLL_LINES="$(cat "$WORK/poll-$name.txt")"
  fi
  IMP_CPU=$(awk 'NF==2 {printf "%.2f", $1 + $2}' "$tf" 2>/dev/null || true); IMP_CPU=${IMP_CPU:--}
  IMP_DBSIZE=$(cli "$port" DBSIZE)
  stop_server "$spid"
  [[ $IMP_RC = 0 ]] || { log "ferry import exited $IMP_RC"; tail -n 20 "$flog" >&2; FAIL=1; }
  [[ $IMP_DBSIZE = "$N_IMPORT" ]] || { log "target DBSIZE $IMP_DBSIZE != $N_IMPORT"; FAIL=1; }
  grep -q 'status: http' "$flog" || log "WARNING: ferry import did not print its 'status: http://...' line"
}

# R rounds, order alternating (alone first on odd rounds): one pair is noise-dominated on a shared 2-core machine
declare -a WALL_RATIOS=()
declare -A POLL_ERRS=([/status]=0 [/metrics]=0)
POLL_FILES=()
for round in $(seq 1 "$R"); do
  if (( round % 2 == 1 )); then order="alone polled"; else order="polled alone"; fi
  for m in $order; do
    log "round $round: import $m ($( [[ $m = polled ]] && echo "GET /status + /metrics every ${POLL_MS} ms" || echo "status endpoint on, nobody asking"); load average $(cut -d' ' -f1-3 /proc/loadavg))"
    run_import "$m-$round" "$([[ $m = polled ]] && echo 1 || echo 0)"
    note="JVM CPU ${IMP_CPU}s; exit $IMP_RC, dbsize $IMP_DBSIZE"
    if [[ $m = polled ]]; then
      POLLED_WALL=$IMP_WALL
      POLL_FILES+=("$OUT_DIR/poll-polled-$round.tsv")
      [[ $POLL_RC = 0 ]] || { log "the poller failed: $POLL_LINES"; FAIL=1; }
      grep $'^error\t' <<<"$POLL_LINES" >&2 && FAIL=1 || true
      while IFS=$'\t' read -r ep _ _ _ _ _ _ _ errs _; do
        [[ $ep = /status || $ep = /metrics ]] && POLL_ERRS[$ep]=$(( ${POLL_ERRS[$ep]} + errs ))
      done <<<"$POLL_LINES"
      note+="; polled: $(awk -F'\t' '$1=="/status"||$1=="/metrics" {printf "%s%s %s requests (median %s ms, max %s)", sep, $1, $2, $3, $5; sep=", "}' <<<"$POLL_LINES"); $(awk -F'\t' '$1=="seen" {print "phases " $2 ", keysWritten seen " $3 ".." $4 ", max writeRate " $5}' <<<"$POLL_LINES")"
    else
      ALONE_WALL=$IMP_WALL
    fi
    printf 'import-r%s-%s\twall_s\t-\t-\t%s\t-\t-\t-\t-\t-\t-\t%s\n' "$round" "$m" "$IMP_WALL" "$note" >>"$RESULTS"
    log "  wall ${IMP_WALL}s, $note"
  done
  WALL_RATIOS+=("$(python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$POLLED_WALL" "$ALONE_WALL")")
done
while IFS=$'\t' read -r ep n med p95 mx bmin bmax slow; do
  printf 'import-polled\t%s\t%s\t-\t%s\t%s\t%s\t%s\t%s\t%s\t%s\tall %s rounds, during the import\n' "$ep" "$n" "$med" "$p95" "$mx" "$bmin" "$bmax" "$slow" "${POLL_ERRS[$ep]}" "$R" >>"$RESULTS"
done < <(python3 "$SCRAPE" agg "$SLOW_MS" "${POLL_FILES[@]}")

{
  echo
  echo "== status endpoint cost: $SHARDS-shard live run (emulated Dragonfly, $COMPRESSION), and during a $N_IMPORT-key import =="
  host_line
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes every figure noisier)"
  echo "part 1: $REQUESTS timed sequential requests per endpoint after $WARMUP untimed (first = the very first request), one"
  echo "        connection each; ferry live and idle (no writes); JVM idle CPU $IDLE_CPU_MS_PER_S ms/s; $SHARDS-shard check: $CHECK"
  echo "part 2: rounds: $R, each two imports of the same RDB, both with --status-port, one with GET /status + GET /metrics"
  echo "        every ${POLL_MS} ms; wall times are noisy (+-10% between identical runs is normal here)"
  echo
  column -t -s $'\t' "$RESULTS"
  echo
  sed -n 's/^PROBLEM: /16-shard check PROBLEM: /p' "$WORK/check.txt"
  # shellcheck disable=SC2086
  echo "import wall with polling / without, per round: ${WALL_RATIOS[*]}   MEDIAN: $(median ${WALL_RATIOS[*]})"
  [[ $FAIL = 0 ]] && echo "result: every request answered 200, every check passed, both imports complete" \
                  || echo "result: FAILED (see above; logs in $WORK)"
} | tee "$OUT_DIR/report.txt"
exit $FAIL
