"""The window's model, Qt-free: one object that owns the preset, each run's settings (edited and
applied), the play state and each run's history, kept in step with the training process.

The window and its tools (tour, slow motion, presentation, timeline, export) subscribe to its
events (psygnal signals, as napari's models emit) and act through its methods; the tools' own state
lives beside it, in lecture/. Messages from the training process come in through receive(), one
handler per message type; commands go out through the WorkerHandle (process/handle.py) the session
starts.

Runs: a single run is a comparison of one. Edits apply to the selected run or to every run
(`edit_all`), those of a setting every run shares (config.SHARED) always to every run, and the
settings panel shows the selected run's.
"""
from __future__ import annotations

from typing import Any, Callable

from psygnal import Signal

from .core import config, presets, sizing, vary
from .core.config import Config
from .core.errors import GanvizError
from .core.metriclog import MetricLog
from .core.presets import Preset
from .process import protocol as p


class Session:
    # ------------------------------------------------------------------ events
    preset_changed = Signal(object)      # Preset
    runs_changed = Signal()              # the runs' number or names changed (a new comparison)
    selected_changed = Signal(int)       # the run the single view and the settings panel show
    edited = Signal()                    # the shown settings changed (an edit, a preset, a load)
    pending_changed = Signal(int)        # how many edits wait for Reset
    playing_changed = Signal(bool)
    process_started = Signal(object)     # a new training process (its WorkerHandle): listen to it
    new_generation = Signal()            # a new population (reset, load): views and curves start afresh
    frame = Signal(object)               # a protocol.Frame, after the session took it in
    history_changed = Signal(int, int)   # run, the first of its rows that is new (rows from there on were
                                         # appended, or replaced after a cut)
    branched = Signal(int)               # the histories were cut at this step (the timeline)
    changed = Signal(dict, int)          # live changes the trainer applied ({run: {key: (old, new)}}), step
    phases = Signal(list)                # slow motion: the frames of one iteration, phase by phase
    problem = Signal(str, str)           # kind ("input" | "diverged" | "crash" | "died"), message
    saved = Signal(str)
    loaded = Signal(str)

    def __init__(self, preset: Preset, cfgs: list[Config] | Config,
                 start: Callable[[list[dict]], Any] | None = None, names: list[str] | None = None):
        """start(configs) -> a WorkerHandle: how a training process is started (tests give their own).
        names: the runs' names (else what differs between them)."""
        from .process.handle import WorkerHandle
        self._start = start or WorkerHandle
        self.handle = None
        self.preset = preset
        self.applied: list[Config] = []       # what the training process runs, run by run
        self.runs_edited: list[dict] = []     # the settings panel's values, run by run
        self.names: list[str] = []
        self.selected = 0
        self.edit_all = True                  # edits go to every run (else to the selected run only)
        self.playing = False
        self.last: p.Frame | None = None      # the newest frame
        self.generation: int | None = None
        self.history: list[MetricLog] = []    # each run's logged rows, as the trainer has them
        self.changes: list[list[tuple[int, str]]] = []
        self.timeline: list[int] = []         # the steps the trainer keeps states of
        self._new_runs_at = 0                 # commands sent up to the last reset: older frames are of old runs
        self._started: int | None = None      # the generation the trainer last said it started
        cfgs = [cfgs] if isinstance(cfgs, Config) else list(cfgs)
        self._set_runs(cfgs, names=names)
        self._applied(cfgs)

    # ------------------------------------------------------------------ runs and settings
    def _set_runs(self, cfgs: list[Config], names: list[str] | None = None) -> None:
        """The runs the user asked for (shown at once; the trainer confirms them with Started)."""
        self.runs_edited = [c.to_dict() for c in cfgs]
        self._named = names is not None and len(names) == len(cfgs)  # names given, not derived from the settings
        self.names = list(names) if self._named else vary.names(cfgs)
        self.selected = min(self.selected, len(cfgs) - 1)
        self.runs_changed.emit()
        self.edited.emit()
        self.pending_changed.emit(len(self.pending()))

    def _applied(self, cfgs: list[Config], refused: bool = False) -> None:
        """The runs the trainer trains: their settings, and fresh histories. refused: the trainer refused a
        reset and went on with its runs; the edits stay (pending) unless they no longer fit the runs."""
        self.applied = list(cfgs)
        if not refused:
            self.history = [MetricLog() for _ in cfgs]
            self.changes = [[] for _ in cfgs]
        edited = [c.to_dict() for c in cfgs]
        if (not refused and edited != self.runs_edited) or len(cfgs) != self.n_runs:
            self._set_runs(cfgs, self.names if self._named and len(self.names) == len(cfgs) else None)
        self.pending_changed.emit(len(self.pending()))

    @property
    def n_runs(self) -> int:
        return len(self.runs_edited)

    @property
    def values(self) -> dict[str, Any]:
        """The settings the panel shows: the selected run's, as edited."""
        return self.runs_edited[self.selected]

    def select(self, run: int) -> None:
        if run != self.selected and 0 <= run < self.n_runs:
            self.selected = run
            self.selected_changed.emit(run)
            self.edited.emit()
            self.pending_changed.emit(len(self.pending()))

    def edits_every_run(self, key: str) -> bool:
        """Whether an edit of `key` goes to every run: when edits go to every run, and always for a setting
        every run shares (config.SHARED: the data and the lockstep's clock)."""
        return self.edit_all or config.meta(key)["scope"] == config.SHARED

    def edit(self, key: str, value: Any) -> bool:
        """The user changed a setting: live ones go to the trainer now, the others wait for Reset.
        Returns False (and changes nothing) for a value the setting does not take. Data that is a user's
        images brings settings sized for them (core/sizing.py), which wait for Reset too."""
        try:
            value = config.checked(key, value)
        except GanvizError:
            return False
        every = self.edits_every_run(key)
        targets = range(self.n_runs) if every else [self.selected]
        if all(self.runs_edited[i][key] == value for i in targets):
            return True
        for i in targets:
            self.runs_edited[i][key] = value
            if key == "data":  # a user's images: the models sized for them (core/sizing.py), applied on Reset
                sized = sizing.for_data(value, self.runs_edited[i]["image_size"])
                self.runs_edited[i].update(sized[1] if sized else {})
        if config.meta(key)["live"]:
            self.send(p.Set({key: value}, None if every else (self.selected,)))
        self.edited.emit()
        self.pending_changed.emit(len(self.pending()))
        return True

    def show_settings(self, values: dict, runs: list[int] | None = None) -> None:
        """Show settings in the panel without sending them (a tour stage that sets them itself)."""
        for i in range(self.n_runs) if runs is None else runs:
            self.runs_edited[i].update(values)
        self.edited.emit()
        self.pending_changed.emit(len(self.pending()))

    def pending(self) -> list[str]:
        """Settings of the selected run edited but not yet applied (they need Reset)."""
        if not self.applied:
            return []
        applied = self.applied[self.selected].to_dict()
        return [k for k, v in self.values.items() if not config.meta(k)["live"] and v != applied.get(k)]

    def edited_configs(self) -> list[Config]:
        """The edited settings of every run, validated (ConfigError for impossible combinations)."""
        return [config.from_dict(v) for v in self.runs_edited]

    def set_edit_all(self, on: bool) -> None:
        self.edit_all = bool(on)

    # ------------------------------------------------------------------ the training process
    def start(self, cfgs: list[Config] | None = None) -> None:
        """Start a training process for cfgs (the applied settings by default: the window's first, or
        after one died)."""
        if self.handle is not None:
            self.handle.stop()
        self.handle = self._start([c.to_dict() for c in (cfgs or self.applied)])
        self._started = None
        self.generation, self._new_runs_at = None, 0
        self.process_started.emit(self.handle)

    def alive(self) -> bool:
        return self.handle is not None and self.handle.alive()

    def send(self, cmd) -> None:
        if self.handle is not None:
            self.handle.send(cmd)

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.stop()
            self.handle = None

    # ------------------------------------------------------------------ commands
    def set_playing(self, on: bool) -> None:
        if on and not self.alive():
            return
        self.send(p.Play() if on else p.Pause())
        self._playing(on)

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def _playing(self, on: bool) -> None:
        if on != self.playing:
            self.playing = on
            self.playing_changed.emit(on)

    def step(self, which: str = "both") -> None:
        self._playing(False)
        self.send(p.Step(which))

    def reset(self, cfgs: list[Config] | None = None, names: list[str] | None = None) -> bool:
        """Start again from step 0 with the edited settings (or cfgs); restarts the trainer if it died.
        False when the settings cannot be built (the problem is told)."""
        try:
            if cfgs is None:
                cfgs, names = self.edited_configs(), self.names if self._named else None
            if len(cfgs) > 1:
                vary.check_shared(cfgs)
        except GanvizError as err:
            self.problem.emit("input", str(err))
            return False
        self._set_runs(cfgs, names)
        self._playing(False)
        if self.alive():
            self.send(p.Reset(tuple(c.to_dict() for c in cfgs)))
            self._new_runs_at = self.handle.sent
        else:
            self.start(cfgs)
        return True

    def choose_preset(self, name: str, compare: bool = False) -> bool:
        """The preset's settings and story as a fresh run; compare: its declared comparison instead."""
        try:
            preset = presets.load_preset(name)
            comparison = preset.compare if compare else None
            cfgs = preset.configs(list(comparison.runs) if comparison else None)
        except GanvizError as err:
            self.problem.emit("input", str(err))
            return False
        self.preset = preset
        self.preset_changed.emit(preset)
        self.selected = 0
        return self.reset(cfgs, list(comparison.names) if comparison and comparison.names else None)

    def compare(self, variants: list[dict]) -> bool:
        """Runs side by side: the selected run's edited settings times each variant."""
        base = self.runs_edited[self.selected]
        try:
            cfgs = [config.from_dict({**base, **v}) for v in variants]
        except GanvizError as err:
            self.problem.emit("input", str(err))
            return False
        self.selected = 0
        return self.reset(cfgs, names=None)

    def open_runs(self, cfgs: list[Config], names: list[str] | None = None, preset: Preset | None = None) -> bool:
        """Runs from elsewhere (a sweep's folders) from step 0, under their preset's story when given."""
        self.selected = 0
        if not self.reset(cfgs, names):
            return False
        if preset is not None and preset.name != self.preset.name:
            self.preset = preset
            self.preset_changed.emit(preset)
        return True

    def view(self, cmd: p.View) -> None:
        self.send(cmd)

    def speed(self, steps_per_s: float) -> None:
        self.send(p.Speed(steps_per_s))

    def restore(self, step: int) -> None:
        self._playing(False)
        self.send(p.Restore(int(step)))

    def save(self, path: str) -> None:
        self.send(p.Save(str(path)))

    def load(self, path: str) -> None:
        if not self.alive():
            self.start()
        self.selected = 0
        self.send(p.Load(str(path)))
        self._new_runs_at = self.handle.sent

    def slow_step(self) -> None:
        self._playing(False)
        self.send(p.Phases())

    def play_stage(self, serial: int, stage) -> None:
        if stage.settings:
            self.show_settings(stage.settings)  # the panel shows what the stage sets
        self.send(p.PlayStage(serial, stage.to_dict()))
        self._playing(stage.steps > 0)

    # ------------------------------------------------------------------ messages from the trainer
    def receive(self, msg) -> None:
        self.RECEIVERS[type(msg)](self, msg)

    def _on_frame(self, frame: p.Frame) -> None:
        try:
            if frame.handled < self._new_runs_at:
                return  # drawn before the trainer heard of our new runs: of no use now
            self._take(frame)
            self.frame.emit(frame)
        finally:
            self.send(p.FrameDone())  # always: without it the trainer would wait for this frame forever

    def _take(self, frame: p.Frame) -> None:
        if frame.generation != self.generation:
            self.generation = frame.generation
            self.timeline = []
            self.new_generation.emit()
        if frame.branch_from is not None:
            self.branched.emit(frame.branch_from)
        for run in frame.rows:
            rows = _extend(self.history[run], frame.rows[run], frame.rows_from[run])
            changes = _extend(self.changes[run], frame.changes[run], frame.changes_from[run])
            if rows is not None or changes is not None:
                self.history_changed.emit(run, len(self.history[run]) if rows is None else rows)
        if frame.timeline is not None:
            self.timeline = list(frame.timeline)
        if self.handle is None or frame.handled >= self.handle.sent:  # no command of ours is still on its way
            self._playing(frame.playing)
        self.last = frame

    def _on_phases(self, msg: p.PhaseFrames) -> None:
        if not msg.frames or msg.frames[-1].handled < self._new_runs_at:
            return
        self._take(msg.frames[-1])  # the iteration's new rows, once
        self.phases.emit(msg.frames)

    def _on_changed(self, msg: p.Changed) -> None:
        for run, changes in msg.changes.items():
            self.applied[run] = self.applied[run].replace(**{k: new for k, (_, new) in changes.items()})
        self.pending_changed.emit(len(self.pending()))
        self.changed.emit(msg.changes, msg.step)

    def _on_error(self, msg: p.Error) -> None:
        if msg.kind == "diverged":
            self._playing(False)
        self.problem.emit(msg.kind, msg.message)

    def _on_saved(self, msg: p.Saved) -> None:
        self.saved.emit(msg.path)

    def _on_started(self, msg: p.Started) -> None:
        refused = msg.generation == self._started
        self._started = msg.generation
        self._applied([config.from_dict(c) for c in msg.configs], refused)

    def _on_loaded(self, msg: p.Loaded) -> None:
        self.loaded.emit(msg.path)

    def died(self, exitcode) -> None:
        """The training process stopped unexpectedly (the bridge noticed)."""
        self._playing(False)
        self.problem.emit("died", f"exit code {exitcode}")

    RECEIVERS = {p.Frame: _on_frame, p.PhaseFrames: _on_phases, p.Started: _on_started, p.Changed: _on_changed,
                 p.Error: _on_error, p.Saved: _on_saved, p.Loaded: _on_loaded}

    # ------------------------------------------------------------------ reading
    def picture(self, run: int | None = None):
        """The newest picture of a run (the selected one by default), or None."""
        if self.last is None:
            return None
        return self.last.pictures.get(self.selected if run is None else run)


def _extend(log, items: list, start: int) -> int | None:
    """Append items that begin at row `start` of the trainer's log, cutting ours there first.
    Returns where ours changed (None: it did not)."""
    if start < len(log):
        log.truncate(start) if isinstance(log, MetricLog) else log.__delitem__(slice(start, None))
    elif not items:
        return None
    for item in items:
        log.append(item)
    return start
