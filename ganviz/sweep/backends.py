"""Where populations train: a worker's task (one population, its runs' files sent back), and the backends
that run tasks: this machine's cores (a process pool) or a Ray cluster.

The worker writes each run's files as `ganviz train` does (outputs/rundir.py) into a temporary
folder and returns them with the final metrics: only the sweep's own process writes into --out, so
a Ray cluster's nodes need no shared disk.
"""
from __future__ import annotations

import os
import signal
import tempfile
import time
from concurrent import futures
from pathlib import Path
from typing import Callable

from ..core import runtable
from ..core.errors import GanvizError

PROGRESS_S = 1.0  # how often a worker tells its step count (the progress bar's time left) and checks for a stop
INSTALL = "pip install 'ganviz[sweep]'"


# ---------------------------------------------------------------------------------------- the worker
def train_population(task: dict, report: Callable[[int], None] | None = None,
                     stop: Callable[[], bool] | None = None) -> dict:
    """Train one population to its steps: each run's status, final metrics and files ({"stopped": True} when
    `stop` says so first). `report(step)` hears of its progress."""
    from ..core.config import from_dict
    from ..core.device import training_process
    from ..core.driver import Driver, Progress, Stop
    from ..core.population import Population
    from ..outputs.rundir import write_curves, write_outputs
    training_process(1)  # small nets: one thread each, and the workers share the cores
    t0 = time.perf_counter()
    pop = Population([from_dict(c) for c in task["cfgs"]])
    last, asked = t0, False

    def look(p: Progress) -> None:  # every PROGRESS_S: is the sweep stopping? if not, tell the step
        nonlocal last, asked
        if time.perf_counter() - last >= PROGRESS_S:
            last = time.perf_counter()
            asked = stop is not None and stop()
            if not asked and report is not None:
                report(p.step)
    if Driver(pop, progress=look, interrupted=lambda: asked).run() is Stop.INTERRUPTED:
        return {"id": task["id"], "stopped": True}
    # Stop.DIVERGED (every run diverged) goes on: each run is recorded as such
    runs = []
    with tempfile.TemporaryDirectory(prefix="ganviz-sweep-") as tmp:
        for i, folder in enumerate(task["folders"]):
            d = pop.diverged(i)
            where = Path(tmp) / str(i)
            if d is None:
                metrics = {k: v for k, v in pop.evaluate_now(i).items() if isinstance(v, float)}
                write_outputs(pop, i, where)
            else:
                metrics = {}
                write_curves(pop, i, where)
            files = {p.name: p.read_bytes() for p in sorted(where.iterdir())}
            runs.append({"folder": folder, "status": runtable.status(d), "metrics": metrics, "files": files})
    return {"id": task["id"], "steps": pop.step_count, "seconds": time.perf_counter() - t0, "runs": runs}


_progress = None  # the local worker's queue to the sweep, the sweep's stop flag, and the sweep's process
_stop = None
_parent = None


def _init_local_worker(progress, stop) -> None:
    global _progress, _stop, _parent
    _progress, _stop, _parent = progress, stop, os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the sweep's to handle: it tells us to stop
    from ..core.device import training_process
    training_process(1)


def _stopping() -> bool:
    if os.getppid() != _parent:  # the sweep was killed outright: nobody waits for this population
        os._exit(0)
    return _stop.is_set()


def _local_task(task: dict) -> dict:
    return train_population(task, lambda step: _progress.put((task["id"], step)), _stopping)


def _ray_task(task: dict, queue) -> dict:
    return train_population(task, lambda step: queue.put_nowait((task["id"], step)))


# ---------------------------------------------------------------------------------------- backends
def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class LocalBackend:
    """This machine's cores: a process pool of `workers` processes, one torch thread each."""

    def __init__(self, workers: int | None = None):
        import multiprocessing as mp
        ctx = mp.get_context("spawn")  # no fork of a process that has imported torch
        self.slots = workers or cores()
        self.queue, self.stop = ctx.Queue(), ctx.Event()
        self.pool = futures.ProcessPoolExecutor(self.slots, mp_context=ctx, initializer=_init_local_worker,
                                                initargs=(self.queue, self.stop))

    def submit(self, task: dict):
        return self.pool.submit(_local_task, task)

    def wait(self, handles: list, timeout: float) -> list:
        return list(futures.wait(handles, timeout, return_when=futures.FIRST_COMPLETED).done)

    def result(self, handle) -> dict:
        return handle.result()

    def progress(self) -> list[tuple[int, int]]:
        out = []
        while not self.queue.empty():
            try:
                out.append(self.queue.get_nowait())
            except Exception:  # queue.Empty, or a message cut short by a worker that stopped
                break
        return out

    def close(self) -> None:
        """Stop what still trains (an interrupted sweep: within PROGRESS_S), and the workers."""
        self.stop.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.queue.close()


def require(module: str, what: str):
    """Import an optional dependency, or say in one line how to install it."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        raise GanvizError(f"{what} needs {module.capitalize()}, which is not installed; install it with: "
                          f"{INSTALL}") from None


class RayBackend:
    """Each population a Ray task of one CPU: on a local Ray (started here, and stopped at the end) or on a
    cluster (`--address`, started with `ray start --head` / `ray start --address`)."""

    def __init__(self, address: str | None = None):
        if address not in (None, "auto", "local") and "RAY_AUTH_MODE" not in os.environ and (
                os.environ.get("RAY_AUTH_TOKEN") or (Path.home() / ".ray" / "auth_token").exists()):
            # Ray 2.60's `ray start --head` turns on token authentication; Ray sends the token by itself for
            # --address auto, for an address only when told to, before it is imported (its token-auth docs)
            os.environ["RAY_AUTH_MODE"] = "token"
        ray = require("ray", "--backend ray")
        self.ray = ray
        self.started = not ray.is_initialized()
        if self.started:
            try:
                # "local": a new Ray on this machine, never another user's cluster found by chance
                ray.init(address=address or "local", include_dashboard=False, logging_level="ERROR",
                         log_to_driver=False)
            except (ConnectionError, ValueError, RuntimeError) as err:
                raise GanvizError(f"cannot start or reach Ray at '{address or 'local'}' "
                                  f"({str(err).splitlines()[0][:120]}); start a cluster with 'ray start --head' (its "
                                  "token, ~/.ray/auth_token, on this machine too), or leave out --address for a Ray "
                                  "on this machine") from None
        from ray.util.queue import Queue
        self.slots = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.queue = Queue(actor_options={"num_cpus": 0})  # takes no CPU from the populations
        self.remote = ray.remote(num_cpus=1)(_ray_task)
        self.pending: set = set()

    def submit(self, task: dict):
        ref = self.remote.remote(task, self.queue)
        self.pending.add(ref)
        return ref

    def wait(self, handles: list, timeout: float) -> list:
        done, _ = self.ray.wait(handles, num_returns=1, timeout=timeout)
        return done

    def result(self, handle) -> dict:
        self.pending.discard(handle)
        try:
            return self.ray.get(handle)
        except self.ray.exceptions.RayTaskError as err:  # an error in ganviz's code: say it as it was
            cause = getattr(err, "cause", None)
            raise (cause if isinstance(cause, Exception) else err) from None

    def progress(self) -> list[tuple[int, int]]:
        return self.queue.get_nowait_batch(self.queue.qsize()) if self.queue.qsize() else []

    def close(self) -> None:
        """Cancel what still trains (an interrupted sweep), and stop the Ray this sweep started."""
        for ref in self.pending:
            self.ray.cancel(ref, force=True)
        self.queue.shutdown()
        if self.started:
            self.ray.shutdown()
