"""The `ray` engine on a real two-node Ray cluster, started here: a head and a worker, each
a separate `ray start` with one CPU. A build on it equals the local build, byte for byte;
a worker lost in the middle of a build changes nothing; a cluster that cannot be reached
is one `Error:` line."""

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.cluster import Cluster, free_port
from bench.workspace import CORPORA
from pipeline import parallel
from pipeline.engine import Engine
from tests.conftest import SEEDS, copy_project, run_pipeline, sh, tree

CORPUS = {"seeds": SEEDS, "acl": CORPORA / "acl-anthology", "arxiv": CORPORA / "arxiv-2025/raw"}


@pytest.fixture(scope="module")
def cluster():
    """A head and a worker, as separate Ray nodes; this process is their driver."""
    with Cluster.running() as cluster:
        try:
            yield cluster
        finally:
            import ray

            ray.shutdown()


@contextmanager
def on_ray(cluster):
    """This process's maps on the cluster, for the block."""
    parallel.use(Engine("ray", cluster.address))
    try:
        yield
    finally:
        parallel.use(Engine())


@pytest.fixture(scope="module")
def local_builds(tmp_path_factory, params):
    """Each corpus built by the local engine, once."""
    out = tmp_path_factory.mktemp("local")
    return {name: tree(run_pipeline(raw, out / name, params)) for name, raw in CORPUS.items()}


@pytest.mark.slow
@pytest.mark.parametrize("corpus", list(CORPUS))
def test_a_ray_build_equals_the_local_one(cluster, local_builds, params, tmp_path, corpus):
    if not CORPUS[corpus].is_dir():
        pytest.skip(f"{CORPUS[corpus]}: no such corpus")
    with on_ray(cluster):
        release = run_pipeline(CORPUS[corpus], tmp_path, params)
    assert tree(release) == local_builds[corpus]


@pytest.mark.slow
def test_ray_tasks_read_the_dumps_through_a_uri(cluster, local_builds, params, tmp_path):
    """The dumps named by URI (here `file://`; `s3://` or `gs://` on a real cluster), each
    read by the task that parses it: the same release."""
    with on_ray(cluster):
        release = run_pipeline(f"file://{SEEDS}", tmp_path, params)
    assert tree(release) == local_builds["seeds"]


def running_tasks(node: int) -> int:
    """How many tasks the Ray node started as process `node` runs now: its worker
    processes titled `ray::_run` (the engine's task; an idle worker is `ray::IDLE`)."""

    def under(pid: int) -> bool:
        while pid > 1 and pid != node:
            try:
                pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                return False
        return pid == node

    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        count += title.startswith(b"ray::_run") and under(int(pid))
    return count


def written(parts: Path) -> list[Path]:
    """The parts written in the folder `parts`, not those being written (`.NAME.tmp-*`)."""
    return [path for path in parts.glob("*") if not path.name.startswith(".")]


@pytest.mark.slow
def test_a_worker_lost_mid_build_is_retried(cluster, local_builds, params, tmp_path):
    """A third node joins; once a quarter of the parse stage's parts are written, it is
    killed the first time it is seen running a task, in whichever stage that is. Ray runs
    its tasks again elsewhere: the same release."""
    extra = cluster.start("--address", cluster.address, cpus=2)  # the most CPUs: most tasks
    raw = CORPUS["acl"]
    parts = tmp_path / "parse" / "parts"
    quarter = len(list(raw.iterdir())) // 4
    killed_running, done = [], threading.Event()

    def kill_mid_task():
        while not done.is_set() and len(written(parts)) < quarter:
            time.sleep(0.01)
        while not done.is_set():
            if running_tasks(extra.pid):
                cluster.kill(extra)
                killed_running.append(True)
                return
            time.sleep(0.002)

    killer = threading.Thread(target=kill_mid_task, daemon=True)
    killer.start()
    try:
        with on_ray(cluster):
            release = run_pipeline(raw, tmp_path, params)
    finally:
        done.set()
        killer.join(5)
        if extra.poll() is None:
            cluster.kill(extra)
    assert killed_running, "the node was never seen running a task"
    assert tree(release) == local_builds["acl"]


@pytest.mark.slow
def test_dvc_repro_on_ray_builds_what_is_committed(cluster, tmp_path):
    """The stages run by DVC with the engine set by the environment build the committed
    outputs: dvc.lock is unchanged."""
    copy, env = copy_project(tmp_path / "project", tmp_path / "home")
    env |= {"ABSTRACTS_ENGINE": "ray", "ABSTRACTS_RAY_ADDRESS": cluster.address}
    out = sh("dvc", "repro", cwd=copy, env=env)
    assert "Running stage 'publish'" in out.stdout
    assert sh("git", "status", "--porcelain", cwd=copy, env=env).stdout == ""


def command_on_ray(address: str, *args, **env) -> tuple[int, list[str], float]:
    """`abstracts ARGS` with the ray engine at `address`, from the project's folder: its
    exit code, its error output's lines and its wall seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [Path(sys.executable).with_name("abstracts"), *args],
        env={**os.environ, "ABSTRACTS_ENGINE": "Ray", "ABSTRACTS_RAY_ADDRESS": address, **env},
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stderr.splitlines(), time.monotonic() - started


PARSE = ("parse", "--raw", SEEDS, "--out")  # the seeds, into the folder that follows


@contextmanager
def listening(answer: bytes | None):
    """A port on this machine that accepts connections and writes `answer` (None: says
    nothing): not a Ray head."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                peer, _ = server.accept()
            except TimeoutError:
                continue
            with peer:
                if answer is not None:
                    peer.sendall(answer)
                stop.wait(10)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        server.close()


