"""The `ray` engine: a stage's map as tasks on a Ray cluster, each running the same
function a local worker runs, their results in order, twice as many in flight as the
cluster has CPUs. Only this module imports Ray.

A task runs in the driver's working folder, so the paths it is given (build/, dist/,
raw/ unless a URI) must be the same folder on every node: one machine, or a shared mount;
a task on a node that does not see the driver's folder (a mark the driver writes there for
the map's duration) fails the stage.
Each node runs the project as installed there (the same checkout, its environment made
from the lock file); a task on a node whose code or libraries differ from the driver's
fails the stage. A task lost with its node is retried by Ray on another (3 times); a
task's own error is the stage's error, as on the local engine."""

import os
import secrets
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numba
import pyarrow
import ray
import ray.exceptions

from pipeline.errors import UserError
from pipeline.parallel import in_order
from pipeline.parts import code_digest

# How long to wait for the cluster's head to answer before saying it cannot be reached.
CONNECT_SECONDS = 5
# How often to check, while waiting for a task, that the cluster still has a CPU.
WAIT_SECONDS = 10
# The HTTP/2 preface and an empty SETTINGS frame: a Ray head (its GCS, a gRPC server)
# answers with a SETTINGS frame of its own (type 4, the frame header's 4th byte).
HELLO = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes(3) + b"\x04" + bytes(5)
# Where `ray start --head` writes the address of the cluster it started on this machine.
CURRENT = Path("/tmp/ray/ray_current_cluster")
HINT = "is `ray start --head` running there? engine.address, or --address, names it"
# The name's start of the file a map writes in the driver's folder while its tasks run.
MARK = ".abstracts-ray-"


class ClusterError(UserError, RuntimeError):
    """The Ray cluster cannot be reached, or lost a task for good."""


def connect(address: str) -> None:
    """Join the Ray cluster at `address` (its head's host:port; `auto`: $RAY_ADDRESS, or
    the cluster last started on this machine) as its driver, once per process."""
    if ray.is_initialized():
        return
    head = _resolved(address)
    _check_head(head)
    try:
        ray.init(address=head, log_to_driver=False, logging_level="ERROR")
    except (ConnectionError, ValueError, RuntimeError) as error:
        raise ClusterError(f"cannot join the Ray cluster at {head}: {error}") from None
    if not ray.cluster_resources().get("CPU"):
        raise ClusterError(f"the Ray cluster at {head} has no CPU for tasks: start a worker")


def _resolved(address: str) -> str:
    """The head's host:port that `address` names."""
    if address != "auto":
        return address
    found = os.environ.get("RAY_ADDRESS") or (CURRENT.exists() and CURRENT.read_text())
    if not found:
        raise ClusterError(
            "no Ray cluster on this machine (engine.address is `auto`): start one with "
            "`ray start --head`, or give its head's HOST:PORT"
        )
    return found.strip()


def _check_head(head: str) -> None:
    """ClusterError, within seconds, unless a Ray head answers at `head` (host:port): Ray
    itself would wait minutes on a wrong address."""
    host, _, port = head.rpartition(":")
    if "://" in head or not host or not port.isdigit():
        raise ClusterError(
            f"{head}: expected the Ray head's HOST:PORT (its GCS port, 6379 by default; "
            "the Ray Client's ray:// is not supported: run the build on a node)"
        )
    answer = b""
    try:
        with socket.create_connection((host, int(port)), CONNECT_SECONDS) as peer:
            peer.settimeout(CONNECT_SECONDS)
            peer.sendall(HELLO)
            while len(answer) < 9 and (got := peer.recv(9 - len(answer))):
                answer += got
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise ClusterError(f"cannot reach the Ray cluster at {head}: {reason} ({HINT})") from None
    if answer[3:4] != b"\x04":
        raise ClusterError(f"{head} answers, but is not a Ray cluster's head ({HINT})")


def _fingerprint() -> tuple[str, str, str]:
    """What a node must share with the driver to build the same bytes: the code, and the
    libraries that write them (pyarrow writes its version into every Parquet file)."""
    return code_digest(), pyarrow.__version__, numba.__version__


def ordered_map(address: str, function: Callable, items: Iterable) -> Iterator:
    """`map(function, items)` as tasks on the cluster at `address`, in order."""
    connect(address)
    task = ray.remote(_run)
    with _marked(os.getcwd()) as where:
        start = partial(task.remote, ray.put(function), where, _fingerprint())
        yield from in_order(start, items, 2 * cpus(address), _result)


def cpus(address: str) -> int:
    """How many tasks the cluster at `address` runs at once: its CPUs."""
    connect(address)
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


@contextmanager
def _marked(folder: str) -> Iterator[tuple[str, str]]:
    """(folder, the name of a file in it that only this map writes), for the map's
    duration: a node that finds the file works in the driver's folder, not a copy."""
    mark = Path(folder, f"{MARK}{secrets.token_hex(8)}")
    try:
        mark.touch(exist_ok=False)
    except OSError as error:
        raise ClusterError(f"cannot write in the driver's folder {folder}: {error}") from None
    try:
        yield folder, mark.name
    finally:
        mark.unlink(missing_ok=True)


def _run(function: Callable, where: tuple[str, str], fingerprint: tuple, item):
    """On a node: (True, function(item)) in the driver's folder, or (False, the user
    error), which it is if the node's code or libraries are not the driver's, or if it
    does not see the driver's folder."""
    folder, mark = where
    if _fingerprint() != fingerprint:
        said = [
            f"code {code[:8]}, pyarrow {arrow}, numba {jit}"
            for code, arrow, jit in (_fingerprint(), fingerprint)
        ]
        return False, ClusterError(
            f"the Ray node {socket.gethostname()} runs other code or libraries than the driver "
            f"({said[0]}; the driver: {said[1]}): give every node the same checkout of the "
            "project, its environment made by `make env`"
        )
    if not os.path.exists(os.path.join(folder, mark)):
        return False, ClusterError(
            f"the Ray node {socket.gethostname()} does not see the driver's folder {folder} "
            "(no such folder there, or another one at its path): put the project on a "
            "filesystem every node mounts at the same path"
        )
    os.chdir(folder)
    try:
        return True, function(item)
    except UserError as error:
        return False, error


def _result(ref):
    """A task's result; its user error raised here, as the local engine would. Waiting,
    check that some node can still run it."""
    while True:
        try:
            done, value = ray.get(ref, timeout=WAIT_SECONDS)
            break
        except ray.exceptions.GetTimeoutError:
            if not ray.cluster_resources().get("CPU"):
                raise ClusterError(
                    "the Ray cluster has no CPU left (its workers were lost): "
                    "the stage's outputs are left as they were"
                ) from None
        except ray.exceptions.RayTaskError:
            raise  # a bug: its traceback, as on the local engine
        except ray.exceptions.RayError as error:
            raise ClusterError(
                f"the Ray cluster lost a task for good ({type(error).__name__}): "
                "the stage's outputs are left as they were"
            ) from None
    if not done:
        raise value
    return value
