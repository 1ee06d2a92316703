#!/usr/bin/env python3
"""Small socket programs that tests/net/test_emulation.py runs inside the
namespaces of scripts/netem.sh. Servers print "listening HOST:PORT" when they
accept connections; every program prints its result as one JSON line. Every
socket has a timeout and every loop a bound, so nothing here can hang.

  nethelp.py sink --listen H:P            one connection, counts bytes to EOF
  nethelp.py source --listen H:P --bytes N one connection, sends N bytes
  nethelp.py send --to H:P --bytes N       sends N bytes, closes
  nethelp.py recv --to H:P                 counts bytes to EOF
  nethelp.py echo --listen H:P             echoes every connection until killed
  nethelp.py rtt --to H:P                  one connection; each stdin line N: N round trips
  nethelp.py stream --to H:P --conns K     numbered byte streams through an echo, checked
  nethelp.py probe --to H:P --timeout S    connect + one echo within S seconds?
  nethelp.py cpuloop (--n N | --calibrate S)  a CPU-bound loop's wall and CPU time
"""
import argparse
import json
import random
import socket
import struct
import sys
import threading
import time

CHUNK = 64 * 1024
IO_TIMEOUT = 30.0  # seconds any single socket operation may take


def addr(text):
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), int(port)


def out(obj):
    print(json.dumps(obj), flush=True)


def listener(where, backlog=16):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr(where))
    s.listen(backlog)
    host, port = s.getsockname()[:2]
    print(f"listening {host}:{port}", flush=True)
    return s


def accept_one(s):
    s.settimeout(IO_TIMEOUT)
    c, _ = s.accept()
    c.settimeout(IO_TIMEOUT)
    return c


def count_to_eof(c):
    """Bytes received until EOF, and the seconds from the first to the last byte."""
    total, first, last = 0, None, None
    while True:
        b = c.recv(CHUNK)
        if not b:
            break
        now = time.monotonic()
        if first is None:
            first = now
        last = now
        total += len(b)
    seconds = (last - first) if first is not None and last > first else 0.0
    return {"bytes": total, "seconds": round(seconds, 4),
            "mbit_s": round(total * 8 / seconds / 1e6, 4) if seconds > 0 else 0.0}


def send_bytes(c, n):
    buf = b"\x5a" * CHUNK
    left = n
    while left > 0:
        k = min(left, CHUNK)
        c.sendall(buf[:k])
        left -= k


def connect(to, timeout=IO_TIMEOUT):
    c = socket.create_connection(addr(to), timeout=timeout)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c


def cmd_sink(a):
    s = listener(a.listen, 1)
    c = accept_one(s)
    out(count_to_eof(c))


def cmd_source(a):
    s = listener(a.listen, 1)
    c = accept_one(s)
    send_bytes(c, a.bytes)
    c.close()
    out({"sent": a.bytes})


def cmd_send(a):
    c = connect(a.to)
    send_bytes(c, a.bytes)
    c.close()
    out({"sent": a.bytes})


def cmd_recv(a):
    c = connect(a.to)
    out(count_to_eof(c))


def cmd_echo(a):
    s = listener(a.listen)
    s.settimeout(None)

    def serve(c):
        c.settimeout(IO_TIMEOUT)
        try:
            while True:
                b = c.recv(CHUNK)
                if not b:
                    break
                c.sendall(b)
        except OSError:
            pass
        finally:
            c.close()

    while True:  # until the test kills it
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def recv_exact(c, n):
    got = bytearray()
    while len(got) < n:
        b = c.recv(n - len(got))
        if not b:
            raise ConnectionError("connection closed")
        got += b
    return bytes(got)


def cmd_rtt(a):
    c = connect(a.to)
    msg = b"r" * a.size
    for line in sys.stdin:  # each line: a number of round trips, at most 1000
        n = max(0, min(1000, int(line.strip() or "0")))
        rtts = []
        for _ in range(n):
            t = time.monotonic()
            c.sendall(msg)
            recv_exact(c, len(msg))
            rtts.append(round((time.monotonic() - t) * 1000, 2))
        out({"rtt_ms": rtts})
    c.close()


