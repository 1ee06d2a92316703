#!/usr/bin/env python3
"""partition.searches: the min-cut search is never worse than the prefix
search on any example model, and strictly better on the branchy one.

For every model (the Fashion-MNIST demo and the generated example models)
this profiles the model on this machine once (`seam profile --json`), takes
that profile as the worker's and the same profile with every time
multiplied by DEVICE_SLOWDOWN as the device's (a phone-class device against
this machine as the server), and runs `seam partition` for a grid of link
conditions and both objectives. `seam partition` prints, as its last line,
the predicted objective of the prefix search's best cut and of the min-cut
search's: the second must never exceed the first, and on inception_mini (an
Inception-style model made so that its best split is not a prefix of the
execution order) it must be strictly lower somewhere. It also checks that a
plan records the file's SHA-256 and that `seam run --plan` refuses a plan
made for another file.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

DEVICE_SLOWDOWN = 10.0
CONDITIONS = [("1mbit", "150ms"), ("8mbit", "40ms"), ("50mbit", "10ms"), ("200mbit", "5ms")]
OBJECTIVES = ["latency", "energy"]
MODELS = ["resnet18", "mobilenet_v2", "squeezenet1_1", "shufflenet_v2_x0_5", "efficientnet_b0",
          "mobilenet_v3_small", "ocr_rec_dynamic", "ocr_det_dynamic", "inception_mini"]
BRANCHY = "inception_mini"


def run(argv, timeout=600):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(argv[:4])} ...: exit {r.returncode}: {r.stderr.strip()[-600:]}")
    return r.stdout


def profiles(seam, model, tmp, name):
    worker = os.path.join(tmp, f"{name}.cloud.json")
    device = os.path.join(tmp, f"{name}.edge.json")
    run([seam, "profile", "--model", model, "--threads", "1", "--runs", "3", "--warmup", "1", "--json", worker])
    with open(worker) as f:
        p = json.load(f)
    for n in p["nodes"]:
        n["median_ms"] *= DEVICE_SLOWDOWN
    p["total_ms"] *= DEVICE_SLOWDOWN
    with open(device, "w") as f:
        json.dump(p, f)
    return device, worker


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seam", required=True)
    ap.add_argument("--models", required=True, help="folder of generated models (make_models.py)")
    ap.add_argument("--demo", required=True, help="the Fashion-MNIST demo model")
    a = ap.parse_args()
    models = [("fashion_mnist", a.demo)]
    for m in MODELS:
        path = os.path.join(a.models, m, "model.onnx")
        if not os.path.exists(path):
            raise SystemExit(f"FAIL: {path} is missing (the models test generates it)")
        models.append((m, path))
    worse, strict, rows = [], {}, []
    with tempfile.TemporaryDirectory(prefix="seam-searches-") as tmp:
        for name, path in models:
            device, worker = profiles(a.seam, path, tmp, name)
            for bw, rtt in CONDITIONS:
                for obj in OBJECTIVES:
                    out = run([a.seam, "partition", "--model", path, "--edge-profile", device, "--cloud-profile",
                               worker, "--bandwidth", bw, "--rtt", rtt, "--objective", obj])
                    s = json.loads(out.strip().splitlines()[-1])
                    p, m = s["prefix_objective"], s["mincut_objective"]
                    rows.append((name, bw, rtt, obj, p, m))
                    if m > p * (1 + 1e-9) + 1e-9:
                        worse.append(f"{name} {bw} {rtt} {obj}: min-cut {m} > prefix {p}")
                    if m < p * (1 - 1e-6):
                        strict[name] = strict.get(name, 0) + 1
        # Constraints change the choice: with the raw input private nothing
        # sends it, and with every MAC on the device nothing is remote.
        path = dict(models)[BRANCHY]
        device, worker = os.path.join(tmp, f"{BRANCHY}.edge.json"), os.path.join(tmp, f"{BRANCHY}.cloud.json")
        base = [a.seam, "partition", "--model", path, "--edge-profile", device, "--cloud-profile", worker,
                "--bandwidth", "200mbit", "--rtt", "5ms"]
        free = json.loads(run(base).strip().splitlines()[-1])
        private = json.loads(run(base + ["--privacy", "raw"]).strip().splitlines()[-1])
        on_device = json.loads(run(base + ["--privacy", "min-macs=100"]).strip().splitlines()[-1])
        print(f"{BRANCHY} at 200mbit/5ms: free {free['chosen']!r}, --privacy raw {private['chosen']!r}, "
              f"min-macs=100 {on_device['chosen']!r}")
        if free["chosen"] != "cloud":
            raise SystemExit(f"FAIL: expected the whole model on the worker without constraints, got {free}")
        if private["chosen"] in ("cloud", "") or "input" in private["chosen"].split(","):
            raise SystemExit(f"FAIL: --privacy raw still sends the input: {private}")
        if on_device["chosen"] != "local":
            raise SystemExit(f"FAIL: --privacy min-macs=100 did not keep everything on the device: {on_device}")
        # A plan is tied to its file.
        demo_plan = os.path.join(tmp, "demo.plan.json")
        device, worker = os.path.join(tmp, "fashion_mnist.edge.json"), os.path.join(tmp, "fashion_mnist.cloud.json")
        run([a.seam, "partition", "--model", a.demo, "--edge-profile", device, "--cloud-profile", worker,
             "--out", demo_plan])
        with open(demo_plan) as f:
            plan = json.load(f)
        with open(a.demo, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        if plan["model"]["sha256"] != sha:
            raise SystemExit(f"FAIL: the plan records sha256 {plan['model']['sha256']}, the file is {sha}")
        other = dict(models)[BRANCHY]
        r = subprocess.run([a.seam, "run", "--model", other, "--input", "x=/dev/null", "--remote", "127.0.0.1:9",
                            "--plan", demo_plan], capture_output=True, text=True, timeout=120)
        if r.returncode == 0 or "another model file" not in r.stderr:
            raise SystemExit(f"FAIL: seam run --plan with a plan for another file: exit {r.returncode}, "
                             f"{r.stderr.strip()[-300:]}")
    print(f"{'model':22s} {'uplink':>8s} {'rtt':>6s} {'objective':>9s} {'prefix':>12s} {'min-cut':>12s}")
    for name, bw, rtt, obj, p, m in rows:
        mark = "  <" if m < p * (1 - 1e-6) else ""
        print(f"{name:22s} {bw:>8s} {rtt:>6s} {obj:>9s} {p:12.3f} {m:12.3f}{mark}")
    print(f"strictly better: {strict or 'nowhere'}")
    if worse:
        print("FAIL: the min-cut search lost to the prefix search:\n  " + "\n  ".join(worse))
        return 1
    if not strict.get(BRANCHY):
        print(f"FAIL: the min-cut search never beat the prefix search on {BRANCHY}")
        return 1
    print(f"partition.searches: {len(rows)} searches on {len(models)} models; min-cut never worse, "
          f"strictly better in {sum(strict.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
