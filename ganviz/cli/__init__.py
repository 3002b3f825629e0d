"""Command line: `ganviz [gui]`, `ganviz train`, `ganviz sweep`, `ganviz presets`, `ganviz bench`, `ganviz data`.

A user's mistake ends with one line on stderr and exit status 2 (3 when training diverged);
a traceback means a bug in ganviz.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

from ..core.errors import DivergedError, GanvizError, Interrupted

COMMANDS = ("gui", "train", "sweep", "presets", "bench", "tour", "data")
DEFAULT_PRESET = "figure1"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        sys.stderr.write(f"ganviz: {message} (see '{self.prog} --help')\n"
                         if " " in self.prog else f"ganviz: {message} (see 'ganviz --help')\n")
        raise SystemExit(2)


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default=None, help=f"preset name or .toml file (default: {DEFAULT_PRESET})")
    p.add_argument("--steps", type=int, help="total training steps")
    p.add_argument("--seed", type=int, help="seed: same seed + same settings = the same run")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting (repeatable); 'ganviz presets --keys' lists them")
    p.add_argument("--data", help="a built-in data set or a file/folder (CSV, NPY/NPZ, MNIST IDX, images)")
    _add_device(p)


def _add_device(p: argparse.ArgumentParser, what: str = "the runs train on") -> None:
    p.add_argument("--device", metavar="DEVICE",
                   help=f"where {what}: auto (default: a CUDA GPU, else Apple's MPS, else the CPU), cpu, cuda, mps")


def _add_vary(p: argparse.ArgumentParser) -> None:
    p.add_argument("--vary", action="append", default=[], metavar="KEY=VALUES",
                   help="compare runs side by side: seed=0:4 (a range, end excluded) or loss=minimax,ns "
                        "(a list); several --vary make a grid (at most 16 runs)")
    p.add_argument("--compare", action="store_true",
                   help="the comparison the preset declares (e.g. saturating: minimax beside non-saturating)")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="ganviz", description="Train small GANs live and watch them learn.")
    sub = top.add_subparsers(dest="command", parser_class=_Parser)

    gui = sub.add_parser("gui", help="open the window (the default command)")
    _add_run_options(gui)
    gui.add_argument("--run-for", type=float, metavar="SECONDS", help="play for SECONDS, then exit (scripted run)")
    gui.add_argument("--screenshot", metavar="FILE.png", help="with --run-for: save a picture of the window")
    gui.add_argument("--walk", type=int, metavar="N",
                     help="with --run-for: walk through the preset's tour to stage N, then take the picture")
    gui.add_argument("--fullscreen", action="store_true", help="start full screen (presentation)")
    _add_vary(gui)

    train = sub.add_parser("train", help="train headless and write results to --out")
    _add_run_options(train)
    train.add_argument("--out", required=True, metavar="DIR", help="folder for config, metrics, samples, weights")
    train.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR (to --steps in total)")
    train.add_argument("--force", action="store_true", help="overwrite a non-empty --out folder")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--figure", metavar="FILE", help="also save the final picture as FILE.png or FILE.svg")
    train.add_argument("--record", metavar="FILE", help="record the run as FILE.gif or FILE.mp4 (~150 frames)")
    train.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for small nets)")
    _add_vary(train)

    sweep = sub.add_parser("sweep", help="many runs: a grid, a random search or Optuna's TPE, over seeds; "
                                         "on this machine or a Ray cluster")
    _add_run_options(sweep)
    sweep.add_argument("--out", required=True, metavar="DIR",
                       help="folder for the runs, results.csv and summary.png (the same command resumes it)")
    sweep.add_argument("--grid", action="append", default=[], metavar="KEY=VALUES",
                       help="every combination: lr_d=1e-4,3e-4,1e-3 or g_depth=1:4 (repeatable)")
    sweep.add_argument("--seeds", metavar="SPEC", help="every setting once per seed: 0:5 (end excluded) or 0,3,7")
    sweep.add_argument("--sample", action="append", default=[], metavar="KEY=SPACE",
                       help="draw a setting: lr_d=log:1e-5:1e-2, beta1=lin:0:0.9, loss=choice:ns,hinge (repeatable)")
    sweep.add_argument("--trials", type=int, metavar="N", help="how many settings --sample draws")
    sweep.add_argument("--optimize", metavar="METRIC",
                       help="Optuna's TPE chooses the --sample settings to make METRIC best (modes, hq, jsd, ks, ...)")
    sweep.add_argument("--metric", metavar="METRIC",
                       help="the metric of summary.png and --report (default: the data's main one)")
    sweep.add_argument("--backend", choices=("local", "ray"), default="local",
                       help="local: this machine's cores (default); ray: a Ray task per population")
    sweep.add_argument("--address", metavar="ADDR",
                       help="with --backend ray: a running cluster (auto, or HOST:PORT of 'ray start --head')")
    sweep.add_argument("--workers", type=int, metavar="N", help="local processes (default: one per core)")
    sweep.add_argument("--report", action="store_true",
                       help="print the best settings of the sweep in --out, with their spread over seeds; run nothing")
    sweep.add_argument("--dry-run", action="store_true", help="print what the sweep would train, and stop")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")

    tour = sub.add_parser("tour", help="walk a preset's tour headless: one picture per stage, for slides")
    _add_run_options(tour)
    tour.add_argument("--out", required=True, metavar="DIR", help="folder for the stage pictures")
    tour.add_argument("--format", default="png", choices=("png", "svg"), help="picture format (default png)")
    tour.add_argument("--force", action="store_true", help="overwrite a non-empty --out folder")
    tour.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for small nets)")

    pre = sub.add_parser("presets", help="list the presets, settings or data sets")
    pre.add_argument("--keys", action="store_true", help="list every setting with its default and meaning")
    pre.add_argument("--data", action="store_true", help="list the built-in data sets")
    pre.add_argument("--check", nargs="*", metavar="NAME",
                     help="train the presets named (all with expectations when none) at --seeds and tell "
                          "whether each holds what it promises")
    pre.add_argument("--seeds", default="0:5", metavar="A:B",
                     help="with --check: the seeds, a range with the end excluded (default 0:5)")
    pre.add_argument("--json", action="store_true", help="with --check: one JSON object last")
    _add_device(pre, "--check trains")

    bench = sub.add_parser("bench", help="measure training and drawing speed on this machine")
    bench.add_argument("--json", action="store_true", help="print one JSON object last")
    _add_device(bench, "ganviz trains (and the yardstick loop runs)")
    bench.add_argument("--quick", action="store_true", help="shorter runs (under a minute)")
    bench.add_argument("--sweep", action="store_true",
                       help="instead: a 32-run ring8 sweep (local, and on a local Ray) against the same runs one "
                            "after another with 'ganviz train' (minutes; --quick: 4 short runs)")
    bench.add_argument("--rounds", type=int, default=1, metavar="N",
                       help="with --sweep: measure each way N times, in alternating order")
    bench.add_argument("--soak", type=float, metavar="SECONDS",
                       help="instead: play ring8 in the window for SECONDS (e.g. 600) and report the memory of "
                            "the window and its training process over time")
    data = sub.add_parser("data", help="list the built-in data sets and where MNIST's and Fashion-MNIST's files are")
    get = data.add_subparsers(dest="data_command", metavar="get", parser_class=_Parser).add_parser(
        "get", help="download MNIST or Fashion-MNIST now (e.g. before a lecture); a no-op when on disk")
    get.add_argument("names", nargs="+", metavar="NAME", help="fashion-mnist, fashion-mnist:test, mnist, mnist:test")
    return top


def resolve_config(args, base: dict | None = None):
    """Preset, then settings sized for a user's images (--data with a built-in preset, core/sizing.py),
    then --data/--steps/--seed, then --set: later wins. Returns (preset, Config); args.sized says what was sized.

    With `base` (a resumed run's own settings) the preset applies only when one is named, so what
    the command line does not mention stays as the run had it.
    """
    from ..core import sizing
    from ..core.config import from_dict, parse_assignments
    from ..core.presets import load_preset
    preset = load_preset(args.preset or DEFAULT_PRESET) if base is None or args.preset else None
    values = dict(base or {})
    values.update(preset.settings if preset is not None else {})
    args.sized = None
    own_preset = args.preset is not None and Path(args.preset).suffix == ".toml"  # the user's own settings
    if getattr(args, "data", None) and base is None and not own_preset:
        image_size = dict(parse_assignments(args.sets)).get("image_size", values.get("image_size", 0))
        args.sized = sizing.for_data(args.data, image_size)
        if args.sized is not None:
            values.update(args.sized[1])
    for key in ("data", "steps", "seed", "device"):
        if getattr(args, key, None) is not None:
            values[key] = getattr(args, key)
    values.update(parse_assignments(args.sets))
    cfg = from_dict(values)
    from .fetch import fetch_missing
    fetch_missing(cfg.data)  # MNIST/Fashion-MNIST not on disk: downloaded here with a progress bar, not silently
    return preset, cfg


def resolve_runs(args, base: dict | None = None):
    """(preset, [Config per run], names or None): the resolved settings, times each combination of --vary
    (or each run of the preset's own comparison, --compare)."""
    from ..core import vary
    from ..core.errors import ConfigError
    preset, cfg = resolve_config(args, base)
    names = None
    if getattr(args, "compare", False):
        if args.vary:
            raise ConfigError("give --compare (the preset's comparison) or --vary, not both")
        if preset is None or preset.compare is None:
            which = f"preset '{preset.name}'" if preset is not None else "the resumed run"
            raise ConfigError(f"{which} declares no comparison; use --vary KEY=VALUES")
        variants, names = list(preset.compare.runs), preset.compare.names
    else:
        variants = vary.grid(getattr(args, "vary", []))
    cfgs = [cfg.replace(**v) for v in variants]
    if len(cfgs) > 1:
        vary.check_shared(cfgs)
    return preset, cfgs, list(names) if names else None


def device_setting(args) -> str | None:
    """--device checked as the setting is (None when not given), and resolved: a GPU that is not there is told
    in one line before anything is read or trained (commands that import torch anyway; the window's process
    never does, and its training process tells it)."""
    from ..core.config import check, coerce
    from ..core.device import resolve_device
    if getattr(args, "device", None) is None:
        return None
    value = coerce("device", args.device)
    check("device", value)
    resolve_device(value)
    return value


def ignored_notes(args, preset, cfgs) -> list[str]:
    """A line on settings sized for the user's images (resolve_config), then a warning per setting the user
    chose that the runs ignore (config.ignored): each one given with --set,
    and those of a preset file of their own that differ from the default (a config.toml that
    'ganviz train' wrote lists every setting, defaults too). The built-in presets are not the user's."""
    from ..core import sizing
    from ..core.config import FIELDS, coerce, ignored, parse_assignments
    chosen = set(parse_assignments(args.sets))
    if preset is not None and args.preset and Path(args.preset).suffix == ".toml":
        chosen |= {k for k, v in preset.settings.items() if coerce(k, v) != FIELDS[k].default}
    notes = {}
    for cfg in cfgs:
        notes.update({key: why for key, why in ignored(cfg).items() if key in chosen})
    sized = [sizing.note(args.data, args.sized)] if getattr(args, "sized", None) else []
    return sized + [f"{key} is ignored: {why}" for key, why in notes.items()]


def cmd_presets(args) -> int:
    from ..core import config
    from ..core.presets import load_preset, preset_names
    if args.check is not None:
        from .check_report import run_check
        return run_check(args.check, args.seeds, as_json=args.json, device=device_setting(args))
    if args.keys:
        for name, f in config.FIELDS.items():
            m = f.metadata
            choices = f" [{'|'.join(m['choices'])}]" if m["choices"] else ""
            live = "" if m["live"] else " (reset)"
            print(f"{name:16} = {f.default!s:10}{choices}{live}  {m['help']}")
        return 0
    if args.data:
        from ..core.data import BUILTINS
        for name, (kind, desc) in BUILTINS.items():
            print(f"{name:18} {kind:6} {desc}")
        return 0
    for name in preset_names():
        p = load_preset(name)
        print(f"{name:20} {p.title}: {p.description.splitlines()[0] if p.description else ''}")
    return 0


def cmd_train(args) -> int:
    from ..core.device import training_process
    from .train import summary_line, train
    training_process(args.threads)
    device_setting(args)
    base = None
    if args.resume:  # a resumed run keeps its own settings, except what this command line changes
        from .train import resumed_settings
        base = resumed_settings(Path(args.resume))
    preset, cfgs, names = resolve_runs(args, base)
    from ..core.device import resolve_device
    resolve_device(cfgs[0].device)  # --set device=... or a preset's: told before anything is read
    summary = train(cfgs, Path(args.out), Path(args.resume) if args.resume else None,
                    force=args.force, progress=not args.quiet, figure=args.figure, record=args.record,
                    notes=ignored_notes(args, preset, cfgs), names=names)
    print(summary_line(summary))
    return 0


def cmd_sweep(args) -> int:
    from ..core.errors import ConfigError
    from ..sweep import backends, results, runner, spec as specs
    out = Path(args.out)
    if args.report:
        spec = specs.load(out)
        metric = specs.metric_name(args.metric, spec.kind, spec.has_modes) if args.metric else spec.metric
        print(results.report(spec, results.read(out, spec), metric))
        return 0
    if args.address and args.backend != "ray":
        raise ConfigError("--address is for --backend ray; add --backend ray")
    if args.workers is not None and (args.backend != "local" or args.workers < 1):
        raise ConfigError("--workers counts local processes (at least 1); a Ray cluster's CPUs decide its own"
                          if args.backend == "ray" else f"--workers must be at least 1, got {args.workers}")
    if args.backend == "ray":
        backends.require("ray", "--backend ray")  # told now, before anything runs
    if args.optimize:
        backends.require("optuna", "--optimize")
    device_setting(args)
    preset, cfg = resolve_config(args)
    from ..core.device import resolve_device
    resolve_device(cfg.device)  # here, in one line, not in every worker
    from ..core.data import load
    data = load(cfg.data, n=cfg.n_data, image_size=cfg.image_size or None)
    spec = specs.build(cfg, preset.name, data.kind, data.modes is not None, grid=args.grid, seeds=args.seeds,
                       sample=args.sample, trials=args.trials, optimize=args.optimize, metric=args.metric)
    runner.preflight(spec)
    for note in ignored_notes(args, preset, [cfg]):
        warnings.warn(note)
    if args.dry_run:
        print(runner.describe(spec, out, args.workers or (backends.cores() if args.backend == "local" else None)))
        return 0
    try:
        summary = runner.run(spec, out, backend=args.backend, address=args.address, workers=args.workers,
                             progress=not args.quiet)
    except runner.Interrupted as err:
        sys.stderr.write(f"ganviz: {err}\n")
        return 130
    except runner.Incomplete as err:
        sys.stderr.write(f"ganviz: {err}\n")
        return 1
    print(results.report(spec, results.read(out, spec)))
    print(json.dumps(summary, allow_nan=False))
    return 0


def cmd_tour(args) -> int:
    from ..core.device import training_process
    from .train import summary_line, tour
    training_process(args.threads)
    device_setting(args)
    preset, cfg = resolve_config(args)
    print(summary_line(tour(preset, cfg, Path(args.out), force=args.force, fmt=args.format,
                            notes=ignored_notes(args, preset, [cfg]))))
    return 0


def cmd_gui(args) -> int:
    from ..app import run
    from ..core.errors import ConfigError
    from ..core.fileio import check_folder
    preset, cfgs, names = resolve_runs(args)
    if args.walk is not None:
        if not preset.tour:
            raise ConfigError(f"preset '{preset.name}' has no tour to walk through; leave out --walk")
        if not 1 <= args.walk <= len(preset.tour):
            raise ConfigError(f"--walk must be from 1 to {len(preset.tour)} (the stages of '{preset.name}')")
        if args.run_for is None:
            args.run_for = 120.0
    if args.screenshot:  # before the run, not after it
        check_folder(Path(args.screenshot).parent, "--screenshot")
    for note in ignored_notes(args, preset, cfgs):
        warnings.warn(note)
    return run(preset, cfgs, run_for=args.run_for, screenshot=args.screenshot, fullscreen=args.fullscreen,
               walk=args.walk, names=names)


def cmd_bench(args) -> int:
    from ..core.errors import ConfigError
    from .bench import main as bench_main
    if args.soak is not None and not 1 <= args.soak <= 86400:
        raise ConfigError(f"--soak takes the seconds to play, 1 to 86400 (e.g. --soak 600), not {args.soak:g}")
    if args.soak is not None and args.quick:
        raise ConfigError("--soak plays for the seconds it is given; leave out --quick")
    device = device_setting(args) or "auto"
    if args.sweep:
        if args.soak is not None:
            raise ConfigError("--sweep and --soak are separate measurements; give one")
        if args.rounds < 1:
            raise ConfigError(f"--rounds must be at least 1, got {args.rounds}")
        from .bench_sweep import main as sweep_bench
        return sweep_bench(quick=args.quick, as_json=args.json, rounds=args.rounds, device=device)
    return bench_main(quick=args.quick, as_json=args.json, soak_s=args.soak, device=device)


def cmd_data(args) -> int:
    from .fetch import main as data_main
    return data_main(args)


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning for the user (e.g. skipped files in an image folder) as one line, like errors."""
    (file or sys.stderr).write(f"ganviz: warning: {str(message).splitlines()[0]}\n")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    warnings.showwarning = _one_line_warning  # not Python's two lines with a source line
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "gui")  # `ganviz --preset ring8` opens the window
    args = parser().parse_args(argv)
    if args.command == "gui" and args.screenshot and args.run_for is None and args.walk is None:
        args.run_for = 3.0
    try:
        return {"gui": cmd_gui, "train": cmd_train, "sweep": cmd_sweep, "presets": cmd_presets, "bench": cmd_bench,
                "tour": cmd_tour, "data": cmd_data}[args.command](args)
    except DivergedError as err:
        sys.stderr.write(f"ganviz: {err}\n")
        return 3
    except GanvizError as err:
        sys.stderr.write(f"ganviz: {err}\n")
        return 2
    except Interrupted as err:
        sys.stderr.write(f"ganviz: {err}\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write("ganviz: interrupted\n")
        return 130
    except BrokenPipeError:  # `ganviz presets | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
