#!/usr/bin/env python3
"""Generate a deterministic mixed Redis dataset as a RESP command stream (for `redis-cli --pipe`).

Mix (by key count): ~60% strings (SET, 10-100 byte values; 1 in 8 also gets PEXPIREAT far in the future),
10% hashes (HSET, 5-20 fields), 10% lists (RPUSH, 5-20 elements), 10% sets (SADD, 5-20 members),
10% sorted sets (ZADD, 5-20 members, fractional scores).

With --strings: only strings, `SET str:<i> <100 random printable bytes>` (the simplest data, where a copier's
own cost per key shows: redis-cli --pipe is at its fastest on it).

Usage: gen-dataset.py [-n KEYS] [--seed SEED] [--strings] [-o FILE]   (default: 1000000 mixed keys, seed 42, stdout)
Prints a one-line summary (key counts per type, bytes) on stderr. Same N + seed => byte-identical output.
"""
import argparse
import random
import sys

FAR_FUTURE_MS = 4102444800000  # 2100-01-01T00:00:00Z


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--keys", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--strings", action="store_true", help="only 100-byte strings")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    # a pool of printable random bytes; values are random slices of it (cheap, deterministic, incompressible enough)
    alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
    pool = bytes(rnd.choice(alphabet) for _ in range(1 << 16))

    def value(lo, hi):
        n = rnd.randint(lo, hi)
        off = rnd.randrange(0, len(pool) - n)
        return pool[off:off + n]

    counts = {"string": 0, "string_ttl": 0, "hash": 0, "list": 0, "set": 0, "zset": 0}
    out = sys.stdout.buffer if a.output == "-" else open(a.output, "wb")
    written = 0
    buf = []
    for i in range(a.keys):
        if a.strings:
            off = rnd.randrange(0, len(pool) - 100)
            buf.append(resp(b"SET", b"str:%d" % i, pool[off:off + 100]))
            counts["string"] += 1
            r = None
        else:
            r = rnd.random()
        if r is None:
            pass
        elif r < 0.60:
            key = b"str:%d" % i
            buf.append(resp(b"SET", key, value(10, 100)))
            counts["string"] += 1
            if rnd.random() < 0.125:
                buf.append(resp(b"PEXPIREAT", key, FAR_FUTURE_MS + rnd.randrange(0, 10**9)))
                counts["string_ttl"] += 1
        elif r < 0.70:
            n = rnd.randint(5, 20)
            args = [b"HSET", b"hash:%d" % i]
            for f in range(n):
                args += [b"f%d" % f, value(5, 40)]
            buf.append(resp(*args))
            counts["hash"] += 1
        elif r < 0.80:
            n = rnd.randint(5, 20)
            buf.append(resp(b"RPUSH", b"list:%d" % i, *[value(5, 40) for _ in range(n)]))
            counts["list"] += 1
        elif r < 0.90:
            n = rnd.randint(5, 20)
            # distinct members so the set really has n members
            buf.append(resp(b"SADD", b"set:%d" % i, *[b"m%d:" % j + value(3, 20) for j in range(n)]))
            counts["set"] += 1
        else:
            n = rnd.randint(5, 20)
            args = [b"ZADD", b"zset:%d" % i]
            for j in range(n):
                args += [repr(round(rnd.uniform(-1e6, 1e6), rnd.randint(1, 6))).encode(), b"m%d" % j]
            buf.append(resp(*args))
            counts["zset"] += 1
        if len(buf) >= 4096:
            chunk = b"".join(buf)
            out.write(chunk)
            written += len(chunk)
            buf = []
    chunk = b"".join(buf)
    out.write(chunk)
    written += len(chunk)
    if out is not sys.stdout.buffer:
        out.close()
    else:
        out.flush()
    print("keys=%d strings=%d (with_ttl=%d) hashes=%d lists=%d sets=%d zsets=%d bytes=%d seed=%d" % (
        a.keys, counts["string"], counts["string_ttl"], counts["hash"], counts["list"], counts["set"],
        counts["zset"], written, a.seed), file=sys.stderr)


if __name__ == "__main__":
    main()
