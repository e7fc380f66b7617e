#!/usr/bin/env bash
# Writes cds/ferry.classlist: the classes real Ferry runs load (an import, a replicate through its snapshot into
# live, a verify), from which bin/ferry builds its class-data-sharing archive. Run it after changes that add or
# rename many classes on those paths; a stale list only makes start-up a little slower (missing classes load from
# the jar as usual; listed classes that are gone are skipped).
# Starts two redis-servers on free loopback ports, stopped by PID on exit.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
jar="$here/target/ferry.jar"
[ -f "$jar" ] || (cd "$here" && ./mvnw -q -B -o -DskipTests package)
work="$(mktemp -d /tmp/ferry-classlist.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
start() { # port dir
  mkdir -p "$2"
  redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --repl-diskless-sync-delay 0 --dir "$2" \
    --logfile "$2/log" & pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$1" PING >/dev/null 2>&1 && return; sleep 0.05; done
  echo "redis-server on $1 did not start" >&2; exit 1
}
src=$(port); tgt=$(port)
start "$src" "$work/src"; start "$tgt" "$work/tgt"
redis-cli -p "$src" DEBUG POPULATE 20000 str 100 >/dev/null
redis-cli -p "$src" EVAL "for i=1,2000 do redis.call('RPUSH','l'..i,'a','b'); redis.call('HSET','h'..i,'f','v'); redis.call('SADD','s'..i,'m'); redis.call('ZADD','z'..i,1,'m'); redis.call('PEXPIREAT','l'..i,4102444800000) end" 0 >/dev/null
redis-cli -p "$src" SAVE >/dev/null
run() { # name args...
  local name="$1"; shift
  java -XX:DumpLoadedClassList="$work/$name.lst" -jar "$jar" "$@" >/dev/null 2>&1 || true
}
run import import "$work/src/dump.rdb" --target "redis://127.0.0.1:$tgt" -q
redis-cli -p "$tgt" FLUSHALL >/dev/null
# replicate: snapshot, a few live writes, then SIGTERM
java -XX:DumpLoadedClassList="$work/replicate.lst" -jar "$jar" replicate --source "redis://127.0.0.1:$src" \
  --target "redis://127.0.0.1:$tgt" -q >/dev/null 2>&1 & rep=$!
for _ in $(seq 200); do [ "$(redis-cli -p "$tgt" DBSIZE)" -ge 28000 ] && break; sleep 0.05; done
for i in $(seq 200); do redis-cli -p "$src" SET "live$i" v >/dev/null; done
sleep 2; kill -TERM "$rep"; wait "$rep" || true
run verify verify --source "redis://127.0.0.1:$src" --target "redis://127.0.0.1:$tgt" -q
# every class once, in the order first seen
cat "$work"/import.lst "$work"/replicate.lst "$work"/verify.lst | grep -v '^#' | awk '!seen[$0]++' > "$here/cds/ferry.classlist"
echo "cds/ferry.classlist: $(wc -l < "$here/cds/ferry.classlist") classes" >&2