HINT = "(is `ray start --head` running there? engine.address, or --address, names it)"


@pytest.mark.parametrize(
    "answer, message",
    [
        (
            b"HTTP/1.0 400 Bad request\r\n\r\n",
            "{}{} answers, but is not a Ray cluster's head " + HINT,
        ),
        (None, "{}cannot reach the Ray cluster at {}: timed out " + HINT),
    ],
    ids=["an HTTP server", "a silent port"],
)
def test_a_port_that_is_no_ray_head_is_one_error_line(tmp_path, answer, message):
    with listening(answer) as address:
        code, lines, seconds = command_on_ray(address, *PARSE, tmp_path)
    assert (code, lines) == (1, [message.format("Error: ", address)])
    assert seconds < 30 and not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "address, env, message",
    [
        (
            "127.0.0.1:{port}",
            {},
            "cannot reach the Ray cluster at 127.0.0.1:{port}: Connection refused " + HINT,
        ),
        (
            "auto",
            {"RAY_ADDRESS": "127.0.0.1:{port}"},
            "cannot reach the Ray cluster at 127.0.0.1:{port}: Connection refused " + HINT,
        ),
        (
            "ray://127.0.0.1:{port}",
            {},
            "ray://127.0.0.1:{port}: expected the Ray head's "
            "HOST:PORT (its GCS port, 6379 by default; the Ray Client's ray:// is not supported: "
            "run the build on a node)",
        ),
        (
            "127.0.0.1",
            {},
            "127.0.0.1: expected the Ray head's HOST:PORT (its GCS port, 6379 "
            "by default; the Ray Client's ray:// is not supported: run the build on a node)",
        ),
    ],
)
def test_a_cluster_that_cannot_be_reached_is_one_error_line(tmp_path, address, env, message):
    port = free_port()  # nothing listens there
    fill = {key: value.format(port=port) for key, value in env.items()}
    code, lines, _ = command_on_ray(address.format(port=port), *PARSE, tmp_path, **fill)
    assert (code, lines) == (1, [f"Error: {message.format(port=port)}"])
    assert not any(tmp_path.iterdir())


def test_check_says_when_the_cluster_cannot_be_reached():
    """`make dataset` runs `abstracts check` first: on the ray engine, it tries the cluster."""
    port = free_port()
    code, lines, _ = command_on_ray(f"127.0.0.1:{port}", "check", "--raw", SEEDS)
    assert (code, lines) == (
        1,
        [f"Error: cannot reach the Ray cluster at 127.0.0.1:{port}: Connection refused {HINT}"],
    )


@pytest.mark.slow
def test_a_cluster_without_a_cpu_is_one_error_line(tmp_path):
    """A head started with no CPU for tasks (as many are) and no worker."""
    cluster = Cluster()
    try:
        cluster.start("--head", "--port", str(cluster.port), "--temp-dir", cluster.temp, cpus=0)
        code, lines, _ = command_on_ray(cluster.address, *PARSE, tmp_path)
    finally:
        cluster.stop()
    message = f"Error: the Ray cluster at {cluster.address} has no CPU for tasks: start a worker"
    assert (code, lines) == (1, [message])


def test_a_node_running_other_code_fails_the_task(tmp_path, monkeypatch):
    """What a task does on a node: in the driver's folder, with the driver's code only."""
    from pipeline import cluster

    driver, mine = tmp_path / "driver", cluster._fingerprint()
    driver.mkdir()
    monkeypatch.chdir(tmp_path)
    with cluster._marked(str(driver)) as where:
        assert cluster._run(os.path.abspath, where, mine, "x") == (True, str(driver / "x"))
        for other in ((f"{mine[0]}x", *mine[1:]), (*mine[:2], "0.1")):  # other code, numba
            done, error = cluster._run(os.path.abspath, where, other, "x")
            assert not done and isinstance(error, cluster.ClusterError)
            assert "runs other code or libraries than the driver" in str(error), error
    assert not any(driver.iterdir())


def test_a_node_that_does_not_see_the_drivers_folder_fails_the_task(tmp_path):
    """A node with a folder at the driver's path that is not the driver's (the project
    checked out there, not shared): the task fails, naming what to do, and writes nothing.
    The mark is gone when the map ends."""
    from pipeline import cluster

    copy, mine = tmp_path / "node", cluster._fingerprint()
    copy.mkdir()
    with cluster._marked(str(tmp_path)) as (folder, mark):
        assert (tmp_path / mark).exists()
        done, error = cluster._run(os.path.abspath, (str(copy), mark), mine, "x")
    assert not done and isinstance(error, cluster.ClusterError)
    assert f"does not see the driver's folder {copy}" in str(error), error
    assert "filesystem every node mounts at the same path" in str(error)
    assert sorted(tmp_path.iterdir()) == [copy] and not any(copy.iterdir())


def test_the_local_engine_never_imports_ray(tmp_path):
    """A local build, every stage in one process: Ray is not imported."""
    program = (
        "import sys; from pathlib import Path; from pipeline.config import Params; "
        "from tests.conftest import run_pipeline; "
        f"run_pipeline(Path({str(SEEDS)!r}), Path({str(tmp_path)!r}), "
        "Params(Path('params.yaml'))); "
        "assert 'ray' not in sys.modules, 'ray was imported'"
    )
    root = Path(__file__).parents[1]
    subprocess.run([sys.executable, "-c", program], cwd=root, check=True, timeout=300)
    assert (tmp_path / "abstracts" / "README.md").exists()
