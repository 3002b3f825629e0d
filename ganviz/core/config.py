"""Every setting of a run, its default, its range and its help text: the one home of each default.

Presets (TOML, read by core/presets.py) override these defaults, `--set KEY=VALUE` overrides presets,
and the GUI builds its controls from the same field metadata, so a new setting appears everywhere at once.

A field marked `live` may change between two training steps (the trainer applies it on the next
step); any other field changes the models or the data, so changing it starts a fresh run.
"""
from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import ConfigError

LOSSES = ("minimax", "ns", "lsgan", "wgan", "wgan-gp", "hinge")
OPTIMIZERS = ("sgd", "adam", "rmsprop")
PRIORS = ("gaussian", "uniform")
MODELS = ("linear", "mlp", "dcgan")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "elu", "softplus")
D_BATCHES = ("separate", "mixed")
UPDATES = ("alternating", "simultaneous")
D_TARGETS = ("generator", "noise")
DEVICES = ("auto", "cpu", "cuda", "mps")  # core/device.py resolves them (this module imports no torch)


# How a setting may differ between the runs of a population (core/population.py):
RUN = "run"                # per run, within one set of stacked nets (seeds, learning rates, loss, ...)
ARCHITECTURE = "arch"      # runs that differ here train as separate groups of the same population
SHARED = "shared"          # the same for every run: the data, the lockstep's own clock, the device


def _f(default, help, *, live=False, lo=None, hi=None, choices=None, group="training", step=None, log=False,
       scope=ARCHITECTURE):
    """A config field with the metadata the CLI, the validator and the GUI controls share."""
    return field(default=default, metadata=dict(
        help=help, live=live, lo=lo, hi=hi, choices=choices, group=group, step=step, log=log, scope=scope))


