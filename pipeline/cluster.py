"""The `ray` engine: a stage's map as tasks on a Ray cluster, each running the same
function a local worker runs, their results in order, twice as many in flight as the
cluster has CPUs. Only this module imports Ray.

A task runs in the driver's working folder, so the paths it is given (build/, dist/,
raw/ unless a URI) must be the same folder on every node: one machine, or a shared mount.
Each node runs the project as installed there (the same checkout, its environment made
from the lock file); a task on a node whose code differs from the driver's fails the
stage. A task lost with its node is retried by Ray on another (3 times); a task's own
error is the stage's error, as on the local engine."""

import os
import socket
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from urllib.parse import urlsplit

import ray
import ray.exceptions

from pipeline.errors import UserError
from pipeline.parallel import in_order
from pipeline.parts import code_digest

# How long to wait for the cluster's address to answer before saying it cannot be reached.
CONNECT_SECONDS = 5


class ClusterError(UserError, RuntimeError):
    """The Ray cluster cannot be reached, or lost a task for good."""


def connect(address: str) -> None:
    """Join the Ray cluster at `address` as its driver, once per process."""
    if ray.is_initialized():
        return
    _check_reachable(address)
    try:
        ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    except ConnectionError as error:
        raise ClusterError(f"cannot reach the Ray cluster at {address}: {error}") from None


def _check_reachable(address: str) -> None:
    """ClusterError unless `address` (host:port, ray://host:port; `auto` aside) answers:
    Ray itself would wait minutes."""
    if address == "auto":
        return
    where = urlsplit(address if "://" in address else f"//{address}")
    try:
        with socket.create_connection((where.hostname, where.port), CONNECT_SECONDS):
            pass
    except (OSError, ValueError, TypeError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise ClusterError(
            f"cannot reach the Ray cluster at {address}: {reason} (is `ray start` running "
            "there? engine.address in params.yaml, or --address, names it)"
        ) from None


def ordered_map(address: str, function: Callable, items: Iterable) -> Iterator:
    """`map(function, items)` as tasks on the cluster at `address`, in order."""
    connect(address)
    task = ray.remote(_run)
    shared = ray.put(function)
    folder, code = os.getcwd(), code_digest()
    window = 2 * max(1, int(ray.cluster_resources().get("CPU", 1)))
    yield from in_order(partial(task.remote, shared, folder, code), items, window, _result)


def _run(function: Callable, folder: str, code: str, item):
    """On a node: (True, function(item)) in the driver's folder, or (False, the user
    error), which it is if the node's code is not the driver's (`code`)."""
    if code_digest() != code:
        return False, ClusterError(
            f"the Ray node {socket.gethostname()} runs other code than the driver: give every "
            "node the same checkout of the project, its environment made by `make env`"
        )
    os.chdir(folder)
    try:
        return True, function(item)
    except UserError as error:
        return False, error


def _result(ref):
    """A task's result; its user error raised here, as the local engine would."""
    try:
        done, value = ray.get(ref)
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
