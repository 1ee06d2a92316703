"""What the tests that run seam across emulated links share: a pair of
network namespaces made by scripts/netem.sh, named after the test's pid, a
seam-cloud worker serving one model in the server's namespace, and the
loud skip (exit 77) without root or the tools."""
import os
import shutil
import subprocess
import sys
import tempfile


class Failed(Exception):
    pass


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def require_root(tools):
    if os.geteuid() != 0:
        skip("needs root (network namespaces, tc, nftables)")
    for tool in tools:
        if not shutil.which(tool):
            skip(f"'{tool}' not found")


class NetCase:
    """Namespaces NAME-dev and NAME-srv (scripts/netem.sh up) and a worker in
    NAME-srv; cleanup() removes both on every path."""

    def __init__(self, a, prefix, step_timeout_s=60):
        self.a = a
        self.name = f"{prefix}{os.getpid() % 100000}"
        self.tmp = tempfile.mkdtemp(prefix=f"seam-{prefix}-")
        self.step_timeout_s = step_timeout_s
        self.worker = None
        self.port = 0

    def sh(self, *args, timeout=None, check=True):
        r = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout or self.step_timeout_s)
        if check and r.returncode != 0:
            raise Failed(f"{' '.join(args[:6])} failed ({r.returncode}): {r.stderr.strip()[-400:]}")
        return r

    def netem(self, *args, **kw):
        return self.sh(self.a.netem, *args, **kw)

    def up(self):
        env = dict(line.split("=", 1) for line in self.netem("up", self.name).stdout.splitlines() if "=" in line)
        self.srv_ip, self.dev_ip = env["SRV_IP"], env["DEV_IP"]

    def start_worker(self):
        """Serves a.model as "model" on SRV_IP; the first start picks a free
        port, a restart takes the same one."""
        repo = os.path.join(self.tmp, "models", "model")
        os.makedirs(repo, exist_ok=True)
        if not os.path.exists(os.path.join(repo, "model.onnx")):
            shutil.copy(self.a.model, os.path.join(repo, "model.onnx"))
        self.worker = subprocess.Popen(
            [self.a.netem, "exec", self.name, "srv", self.a.cloud, "--models", os.path.join(self.tmp, "models"),
             "--listen", f"{self.srv_ip}:{self.port}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.worker.stdout.readline()
        if "listening on" not in line:
            raise Failed(f"the worker did not start: {line!r}")
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.endpoint = f"{self.srv_ip}:{self.port}"

    def kill_worker(self):
        # `netem.sh exec` and `ip netns exec` exec the worker: the Popen's pid
        # is the worker's own (never pkill by name: other workers may run).
        self.worker.kill()
        self.worker.wait(10)

    def cleanup(self):
        if self.worker and self.worker.poll() is None:
            self.kill_worker()
        self.netem("down", self.name, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)