def one_stream(to, numbers, seed, result):
    """Sends 0..numbers-1 as big-endian uint32 in writes of random sizes with
    short pauses (so the relay sees many chunks, each with its own jitter),
    half-closes, and checks that the echo returns all of them in order."""
    rng = random.Random(seed)
    data = struct.pack(f">{numbers}I", *range(numbers))
    try:
        c = connect(to)
        got = bytearray()
        reader_error = []

        def reader():
            try:
                while True:
                    b = c.recv(CHUNK)
                    if not b:
                        break
                    got.extend(b)
            except OSError as e:
                reader_error.append(str(e))

        t = threading.Thread(target=reader)
        t.start()
        pos, writes = 0, 0
        while pos < len(data):
            k = rng.randint(1, 2048)
            c.sendall(data[pos:pos + k])
            pos += k
            writes += 1
            if writes % 4 == 0:
                time.sleep(0.001)
        c.shutdown(socket.SHUT_WR)
        t.join(IO_TIMEOUT)
        c.close()
        ok = not t.is_alive() and not reader_error and bytes(got) == data
        first_bad = None
        if not ok:
            n = len(got) // 4
            for i, (v,) in enumerate(struct.iter_unpack(">I", bytes(got[:n * 4]))):
                if v != i:
                    first_bad = i
                    break
        result.update({"ok": ok, "sent": len(data), "received": len(got), "writes": writes,
                       "first_out_of_order": first_bad, "error": reader_error[0] if reader_error else None})
    except OSError as e:
        result.update({"ok": False, "error": str(e)})


def cmd_stream(a):
    results = [{} for _ in range(a.conns)]
    threads = [threading.Thread(target=one_stream, args=(a.to, a.numbers, a.seed + i, results[i]))
               for i in range(a.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(2 * IO_TIMEOUT)
    out({"ok": all(r.get("ok") for r in results), "streams": results})


def cmd_probe(a):
    t = time.monotonic()
    try:
        c = connect(a.to, a.timeout)
        c.settimeout(max(0.01, a.timeout - (time.monotonic() - t)))
        c.sendall(b"probe")
        ok = recv_exact(c, 5) == b"probe"
        c.close()
        out({"ok": ok, "error": None, "seconds": round(time.monotonic() - t, 3)})
    except (OSError, ConnectionError) as e:
        out({"ok": False, "error": f"{type(e).__name__}: {e}", "seconds": round(time.monotonic() - t, 3)})


def spin(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def cmd_cpuloop(a):
    n = a.n
    if a.calibrate:
        n = 10000
        for _ in range(30):  # grows by 4x at most 30 times
            t = time.monotonic()
            spin(n)
            dt = time.monotonic() - t
            if dt >= 0.05:
                break
            n *= 4
        n = max(1, int(n * a.calibrate / dt))
    t, c = time.monotonic(), time.process_time()
    spin(n)
    out({"n": n, "wall_s": round(time.monotonic() - t, 4), "cpu_s": round(time.process_time() - c, 4)})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("sink", "source", "echo"):
        q = sub.add_parser(name)
        q.add_argument("--listen", required=True)
        if name == "source":
            q.add_argument("--bytes", type=int, required=True)
    for name in ("send", "recv", "rtt", "stream", "probe"):
        q = sub.add_parser(name)
        q.add_argument("--to", required=True)
        if name == "send":
            q.add_argument("--bytes", type=int, required=True)
        if name == "rtt":
            q.add_argument("--size", type=int, default=16)
        if name == "stream":
            q.add_argument("--conns", type=int, default=4)
            q.add_argument("--numbers", type=int, default=50000)
            q.add_argument("--seed", type=int, default=1)
        if name == "probe":
            q.add_argument("--timeout", type=float, default=2.0)
    q = sub.add_parser("cpuloop")
    g = q.add_mutually_exclusive_group(required=True)
    g.add_argument("--n", type=int)
    g.add_argument("--calibrate", type=float, metavar="SECONDS")
    a = p.parse_args()
    globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    main()
