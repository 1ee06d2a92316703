#!/usr/bin/env python3
"""net.chaos: the dynamic policy under a link that fails in every way.

A worker runs in one network namespace, the device (`seam run --plan
--repeat`) in another, 1000 requests with a deadline, one every
INTERVAL_MS, through seam-relay (a round trip of RTT_MS). While they run
the link is blackholed and restored (nftables), brought down and up (ip
link), and the worker is killed and restarted on the same port. Checked:

  - 0 failed requests, 1000 answered;
  - every request that tried the worker within its deadline plus its tail
    on the device (what a fallback adds) plus MARGIN_MS for a loaded 2-core
    machine (a request run on the device from the start takes the device's
    own time: the bound's "local tail");
  - every result equal to a local run of the same input (the plan's codec
    is raw, so a split is exact), as `seam run` reports (max_diff_vs_local);
  - the network was used before the faults, given up during them (local or
    fallback runs), and used again after the last one.

The plan comes from `seam partition` with this machine's own profile as the
worker's and the same profile with every time multiplied by DEVICE_SLOWDOWN
as the device's (the two share this machine, and the demo model takes a
fraction of a millisecond here, so the device is made to look much slower
than the worker, as a small device is; the test is about the policy's
reactions, not about which cut is best). `--device-speed 1` has the
session take that profile as it is instead of measuring this much faster
device.

Needs root, ip, tc and nft: without them it prints "SKIP: ..." and exits 77.
"""
import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time

from netcase import Failed, NetCase, require_root

REQUESTS = 1000
INTERVAL_MS = 20
DEADLINE_MS = 300
RTT_MS = 20
MARGIN_MS = 150.0
DEVICE_SLOWDOWN = 1000.0
BUDGET_S = 400.0
# (seconds after the first request, action): each fault lasts 2 s.
EVENTS = [(2.0, "blackhole on"), (4.0, "blackhole off"), (6.0, "link down"), (8.0, "link up"),
          (10.0, "kill worker"), (12.0, "start worker")]


