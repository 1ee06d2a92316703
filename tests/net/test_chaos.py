#!/usr/bin/env python3
"""net.chaos: the dynamic policy under a link that fails in every way.

A worker runs in one network namespace, the device (`seam run --plan
--repeat`) in another, 1000 requests with a deadline, one every
INTERVAL_MS, through seam-relay (a round trip of RTT_MS). While they run
the link is blackholed and restored (nftables), brought down and up (ip
link), and the worker is killed and restarted on the same port. Checked:

  - 0 failed requests, 1000 answered;
  - every request within its deadline plus its tail on the device (what a
    fallback adds) plus MARGIN_MS for a loaded 2-core machine;
  - every result equal to a local run of the same input (the plan's codec
    is raw, so a split is exact), as `seam run` reports (max_diff_vs_local);
  - the network was used before the faults, given up during them (local or
    fallback runs), and used again after the last one.

The plan comes from `seam partition` with this machine's own profile as the
device's and the same profile with every time divided by CLOUD_SPEEDUP as
the worker's (the two share this machine, so the worker is made to look
faster than the device, as it is in a deployment; the test is about the
policy's reactions, not about which cut is best).

Needs root, ip, tc and nft: without them it prints "SKIP: ..." and exits 77.
"""
import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REQUESTS = 1000
INTERVAL_MS = 15
DEADLINE_MS = 300
RTT_MS = 20
MARGIN_MS = 150.0
CLOUD_SPEEDUP = 10.0
BUDGET_S = 400.0
# (seconds after the first request, action): each fault lasts 2 s.
EVENTS = [(3.0, "blackhole on"), (5.0, "blackhole off"), (7.0, "link down"), (9.0, "link up"),
          (11.0, "kill worker"), (13.0, "start worker")]


class Failed(Exception):
    pass


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


class Chaos:
    def __init__(self, a):
        self.a = a
        self.name = f"chaos{os.getpid() % 100000}"
        self.tmp = tempfile.mkdtemp(prefix="seam-chaos-")
        self.worker = None
        self.port = 0
        self.start = time.monotonic()

    def sh(self, *args, timeout=60, check=True):
        r = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise Failed(f"{' '.join(args[:6])} failed ({r.returncode}): {r.stderr.strip()[-400:]}")
        return r

    def netem(self, *args, **kw):
        return self.sh(self.a.netem, *args, **kw)

    def up(self):
        env = {}
        for line in self.netem("up", self.name).stdout.splitlines():
            k, _, v = line.partition("=")
            env[k] = v
        self.srv_ip, self.dev_ip = env["SRV_IP"], env["DEV_IP"]

    def make_plan(self):
        import numpy as np
        m = self.a.model
        one = os.path.join(self.tmp, "input.npy")
        np.save(one, np.load(self.a.input)[:1])  # one sample: one request
        self.a.input = one
        edge = os.path.join(self.tmp, "edge.json")
        cloud = os.path.join(self.tmp, "cloud.json")
        self.sh(self.a.seam, "profile", "--model", m, "--threads", "1", "--json", edge)
        with open(edge) as f:
            prof = json.load(f)
        for n in prof["nodes"]:
            n["median_ms"] /= CLOUD_SPEEDUP
        prof["total_ms"] /= CLOUD_SPEEDUP
        with open(cloud, "w") as f:
            json.dump(prof, f)
        self.plan = os.path.join(self.tmp, "plan.json")
        r = self.sh(self.a.seam, "partition", "--model", m, "--edge-profile", edge, "--cloud-profile", cloud,
                    "--codec", "raw", "--zstd", "0", "--bandwidth", "100mbit", "--rtt", f"{RTT_MS}ms",
                    "--input", self.a.input, "--out", self.plan)
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"plan: {summary}")

    def start_worker(self):
        repo = os.path.join(self.tmp, "models", "model")
        os.makedirs(repo, exist_ok=True)
        if not os.path.exists(os.path.join(repo, "model.onnx")):
            shutil.copy(self.a.model, os.path.join(repo, "model.onnx"))
        listen = f"{self.srv_ip}:{self.port}"
        self.worker = subprocess.Popen(
            [self.a.netem, "exec", self.name, "srv", self.a.cloud, "--models", os.path.join(self.tmp, "models"),
             "--listen", listen], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.worker.stdout.readline()
        if "listening on" not in line:
            raise Failed(f"the worker did not start: {line!r}")
        self.port = int(line.strip().rsplit(":", 1)[1])

    def kill_worker(self):
        self.sh("ip", "netns", "exec", f"{self.name}-srv", "pkill", "-KILL", "-f", "seam-cloud --models", check=False)
        self.worker.wait(10)

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
                "--connect-timeout-ms", "500"]
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
        for _, line in requests:
            ms = float(line.split(", ")[2].split(" ms")[0]) if " ms" in line else 0.0
            tail = 0.0
            if "tail on the device" in line:
                tail = float(line.split("tail on the device ")[1].split(" ms")[0])
            if ms > DEADLINE_MS + tail + MARGIN_MS:
                late.append(line)
        if late:
            problems.append(f"{len(late)} requests over deadline + tail + margin, e.g. {late[0]}")
        def remote_between(a, b):
            return sum(1 for t, l in requests if a <= t < b and ", remote, " in l)
        t0 = requests[0][0] if requests else 0
        before = remote_between(t0, marks.get("blackhole on", t0))
        after = remote_between(marks.get("start worker", 1e18) + 3.0, 1e18)
        during = sum(1 for t, l in requests
                     if marks.get("blackhole on", 0) + 1.0 <= t < marks.get("blackhole off", 0) and ", remote, " not in l)
        print(f"remote before the faults: {before}; not remote during the blackhole: {during}; "
              f"remote from 3 s after the worker restarted: {after}")
        if before == 0:
            problems.append("the policy never used the worker before the faults")
        if during == 0:
            problems.append("no request avoided the blackholed link")
        if after == 0:
            problems.append("the policy did not go back to the worker after the faults")
        if problems:
            raise Failed("; ".join(problems))

    def cleanup(self):
        if self.worker and self.worker.poll() is None:
            self.kill_worker()
        self.netem("down", self.name, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    for k in ("seam", "cloud", "netem", "relay", "model", "input"):
        ap.add_argument(f"--{k}", required=True)
    a = ap.parse_args()
    if os.geteuid() != 0:
        skip("needs root (network namespaces, tc, nftables)")
    for tool in ("ip", "tc", "nft"):
        if not shutil.which(tool):
            skip(f"'{tool}' not found")
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