@dataclass
class Config:
    # --- data (changing any of these starts a fresh run) ---
    data: str = _f("ring8", "data set: a built-in name or a file/folder path", group="data", scope=SHARED)
    n_data: int = _f(20000, "points drawn for a built-in 1D/2D data set (images: at most this many)",
                     lo=100, hi=1_000_000, group="data", scope=SHARED)
    image_size: int = _f(0, "side images are resized to (0 = keep the data's own size)", lo=0, hi=64, group="data",
                         scope=SHARED)

    # --- models ---
    model: str = _f("mlp", "architecture of G and D", choices=MODELS, group="model")
    g_hidden: int = _f(128, "units per hidden layer of G (channels for dcgan)", lo=1, hi=2048, group="model")
    g_depth: int = _f(2, "hidden layers of G", lo=0, hi=8, group="model")
    d_hidden: int = _f(128, "units per hidden layer of D (channels for dcgan)", lo=1, hi=2048, group="model")
    d_depth: int = _f(2, "hidden layers of D", lo=0, hi=8, group="model")
    activation: str = _f("relu", "hidden-layer activation", choices=ACTIVATIONS, group="model")
    dropout: float = _f(0.0, "dropout in D's hidden layers", lo=0.0, hi=0.9, group="model", step=0.05)
    d_batchnorm: bool = _f(False, "batch normalisation in D (makes separate vs mixed D batches differ)",
                           group="model")
    spectral_norm: bool = _f(False, "spectral normalisation of D's layers (Miyato et al. 2018): each weight divided "
                             "by its largest singular value, so D cannot change faster than its input", group="model")
    z_dim: int = _f(2, "dimension of the noise z", lo=1, hi=128, group="model")
    conditional: bool = _f(False, "a conditional GAN (Mirza & Osindero 2014): G and D are also given the class, so G "
                           "draws the class it is asked for (images whose data says each one's class)", group="model")
    prior: str = _f("gaussian", "distribution of z: N(0, I) or U(-1, 1)", choices=PRIORS, live=True, group="model")

    # --- loss (Algorithm 1 and its usual variants) ---
    loss: str = _f("ns", "minimax: G minimises log(1-D(G(z))); ns: G maximises log D(G(z)); "
                   "lsgan; wgan (weight clipping); wgan-gp; hinge", choices=LOSSES, live=True, group="loss", scope=RUN)
    label_smoothing: float = _f(0.0, "one-sided label smoothing: D's target for real data is 1 - this",
                                lo=0.0, hi=0.5, live=True, group="loss", step=0.05, scope=RUN)
    instance_noise: float = _f(0.0, "std of Gaussian noise added to D's inputs, annealed to 0 over noise_anneal steps",
                               lo=0.0, hi=5.0, live=True, group="loss", step=0.05, scope=RUN)
    noise_anneal: int = _f(2000, "steps over which instance noise decays linearly to 0", lo=1, hi=10_000_000,
                           live=True, group="loss", scope=RUN)
    clip: float = _f(0.01, "WGAN weight clipping bound c", lo=1e-5, hi=10.0, live=True, group="loss", log=True,
                     scope=RUN)
    gp_weight: float = _f(10.0, "WGAN-GP gradient penalty weight", lo=0.0, hi=1000.0, live=True, group="loss", scope=RUN)
    r1: float = _f(0.0, "R1 penalty (Mescheder et al. 2018): D's loss gains r1/2 x |grad D|^2 on the data, which keeps "
                   "D smooth where the data is, so training settles instead of circling (0: off)",
                   lo=0.0, hi=1000.0, live=True, group="loss", scope=RUN)
    d_batch: str = _f("separate", "D sees real and fake in two minibatches or one mixed batch",
                      choices=D_BATCHES, live=True, group="loss")
    d_target: str = _f("generator", "D's fakes: G's samples (Algorithm 1) or noise annealed toward the data",
                       choices=D_TARGETS, live=True, group="loss")

    # --- optimisation ---
    optimizer: str = _f("adam", "optimiser of both nets: SGD with momentum (the paper's), Adam, RMSprop",
                        choices=OPTIMIZERS, live=True)
    lr_d: float = _f(1e-3, "learning rate of D", lo=1e-7, hi=10.0, live=True, log=True, scope=RUN)
    lr_g: float = _f(1e-3, "learning rate of G", lo=1e-7, hi=10.0, live=True, log=True, scope=RUN)
    beta1: float = _f(0.5, "Adam beta1", lo=0.0, hi=0.999, live=True, step=0.05, scope=RUN)
    beta2: float = _f(0.999, "Adam beta2", lo=0.0, hi=0.9999, live=True, step=0.001, scope=RUN)
    momentum: float = _f(0.5, "SGD momentum (the paper: 0.5)", lo=0.0, hi=0.999, live=True, step=0.05, scope=RUN)
    batch_size: int = _f(256, "minibatch size m (of real and of fake samples)", lo=1, hi=8192, live=True)
    lr_decay: float = _f(0.0, "the last share of the steps over which both learning rates fall linearly to a "
                         "twentieth, so the samples settle (0: constant rates)", lo=0.0, hi=1.0, live=True, step=0.05,
                         scope=RUN)
    ema: float = _f(0.0, "the views and samples show G with its weights averaged over recent steps (exponential "
                    "moving average with this decay, e.g. 0.999): steadier, sharper samples; training itself is "
                    "unchanged (0: G's own weights)", lo=0.0, hi=0.9999, live=True, step=0.001, scope=RUN)
    k_d: int = _f(1, "D steps per iteration (Algorithm 1's k)", lo=1, hi=100, live=True, scope=RUN)
    k_g: int = _f(1, "G steps per iteration", lo=1, hi=100, live=True, scope=RUN)
    update: str = _f("alternating", "alternating: D then G (Algorithm 1); simultaneous: both from the same state",
                     choices=UPDATES, live=True)
    reuse_fake: bool = _f(True, "G's step reuses the last D step's z and G(z) instead of drawing new noise "
                          "(same expectation, one G forward fewer)", live=True)

    # --- run ---
    steps: int = _f(5000, "training iterations (each: k_d D steps + k_g G steps)", lo=0, hi=100_000_000,
                    live=True, group="run", scope=SHARED)
    seed: int = _f(0, "seed of every random draw: same seed + same settings = the same run", lo=0,
                   hi=2**31 - 1, group="run", scope=RUN)
    log_every: int = _f(10, "write a metrics row every this many steps", lo=1, hi=1_000_000, live=True, group="run",
                        scope=SHARED)
    eval_every: int = _f(250, "compute the sample-based metrics (JSD, modes, Parzen) every this many steps",
                         lo=1, hi=1_000_000, live=True, group="run", scope=SHARED)
    device: str = _f("auto", "where the runs train: auto (a CUDA GPU, else Apple's MPS, else the CPU), cpu, cuda or "
                     "mps; the same seed gives the same bits on the same device", choices=DEVICES, group="run",
                     scope=SHARED)

    def replace(self, **changes) -> "Config":
        return validated(dataclasses.replace(self, **changes))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