class Chaos(NetCase):
    def __init__(self, a):
        super().__init__(a, "chaos")
        self.start = time.monotonic()

    def make_plan(self):
        import numpy as np
        m = self.a.model
        one = os.path.join(self.tmp, "input.npy")
        np.save(one, np.load(self.a.input)[:1])  # one sample: one request
        self.a.input = one
        edge = os.path.join(self.tmp, "edge.json")
        cloud = os.path.join(self.tmp, "cloud.json")
        self.sh(self.a.seam, "profile", "--model", m, "--threads", "1", "--json", cloud)
        with open(cloud) as f:
            prof = json.load(f)
        for n in prof["nodes"]:
            n["median_ms"] *= DEVICE_SLOWDOWN
        prof["total_ms"] *= DEVICE_SLOWDOWN
        with open(edge, "w") as f:
            json.dump(prof, f)
        self.plan = os.path.join(self.tmp, "plan.json")
        r = self.sh(self.a.seam, "partition", "--model", m, "--edge-profile", edge, "--cloud-profile", cloud,
                    "--codec", "raw", "--zstd", "0", "--bandwidth", "100mbit", "--rtt", f"{RTT_MS}ms",
                    "--input", self.a.input, "--out", self.plan)
        summary = json.loads([l for l in r.stdout.splitlines() if l.startswith("{")][-1])
        print(f"plan: {summary}")

    def relay(self):
        out = self.netem("relay", self.name, "--bin", self.a.relay, "--to", f"{self.srv_ip}:{self.port}",
                         "--delay-ms", str(RTT_MS // 2)).stdout
        env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        return env["RELAY_ADDR"]

    def act(self, what):
        if what == "kill worker":
            self.kill_worker()
        elif what == "start worker":
            self.start_worker()
        else:
            kind, state = what.split()
            self.netem(kind, self.name, state)

    def run(self):
        self.up()
        self.make_plan()
        self.start_worker()
        endpoint = self.relay()
        argv = [self.a.netem, "exec", self.name, "dev", self.a.seam, "run", "--model", self.a.model,
                "--input", self.a.input, "--remote", endpoint, "--model-name", "model", "--plan", self.plan,
                "--repeat", str(REQUESTS), "--interval-ms", str(INTERVAL_MS), "--deadline-ms", str(DEADLINE_MS),
                "--connect-timeout-ms", "500", "--threads", "1", "--device-speed", "1"]
        dev = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put((time.monotonic(), l)) for l in dev.stdout] + [lines.put(None)],
                         daemon=True).start()
        requests, summary, first = [], None, None
        events = list(EVENTS)
        marks = {}
        while True:
            if time.monotonic() - self.start > BUDGET_S:
                dev.kill()
                raise Failed("the run did not finish in time")
            if first is not None:
                while events and time.monotonic() - first >= events[0][0]:
                    at, what = events.pop(0)
                    self.act(what)
                    marks[what] = time.monotonic()
                    print(f"t={time.monotonic() - first:6.2f} s: {what}", flush=True)
            try:
                item = lines.get(timeout=0.05)
            except queue.Empty:
                continue
            if item is None:
                break
            t, line = item
            if line.startswith("request "):
                if first is None:
                    first = t
                requests.append((t, line.strip()))
            elif line.startswith("{"):
                summary = json.loads(line)
        dev.wait(30)
        if summary is None:
            raise Failed(f"no summary from seam run: {dev.stderr.read()[-800:]}")
        return requests, summary, marks

    def check(self, requests, summary, marks):
        print(f"summary: {summary}")
        problems = []
        if summary["requests"] != REQUESTS or summary["failed"] != 0:
            problems.append(f"{summary['failed']} of {summary['requests']} requests failed")
        if summary["max_diff_vs_local"] != 0:
            problems.append(f"a result differs from the local run by {summary['max_diff_vs_local']}")
        late = []
        # A request the policy ran on the device from the start takes the
        # device's own time, which the bound allows: only remote attempts are
        # held to deadline + tail + margin.
        for _, line in requests:
            if ", local, " in line:
                continue
            ms = float(line.split(", ")[2].split(" ms")[0]) if " ms" in line else 0.0
            tail = 0.0
            if "tail on the device" in line:
                tail = float(line.split("tail on the device ")[1].split(" ms")[0])
            if ms > DEADLINE_MS + tail + MARGIN_MS:
                late.append(line)
        if late:
            problems.append(f"{len(late)} requests over deadline + tail + margin: " + " | ".join(late[:6]))
        def count(a, b, remote):
            return sum(1 for t, l in requests if a <= t < b and (", remote, " in l) == remote)
        t0 = requests[0][0] if requests else 0
        end = requests[-1][0] if requests else 0
        m = lambda k: marks.get(k, 1e18)
        phases = [("before the faults", t0, m("blackhole on")), ("blackhole", m("blackhole on"), m("blackhole off")),
                  ("restored", m("blackhole off"), m("link down")), ("link down", m("link down"), m("link up")),
                  ("link up", m("link up"), m("kill worker")), ("worker killed", m("kill worker"), m("start worker")),
                  ("worker restarted", m("start worker"), end + 1)]
        for name, a, b in phases:
            first_remote = next((t for t, l in requests if a <= t < b and ", remote, " in l), None)
            back = f", first remote after {first_remote - a:.2f} s" if first_remote is not None else ""
            print(f"  {name:18s} {count(a, b, True):4d} remote, {count(a, b, False):4d} on the device{back}")
        # The network is used while it works, and given up while it does not
        # (a fallback or a local run per request).
        for name, a, b in phases:
            works = name in ("before the faults", "restored", "link up", "worker restarted")
            if works and count(a, b, True) == 0:
                problems.append(f"no request ran on the worker while it could ({name})")
                # What the policy said, to tell a breaker from an estimate.
                said = [l for t, l in requests if a <= t < b]
                for l in said[:3] + said[len(said) // 2:len(said) // 2 + 2] + said[-3:]:
                    print(f"    {l}")
            if not works and count(a, b, False) == 0:
                problems.append(f"every request went to the worker during '{name}'")
        if problems:
            raise Failed("; ".join(problems))

def main():
    ap = argparse.ArgumentParser()
    for k in ("seam", "cloud", "netem", "relay", "model", "input"):
        ap.add_argument(f"--{k}", required=True)
    a = ap.parse_args()
    require_root(("ip", "tc", "nft"))
    c = Chaos(a)
    try:
        requests, summary, marks = c.run()
        c.check(requests, summary, marks)
    except Failed as e:
        print(f"FAIL: {e}")
        return 1
    finally:
        c.cleanup()
    print(f"net.chaos: {REQUESTS} requests through blackhole, link down and worker restart: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
