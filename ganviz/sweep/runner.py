"""Running a sweep: its inputs checked, its populations handed to a backend (backends.py) as workers
come free, each run's folder and results.csv written as they finish, and an interrupted sweep resumed.

Only this process writes into --out: a run's files first, then its row in results.csv, each
atomically; a run is complete exactly when it has both (results.Result.complete).
"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any

from ..core import runtable
from ..core.errors import GanvizError
from ..core.fileio import check_folder, write_bytes
from . import plan, results, spec as specs
from .backends import LocalBackend, RayBackend
from .results import Result
from .spec import Run, Spec


class Interrupted(GanvizError):
    """Ctrl+C: the finished runs are kept."""


class Incomplete(GanvizError):
    """Some populations failed (a lost Ray node, a crashed worker): their runs are missing."""


# ---------------------------------------------------------------------------------------- planners
class Grid:
    """A grid or a random search: every run known before the first starts."""

    def __init__(self, runs: list[Run], base, slots: int):
        self.pops = plan.populations(runs, base, slots)

    def next(self) -> list[Run] | None:
        return self.pops.pop(0) if self.pops else None

    def finished(self, runs: list[Result]) -> None:
        pass


def make_task(task_id: int, runs: list[Run], base) -> dict:
    return {"id": task_id, "cfgs": [r.config(base).to_dict() for r in runs], "folders": [r.folder for r in runs]}


# ---------------------------------------------------------------------------------------- the sweep
def preflight(spec: Spec) -> None:
    """Every run's settings, its data and its models' sizes checked before anything runs."""
    from ..core.config import ARCHITECTURE_KEYS, SHARED_KEYS
    from ..core.data import load
    from ..core.models import check_size
    groups: dict[tuple, dict[tuple, Any]] = {}
    for cfg in spec.check_configs():
        groups.setdefault(tuple(getattr(cfg, k) for k in SHARED_KEYS), {}).setdefault(
            tuple(getattr(cfg, k) for k in ARCHITECTURE_KEYS), cfg)
    for archs in groups.values():
        first = next(iter(archs.values()))
        data = load(first.data, n=first.n_data, image_size=first.image_size or None)
        if (data.kind, data.modes is not None) != (spec.kind, spec.has_modes):
            raise GanvizError(f"data {first.data} is {data.kind} data, unlike the sweep's first ({spec.base['data']}: "
                              f"{spec.kind}); one metric judges every run: sweep them separately")
        for cfg in archs.values():
            check_size(cfg, tuple(data.train.shape[1:]))


def check_out(out: Path, spec: Spec) -> list[Result]:
    """The complete runs of the same sweep in `out` ([] for a new folder); refuse a folder with anything else."""
    try:
        if out.exists() and not out.is_dir():
            raise GanvizError(f"--out '{out}' is a file; give a folder")
        if not out.is_dir() or not any(out.iterdir()):
            return []
    except OSError as err:
        raise GanvizError(f"--out folder '{out}' cannot be read ({err.strerror or err}); choose another folder") \
            from None
    if not (out / specs.SPEC_FILE).exists():
        raise GanvizError(f"--out '{out}' already holds files but no sweep; choose a new folder")
    why = spec.differs_from(specs.load(out))
    if why is not None:
        raise GanvizError(f"--out '{out}' holds another sweep ({why}); give the same options to resume it, "
                          "or choose a new folder")
    return [r for r in results.read(out, spec) if r.complete(out)]


def describe(spec: Spec, out: Path, workers: int | None) -> str:
    """What the sweep would train (--dry-run)."""
    kept = check_out(Path(out), spec)
    points = spec.trials if spec.sampled else spec.n_runs() // len(spec.seeds)
    what = ("trial" if spec.sampled else "setting") + ("s" if points > 1 else "")
    seeds = f"{len(spec.seeds)} seed" + ("s" if len(spec.seeds) > 1 else "")
    lines = [f"{spec.n_runs()} runs ({points} {what} x {seeds}), judged by {spec.metric}"
             + (", chosen by Optuna's TPE sampler" if spec.optimize else ""),
             f"{len(kept)} finished in '{out}', {spec.n_runs() - len(kept)} to train"]
    if not spec.optimize and workers:
        done = {r.run.folder for r in kept}
        pops = plan.populations([r for r in spec.runs() if r.folder not in done], spec.base_config(), workers)
        if pops:
            lines.append(f"{len(pops)} populations of {min(map(len, pops))} to {max(map(len, pops))} runs on "
                         f"{workers} workers")
    return "\n".join(lines)


def store(out: Path, runs: dict[str, Run], answer: dict) -> list[Result]:
    """A population's runs into their folders (stale files of an earlier try removed), as Results."""
    new = []
    for r in answer["runs"]:
        folder = out / r["folder"]
        for name in runtable.RUN_FILES:
            if name not in r["files"] and (folder / name).exists():
                (folder / name).unlink()
        for name, data in r["files"].items():
            write_bytes(folder / name, data)
        new.append(Result(runs[r["folder"]], r["status"], answer["steps"], answer["seconds"], r["metrics"]))
    return new


