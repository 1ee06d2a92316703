#!/usr/bin/python3
"""Measure libseam-edge's dynamic policy against fixed cuts under emulated links.

Usage (as root, from the repository root):
  /usr/bin/python3 bench/policy_bench.py [--build build] [--models DIR]
      [--only resnet18 mobilenet_v2] [--requests 40] [--rounds 4] [--warmup 5]
      [--doc docs/partitioning.md] [--results bench/results]

For each model (ResNet-18 and MobileNetV2 of examples/models; inception_mini
for the min-cut section), with the device's process held to --quota % of one
core (`scripts/netem.sh cpu-quota`) inside the device's network namespace
(`scripts/netem.sh exec NAME dev`):

 1. namespaces (`netem.sh up`), a seam-cloud worker in the server's
    namespace, a seam-relay for the round trip (`netem.sh relay`), tbf for
    the rate (`netem.sh rate`);
 2. a plan: `seam partition --cloud RELAY --codec int8 --zstd 1 --threads 1`
    on the fast link (the device's profile measured under the quota, the
    worker's asked over the link, the link measured with Echo probes);
 3. for each regime (1mbit/150 ms, 6mbit/50 ms, 50mbit/10 ms, offline and
    any --extra profile of bench/links.conf), `seam run --repeat` with
    `--cut local`, `--cut cloud`, every other candidate cut of the plan and
    `--plan`, round-robin: --rounds rounds, each strategy one process of
    --warmup (discarded) + requests/rounds requests per round, the order
    rotated every round;
 4. predicted vs measured: fixed cuts from the plan's candidate terms under
    the regime's nominal link, the policy from its own per-request
    predictions; the median relative error per regime and strategy;
 5. a step change fast -> slow -> fast during one policy run, switched at
    request boundaries (after the K-th request line), with the trace;
 6. the worker saturated by other clients: the policy against the cut the
    plan picks for an idle worker;
 7. inception_mini: `seam partition --search prefix` and `--search mincut`
    with the same device profile in a regime where they differ, both chosen
    cuts measured as fixed cuts.

Writes a Markdown report to stdout and into its marked block of --doc
(bench/doc_section.py; a file that exists without the markers gets the
section appended, nothing else is touched), and a small JSON file of results
into --results. Progress goes to stderr. Without root: prints SKIP and exits
77. Namespaces, relays, workers and load clients are removed on every exit.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import queue
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import doc_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OWNER = "bench/policy_bench.py"
HEADING = "## Measured: the policy under emulated links"
PY = "/usr/bin/python3"

# name, up, down, rtt_ms, jitter_ms (None: offline)
REGIMES = [("1mbit/150ms", "1mbit", "1mbit", 150.0, 0.0),
           ("6mbit/50ms", "6mbit", "6mbit", 50.0, 0.0),
           ("50mbit/10ms", "50mbit", "50mbit", 10.0, 0.0),
           ("offline", None, None, None, None)]
FAST = REGIMES[2]
SLOW = REGIMES[0]

LINE = re.compile(r"^request (\d+): cut (.+?), (remote|local|fell back(?: [\w-]+)?), ([\d.]+) ms"
                  r"(?: \(predicted ([\d.]+)\))?(?:, tail on the device ([\d.]+) ms)?, (.*)$")


class Failed(Exception):
    pass


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now().strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def mbit(rate: str) -> float:
    m = re.fullmatch(r"([\d.]+)(kbit|mbit|gbit|bit)", rate)
    if not m:
        raise ValueError(rate)
    return float(m.group(1)) * {"bit": 1e-6, "kbit": 1e-3, "mbit": 1.0, "gbit": 1e3}[m.group(2)]


def median(xs):
    return statistics.median(xs) if xs else None


def parse_line(line: str) -> dict | None:
    m = LINE.match(line.strip())
    if not m:
        return None
    return {"i": int(m.group(1)), "cut": m.group(2), "where": m.group(3), "ms": float(m.group(4)),
            "predicted": float(m.group(5)) if m.group(5) else None,
            "tail_ms": float(m.group(6)) if m.group(6) else None, "why": m.group(7)}


class Bench:
    def __init__(self, a):
        self.a = a
        self.name = f"pb{os.getpid() % 100000}"
        self.tmp = Path(tempfile.mkdtemp(prefix="seam-policy-bench-"))
        self.procs: list[subprocess.Popen] = []
        self.worker = None
        self.netem = str(REPO / "scripts" / "netem.sh")
        # Copies: a rebuild of the tree during the long run must not swap or remove the binaries under it.
        binaries = self.tmp / "bin"
        binaries.mkdir()
        self.built = {}
        for rel in ("cli/seam", "cloud/seam-cloud", "tests/net/seam-relay"):
            src = Path(a.build) / rel
            shutil.copy2(src, binaries / src.name)
            self.built[src.name] = datetime.datetime.fromtimestamp(src.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        self.seam = str(binaries / "seam")
        self.cloud = str(binaries / "seam-cloud")
        self.relay_bin = str(binaries / "seam-relay")
        self.regime = None
        self.results: dict = {"models": {}}
        self.commands: dict[str, str] = {}

    # -- processes ------------------------------------------------------
    def sh(self, *args, timeout=120, check=True):
        r = subprocess.run([str(x) for x in args], capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise Failed(f"{shlex.join(str(x) for x in args[:8])} failed ({r.returncode}): {r.stderr.strip()[-600:]}")
        return r

    def nm(self, *args, **kw):
        return self.sh(self.netem, *args, **kw)

    def dev(self, *argv) -> list[str]:
        """argv run in the device's namespace under the CPU quota."""
        return [self.netem, "cpu-quota", str(self.a.quota), self.netem, "exec", self.name, "dev", *map(str, argv)]

    def up(self):
        env = dict(l.split("=", 1) for l in self.nm("up", self.name).stdout.splitlines() if "=" in l)
        self.srv_ip = env["SRV_IP"]
        repo = self.tmp / "repo"
        for m in self.models_needed:
            (repo / m).mkdir(parents=True, exist_ok=True)
            os.symlink(self.model(m), repo / m / "model.onnx")
        log(f"namespaces {self.name}-dev / {self.name}-srv up; starting the worker")
        self.worker_port = 0
        self.start_worker()
        out = self.nm("relay", self.name, "--bin", self.relay_bin, "--to", self.worker_addr, "--delay-ms", "0").stdout
        env = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
        self.endpoint = env["RELAY_ADDR"]
        log(f"worker {self.worker_addr}, relay {self.endpoint}")

    def start_worker(self):
        # --listen before --models: a `pkill -f "seam-cloud --models"` elsewhere on the machine (net.chaos
        # kills its worker so, and pkill sees every namespace) does not match this worker.
        self.worker = subprocess.Popen([self.netem, "exec", self.name, "srv", self.cloud, "--listen",
                                        f"{self.srv_ip}:{self.worker_port}", "--models", str(self.tmp / "repo")],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.procs.append(self.worker)
        q = queue.Queue()
        w = self.worker
        threading.Thread(target=lambda: [q.put(l) for l in w.stdout] + [q.put(None)], daemon=True).start()
        deadline = time.monotonic() + 60
        while True:
            try:
                line = q.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise Failed("the worker did not print 'listening on' within 60 s")
            if line is None:
                raise Failed("the worker exited before listening")
            if "listening on" in line:
                self.worker_addr = line.strip().rsplit(" ", 1)[1]
                self.worker_port = int(self.worker_addr.rsplit(":", 1)[1])
                return

    def worker_alive(self) -> bool:
        """False (after restarting it on the same port, loudly) when the worker had died."""
        if self.worker.poll() is None:
            return True
        self.results.setdefault("worker_restarts", []).append(
            {"at": datetime.datetime.now().strftime("%H:%M:%S"), "status": self.worker.returncode})
        log(f"!! the worker had exited (status {self.worker.returncode}); restarting it on port {self.worker_port}")
        self.start_worker()
        time.sleep(1)
        return False

    def set_regime(self, reg):
        name, up, down, rtt, jitter = reg
        if up is None:
            self.nm("blackhole", self.name, "on")
        else:
            self.nm("blackhole", self.name, "off")
            self.nm("rate", self.name, up, down)
            self.nm("relay-set", self.name, f"delay_ms={rtt / 2:g}", f"jitter_ms={jitter:g}")
        self.regime = reg

    def cleanup(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    p.terminate()
                    p.wait(5)
                except (subprocess.TimeoutExpired, OSError):
                    p.kill()
        try:
            self.sh(self.netem, "down", self.name, check=False, timeout=60)
        except subprocess.TimeoutExpired:
            log("netem down timed out")
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- models ---------------------------------------------------------
    def model(self, m) -> str:
        return str(Path(self.a.models) / m / "model.onnx")

    def input(self, m) -> str:
        return str(Path(self.a.models) / m / "input.npy")

    # -- seam run ---------------------------------------------------------
    def run_cmd(self, m, strategy, repeat, interval, deadline, remote=None):
        argv = [self.seam, "run", "--model", self.model(m), "--input", self.input(m), "--model-name", m,
                "--remote", remote or self.endpoint, "--threads", "1", "--repeat", repeat,
                "--interval-ms", interval, "--deadline-ms", deadline]
        if strategy == "policy":
            argv += ["--plan", str(self.plan_path(m))]
        else:
            argv += ["--cut", strategy, "--codec", "int8", "--zstd", "1"]
        return argv

    def seam_run(self, m, strategy, repeat, interval, deadline) -> tuple[list[dict], dict]:
        argv = self.dev(*self.run_cmd(m, strategy, repeat, interval, deadline))
        budget = 60 + repeat * (2 * deadline + 3 * self.local_ms.get(m, 1000) + interval + 500) / 1e3
        self.worker_alive()
        r = self.sh(*argv, timeout=budget)
        if not self.worker_alive():  # it died during the run: the run does not count, once more
            log(f"  {strategy}: run again, the worker died during it")
            r = self.sh(*argv, timeout=budget)
        reqs = [p for p in map(parse_line, r.stdout.splitlines()) if p]
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        if summary.get("failed"):
            log(f"  {strategy}: {summary['failed']} requests FAILED")
        return reqs, summary

    def plan_path(self, m) -> Path:
        return self.tmp / f"plan-{m}.json"

    # -- step 2: the plan -------------------------------------------------
    def make_plan(self, m):
        self.set_regime(FAST)
        argv = [self.seam, "partition", "--model", self.model(m), "--cloud", self.endpoint, "--model-name", m,
                "--codec", "int8", "--zstd", "1", "--input", self.input(m), "--out", self.plan_path(m),
                "--threads", "1", "--interval-ms", self.a.interval]
        self.commands["partition"] = shlex.join(map(str, self.dev(*argv)))
        log(f"{m}: seam partition on the fast link, under the quota")
        r = self.sh(*self.dev(*argv), timeout=600)
        out = r.stdout.splitlines()
        table = []
        on = False
        for l in out:
            if l.startswith("conditions:") or l.startswith("candidate cuts"):
                on = True
            if on:
                table.append(l)
            if l.startswith("min-cut search"):
                on = False
        summary = json.loads([l for l in out if l.startswith("{")][-1])
        plan = json.loads(self.plan_path(m).read_text())
        info = [l for l in (r.stdout + r.stderr).splitlines() if l.startswith(("device profile", "worker profile",
                                                                               "link measured"))]
        return plan, table, summary, info

    # -- predictions --------------------------------------------------------
    @staticmethod
    def predict(c: dict, reg, queue_ms=0.0) -> float | None:
        if not c["remote"]:
            return c["head_ms"]
        name, up, down, rtt, _ = reg
        if up is None:
            return None
        return (c["head_ms"] + c["encode_ms"] + c["up_bytes"] * 8 / (mbit(up) * 1e3) + rtt + queue_ms +
                c["tail_ms"] + c["down_bytes"] * 8 / (mbit(down) * 1e3) + c["decode_ms"])

    # -- step 3/4: regimes --------------------------------------------------
    def measure(self, m, strategies, reg, rounds, per_round, deadline, interval, preds, tag):
        """Round-robin over strategies; returns {strategy: stats}."""
        got = {s: [] for s in strategies}
        summaries = {s: [] for s in strategies}
        round_medians = {s: [] for s in strategies}
        for rnd in range(rounds):
            order = strategies[rnd % len(strategies):] + strategies[:rnd % len(strategies)]
            for s in order:
                reqs, summ = self.seam_run(m, s, self.a.warmup + per_round, interval, deadline)
                kept = [q for q in reqs if q["i"] >= self.a.warmup]
                got[s] += kept
                summaries[s].append(summ)
                round_medians[s].append(median([q['ms'] for q in kept]))
                log(f"  {tag} round {rnd + 1}/{rounds} {self.label(m, s):>10}: median "
                    f"{round_medians[s][-1] or 0:.1f} ms of {len(kept)}")
        stats = {}
        for s in strategies:
            reqs = got[s]
            ms = [q["ms"] for q in reqs]
            errs, errs_ans = [], []
            for q in reqs:
                p = q["predicted"] if s == "policy" else preds.get(s)
                if p is not None and q["ms"] > 0:
                    errs.append(abs(p - q["ms"]) / q["ms"])
                    if not q["where"].startswith("fell back"):
                        errs_ans.append(errs[-1])
            cuts: dict[str, int] = {}
            for q in reqs:
                cuts[q["cut"]] = cuts.get(q["cut"], 0) + 1
            where: dict[str, int] = {}
            for q in reqs:
                where[q["where"]] = where.get(q["where"], 0) + 1
            pred = preds.get(s) if s != "policy" else median([q["predicted"] for q in reqs if q["predicted"]])
            queues = [float(x.group(1)) for x in (re.search(r"queue ([\d.e+-]+) ms", q["why"]) for q in reqs) if x]
            # The estimate each request was chosen under ("plan: uplink 5.8 Mbit/s, RTT 71 ms, ...").
            ups = [float(x.group(1)) for x in (re.search(r"uplink ([\d.e+-]+) Mbit/s", q["why"]) for q in reqs) if x]
            rtts = [float(x.group(1)) for x in (re.search(r"RTT ([\d.e+-]+) ms", q["why"]) for q in reqs) if x]
            devs = [float(x.group(1)) for x in (re.search(r"device x([\d.e+-]+)", q["why"]) for q in reqs) if x]
            stats[s] = {"n": len(ms), "median_ms": median(ms),
                        "p90_ms": (statistics.quantiles(ms, n=10)[-1] if len(ms) >= 10 else max(ms, default=None)),
                        "predicted_ms": pred, "median_rel_error": median(errs),
                        "median_rel_error_answered": median(errs_ans), "queue_estimate_ms": median(queues), "uplink_estimate_mbps": median(ups),
                        "rtt_estimate_ms": median(rtts), "device_scale": median(devs), "answered": len(errs_ans), "cuts": cuts, "where": where,
                        "round_medians_ms": round_medians[s],
                        "failed": sum(x.get("failed", 0) for x in summaries[s]),
                        "max_diff_vs_local": max((x.get("max_diff_vs_local", 0) for x in summaries[s]), default=0)}
        return stats

    def label(self, m, s) -> str:
        return self.labels.get(m, {}).get(s, s)

    # -- step 5: step change ------------------------------------------------
    def step_change(self, m, deadline):
        k1 = self.a.warmup + self.a.step_phase
        k2 = k1 + self.a.step_phase
        total = k2 + self.a.step_phase
        interval = self.a.step_interval
        self.set_regime(FAST)
        self.worker_alive()
        argv = self.dev(*self.run_cmd(m, "policy", total, interval, deadline))
        self.commands["step"] = shlex.join(map(str, argv))
        log(f"{m}: step change, {total} requests every {interval} ms; switch to slow after request line "
            f"{k1 - 1}, back to fast after {k2 - 1}")
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.procs.append(p)
        q = queue.Queue()
        threading.Thread(target=lambda: [q.put((time.monotonic(), l)) for l in p.stdout] + [q.put(None)],
                         daemon=True).start()
        reqs, switches = [], []
        end = time.monotonic() + 60 + total * (interval + 2 * deadline + 3 * self.local_ms[m]) / 1e3
        summary = None
        while True:
            try:
                item = q.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                p.kill()
                raise Failed("the step-change run did not finish in time")
            if item is None:
                break
            t, line = item
            r = parse_line(line)
            if r:
                r["t_end"] = t
                reqs.append(r)
                if len(reqs) in (k1, k2):
                    reg = SLOW if len(reqs) == k1 else FAST
                    t0 = time.monotonic()
                    self.set_regime(reg)
                    switches.append({"after_line": len(reqs) - 1, "to": reg[0], "t_start": t0,
                                     "t_done": time.monotonic()})
                    log(f"  after request {len(reqs) - 1}: switched to {reg[0]} in "
                        f"{(time.monotonic() - t0) * 1e3:.0f} ms")
            elif line.startswith("{"):
                summary = json.loads(line)
        p.wait(30)
        if summary is None:
            raise Failed(f"no summary from the step-change run: {p.stderr.read()[-600:]}")
        # A request belongs to the new regime when it started after the switch was complete.
        for r in reqs:
            r["t_start"] = r["t_end"] - r["ms"] / 1e3
        out = []
        for sw in switches:
            b = next((r["i"] for r in reqs if r["i"] > sw["after_line"] and r["t_start"] >= sw["t_done"]), None)
            sw["boundary"] = b
        phases = [(self.a.warmup, switches[0]["boundary"]), (switches[0]["boundary"], switches[1]["boundary"]),
                  (switches[1]["boundary"], total)]
        by_i = {r["i"]: r for r in reqs}

        def majority(lo, hi):
            cuts: dict[str, int] = {}
            for i in range(lo, hi):
                if i in by_i:
                    cuts[by_i[i]["cut"]] = cuts.get(by_i[i]["cut"], 0) + 1
            return max(cuts, key=cuts.get) if cuts else None

        for n, sw in enumerate(switches):
            b = sw["boundary"]
            lo, hi = phases[n + 1]
            old = majority(max(phases[n][0], b - 10), b)
            new = majority(max(lo, hi - 10), hi)
            first = next((i for i in range(b, hi) if i in by_i and by_i[i]["cut"] == new), None)
            out.append({"to": sw["to"], "after_line": sw["after_line"], "boundary": b,
                        "switch_ms": (sw["t_done"] - sw["t_start"]) * 1e3, "old_cut": old, "new_cut": new,
                        "first_new": first,
                        "requests_to_change": (first - b + 1) if (first is not None and new != old) else None})
        if not self.worker_alive():
            log("!! the worker died during the step-change run: its trace is not valid")
        trace = [[r["i"], r["cut"], r["where"], r["ms"], r["predicted"], r["why"][:100]] for r in reqs]
        return {"interval_ms": interval, "deadline_ms": deadline, "requests": total, "switches": out,
                "trace": trace, "summary": summary}

    # -- step 6: worker load -----------------------------------------------
    def worker_load(self, m, plan, deadline, interval):
        reg = FAST
        self.set_regime(reg)
        preds = {c["cut"]: self.predict(c, reg) for c in plan["candidates"]}
        idle = min(preds, key=lambda c: preds[c])
        log(f"{m}: worker load; the idle-worker cut in {reg[0]} is {self.label(m, idle)}; starting "
            f"{self.a.load_clients} load clients in the worker's namespace")
        load = []
        for _ in range(self.a.load_clients):
            argv = [self.netem, "exec", self.name, "srv", self.seam, "run", "--model", self.model(m), "--input",
                    self.input(m), "--model-name", m, "--remote", self.worker_addr, "--cut", "cloud", "--codec",
                    "int8", "--zstd", "1", "--threads", "1", "--repeat", "100000", "--deadline-ms", "5000"]
            self.commands["load"] = shlex.join(argv)
            load.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            self.procs.append(load[-1])
        time.sleep(3)
        strategies = ["policy", idle] + (["local"] if idle != "local" else [])
        try:
            stats = self.measure(m, strategies, reg, self.a.rounds, self.per_round, deadline, interval, preds, "load")
        finally:
            for p in load:
                if p.poll() is None:
                    p.terminate()
            for p in load:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
            dead = [p.returncode for p in load if p.returncode not in (0, -signal.SIGTERM)]
            if dead:
                log(f"  load clients ended with {dead}")
        return {"regime": reg[0], "idle_cut": idle, "clients": self.a.load_clients, "stats": stats,
                "policy_queue_ms": stats["policy"]["queue_estimate_ms"]}

    # -- step 7: min-cut vs prefix -------------------------------------------
    def mincut(self, m="inception_mini"):
        edge = self.tmp / f"edge-{m}.json"
        self.sh(*self.dev(self.seam, "profile", "--model", self.model(m), "--threads", "1", "--json", edge,
                          "--interval-ms", self.a.interval),
                timeout=300)
        tried = []
        cand = [FAST, ("wifi", "18.88mbit", "18.88mbit", 20.0, 0.0), REGIMES[1], SLOW]
        for reg in cand:
            self.set_regime(reg)
            self.worker_alive()
            res = {}
            for search in ("prefix", "mincut"):
                argv = [self.seam, "partition", "--model", self.model(m), "--edge-profile", edge, "--cloud",
                        self.endpoint, "--model-name", m, "--codec", "int8", "--zstd", "1", "--input",
                        self.input(m), "--threads", "1", "--bandwidth", reg[1], "--downlink", reg[2], "--rtt",
                        f"{reg[3]:g}ms", "--search", search]
                r = self.sh(*self.dev(*argv), timeout=300)
                res[search] = json.loads([l for l in r.stdout.splitlines() if l.startswith("{")][-1])
                res[search + "_cmd"] = shlex.join(map(str, self.dev(*argv)))
                res[search + "_worker"] = next((l for l in (r.stdout + r.stderr).splitlines()
                                                if l.startswith("worker profile")), "")
            p, c = res["prefix"], res["mincut"]
            tried.append({"regime": reg[0], "prefix_cut": p["chosen"], "prefix_ms": p["predicted_ms"],
                          "mincut_cut": c["chosen"], "mincut_ms": c["predicted_ms"]})
            log(f"{m} in {reg[0]}: prefix {p['chosen']} {p['predicted_ms']:.1f} ms, "
                f"min-cut {c['chosen']} {c['predicted_ms']:.1f} ms")
            if p["chosen"] != c["chosen"] and c["predicted_ms"] < 0.95 * p["predicted_ms"]:
                break
        else:
            return {"tried": tried, "regime": None}
        _, deadline = self.calibrate(m)
        self.set_regime(reg)
        preds = {p["chosen"]: p["predicted_ms"], c["chosen"]: c["predicted_ms"]}
        self.labels[m] = {p["chosen"]: "prefix", c["chosen"]: "min-cut"}
        stats = self.measure(m, [p["chosen"], c["chosen"]], reg, self.a.rounds, self.per_round, deadline,
                             self.a.interval, preds, "mincut")
        return {"tried": tried, "regime": reg[0], "prefix": p, "mincut": c, "stats": stats, "deadline_ms": deadline,
                "commands": {k: res[k] for k in ("prefix_cmd", "mincut_cmd")},
                "worker_profile": res["mincut_worker"]}

    # -- the whole run ------------------------------------------------------
    def run(self):
        a = self.a
        self.models_needed = list(dict.fromkeys(a.only + (["inception_mini"] if not a.no_mincut else [])))
        self.per_round = max(1, a.requests // a.rounds)
        self.local_ms, self.deadline, self.labels = {}, {}, {}
        regimes = list(REGIMES)
        for name in a.extra:
            regimes.insert(-1, self.links_profile(name))
        if a.regimes is not None:
            regimes = [r for r in regimes if r[0] in a.regimes]
        self.up()
        for m in a.only:
            log(f"== {m}")
            plan, table, summ, info = self.make_plan(m)
            cands = plan["candidates"]
            lab = {}
            k = 0
            for c in cands:
                if c["cut"] in ("local", "cloud"):
                    lab[c["cut"]] = c["cut"]
                else:
                    k += 1
                    lab[c["cut"]] = f"split{k} ({c['head_macs_pct']:.0f}%)"
            lab["policy"] = "policy"
            self.labels[m] = lab
            loc, deadline = self.calibrate(m)
            strategies = ["local", "cloud"] + [c["cut"] for c in cands if c["cut"] not in ("local", "cloud")] + \
                ["policy"]
            res = {"plan_summary": summ, "plan_table": table, "profiles": info, "local_ms": loc,
                   "deadline_ms": deadline, "plan_conditions": plan["conditions"],
                   "candidates": [{k2: c[k2] for k2 in ("cut", "remote", "head_ms", "encode_ms", "up_bytes",
                                                        "tail_ms", "down_bytes", "decode_ms", "head_macs_pct")}
                                  for c in cands],
                   "labels": lab, "regimes": {}}
            self.results["models"][m] = res
            for reg in regimes:
                log(f"{m}: regime {reg[0]}")
                self.set_regime(reg)
                preds = {c["cut"]: self.predict(c, reg) for c in cands}
                res["regimes"][reg[0]] = {"predicted": preds, "stats": self.measure(
                    m, strategies, reg, a.rounds, self.per_round, deadline, a.interval, preds, reg[0])}
                self.set_regime(FAST)
            if m in a.step:
                res["step"] = self.step_change(m, deadline)
            if m in a.load:
                res["load"] = self.worker_load(m, plan, deadline, a.interval)
            self.write_json()
        if not a.no_mincut:
            log("== inception_mini: min-cut vs prefix")
            self.results["mincut"] = self.mincut()
        self.write_json()

    def calibrate(self, m):
        """The deadline: twice the local time measured here, under the quota."""
        self.set_regime(FAST)
        reqs, _ = self.seam_run(m, "local", 10, self.a.interval, 10000)
        loc = median([q["ms"] for q in reqs[3:]])
        self.local_ms[m] = loc
        deadline = max(self.a.min_deadline, int(-(-2 * loc // 10) * 10))
        self.deadline[m] = deadline
        log(f"{m}: local {loc:.1f} ms under the quota -> deadline {deadline} ms")
        return loc, deadline

    def links_profile(self, name):
        for line in (REPO / "bench" / "links.conf").read_text().splitlines():
            f = line.split("#")[0].split()
            if len(f) >= 5 and f[0] == name and f[1] != "-":
                return (name, f[1], f[2], float(f[3]), float(f[4]))
        raise Failed(f"no profile '{name}' in bench/links.conf")

    def shown(self, text: str) -> str:
        """text with this machine's paths left out: the repository's as relative paths, the run's
        temporary folder as $TMP."""
        return text.replace(str(REPO) + "/", "").replace(str(self.tmp), "$TMP")

    def write_json(self):
        Path(self.a.results).mkdir(parents=True, exist_ok=True)
        path = Path(self.a.results) / f"policy-{self.date}.json"
        path.write_text(self.shown(json.dumps(self.results, indent=1, sort_keys=True)) + "\n")
        self.json_path = path


# -- report -----------------------------------------------------------------
def f1(x, d=1):
    return "–" if x is None else f"{x:.{d}f}"


def pct(x):
    return "–" if x is None else f"{100 * x:.0f} %"


def report(b: Bench, argv: list[str]) -> tuple[str, list[str]]:
    a, R = b.a, b.results
    verdicts = []
    L = []
    L.append(f"Measured on {R['machine']['cpu']} ({R['machine']['cores']} cores, shared with the worker), "
             f"Linux {R['machine']['kernel']}, {R['date']}, seam {R['machine']['seam']} (binaries built "
             f"{R['binaries_built'].get('seam', '?')}, copied before the run); load average "
             f"{R['machine']['load_start']} at the start, {R['machine'].get('load_end', '?')} at the end.")
    L.append("")
    L.append(f"**Every device figure below is the device process held to {a.quota} % of one core** "
             f"(`scripts/netem.sh cpu-quota {a.quota}` around `scripts/netem.sh exec NAME dev`, one thread), "
             "in its own network namespace; the worker (`seam-cloud`, defaults: 1 run at a time, 2 threads) runs "
             "unrestricted in the other namespace on the same 2 cores. Rate: tbf both ways (`netem.sh rate`); "
             "round trip: `seam-relay` (`netem.sh relay`, half each way, no jitter); offline: `netem.sh blackhole`. "
             "Codec INT8 + zstd 1 for every cut, inputs `input.npy` of `examples/models/make_models.py` "
             "(N(0,1) noise, so zstd gains little). See docs/emulation.md.")
    L.append("")
    L.append(f"Command: `{shlex.join(argv)}` (as root). Per regime and strategy {b.per_round * a.rounds} "
             f"requests: {a.rounds} rounds, each strategy one `seam run --repeat {a.warmup + b.per_round}` "
             f"process per round (the first {a.warmup} requests of each discarded as warm-up), the strategies' "
             f"order rotated every round; `--interval-ms {a.interval}`; the deadline is twice the local time "
             "measured first under the quota (a remote request past it is finished on the device).")
    L.append("")
    L.append("A strategy run: `" + shlex.join(b.dev(*b.run_cmd("MODEL", "CUT", "N", a.interval, "D"))).replace(
        str(b.tmp), "$TMP") + "` (`--plan plan.json` instead of `--cut ... --codec ... --zstd ...` for the policy).")
    L.append("")
    L.append("Predicted latency of a fixed cut: the plan's candidate terms under the regime's nominal link, "
             "head + encode + up_bytes·8/up + RTT + queue (0) + tail + down_bytes·8/down + decode; of the policy: "
             "its own prediction per request (from its running estimate of the link). Error: the median over "
             "requests of |predicted − measured| / measured. Offline, remote cuts have no prediction.")
    for m, res in R["models"].items():
        lab = res["labels"]
        L.append("")
        L.append(f"### {m}")
        L.append("")
        L.append(f"Plan (`seam partition` in the device namespace under the quota, on the 50mbit/10ms link): "
                 f"local {res['local_ms']:.1f} ms measured under the quota; deadline {res['deadline_ms']} ms.")
        L.append("")
        L.append("```")
        L += res["profiles"]
        L += res["plan_table"]
        L.append("```")
        L.append("")
        lc = next(c for c in res["candidates"] if c["cut"] == "local")
        prof = next((l for l in res["profiles"] if l.startswith("device profile")), "")
        run_ms = re.search(r"([\d.]+) ms a run", prof)
        L.append(f"The plan's cost of the whole model on the device (its per-node medians summed) is "
                 f"{lc['head_ms']:.1f} ms; the same profile's median run took "
                 f"{run_ms.group(1) if run_ms else '?'} ms; `seam run --cut local` measured {res['local_ms']:.1f} ms.")
        L.append("")
        splits = [f"{lab[c['cut']]} = `{c['cut']}`" for c in res["candidates"] if c["cut"] not in ("local", "cloud")]
        L.append("Cuts: " + "; ".join(splits) + " (% = the device's share of the multiply-adds)." if splits else
                 "The plan holds no cut between local and cloud.")
        strategies = list(next(iter(res["regimes"].values()))["stats"].keys()) if res["regimes"] else []
        L.append("")
        L.append("Median latency, ms (p90 in brackets); fb = requests that fell back to the device; the last "
                 "column is the spread of `local`'s per-process medians over the rounds, the run-to-run noise of "
                 "the device under the quota:" if strategies else "No regime was measured in this run.")
        L.append("")
        L.append("| regime | " + " | ".join(lab.get(s, s) for s in strategies) +
                 " | best fixed | policy ÷ best | policy ÷ min(local, cloud) | local, rounds |")
        L.append("|" + " --- |" * (len(strategies) + 5))
        for rn, rr in res["regimes"].items():
            st = rr["stats"]
            cells = []
            for s in strategies:
                x = st[s]
                fb = x["where"].get("fell back deadline", 0) + sum(v for k, v in x["where"].items()
                                                                   if k.startswith("fell back") and k != "fell back deadline")
                cells.append(f"{f1(x['median_ms'])} ({f1(x['p90_ms'], 0)})" + (f" fb {fb}" if fb else ""))
            fixed = {s: st[s]["median_ms"] for s in strategies if s != "policy" and st[s]["median_ms"]}
            best = min(fixed, key=fixed.get)
            pol = st["policy"]["median_ms"]
            lc = min(st["local"]["median_ms"], st["cloud"]["median_ms"])
            r1, r2 = pol / fixed[best], pol / lc
            lr = [x for x in st["local"].get("round_medians_ms", []) if x]
            spread = f"{min(lr):.1f}–{max(lr):.1f}" if lr else "–"
            L.append(f"| {rn} | " + " | ".join(cells) + f" | {lab.get(best, best)} {fixed[best]:.1f} | "
                     f"{r1:.2f} | {r2:.2f} | {spread} |")
            verdicts.append((f"{m} {rn}: policy within 10 % of the best fixed cut", r1 <= 1.10,
                             f"policy {pol:.1f} ms vs {lab.get(best, best)} {fixed[best]:.1f} ms ({(r1 - 1) * 100:+.0f} %)"))
            verdicts.append((f"{m} {rn}: policy at most 5 % slower than min(local, cloud)", r2 <= 1.05,
                             f"{(r2 - 1) * 100:+.0f} %"))
        L.append("")
        L.append("Cuts the policy chose, per regime (requests): " + "; ".join(
            f"{rn}: " + ", ".join(f"{lab.get(c, c[:24])} {n}" for c, n in rr["stats"]["policy"]["cuts"].items()) +
            (" [" + ", ".join(f"{w} {n}" for w, n in rr["stats"]["policy"]["where"].items()) + "]")
            for rn, rr in res["regimes"].items()) + ".")
        L.append("")
        L.append("Predicted (ms) / median relative error of the prediction over all requests / over the requests "
                 "answered the way predicted (not fallen back; a fallback's latency is the deadline plus the tail "
                 "on the device, which the terms do not predict):")
        L.append("")
        L.append("| regime | " + " | ".join(lab.get(s, s) for s in strategies) + " |")
        L.append("|" + " --- |" * (len(strategies) + 1))
        for rn, rr in res["regimes"].items():
            st = rr["stats"]
            L.append(f"| {rn} | " + " | ".join(
                f"{f1(st[s]['predicted_ms'])} / {pct(st[s]['median_rel_error'])} / "
                f"{pct(st[s]['median_rel_error_answered'])}" for s in strategies) + " |")
            for s in strategies:
                e, ea = st[s]["median_rel_error"], st[s]["median_rel_error_answered"]
                if ea is not None:
                    verdicts.append((f"{m} {rn} {lab.get(s, s)}: prediction within 15 %", ea <= 0.15,
                                     f"{100 * ea:.0f} % over {st[s]['answered']} answered requests, {pct(e)} over all "
                                     f"{st[s]['n']} (predicted {f1(st[s]['predicted_ms'])}, measured median "
                                     f"{f1(st[s]['median_ms'])})"))
                elif e is not None:
                    verdicts.append((f"{m} {rn} {lab.get(s, s)}: prediction within 15 %", None,
                                     f"not comparable: all {st[s]['n']} requests fell back ({pct(e)} against the "
                                     f"fallback's latency; predicted {f1(st[s]['predicted_ms'])} ms > deadline)"))
        L.append("")
        L.append("Fixed cuts are predicted from the plan's device profile as it is; the policy scales its device "
                 "terms by the speed it measures on its own requests (`device x` in its reasons; median over its "
                 "requests): " + "; ".join(
                     f"{rn} x{rr['stats']['policy'].get('device_scale') or float('nan'):.2f}"
                     for rn, rr in res["regimes"].items()) + ".")
        L.append("")
        if "step" in res:
            sp = res["step"]
            L.append("")
            L.append(f"Step change during one policy run (`--interval-ms {sp['interval_ms']}`, deadline "
                     f"{sp['deadline_ms']} ms, {sp['requests']} requests, the first {a.warmup} warm-up): "
                     f"fast ({FAST[0]}) → slow ({SLOW[0]}) → fast, switched with `netem.sh rate` and "
                     "`netem.sh relay-set` after a request line appeared; a request belongs to the new link when it "
                     "started after the switch completed.")
            L.append("")
            L.append("| switch | after request | first request on the new link | switch took | cut before | "
                     "cut after | first request with it | requests to change |")
            L.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
            for sw in sp["switches"]:
                L.append(f"| → {sw['to']} | {sw['after_line']} | {sw['boundary']} | {sw['switch_ms']:.0f} ms | "
                         f"{lab.get(sw['old_cut'], sw['old_cut'])} | {lab.get(sw['new_cut'], sw['new_cut'])} | "
                         f"{sw['first_new']} | {sw['requests_to_change'] if sw['requests_to_change'] else '– (no change)'} |")
                n = sw["requests_to_change"]
                verdicts.append((f"{m} step → {sw['to']}: cut changed within 5 requests",
                                 n is not None and n <= 5,
                                 f"{n} requests" if n is not None else
                                 f"the cut did not change ({sw['old_cut']} before and after)"))
            L.append("")
            L.append("Trace (request, cut, where, latency ms, predicted ms):")
            L.append("")
            L.append("| # | cut | where | ms | predicted | the policy's estimate (uplink, RTT, queue, device speed) or its reason |")
            L.append("| --- | --- | --- | --- | --- | --- |")
            marks = {sw["boundary"]: sw["to"] for sw in sp["switches"]}
            for i, cut, where, ms, pr, why in sp["trace"]:
                if i in marks:
                    L.append(f"| **→ {marks[i]}** | | | | | |")
                est = re.search(r"uplink ([\d.e+-]+) Mbit/s, RTT ([\d.e+-]+) ms(?:, queue ([\d.e+-]+) ms)?"
                                r"(?:, device (x[\d.e+-]+))?", why)
                note = (f"{est.group(1)} Mbit/s, {est.group(2)} ms, {est.group(3) or '?'} ms, {est.group(4) or '?'}" if est and
                        why.startswith("plan:") else why.replace("|", "/"))
                L.append(f"| {i} | {lab.get(cut, cut[:30])} | {where} | {ms:.1f} | {f1(pr)} | {note} |")
        if "load" in res:
            ld = res["load"]
            st = ld["stats"]
            L.append("")
            L.append(f"Worker under load ({ld['clients']} other clients, `seam run --cut cloud --repeat 100000`, back "
                     f"to back, in the worker's namespace, unshaped; link {ld['regime']}): the plan's cut for an idle "
                     f"worker on that link is {lab.get(ld['idle_cut'], ld['idle_cut'])}.")
            L.append("")
            L.append("| strategy | median ms | p90 ms | cuts (requests) |")
            L.append("| --- | --- | --- | --- |")
            for s, x in st.items():
                L.append(f"| {lab.get(s, s)} | {f1(x['median_ms'])} | {f1(x['p90_ms'])} | " +
                         ", ".join(f"{lab.get(c, c[:24])} {n}" for c, n in x["cuts"].items()) + " |")
            if ld.get("policy_queue_ms") is not None:
                L.append("")
                L.append(f"The policy's estimate of the worker's queue (from the replies and its plan's prior): median "
                         f"{ld['policy_queue_ms']:.1f} ms over its requests.")
            pol, idle = st["policy"]["median_ms"], st[ld["idle_cut"]]["median_ms"]
            verdicts.append((f"{m} worker load: policy beats the idle-worker cut", pol < idle,
                             f"policy {pol:.1f} ms vs {lab.get(ld['idle_cut'], ld['idle_cut'])} {idle:.1f} ms"))
    mc = R.get("mincut")
    if mc:
        L.append("")
        L.append("### Min-cut versus prefix: inception_mini")
        L.append("")
        L.append("`seam partition --search prefix` and `--search mincut`, one device profile (`seam profile --json` "
                 "under the quota), the worker's asked over the link, the conditions given (`--bandwidth`, "
                 "`--downlink`, `--rtt`):")
        L.append("")
        L.append("| regime | prefix cut | prefix predicted ms | min-cut cut | min-cut predicted ms |")
        L.append("| --- | --- | --- | --- | --- |")
        for t in mc["tried"]:
            L.append(f"| {t['regime']} | `{t['prefix_cut']}` | {t['prefix_ms']:.1f} | `{t['mincut_cut']}` | "
                     f"{t['mincut_ms']:.1f} |")
        if mc.get("regime"):
            L.append("")
            L.append(f"Both measured as fixed cuts in {mc['regime']} ({mc['worker_profile']}; deadline "
                     f"{mc['deadline_ms']} ms); command: `{mc['commands']['mincut_cmd']}`".replace(str(b.tmp), "$TMP"))
            L.append("")
            L.append("| search | cut | predicted ms | measured median ms | p90 ms | error |")
            L.append("| --- | --- | --- | --- | --- | --- |")
            for s, x in mc["stats"].items():
                kind = "prefix" if s == mc["prefix"]["chosen"] else "min-cut"
                L.append(f"| {kind} | `{s}` | {f1(x['predicted_ms'])} | {f1(x['median_ms'])} | {f1(x['p90_ms'])} | "
                         f"{pct(x['median_rel_error'])} |")
            p, c = mc["stats"][mc["prefix"]["chosen"]], mc["stats"][mc["mincut"]["chosen"]]
            verdicts.append(("inception_mini: the min-cut split measures faster than the prefix one",
                             c["median_ms"] < p["median_ms"], f"{c['median_ms']:.1f} vs {p['median_ms']:.1f} ms"))
        else:
            L.append("")
            L.append("No regime tried gave different choices; nothing measured.")
    L.append("")
    L.append("### The criteria")
    L.append("")
    L.append("| criterion | holds | figures |")
    L.append("| --- | --- | --- |")
    for what, ok, fig in verdicts:
        L.append(f"| {what} | {'–' if ok is None else 'yes' if ok else '**no**'} | {fig} |")
    return "\n".join(L) + "\n", [v[0] for v in verdicts if v[1] is False]


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        seam = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty", "--tags"],
                              capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        seam = "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(), "seam": seam,
            "load_start": " ".join(Path("/proc/loadavg").read_text().split()[:3])}


def write_doc(path: Path, body: str) -> None:
    begin, end = doc_section.markers(OWNER)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{HEADING}\n\n{begin}\n{end}\n")
    else:
        text = path.read_text()
        try:
            doc_section.find_block(text, OWNER)
        except doc_section.MarkerError:
            if begin in text or end in text:
                raise
            # the file is someone else's: append the section, touch nothing else
            sep = "" if text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
            path.write_text(text + f"{sep}{HEADING}\n\n{begin}\n{end}\n")
    doc_section.rewrite_file(path, OWNER, body)


def main(argv: list[str] | None = None) -> int:
    argv_full = [PY, "bench/policy_bench.py"] + (sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--models", default=None, help="models of make_models.py (default: generated in a temporary folder)")
    ap.add_argument("--only", nargs="+", default=["resnet18", "mobilenet_v2"])
    ap.add_argument("--extra", nargs="*", default=[], help="more regimes: profiles of bench/links.conf (e.g. lte)")
    ap.add_argument("--regimes", nargs="*", default=None,
                    help="only these regimes (names as in the report; none: only the plan, step and load runs)")
    ap.add_argument("--requests", type=int, default=64, help="measured requests per regime and strategy")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--interval", type=int, default=50, help="--interval-ms of the regime runs")
    ap.add_argument("--quota", type=int, default=25)
    ap.add_argument("--min-deadline", type=int, default=50)
    ap.add_argument("--step", nargs="*", default=["resnet18"], help="models that get the step-change run")
    ap.add_argument("--step-phase", type=int, default=30, help="requests per phase of the step change")
    ap.add_argument("--step-interval", type=int, default=150)
    ap.add_argument("--load", nargs="*", default=["resnet18"], help="models that get the worker-load run")
    ap.add_argument("--load-clients", type=int, default=6)
    ap.add_argument("--no-mincut", action="store_true")
    ap.add_argument("--doc", default=str(REPO / "docs" / "partitioning.md"))
    ap.add_argument("--no-doc", action="store_true")
    ap.add_argument("--results", default=str(REPO / "bench" / "results"))
    a = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("SKIP: bench/policy_bench.py needs root (network namespaces, tc, nftables, cgroups)")
        return 77
    for tool in ("ip", "tc", "nft"):
        if not shutil.which(tool):
            print(f"SKIP: '{tool}' not found")
            return 77
    if not a.no_doc and Path(a.doc).exists() and doc_section.markers(OWNER)[0] in Path(a.doc).read_text():
        doc_section.check_file(Path(a.doc), OWNER)  # a broken block: refused before the long run
    b = Bench(a)
    if a.models is None:
        a.models = str(b.tmp / "models")
    need = list(dict.fromkeys(a.only + ([] if a.no_mincut else ["inception_mini"])))
    missing = [m for m in need if not (Path(a.models) / m / "model.onnx").exists()]

    def on_signal(sig, _frame):
        raise SystemExit(128 + sig)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    b.date = datetime.datetime.now().strftime("%Y-%m-%d")
    b.results.update({"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": machine(),
                      "argv": argv_full, "quota_pct": a.quota, "requests": a.requests, "rounds": a.rounds,
                      "warmup": a.warmup, "interval_ms": a.interval, "commands": b.commands,
                      "binaries_built": b.built})
    rc = 0
    try:
        if missing:
            log(f"generating {' '.join(missing)} with examples/models/make_models.py")
            b.sh(PY, REPO / "examples" / "models" / "make_models.py", a.models, "--only", *missing, timeout=900)
        b.run()
    except (Failed, subprocess.TimeoutExpired) as e:
        log(f"FAILED: {e}")
        rc = 1
    finally:
        b.results["machine"]["load_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        b.cleanup()
    if not b.results["models"]:
        return rc or 1
    try:
        body, failing = report(b, argv_full)
        body = b.shown(body)
    except Exception as e:  # a partial run: keep the JSON, say why there is no report
        log(f"no report: {type(e).__name__}: {e}")
        b.write_json()
        return 1
    b.write_json()
    print(body)
    if not a.no_doc:
        write_doc(Path(a.doc), body)
        log(f"wrote its section of {a.doc}")
    log(f"wrote {b.json_path}; criteria not met: {len(failing)}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
