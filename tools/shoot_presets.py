"""Screenshot every preset with the scripted run and write docs/presets.md.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/shoot_presets.py [SECONDS] [NAME ...]
    .venv/bin/python tools/shoot_presets.py --doc      # docs/presets.md only, from the pictures there

Each preset plays for SECONDS (default 20) in the real window; the picture is what a viewer
sees at that moment, not a staged figure. docs/presets.md lists each preset's expectations and,
from docs/presets-check.json (the last line of `ganviz presets --check --seeds 0:5 --json`), the
values measured at each seed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ganviz.core.presets import load_preset, preset_names  # noqa: E402

WHAT = {"both": "iterations", "d": "updates of D alone", "g": "updates of G alone"}

OUT = ROOT / "docs" / "presets"
# Presets with a tour are pictured at their most telling stage, walked through in the window.
WALK = {"figure1": 2, "saturating": 3, "helvetica": 2, "noise-target": 1, "mixed-batches": 2}
# The benchmarks are pictured near the end of their schedule, where their promise is (at this machine's speed).
RUN_FOR = {"ring8": 40, "grid25": 90, "fashion": 210, "fashion-conditional": 210}


def shoot(name: str, seconds: float, compare: bool = False) -> dict:
    """The window on the preset after its scripted run; compare: its declared comparison instead."""
    png = OUT / f"{name}{'-compare' if compare else ''}.png"
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    seconds = RUN_FOR.get(name, seconds)
    how = ["--compare", "--run-for", str(seconds)] if compare else \
        ["--walk", str(WALK[name])] if name in WALK else ["--run-for", str(seconds)]
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "ganviz"), "--preset", name, *how,
                           "--screenshot", str(png)], capture_output=True, text=True, env=env, timeout=seconds + 300)
    if proc.returncode != 0:
        raise SystemExit(f"{name}: exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


CHECK = ROOT / "docs" / "presets-check.json"


def check_rows(name: str, checked: dict | None) -> list[str]:
    """The preset's expectations: what each promises, and the values measured at each seed."""
    p = load_preset(name)
    found = {r["expectation"]: r for r in (checked or {}).get("results", []) if r["preset"] == name}
    seeds = (checked or {}).get("seeds", [])
    unchecked = not found and seeds  # not on the machine that made the check (MNIST, say): no values to show
    lines = ["", "**What it promises** (`ganviz presets --check " + name + "`" +
             ("; not checked on the machine that made these figures, whose disk had not its data set" if unchecked
              else "") + "):", "",
             "| expectation | means | " + " | ".join(f"seed {s}" for s in seeds) + (" | held |" if seeds else ""),
             "|---|---|" + "---|" * len(seeds) + ("---|" if seeds else "")]
    for e in p.expect:
        r = found.get(e.text())
        cells = [f"{v:.3g}" + ("" if ok else " ✗") for v, ok in zip(r["values"], r["held"])] if r else \
            ["–"] * len(seeds)
        held = [f"{sum(r['held'])}/{len(seeds)}" if r else "–"] if seeds else []
        lines.append("| " + " | ".join([e.text().replace("|", "\\|"), e.says, *cells, *held]) + " |")
    return lines


def main() -> None:
    args = sys.argv[1:]
    doc_only = "--doc" in args
    args = [a for a in args if a != "--doc"]
    seconds = float(args.pop(0)) if args and args[0].replace(".", "").isdigit() else 20.0
    from ganviz.core import datasets
    def on_disk(name: str) -> bool:
        return not datasets.absent(str(load_preset(name).settings.get("data", "")))
    names = [] if doc_only else args or [n for n in preset_names() if on_disk(n)]
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        run = shoot(name, seconds)
        print(f"{name}: step {run['steps']}, {run.get('frames_per_s', '?')} fps", flush=True)
        if load_preset(name).compare is not None:
            run = shoot(name, seconds, compare=True)
            print(f"{name} --compare: step {run['steps']}, {run.get('frames_per_s', '?')} fps", flush=True)
    checked = json.loads(CHECK.read_text()) if CHECK.exists() else None
    lines = ["# Presets", "",
             "Each picture is the window after the scripted run "
             f"(`ganviz --preset NAME --run-for {seconds:g} --screenshot docs/presets/NAME.png`), "
             "made by `tools/shoot_presets.py`. A preset with a walk-through is pictured at the end of "
             "one of its stages (`--walk N`); `ganviz tour --preset NAME --out DIR` writes a picture "
             "of every stage.", ""]
    for name in preset_names():
        p = load_preset(name)
        lines += [f"## {p.title} (`{name}`)", "", p.description, ""]
        lines += [f"{i}. {s}" for i, s in enumerate(p.narration, 1)]
        if p.tour:
            lines += ["", "**Walk through** (button in the window, or T; Next is N or Page Down):", ""]
            lines += [f"- *{st.title}* ({st.steps:,} {WHAT[st.run]}"
                      + (", with " + ", ".join(f"{k} = {v}" for k, v in st.settings.items()) if st.settings else "")
                      + f"): {st.caption}" for st in p.tour]
        if p.expect:
            lines += check_rows(name, checked)
        if (OUT / f"{name}.png").exists():
            shown = f", at the end of stage {WALK[name]}" if name in WALK else \
                f", after {RUN_FOR[name]} s" if name in RUN_FOR else ""
            lines += ["", f"![{name}{shown}](presets/{name}.png)"]
        if p.compare is not None and (OUT / f"{name}-compare.png").exists():
            lines += ["", f"**Compare: {p.compare.title}** (the button in the window, or `ganviz --preset {name} "
                      f"--compare`; here after {RUN_FOR.get(name, seconds):g} s):", "",
                      f"![{name}, compare](presets/{name}-compare.png)"]
        lines.append("")
    (ROOT / "docs" / "presets.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
