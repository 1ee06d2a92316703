#!/usr/bin/env python3
"""net.slow_link: a slow upload is not mistaken for a dead connection.

The worker runs in one network namespace, the device in another, the
device's uplink held to UPLINK (tbf). `seam run --remote --cut cloud`
sends the demo model's 16 samples (about 50 KB, some 10 s at UPLINK) in one
call, and then as 16 frames of a stream. Both must be answered by the
worker, with the outputs of a local run, although the upload lasts longer
than the edge's keepalive timeout (5 s, edge/edge.c): a connection is given
up when its bytes stop being acknowledged, not when a transfer is slow.
Checked as well: each run takes at least MIN_NETWORK_S, so the link really
was slower than that timeout.

Needs root, ip and tc: without them it prints "SKIP: ..." and exits 77.
"""
import argparse
import os
import subprocess
import sys
import time

from netcase import Failed, NetCase, require_root

UPLINK = "40kbit"
DOWNLINK = "1mbit"
MIN_NETWORK_S = 6.0   # 50 KB at 40 kbit/s is about 10 s; the keepalive timeout is 5 s
STEP_TIMEOUT_S = 90


class SlowLink(NetCase):
    def __init__(self, a):
        super().__init__(a, "slow", step_timeout_s=STEP_TIMEOUT_S)

    def up(self):
        super().up()
        self.netem("rate", self.name, UPLINK, DOWNLINK)

    def run_remote(self, extra, want_on_worker):
        import numpy as np
        out = os.path.join(self.tmp, "remote.npy")
        t0 = time.monotonic()
        r = self.sh(self.a.netem, "exec", self.name, "dev", self.a.seam, "run", "--model", self.a.model,
                    "--input", self.a.input, "--output", out, "--remote", self.endpoint, "--cut", "cloud",
                    "--model-name", "model", *extra)
        text = r.stdout
        what = f"seam run --cut cloud {' '.join(extra)}".strip()
        if f"on the worker: {want_on_worker}, fell back to the device: 0" not in text:
            raise Failed(f"{what}: not every inference ran on the worker:\n{text}")
        seconds = time.monotonic() - t0
        if seconds < MIN_NETWORK_S:
            raise Failed(f"{what}: took {seconds:.1f} s, the link should take at least {MIN_NETWORK_S} s")
        if not np.array_equal(np.load(out), self.local):
            raise Failed(f"{what}: other outputs than a local run")
        print(f"{what}: {want_on_worker} on the worker, {seconds:.1f} s at {UPLINK} up, "
              "outputs equal to a local run")

    def run(self):
        import numpy as np
        local = os.path.join(self.tmp, "local.npy")
        self.sh(self.a.seam, "run", "--model", self.a.model, "--input", self.a.input, "--output", local)
        self.local = np.load(local)
        self.up()
        self.start_worker()
        self.run_remote([], 1)
        self.run_remote(["--stream"], len(np.load(self.a.input)))


def main():
    ap = argparse.ArgumentParser()
    for k in ("seam", "cloud", "netem", "model", "input"):
        ap.add_argument(f"--{k}", required=True)
    a = ap.parse_args()
    require_root(("ip", "tc"))
    s = SlowLink(a)
    try:
        s.run()
    except (Failed, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {e}")
        return 1
    finally:
        s.cleanup()
    print("net.slow_link: uploads longer than the keepalive timeout complete on the worker: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
