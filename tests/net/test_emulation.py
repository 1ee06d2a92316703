#!/usr/bin/env python3
"""net.emulation: measures what scripts/netem.sh and seam-relay emulate.

  (a) rate: tbf at 4mbit up / 16mbit down; a bulk transfer device->server
      gets 60-110 % of 4 Mbit/s, server->device more than twice that;
  (b) delay: echo round trips through seam-relay --delay-ms 30 take 60 ms
      to 60 ms + MARGIN_MS; after `netem.sh relay-set ... delay_ms=80` (a
      SIGHUP) the next round trips on the same connection take 160 ms to
      160 ms + MARGIN_MS; with jitter, round trips vary and numbered byte
      streams on 4 connections at once come back complete and in order;
  (c) blackhole on: a connect + echo within 2 s fails, off: works; link
      down / up likewise;
  (d) cpu-quota 25: a ~0.2 s CPU-bound loop takes at least 2.5x its
      unrestricted wall time (both ways of combining it with exec).

Needs root, ip, tc and nft: without them it prints "SKIP: ..." and exits 77.
The namespaces are named after this process's pid and removed on every exit
path (also on SIGTERM); the traffic stays inside them.
"""
import argparse
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HELPER = os.path.join(HERE, "nethelp.py")
MARGIN_MS = 250.0   # a loaded 2-core machine: scheduling adds tens of ms at times
BUDGET_S = 200.0    # below the CTest TIMEOUT (240 s), so cleanup always runs
STEP_TIMEOUT_S = 40.0


class Failed(Exception):
    pass


class Proc:
    """A background program whose stdout lines arrive on a queue."""

    def __init__(self, argv, stdin=None):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, bufsize=1)
        self.lines = queue.Queue()
        self.err = []
        threading.Thread(target=self._pump, args=(self.p.stdout, self.lines.put, True), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.p.stderr, self.err.append, False), daemon=True).start()

    @staticmethod
    def _pump(f, put, mark_end):
        for line in f:
            put(line.rstrip("\n"))
        if mark_end:
            put(None)  # the program closed its output

    def line(self, timeout):
        try:
            v = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise Failed(f"no output from {' '.join(self.argv[-4:])} within {timeout} s") from None
        if v is None:
            raise Failed(f"{' '.join(self.argv[-4:])} ended: {' | '.join(self.err[-5:])}")
        return v

    def json(self, timeout):
        return json.loads(self.line(timeout))

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)


