"""A Ray cluster on this machine, as the tests and `make bench ENGINE=ray` use it: each node
a separate `ray start --block` with one CPU."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RAY = Path(sys.executable).with_name("ray")
# Node death is noticed in about a second, not the default 15 (GCS health checks).
HEAD_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_health_check_period_ms": "500",
    "RAY_health_check_timeout_ms": "500",
    "RAY_health_check_failure_threshold": "2",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """Ray nodes on this machine, each `ray start --block` in its own process group, so
    that one can be killed alone, and all of them at the end (never `ray stop`, which would
    stop any other Ray on the machine)."""

    def __init__(self):
        self.port, self.nodes = free_port(), []
        self.address = f"127.0.0.1:{self.port}"
        self.temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: socket paths
        self.env = {**os.environ, **HEAD_ENV}

    def start(self, *args, cpus: int = 1) -> subprocess.Popen:
        """Start a node with `cpus` CPUs and wait until the cluster counts it."""
        command = [RAY, "start", "--block", "--num-cpus", str(cpus), "--disable-usage-stats"]
        command += ["--object-store-memory", str(200 * 2**20), *args]
        node = subprocess.Popen(
            command,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.nodes.append(node)
        self.wait_for(len(self.nodes))
        return node

    def wait_for(self, count: int, seconds: float = 60) -> None:
        """Wait until the cluster has `count` live nodes."""
        probe = "import ray; ray.init(address={!r}, logging_level='ERROR'); "
        probe += "print(sum(n['Alive'] for n in ray.nodes()))"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            done = subprocess.run(
                [sys.executable, "-c", probe.format(self.address)],
                capture_output=True,
                text=True,
                env=self.env,
            )
            if done.stdout.strip() == str(count):
                return
            time.sleep(0.5)
        raise AssertionError(f"the Ray cluster never had {count} live nodes: {done.stderr}")

    @staticmethod
    def kill(node: subprocess.Popen) -> None:
        """Kill a node's every process at once, as a machine lost would."""
        os.killpg(node.pid, signal.SIGKILL)
        node.wait()

    def stop(self) -> None:
        """Stop every node, the head last."""
        for node in reversed(self.nodes):
            if node.poll() is None:
                os.killpg(node.pid, signal.SIGTERM)
                try:
                    node.wait(30)
                except subprocess.TimeoutExpired:
                    self.kill(node)
        shutil.rmtree(self.temp, ignore_errors=True)

    @classmethod
    @contextmanager
    def running(cls) -> Iterator["Cluster"]:
        """A head and a worker, stopped when the block ends."""
        cluster = cls()
        try:
            cluster.start("--head", "--port", str(cluster.port), "--temp-dir", cluster.temp)
            cluster.start("--address", cluster.address)
            yield cluster
        finally:
            cluster.stop()