def run(spec: Spec, out: Path, backend: str = "local", address: str | None = None, workers: int | None = None,
        progress: bool = True) -> dict:
    """Train the sweep's missing runs into `out`; results.csv, summary.png. Returns the summary."""
    out = Path(out)
    kept = check_out(out, spec)
    base = spec.base_config()
    if spec.optimize:
        from .search import Search
        search = Search(spec, kept)  # Optuna is imported (or its absence told) before anything is written
    else:
        done = {r.run.folder for r in kept}
        todo_runs = [r for r in spec.runs() if r.folder not in done]
    by_folder: dict[str, Result] = {r.run.folder: r for r in kept}
    n_todo = spec.n_runs() - len(kept)
    t0 = time.perf_counter()
    failures: list[str] = []
    # the backend first: a Ray that cannot be reached is told before anything is written
    pool = (LocalBackend(workers) if backend == "local" else RayBackend(address)) if n_todo > 0 else None
    try:
        check_folder(out, "--out")
        spec.save(out)
        if pool is not None:
            planner = search.start(pool.slots) if spec.optimize else Grid(todo_runs, base, pool.slots)
            failures = _drive(spec, out, pool, planner, base, by_folder, n_todo, progress)
    finally:
        if pool is not None:
            pool.close()  # stops what still trains (an interrupted sweep), and a Ray the sweep started
    ordered = _ordered(spec, by_folder.values())
    results.write(out, spec, ordered)
    if ordered:
        from .summary import save_summary
        save_summary(spec, ordered, out / "summary.png")
    finished = len(ordered)
    summary = {"runs": spec.n_runs(), "finished": finished, "kept": len(kept), "trained": finished - len(kept),
               "diverged": sum(r.diverged for r in ordered), "seconds": round(time.perf_counter() - t0, 2),
               "metric": spec.metric}
    ranked = results.settings(ordered, spec.metric)
    if ranked and not ranked[0].failed:
        summary["best"] = {"settings": ranked[0].values, spec.metric: ranked[0].mean, "sd": ranked[0].sd}
    if failures:
        missing = spec.n_runs() - finished
        raise Incomplete(f"{missing} run{'s' if missing > 1 else ''} did not finish ({failures[0]}); run the same "
                         f"command again to train {'them' if missing > 1 else 'it'}")
    return summary


def _ordered(spec: Spec, found) -> list[Result]:
    return sorted(found, key=lambda r: (r.run.trial, spec.seeds.index(r.run.seed) if r.run.seed in spec.seeds else 0))


def _drive(spec: Spec, out: Path, pool, planner, base, by_folder: dict, n_todo: int, progress: bool) -> list[str]:
    """Keep every worker busy with a population until the planner has none left; store each as it finishes."""
    from tqdm import tqdm
    total_steps = n_todo * base.steps if "steps" not in spec.keys else None
    name = spec.preset or spec.base["data"]
    bar = tqdm(total=total_steps or n_todo, disable=not progress, file=sys.stderr, mininterval=0.5,
               desc=f"sweep {name}: 0/{n_todo} runs done", bar_format="{desc} {percentage:3.0f}%|{bar}| "
               "[{elapsed} so far, {remaining} left]")
    in_flight: dict[Any, tuple[dict, list[Run]]] = {}
    seen: dict[int, int] = {}
    failures, done, next_id = [], 0, 0
    terminate = _on_sigterm(_as_interrupt)  # `kill` stops a sweep as Ctrl+C does
    try:
        broken = False
        while True:
            while not broken and len(in_flight) < pool.slots and (runs := planner.next()) is not None:
                task = make_task(next_id, runs, base)
                next_id += 1
                try:
                    in_flight[pool.submit(task)] = (task, runs)
                except Exception as err:  # the backend takes no more (a process pool broken by a killed worker)
                    failures.append(_reason(err))
                    broken = True
            if not in_flight:
                break
            finished = pool.wait(list(in_flight), 0.5)
            for task_id, step in pool.progress():
                task = next((t for t, _ in in_flight.values() if t["id"] == task_id), None)
                if task is not None and total_steps:
                    bar.update((step - seen.get(task_id, 0)) * len(task["cfgs"]))
                    seen[task_id] = step
            for handle in finished:
                task, runs = in_flight.pop(handle)
                try:
                    answer = pool.result(handle)
                except GanvizError as err:
                    failures.append(str(err))
                    continue
                except Exception as err:  # a lost node, a crashed worker: the other populations go on
                    failures.append(_reason(err))
                    continue
                if answer.get("stopped"):
                    continue
                new = store(out, {r.folder: r for r in runs}, answer)
                by_folder.update({r.run.folder: r for r in new})
                results.write(out, spec, _ordered(spec, by_folder.values()))
                planner.finished(new)
                done += len(new)
                if total_steps:
                    bar.update(len(new) * base.steps - seen.pop(task["id"], 0) * len(new))
                else:
                    bar.update(len(new))
                bar.set_description_str(f"sweep {name}: {done}/{n_todo} runs done")
    except KeyboardInterrupt:
        bar.close()
        raise Interrupted(f"interrupted: {len(by_folder)} of {spec.n_runs()} runs finished and are kept in '{out}'; "
                          "run the same command again to train the rest") from None
    finally:
        _on_sigterm(terminate)
    bar.close()
    return failures


def _reason(err: Exception) -> str:
    first = str(err).splitlines()[0][:160] if str(err) else ""
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def _as_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _on_sigterm(handler):
    """Set SIGTERM's handler (only the main thread may); the one it replaces."""
    import threading
    if threading.current_thread() is not threading.main_thread() or handler is None:
        return None
    return signal.signal(signal.SIGTERM, handler)
