#!/usr/bin/env bash
# Every ratio issue 15 sets a goal on, in one table: runs the benchmarks one after the other (each measures Ferry
# and its reference side by side, fresh servers, order alternating, medians of R rounds), reads the summary.tsv
# each writes, and prints
#     path | dataset | Ferry | reference | ratio | goal | meets?
# A measurement, not a gate: it exits 1 only when a run was incorrect (DBSIZE/DEBUG DIGEST mismatch, ferry
# failing) or a benchmark could not run; a missed goal is listed, not an error. See bench/README.md.
# Environment (everything else goes through to the scripts: N, R, SEED, FERRY, JAVA_OPTS, RATES, STEP, ...):
#   ONLY="import sync live dragonfly verify heap"   which benchmarks
#   IMPORT_DATASETS="strings mixed"    datasets for import-vs-pipe.sh (each also times Redis loading the RDB)
#   SYNC_DATASETS="strings mixed"      datasets for replicate-vs-native.sh
#   DRAGONFLY_DATASETS=strings         datasets for dragonfly-vs-pipe.sh
#   VERIFY_DATASETS=strings            datasets for verify-throughput.sh
#   HEAP_OPTS=-Xmx64m                  the small heap of the heap row (import of strings, beside the default heap)
#   DISKLESS=yes                       repl-diskless-sync of the sync source (yes: Redis 7's default); "yes no": both
#   OUT=bench/out/<stamp>-ratios       where the table, the combined ratios.tsv and every script's output go
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ONLY="${ONLY:-import sync live dragonfly verify heap}"
IMPORT_DATASETS="${IMPORT_DATASETS:-strings mixed}"
SYNC_DATASETS="${SYNC_DATASETS:-strings mixed}"
DRAGONFLY_DATASETS="${DRAGONFLY_DATASETS:-strings}"
VERIFY_DATASETS="${VERIFY_DATASETS:-strings}"
HEAP_OPTS="${HEAP_OPTS:--Xmx64m}"
export DISKLESS="${DISKLESS:-yes}"
OUT="${OUT:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)-ratios}"

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

for what in $ONLY; do
  case $what in import|sync|live|dragonfly|verify|heap) ;; *) die "ONLY: unknown benchmark '$what' (import sync live dragonfly verify heap)" ;; esac
done
selected() { [[ " $ONLY " == *" $1 "* ]]; }
mkdir -p "$OUT"
COMBINED="$OUT/ratios.tsv"
printf 'run\tname\tdataset\tn\tferry\tref_name\tref\tunit\tratio\tgoal\tcorrect\tnote\n' >"$COMBINED"
FAILED_RUNS=()

# The benchmark runs in the background so that a TERM or INT here reaches it (a background job ignores INT; TERM
# makes it stop its servers through its EXIT trap).
CHILD=""
on_signal() {
  if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
    log "stopping the running benchmark (pid $CHILD)"
    kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
  exit 130
}
trap on_signal INT TERM

# run_bench LABEL SCRIPT DATASET KEEP [VAR=value...]: runs bench/SCRIPT with DATASET and OUT_DIR=$OUT/LABEL, then
# appends the rows of its summary.tsv whose name matches the regex KEEP to $COMBINED
run_bench() {
  local label="$1" script="$2" dataset="$3" keep="$4" dir="$OUT/$1" rc=0 t0
  shift 4
  mkdir -p "$dir"
  log "$label: bench/$script DATASET=$dataset $* (log: $dir/log.txt)"
  t0=$SECONDS
  env DATASET="$dataset" OUT_DIR="$dir" "$@" "$ROOT/bench/$script" >"$dir/log.txt" 2>&1 &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  log "$label: exit $rc after $((SECONDS - t0)) s"
  local rows=0
  if [[ -s "$dir/summary.tsv" ]]; then
    rows=$(awk -F'\t' -v keep="$keep" 'NR > 1 && $1 ~ keep' "$dir/summary.tsv" | wc -l)
    awk -F'\t' -v OFS='\t' -v run="$label" -v keep="$keep" 'NR > 1 && $1 ~ keep {print run, $0}' "$dir/summary.tsv" >>"$COMBINED"
  fi
  if [[ $rc -ne 0 ]]; then
    FAILED_RUNS+=("$label: exit $rc ($(grep -m1 -E 'ERROR|correctness: FAILED' "$dir/log.txt" || tail -n 1 "$dir/log.txt"); see $dir/log.txt)")
  elif (( rows == 0 )); then
    # e.g. import-vs-pipe.sh without a runnable ferry measures only its references
    FAILED_RUNS+=("$label: no ratio in its summary.tsv (see $dir/log.txt)")
  fi
}

# ------------------------------------------------------------------ the runs
HEAP_DONE=0
if selected import; then
  for d in $IMPORT_DATASETS; do
    # the heap row rides on the strings import (the same RDB, rounds alternating with the default heap)
    if selected heap && [[ $d = strings ]]; then
      run_bench "import-$d" import-vs-pipe.sh "$d" '^(import|import-load|heap)$' HEAP_OPTS="$HEAP_OPTS"; HEAP_DONE=1
    else
      run_bench "import-$d" import-vs-pipe.sh "$d" '^(import|import-load)$' HEAP_OPTS=
    fi
  done
fi
if selected heap && [[ $HEAP_DONE = 0 ]]; then
  run_bench "heap-strings" import-vs-pipe.sh strings '^heap$' HEAP_OPTS="$HEAP_OPTS"
