#!/usr/bin/env python3
"""Load generator and lag probe for bench/live-lag.sh (stdlib only, raw RESP over sockets).

  live-load.py gen   --port P --rate OPS --seconds S [--keys 100000] [--seed 1]
      Writes to 127.0.0.1:P at a fixed rate (OPS commands/s, 0 = as fast as it can), pipelined: every 2 ms it
      sends the commands that are due, a mix of 1/4 SET (16-64 byte values), INCR, LPUSH, HSET over --keys keys
      per type. At most --window commands are unanswered; when the server falls behind, the achieved rate
      drops below OPS (reported). Prints one line: "target=.. sent=.. replies=.. errors=.. seconds=.. rate=..".

  live-load.py probe --source P --target Q [--interval 0.05] [--key canary]
      Until SIGTERM/SIGINT, every --interval s: INCR the key on the source (the reply time is when the write
      is known to be on the source), then GET it on the target. Prints per sample:
      "<unix time> <lag s> <target value> <source value>", where lag = now - reply time of the oldest INCR
      the target does not show yet (0 when it shows the last one). Lines are flushed at once.
"""
import argparse
import random
import signal
import socket
import sys
import threading
import time


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def gen(a):
    rnd = random.Random(a.seed)
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789"
    pool = []
    for _ in range(65536):
        t = rnd.randrange(4)
        k = rnd.randrange(a.keys)
        if t == 0:
            pool.append(resp(b"SET", b"lv:s:%d" % k, bytes(rnd.choice(alphabet) for _ in range(rnd.randint(16, 64)))))
        elif t == 1:
            pool.append(resp(b"INCR", b"lv:n:%d" % k))
        elif t == 2:
            pool.append(resp(b"LPUSH", b"lv:l:%d" % (k % 10000), b"e%d" % rnd.randrange(1000000)))
        else:
            pool.append(resp(b"HSET", b"lv:h:%d" % (k % 10000), b"f%d" % rnd.randrange(100), b"v%d" % rnd.randrange(1000000)))
    # pre-joined chunks so a tick is one slice of a bytes object, not a join
    blob = b"".join(pool)
    offsets = [0]
    for c in pool:
        offsets.append(offsets[-1] + len(c))
    npool = len(pool)

    s = connect(a.port)
    # replies are single lines (+OK, :n, -ERR): count CRLFs; consecutive chunks overlap by one byte so a CRLF
    # or "\n-" split between two reads is counted once
    state = {"replies": 0, "errors": 0}

    def reader():
        tail = b"\n"
        while True:
            try:
                d = s.recv(1 << 20)
            except OSError:
                break
            if not d:
                break
            d = tail + d
            state["replies"] += d.count(b"\r\n")
            state["errors"] += d.count(b"\n-")
            tail = d[-1:]

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    sent = 0
    pos = 0
    start = time.monotonic()
    end = start + a.seconds
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = (int(a.rate * (now - start)) if a.rate > 0 else sent + 2000) - sent
        room = a.window - (sent - state["replies"])
        n = min(due, room, 20000)
        if n > 0:
            out = []
            left = n
            while left > 0:
                take = min(left, npool - pos)
                out.append(blob[offsets[pos]:offsets[pos + take]])
                pos = (pos + take) % npool
                left -= take
            s.sendall(b"".join(out) if len(out) > 1 else out[0])
            sent += n
        else:
            time.sleep(0.002)
    send_end = time.monotonic()
    deadline = time.monotonic() + 30
    while state["replies"] < sent and time.monotonic() < deadline:
        time.sleep(0.005)
    fin = time.monotonic()
    s.close()
    print("target=%d sent=%d replies=%d errors=%d seconds=%.3f rate=%.0f drain=%.3f" % (
        a.rate, sent, state["replies"], state["errors"], send_end - start, state["replies"] / (fin - start), fin - send_end))
    sys.stdout.flush()
    return 0 if state["replies"] >= sent and state["errors"] == 0 else 1


class Conn:
    def __init__(self, port):
        self.s = connect(port)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        i = self.buf.index(b"\r\n")
        ln, self.buf = self.buf[:i], self.buf[i + 2:]
        return ln

    def call(self, *args):
        self.s.sendall(resp(*args))
        ln = self.line()
        if ln.startswith(b"$"):
            n = int(ln[1:])
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                d = self.s.recv(65536)
                if not d:
                    raise ConnectionError("closed")
                self.buf += d
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v
        if ln.startswith(b"-"):
            raise RuntimeError(ln.decode(errors="replace"))
        return ln[1:]


def probe(a):
    stop = {"now": False}

    def on_signal(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    src, dst = None, None
    written = {}  # INCR value -> time its reply arrived; only values the target does not show yet
    last = 0
    nxt = time.time()
    while not stop["now"]:
        try:
            src = src or Conn(a.source)
            v = int(src.call(b"INCR", a.key))
            written[v] = time.time()
            last = v
        except (OSError, ConnectionError, RuntimeError) as e:
            print("# source: %s" % e, file=sys.stderr)
            src = None
        try:
            dst = dst or Conn(a.target)
            g = dst.call(b"GET", a.key)
            t = time.time()
            w = int(g) if g is not None else 0
            for old in [k for k in written if k <= w]:
                del written[old]
            lag = 0.0 if w >= last or not written else t - min(written.values())
            sys.stdout.write("%.3f %.3f %d %d\n" % (t, lag, w, last))
            sys.stdout.flush()
        except (OSError, ConnectionError, RuntimeError) as e:  # LOADING, a restart: a sample with the age so far
            t = time.time()
            if not isinstance(e, RuntimeError):
                dst = None
            sys.stdout.write("%.3f %.3f ? %d\n" % (t, t - min(written.values()) if written else 0.0, last))
            sys.stdout.flush()
        nxt += a.interval
        d = nxt - time.time()
        if d > 0:
            time.sleep(d)
        else:
            nxt = time.time()
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--port", type=int, required=True)
    g.add_argument("--rate", type=int, default=0)
    g.add_argument("--seconds", type=float, default=10)
    g.add_argument("--keys", type=int, default=100000)
    g.add_argument("--window", type=int, default=50000)
    g.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("probe")
    p.add_argument("--source", type=int, required=True)
    p.add_argument("--target", type=int, required=True)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("--key", default="lv:canary")
    a = ap.parse_args()
    return gen(a) if a.cmd == "gen" else probe(a)


if __name__ == "__main__":
    sys.exit(main())