class Test:
    def __init__(self, a):
        self.netem, self.relay, self.py = a.netem, a.relay, a.python
        self.name = f"seamtest{os.getpid()}"
        self.env = {}
        self.procs = []
        self.checks = []
        self.t0 = time.monotonic()

    # -- plumbing
    def left(self):
        return BUDGET_S - (time.monotonic() - self.t0)

    def sh(self, *args, timeout=STEP_TIMEOUT_S, check=True):
        timeout = max(1.0, min(timeout, self.left()))
        r = subprocess.run([self.netem, *args], capture_output=True, text=True, timeout=timeout,
                           env={**os.environ, "SEAM_RELAY": self.relay})
        if check and r.returncode != 0:
            raise Failed(f"netem.sh {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
        return r

    def kv(self, text):
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def helper(self, side, *args, stdin=None):
        p = Proc([self.netem, "exec", self.name, side, self.py, HELPER, *args], stdin=stdin)
        self.procs.append(p)
        return p

    def run_helper(self, side, *args, timeout=STEP_TIMEOUT_S):
        r = self.sh("exec", self.name, side, self.py, HELPER, *args, timeout=timeout)
        return json.loads(r.stdout.strip().splitlines()[-1])

    def server(self, side, *args):
        p = self.helper(side, *args)
        line = p.line(15)
        if not line.startswith("listening "):
            raise Failed(f"unexpected first line of a server: {line}")
        return p, line.split()[1]

    def check(self, what, ok, detail):
        self.checks.append((what, ok))
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}", flush=True)

    # -- the steps
    def up(self):
        self.env = self.kv(self.sh("up", self.name).stdout)
        e = self.env
        print(f"namespaces {e['DEV_NS']} ({e['DEV_IP']}) and {e['SRV_NS']} ({e['SRV_IP']})", flush=True)

    def rate(self):
        srv = self.env["SRV_IP"]
        self.sh("rate", self.name, "4mbit", "16mbit")
        up_bytes, down_bytes = 1_500_000, 4_000_000  # about 3 s and 2 s at the shaped rates
        sink, where = self.server("srv", "sink", "--listen", f"{srv}:0")
        self.run_helper("dev", "send", "--to", where, "--bytes", str(up_bytes))
        up = sink.json(30)
        src, where = self.server("srv", "source", "--listen", f"{srv}:0", "--bytes", str(down_bytes))
        down = self.run_helper("dev", "recv", "--to", where)
        src.json(30)
        ratio = up["mbit_s"] / 4.0
        self.check("uplink shaped to 4mbit", 0.60 <= ratio <= 1.10 and up["bytes"] == up_bytes,
                   f"{up['mbit_s']:.3f} Mbit/s = {ratio * 100:.0f} % of 4 Mbit/s "
                   f"({up['bytes']} bytes in {up['seconds']:.2f} s)")
        self.check("downlink more than twice the uplink", down["mbit_s"] > 2 * up["mbit_s"]
                   and down["bytes"] == down_bytes,
                   f"{down['mbit_s']:.3f} Mbit/s = {down['mbit_s'] / up['mbit_s']:.1f}x the uplink "
                   f"({down['bytes']} bytes in {down['seconds']:.2f} s; shaped to 16mbit)")
        self.sh("rate", self.name, "off")

    def relay_delay(self):
        echo, where = self.server("srv", "echo", "--listen", "127.0.0.1:0")
        r = self.kv(self.sh("relay", self.name, "--to", where, "--delay-ms", "30").stdout)
        rtt = self.helper("dev", "rtt", "--to", r["RELAY_ADDR"], stdin=subprocess.PIPE)

        def trips(n):
            rtt.p.stdin.write(f"{n}\n")
            rtt.p.stdin.flush()
            return rtt.json(30)["rtt_ms"]

        first = trips(5)
        self.check("relay --delay-ms 30: round trip 60 ms to 60 + margin",
                   min(first) >= 60.0 and max(first) < 60.0 + MARGIN_MS, f"rtt ms {first}")
        self.sh("relay-set", self.name, "--pid", r["RELAY_PID"], "delay_ms=80")
        after = trips(5)
        self.check("SIGHUP to 80 ms: the next round trips on the same connection",
                   min(after) >= 160.0 and max(after) < 160.0 + MARGIN_MS, f"rtt ms {after}")
        rtt.p.stdin.close()
        rtt.stop()
        self.sh("relay-stop", self.name, r["RELAY_PID"])

        # Jitter larger than the delay: release times spread over [0, 25] ms
        # per direction (clamped at 0), and must never reorder a stream.
        r = self.kv(self.sh("relay", self.name, "--to", where, "--delay-ms", "5", "--jitter-ms", "20",
                            "--seed", str(os.getpid())).stdout)
        rtt = self.helper("dev", "rtt", "--to", r["RELAY_ADDR"], stdin=subprocess.PIPE)
        jit = trips(20)
        rtt.p.stdin.close()
        rtt.stop()
        spread = max(jit) - min(jit)
        self.check("jitter 20 ms: round trips vary, within 0 to 50 ms + margin",
                   spread >= 5.0 and max(jit) < 50.0 + MARGIN_MS,
                   f"min {min(jit):.1f} max {max(jit):.1f} ms over {len(jit)} round trips")
        s = self.run_helper("dev", "stream", "--to", r["RELAY_ADDR"], "--conns", "4", "--numbers", "50000",
                            "--seed", str(os.getpid()), timeout=60)
        detail = "; ".join(f"{x.get('received')}/{x.get('sent')} bytes in {x.get('writes')} writes"
                           + ("" if x.get("ok") else f" BAD (first out of order {x.get('first_out_of_order')},"
                              f" {x.get('error')})") for x in s["streams"])
        self.check("jitter keeps 4 concurrent numbered streams complete and in order", s["ok"], detail)
        self.sh("relay-stop", self.name, r["RELAY_PID"])
        echo.stop()

    def probe(self, where, timeout=2.0):
        return self.run_helper("dev", "probe", "--to", where, "--timeout", str(timeout), timeout=15)

    def probe_until_ok(self, where, attempts=5):
        for _ in range(attempts):  # a bounded retry: the link may need a moment after `up`
            p = self.probe(where)
            if p["ok"]:
                return p
            time.sleep(0.2)
        return p

    def blackhole_and_link(self):
        echo, where = self.server("srv", "echo", "--listen", f"{self.env['SRV_IP']}:0")
        base = self.probe(where)
        self.check("probe before", base["ok"], f"{base}")
        self.sh("blackhole", self.name, "on")
        p = self.probe(where)
        self.check("blackhole on: exchange fails within the 2 s bound", not p["ok"] and p["seconds"] < 4.0,
                   f"{p['error']} after {p['seconds']} s")
        self.sh("blackhole", self.name, "off")
        p = self.probe_until_ok(where)
        self.check("blackhole off: works again", p["ok"], f"{p['seconds']} s")
        self.sh("link", self.name, "down")
        p = self.probe(where)
        self.check("link down: exchange fails within the 2 s bound", not p["ok"] and p["seconds"] < 4.0,
                   f"{p['error']} after {p['seconds']} s")
        self.sh("link", self.name, "up")
        p = self.probe_until_ok(where)
        self.check("link up: works again", p["ok"], f"{p['seconds']} s")
        echo.stop()

    def cpu_quota(self):
        loop = [self.py, HELPER, "cpuloop"]
        cal = json.loads(subprocess.run(loop + ["--calibrate", "0.2"], capture_output=True, text=True,
                                        timeout=30, check=True).stdout)
        n = str(cal["n"])
        free = [json.loads(subprocess.run(loop + ["--n", n], capture_output=True, text=True, timeout=30,
                                          check=True).stdout) for _ in range(3)]
        base = min(x["wall_s"] for x in free)
        held = [
            ("cpu-quota 25 exec", ["cpu-quota", "25", self.netem, "exec", self.name, "dev", *loop, "--n", n]),
            ("exec cpu-quota 25", ["exec", self.name, "dev", self.netem, "cpu-quota", "25", *loop, "--n", n]),
        ]
        for what, args in held:
            r = json.loads(self.sh(*args, timeout=30).stdout.strip().splitlines()[-1])
            self.check(f"{what}: at least 2.5x the unrestricted wall time", r["wall_s"] >= 2.5 * base,
                       f"{r['wall_s']:.3f} s vs {base:.3f} s = {r['wall_s'] / base:.1f}x "
                       f"(cpu {r['cpu_s']:.3f} s; {n} iterations)")

    def cleanup(self):
        for p in self.procs:
            try:
                p.stop()
            except Exception:  # noqa: BLE001 - cleanup continues whatever happened
                pass
        r = subprocess.run([self.netem, "down", self.name], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            print(f"warning: netem.sh down {self.name}: {r.stderr.strip()}", flush=True)
        left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        if self.name + "-" in left:
            self.check("namespaces removed", False, left.strip())


def skip(why):
    print(f"SKIP: {why}", flush=True)
    sys.exit(77)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netem", required=True, help="scripts/netem.sh")
    ap.add_argument("--relay", required=True, help="the seam-relay executable")
    ap.add_argument("--python", default=sys.executable)
    a = ap.parse_args()
    if os.geteuid() != 0:
        skip("needs root (network namespaces, tc, nftables and cgroups)")
    missing = [t for t in ("ip", "tc", "nft") if not shutil.which(t)]
    if missing:
        skip(f"needs {', '.join(missing)} (scripts/install-deps.sh installs iproute2 and nftables)")
    if not os.path.isfile("/sys/fs/cgroup/cpu/cgroup.procs"):
        skip("needs the cgroup v1 cpu controller at /sys/fs/cgroup/cpu")

    t = Test(a)

    def on_signal(sig, _frame):
        raise SystemExit(f"stopped by signal {sig}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    error = None
    try:
        t.up()
        for step in (t.rate, t.relay_delay, t.blackhole_and_link, t.cpu_quota):
            if t.left() < 10:
                raise Failed(f"out of time budget ({BUDGET_S} s) before {step.__name__}")
            try:
                step()
            except (Failed, subprocess.TimeoutExpired, KeyError, ValueError) as e:
                t.check(step.__name__, False, f"{type(e).__name__}: {e}")
    except (Failed, subprocess.TimeoutExpired) as e:
        error = e
    finally:
        t.cleanup()
    if error:
        print(f"FAIL setup: {error}")
        sys.exit(1)
    failed = [w for w, ok in t.checks if not ok]
    print(f"net.emulation: {len(t.checks) - len(failed)} of {len(t.checks)} checks passed "
          f"in {time.monotonic() - t.t0:.1f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