FIELDS = {f.name: f for f in fields(Config)}
LIVE_KEYS = frozenset(name for name, f in FIELDS.items() if f.metadata["live"])
SHARED_KEYS = tuple(name for name, f in FIELDS.items() if f.metadata["scope"] == SHARED)
ARCHITECTURE_KEYS = tuple(name for name, f in FIELDS.items() if f.metadata["scope"] == ARCHITECTURE)


def meta(key: str) -> dict:
    return FIELDS[key].metadata


def _type_of(key: str) -> type:
    return type(FIELDS[key].default)


def unknown_key_message(key: str) -> str:
    close = difflib.get_close_matches(key, FIELDS, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'?" if close else "run 'ganviz presets --keys' for the list"
    return f"unknown setting '{key}'; {hint}"


def coerce(key: str, value: Any) -> Any:
    """Turn a value from TOML, the CLI (a string) or a widget into the field's type, or raise ConfigError."""
    if key not in FIELDS:
        raise ConfigError(unknown_key_message(key))
    kind = _type_of(key)
    try:
        if kind is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                    raise ValueError
                return low in ("true", "1", "yes", "on")
            if isinstance(value, (bool, int)) and value in (0, 1):
                return bool(value)
            raise ValueError
        if kind is int:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError
                return int(value)
            return int(str(value).strip().replace("_", ""))
        if kind is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if not isinstance(value, str):
            raise ValueError
        return value.strip()
    except (ValueError, TypeError):
        raise ConfigError(f"{key} must be {kind.__name__ if kind is not str else 'text'}, got {value!r}") from None


def check(key: str, value: Any) -> None:
    """Raise ConfigError if value is out of the field's range or not one of its choices."""
    m = meta(key)
    if m["choices"] is not None and value not in m["choices"]:
        close = difflib.get_close_matches(str(value), m["choices"], n=1, cutoff=0.4)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"{key} must be one of {', '.join(m['choices'])}; got '{value}'{hint}")
    if isinstance(value, float) and value != value:
        raise ConfigError(f"{key} must be a number, got NaN")
    if m["lo"] is not None and value < m["lo"]:
        need = "greater than 0" if m["lo"] > 0 and m["log"] else f"at least {m['lo']}"
        raise ConfigError(f"{key} must be {need}, got {value}")
    if m["hi"] is not None and value > m["hi"]:
        raise ConfigError(f"{key} must be at most {m['hi']}, got {value}")
    if key == "data" and not value:
        raise ConfigError("data must name a built-in data set or a file; see 'ganviz presets --data'")


def checked(key: str, value: Any) -> Any:
    """The value in the setting's type, within its range and choices, or ConfigError: the one validation
    of a setting, whoever sets it (the window's controls through the session, --set, --vary, tour stages,
    and validated() for a whole Config)."""
    value = coerce(key, value)
    check(key, value)
    return value