fi
if selected sync; then
  for d in $SYNC_DATASETS; do run_bench "sync-$d" replicate-vs-native.sh "$d" '^sync-'; done
fi
if selected live; then
  run_bench live live-lag.sh - '^live$'
fi
if selected dragonfly; then
  for d in $DRAGONFLY_DATASETS; do run_bench "dragonfly-$d" dragonfly-vs-pipe.sh "$d" '^dragonfly$'; done
fi
if selected verify; then
  for d in $VERIFY_DATASETS; do run_bench "verify-$d" verify-throughput.sh "$d" '^verify'; done
fi

# ------------------------------------------------------------------ the table
{
  echo "== issue 15 ratios: Ferry (checkpoints on, JVM start-up in every wall time) vs its reference, same run =="
  echo "host: $(nproc) cores, $(free -m | awk '/^Mem:/{print $2}') MB RAM; $(redis-server --version | awk '{print $3}'); java $(java -version 2>&1 | head -n1 | awk -F'"' '{print $2}'); $(date -Is)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)');" \
       "N=${N:-1000000} R=${R:-3} JAVA_OPTS='${JAVA_OPTS:-}' FERRY_ARGS='${FERRY_ARGS:-}' DISKLESS='$DISKLESS'"
  echo
  python3 - "$COMBINED" <<'EOF'
import csv, math, sys

PATHS = {
    "import": "import vs redis-cli --pipe",
    "import-load": "import vs Redis loading the RDB",
    "heap": "import, small heap vs default heap",
    "live": "live: write rate at lag < 1 s",
    "dragonfly": "Dragonfly -> Redis vs --pipe into Redis",
    "verify": "verify keys/s per side",
    "verify-pipe": "verify vs redis-cli --pipe",
}

def num(x):
    try:
        v = float(x)
        return None if math.isnan(v) else v
    except ValueError:
        return None

def rate(v, unit):
    if v is None:
        return "?"
    return ("%.0fk %s" % (v / 1000, unit)) if v >= 10000 else ("%.0f %s" % (v, unit))

def figure(value, unit, n):
    v = num(value)
    if unit == "s":
        if v is None:
            return "?"
        k = num(n)
        return "%.3f s" % v + (" (%s)" % rate(k / v, "keys/s") if k and v > 0 else "")
    return rate(v, unit)

def meets(r):
    goal, ratio = r["goal"], r["ratio"]
    if r["correct"] != "yes":
        return "INCORRECT"
    if goal == "-":
        return "-"
    if goal == "finishes":
        return "NO (did not finish)" if ratio == "DNF" else "yes"
    v, g = num(ratio), num(goal[2:])
    if v is None or g is None:
        return "?"
    ok = v >= g if goal.startswith(">=") else v <= g
    return "yes" if ok else "NO"

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
head = ["path", "dataset", "Ferry", "reference", "ratio", "goal", "meets?"]
table = []
for r in rows:
    name = r["name"]
    path = PATHS.get(name) or ("full sync vs REPLICAOF (diskless %s)" % name[len("sync-diskless-"):]
                               if name.startswith("sync-diskless-") else name)
    goal = r["goal"] if r["goal"] in ("-", "finishes") else r["goal"][:2] + " " + r["goal"][2:]
    r["meets"] = meets(r)
    table.append([path, r["dataset"], figure(r["ferry"], r["unit"], r["n"]),
                  "%s: %s" % (r["ref_name"], figure(r["ref"], r["unit"], r["n"])), r["ratio"], goal, r["meets"]])
w = [max(len(x[i]) for x in [head] + table) for i in range(len(head))]
line = lambda cells: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(cells)) + " |"
print(line(head))
print("|" + "|".join("-" * (x + 2) for x in w) + "|")
for t in table:
    print(line(t))
print()
print("ratio: the median of the per-round ratios (Ferry's and the reference's medians are shown beside it); keys/s")
print("ratios are reference wall / Ferry wall on the same keys; sync is Ferry wall / native wall (lower is better)")
missed = ["%s (%s): %s, goal %s" % (r["name"], r["dataset"], r["ratio"], r["goal"]) for r in rows if r["meets"].startswith("NO")]
print("goals missed: " + ("; ".join(missed) if missed else "none"))
unknown = ["%s (%s)" % (r["name"], r["dataset"]) for r in rows if r["meets"] == "?"]
if unknown:
    print("no figure to judge: " + "; ".join(unknown))
bad = ["%s (%s)" % (r["name"], r["dataset"]) for r in rows if r["correct"] != "yes"]
print("incorrect runs: " + ("; ".join(bad) if bad else "none"))
for r in rows:
    if r["name"] in ("live", "heap", "verify", "dragonfly"):
        print("note %s (%s): %s" % (r["name"], r["dataset"], r["note"]))
EOF
  if (( ${#FAILED_RUNS[@]} )); then
    echo "benchmarks that failed or were incorrect:"
    printf '  %s\n' "${FAILED_RUNS[@]}"
  fi
  echo "table: $OUT/ratios.txt   rows: $COMBINED   each benchmark's report and log: $OUT/<run>/"
} | tee "$OUT/ratios.txt"

bad=$(awk -F'\t' 'NR > 1 && $11 != "yes"' "$COMBINED" | wc -l)
if (( ${#FAILED_RUNS[@]} || bad )); then exit 1; fi
exit 0