def validated(cfg: Config) -> Config:
    for f in fields(cfg):
        setattr(cfg, f.name, checked(f.name, getattr(cfg, f.name)))
    # Sizes that would exhaust a laptop's memory are refused before anything is allocated.
    params = (cfg.g_hidden ** 2) * max(cfg.g_depth - 1, 0) + (cfg.d_hidden ** 2) * max(cfg.d_depth - 1, 0)
    if params > 50_000_000:
        raise ConfigError(f"models of {params / 1e6:.0f}M weights are too large for this tool; "
                          "lower g_hidden/d_hidden or g_depth/d_depth")
    return cfg


def ignored(cfg: Config | dict[str, Any]) -> dict[str, str]:
    """The settings that cfg's model, update rule, loss and optimiser never read, each with the reason.

    The window greys these out and the CLI warns about the ones a user set: they are legal, only inert.
    (The trainer's lone Step D / Step G use d_target and reuse_fake even when update=simultaneous.)
    """
    c = cfg.to_dict() if isinstance(cfg, Config) else cfg
    out: dict[str, str] = {}

    def skip(keys: tuple[str, ...], why: str) -> None:
        for key in keys:
            out.setdefault(key, why)  # the first reason is the one shown

    if c["model"] == "linear":
        skip(("g_hidden", "d_hidden", "g_depth", "d_depth", "activation", "dropout", "d_batchnorm"),
             "model=linear has no hidden layers")
    elif c["model"] == "dcgan":
        skip(("g_depth", "d_depth"), "model=dcgan has a fixed depth")
        skip(("activation",), "model=dcgan has its own (ReLU in G, leaky ReLU in D)")
    if c["model"] == "linear" or not c["d_batchnorm"]:
        skip(("d_batch",), "D has no batch norm, so one batch or two are the same")
    if c["update"] == "simultaneous":
        skip(("k_d", "k_g"), "update=simultaneous takes one step of each net")
        skip(("reuse_fake",), "update=simultaneous computes G(z) once for both nets")
        skip(("d_target",), "update=simultaneous trains D against G's samples")
    elif c["d_target"] == "noise":
        skip(("reuse_fake",), "with d_target=noise D's step makes no G(z) to reuse")
    if c["instance_noise"] == 0 and (c["d_target"] != "noise" or c["update"] == "simultaneous"):
        skip(("noise_anneal",), "instance_noise is 0, so there is no noise to anneal")
    if c["loss"] in ("wgan", "wgan-gp", "hinge"):
        skip(("label_smoothing",), f"loss={c['loss']} has no labels to smooth")
    if c["loss"] != "wgan":
        skip(("clip",), "only loss=wgan clips D's weights")
    if c["loss"] != "wgan-gp":
        skip(("gp_weight",), "only loss=wgan-gp has a gradient penalty")
    if c["loss"] == "wgan":
        skip(("r1",), "loss=wgan keeps D smooth by clipping its weights")
    if c["optimizer"] != "sgd":
        skip(("momentum",), "only optimizer=sgd uses momentum")
    if c["optimizer"] != "adam":
        skip(("beta1", "beta2"), "only optimizer=adam uses betas")
    return out


def from_dict(values: dict[str, Any], base: Config | None = None) -> Config:
    cfg = dataclasses.replace(base) if base is not None else Config()
    for key, value in values.items():
        setattr(cfg, key, coerce(key, value))
    return validated(cfg)


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """`["lr_d=1e-4", "loss=wgan"]` -> typed dict, or ConfigError naming the bad item."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set needs KEY=VALUE, got '{item}'")
        out[key] = checked(key, value)
    return out


def diff(old: Config, new: Config) -> dict[str, tuple[Any, Any]]:
    return {k: (getattr(old, k), getattr(new, k)) for k in FIELDS if getattr(old, k) != getattr(new, k)}
