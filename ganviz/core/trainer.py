"""Algorithm 1 of Goodfellow et al. (2014) and its usual variants, for N runs in lockstep.

    for each iteration:
        k_d times: sample m noise and m data points, update D to ascend V(D, G)
        k_g times: sample m noise points, update G to descend its loss

A Trainer holds N runs of one architecture: their weights stacked along a run axis (models.py),
so each line below trains all of them with one set of kernel calls. A single run is N = 1.
Runs may differ in their seed and in every per-run setting (config.RUN: learning rates, betas,
loss, label smoothing, instance noise, k_d, k_g, ...); each draws its batches, noise and dropout
masks from its own generator, so a run's course does not depend on the runs beside it.

`step_d()`, `step_g()` and `step()` can be called in any order (the GUI's Step D / Step G /
Step buttons); population.py keeps the step count, the logs and the live settings.
Display and evaluation draw from their own generators, so watching a run never changes it.
With `ema`, they also draw from G's weights averaged over recent steps (Polyak averaging, as
BigGAN and StyleGAN sample): Algorithm 1 trains G's own weights exactly as without it.

Everything lives on the population's device (device.py): the data pool, the weights, the moments,
each run's generator. A step asks the device for one number only: whether every run's loss is
finite (`_update`, once per update of D or of G). What a step needs to know of the runs (which
penalise, which are active, their columns) comes from their settings on the host; masks and
columns made of those are copied to the device without waiting for it, or kept there from the
first step that needed them.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np
import torch

from . import losses, optim
from .config import Config
from .device import host, upload
from .models import FlatParameters, build, has_batch_statistics

PHASES = {  # slow motion: each phase of one iteration with the caption shown for it
    "sample": "1. Draw a minibatch: m points from the data and m noise vectors z from the prior.",
    "generate": "2. G maps each z to a fake point x = G(z).",
    "discriminate": "3. D scores every point: near 1 means 'looks real', near 0 'looks fake'.",
    "update_d": "4. D takes one gradient step: up on the real points, down on the fakes. G is unchanged.",
    "update_g": "5. G takes one step along D's gradient: each fake moves toward where D says 'real'.",
}
STAT_KEYS = ("loss_d", "loss_g", "d_real", "d_fake", "value", "grad_d", "grad_g")


def phase_caption(phase: str, cfg: Config) -> str:
    """A slow-motion phase's caption for a run with these settings: what Play does there, k steps or both at once."""
    if cfg.update == "simultaneous" and phase == "update_d":
        return ("4. D and G both take one step from the same state (update = simultaneous): D up on the real "
                "points and down on the fakes, G along the D it saw before D's step.")
    if cfg.update == "simultaneous" and phase == "update_g":
        return "5. Where that step moved each fake: G followed D's gradient at the start of the iteration."
    k = cfg.k_d if phase == "update_d" else cfg.k_g if phase == "update_g" else 1
    more = f" Then {k - 1} more, each on a fresh minibatch ({'k_d' if phase == 'update_d' else 'k_g'} = {k})."
    return PHASES[phase] + (more if k > 1 else "")


LR_FLOOR = 0.05  # lr_decay's end: a twentieth of the rate, not 0, so Play after the end still trains


def lr_factor(step: int, steps: int, decay: float) -> float:
    """The learning rates' factor at `step`: 1, then down linearly to LR_FLOOR over the last `decay` share."""
    if decay <= 0 or steps <= 0:
        return 1.0
    start = steps * (1 - decay)
    return max(LR_FLOOR, 1 - (1 - LR_FLOOR) * (step - start) / (steps - start)) if step > start else 1.0


class Batch(NamedTuple):
    """Points for one net's pass, (N, m, ...) per run, with the class of each for a conditional GAN (N, m):
    the data's own classes for real points, the classes G is asked for beside its noise."""
    x: torch.Tensor
    y: torch.Tensor | None = None


def noise(cfg: Config, m: int, generator: torch.Generator, out: torch.Tensor | None = None) -> torch.Tensor:
    """m draws of z from the prior: N(0, I) or U(-1, 1), on the generator's device (into `out` when given)."""
    if out is None:
        out = torch.empty(m, cfg.z_dim, device=generator.device)
    if cfg.prior == "uniform":
        return torch.rand(out.shape, generator=generator, out=out).mul_(2).sub_(1)
    return torch.randn(out.shape, generator=generator, out=out)


def data_tensors(data, conditional: bool, device: torch.device) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The training points (and, for a conditional GAN, their classes) on the device: what batches are drawn
    from. The CPU's share the data's memory."""
    pool = torch.from_numpy(np.ascontiguousarray(data.train)).to(device)
    labels = torch.from_numpy(data.labels).to(device) if conditional and data.labels is not None else None
    return pool, labels


class Trainer:
    """N runs of one architecture (the same model, sizes, batch, prior, optimiser and update rule)."""

    def __init__(self, cfgs: list[Config], data, clock: Callable[[], int] = lambda: 0,
                 device: torch.device | str = "cpu", tensors: tuple[torch.Tensor, torch.Tensor | None] | None = None):
        """device: the population's (device.resolve_device); tensors: data_tensors() already on it (a population
        of several architectures shares one copy of its data)."""
        self.cfgs, self.data, self.n = list(cfgs), data, len(cfgs)
        self.device = torch.device(device)
        self.clock = clock  # the population's step count, read when due: instance noise and lr_decay follow it
        # the pool, and a conditional GAN's classes: each training point's, which G's asked-for classes are drawn from
        self.pool, self.labels = tensors if tensors is not None else data_tensors(data, self.cfg.conditional,
                                                                                   self.device)
        # batches, noise, masks; a CUDA generator draws another stream than a CPU one of the same seed
        self.rngs = [torch.Generator(device=self.device).manual_seed(c.seed + 1) for c in self.cfgs]
        shape = tuple(self.pool.shape[1:])
        # weights as torch.nn draws them, each run's from its own seed (on the CPU, so every device starts a run
        # from the same weights), then moved to the device before FlatParameters gathers them
        self.G, self.D = build(self.cfgs[0], shape, self.n, self.rngs, seeds=[c.seed for c in self.cfgs],
                               classes=0 if data.classes is None or data.labels is None else len(data.classes))
        self.G, self.D = self.G.to(self.device), self.D.to(self.device)
        self.flat_g, self.flat_d = FlatParameters(self.G, self.n), FlatParameters(self.D, self.n)
        self.separate_batches = has_batch_statistics(self.D)  # else real and fake share D's forward pass
        # G's step reuses the last D step's noise and G(z) (reuse_fake): (z, G(z)), G(z) None when it must be
        # computed again
        self.reused: tuple[Batch, torch.Tensor | None] | None = None
        self.stats: dict[str, torch.Tensor] = {}  # the last step's numbers, one per run
        self.diverged: list[tuple[int, str] | None] = [None] * self.n  # (step, what) once a run's loss is NaN/Inf
        self.opt_d = self.opt_g = None
        self.ema: torch.Tensor | None = None  # (N, P) G's averaged weights, while any run averages
        self.configure(self.cfgs)

    @property
    def cfg(self) -> Config:
        """The settings every run of this trainer shares (its architecture) are those of any run."""
        return self.cfgs[0]

    # ------------------------------------------------------------------ settings
    def configure(self, cfgs: list[Config]) -> None:
        """Apply (new) settings of the same runs: per-run columns, optimisers (fresh if their kind changed)."""
        old = self.cfg.optimizer if self.opt_d is not None else None
        self.cfgs = list(cfgs)
        dev = self.device
        col = lambda key: optim.column((getattr(c, key) for c in self.cfgs), dev)  # noqa: E731
        self.loss_kinds = [c.loss for c in self.cfgs]
        self.smoothing: torch.Tensor | float = col("label_smoothing") if any(
            c.label_smoothing for c in self.cfgs) else 0.0
        self.k_d, self.k_g = [c.k_d for c in self.cfgs], [c.k_g for c in self.cfgs]
        self.clip = upload(optim.column(c.clip for c in self.cfgs).masked_fill(
            torch.tensor([[c.loss != "wgan"] for c in self.cfgs]), float("inf")), dev)
        gp_weight = torch.tensor([c.gp_weight if c.loss == "wgan-gp" else 0.0 for c in self.cfgs])
        r1 = torch.tensor([0.0 if c.loss == "wgan" else c.r1 for c in self.cfgs])
        # which runs penalise, read from the host's copies: the step asks these lists, not the device
        self.gp_on, self.r1_on = (gp_weight > 0).tolist(), bool(r1.any())
        self.gp_weight, self.r1 = upload(gp_weight, dev), upload(r1, dev)
        self._masks: dict[tuple, torch.Tensor] = {}  # run masks on the device, by their host list (_mask)
        self.lr = col("lr_d"), col("lr_g")
        self._factors: tuple[float, ...] | None = None  # the rates' factors last applied (_schedule)
        self._sigma: tuple | None = None  # (step, instance noise's stds, as a column): made once a step
        betas = col("beta1"), col("beta2"), col("momentum")
        if old != self.cfg.optimizer:  # a different optimiser starts with fresh moments
            self.opt_d = optim.make(self.cfg.optimizer, self.flat_d.data, self.lr[0], *betas)
            self.opt_g = optim.make(self.cfg.optimizer, self.flat_g.data, self.lr[1], *betas)
        else:
            self.opt_d.configure(self.lr[0], *betas)
            self.opt_g.configure(self.lr[1], *betas)
        if self.cfg.d_target == "noise":
            self.reused = None
        self.ema_decay = col("ema")
        if not any(c.ema for c in self.cfgs):
            self.ema = None
        elif self.ema is None:  # averaging starts from G's weights as they are now
            self.ema = self.flat_g.data.clone()

    def _mask(self, active: list[bool], *shape: int) -> torch.Tensor:
        """The host's bool per run as a device tensor shaped (N, *shape), copied there once per pattern."""
        key = (tuple(active), shape)
        if key not in self._masks:
            self._masks[key] = upload(active, self.device).reshape(-1, *shape)
        return self._masks[key]

    # ------------------------------------------------------------------ sampling, one draw per run
    def _draw(self, fill: Callable[[torch.Generator, torch.Tensor], Any], shape: tuple[int, ...],
              active: list[bool] | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """(N, *shape) draws, each run's row filled by fill(its generator, the row) in place (the same numbers as
        a draw of its own, without stacking N of them); runs not active draw nothing (zeros stand in)."""
        if active is None or all(active):
            out = torch.empty(self.n, *shape, dtype=dtype, device=self.device)
            active = [True] * self.n
        else:
            out = torch.zeros(self.n, *shape, dtype=dtype, device=self.device)
        for g, row, on in zip(self.rngs, out, active):
            if on:
                fill(g, row)
        return out

    def real_batch(self, m: int, active=None) -> Batch:
        """m training points of each run (and their classes, for a conditional GAN)."""
        rows = self._draw(lambda g, o: torch.randint(len(self.pool), (m,), generator=g, out=o), (m,), active,
                          torch.int64)
        return Batch(self.pool[rows], None if self.labels is None else self.labels[rows])

    def noise(self, m: int, active=None) -> Batch:
        """m draws of G's input for each run: z from the prior (and, for a conditional GAN, the class G is asked
        for, drawn as often as the data holds it). As noise() draws them, each run from its own generator."""
        z = self._draw(lambda g, o: noise(self.cfg, m, g, out=o), (m, self.cfg.z_dim), active)
        if self.labels is None:
            return Batch(z)
        return Batch(z, self.labels[self._draw(
            lambda g, o: torch.randint(len(self.labels), (m,), generator=g, out=o), (m,), active, torch.int64)])

    def _g(self, z: Batch, **kwargs) -> torch.Tensor:
        return self.G(z.x, y=z.y, **kwargs)

    def _instance_noise(self, x: torch.Tensor, active=None) -> torch.Tensor:
        """Gaussian noise on D's inputs, its std annealed linearly to 0 (each run its own schedule)."""
        t = self.clock()
        if self._sigma is None or self._sigma[0] != t:  # the same for every batch of a step: made once
            sigma = [c.instance_noise * max(0.0, 1.0 - t / c.noise_anneal) for c in self.cfgs]
            # the column goes to the device only while some run has noise to add
            self._sigma = t, sigma, optim.column(sigma, self.device) if any(s > 0 for s in sigma) else None
        _, sigma, column = self._sigma
        on = [s > 0 and (active is None or a) for s, a in zip(sigma, active or [True] * self.n)]
        if not any(on):
            return x
        eps = self._draw(lambda g, o: torch.randn(x.shape[1:], generator=g, out=o), x.shape[1:], on)
        return torch.addcmul(x, column.reshape(-1, *[1] * (x.dim() - 1)), eps)  # x + sigma eps

    def _blurred_data(self, m: int, active=None) -> Batch:
        """Data blurred by noise that shrinks over noise_anneal steps: D's fakes when d_target=noise."""
        t = self.clock()
        x, y = self.real_batch(m, active)
        sigma = optim.column((max(0.1, 2.0 * (1.0 - t / c.noise_anneal)) for c in self.cfgs), self.device)
        return Batch(x + sigma.reshape(-1, *[1] * (x.dim() - 1)) * self._draw(
            lambda g, o: torch.randn(x.shape[1:], generator=g, out=o), x.shape[1:], active), y)

    # ------------------------------------------------------------------ D
    def _d(self, x: Batch, **kwargs) -> torch.Tensor:
        return self.D(x.x, y=x.y, **kwargs)

    def _d_logits(self, real: Batch, fake: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        if self.separate_batches and self.cfg.d_batch == "separate":
            return self._d(real), self._d(fake)  # batch statistics of the real and of the fake batch
        if real.x.requires_grad and not self.separate_batches:
            # R1 differentiates D on the data: the data's pass alone, or R1's second-order graph would run over the
            # fakes' rows too (twice the work). The same maths when D has no batch statistics.
            return self._d(real), self._d(fake)
        # one pass; the same maths when D has no batch statistics
        out = self.D(torch.cat([real.x, fake.x], 1), y=None if real.y is None else torch.cat([real.y, fake.y], 1))
        m = real.x.shape[1]
        return out[:, :m], out[:, m:]

    def _d_objective(self, real: Batch, fake: Batch, active=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """D's loss on a real and a fake minibatch, per run, with its logits on each: the one objective of D in
        every update order (instance noise on both, R1 on the data, the gradient penalty between them).
        The fake may still carry G's graph (a simultaneous step differentiates G's loss through l_fake)."""
        real_in, fake_in = self._with_instance_noise(real, active, data=True), self._with_instance_noise(fake, active)
        l_real, l_fake = self._d_logits(real_in, fake_in)
        loss = losses.per_run(self.loss_kinds, lambda k: losses.d_loss(k, l_real, l_fake, self.smoothing))
        if real_in.x.requires_grad:  # R1: D's gradient on the data, pushed toward 0
            loss = loss + self.r1 * losses.r1_penalty(l_real, real_in.x)
        if any(self.gp_on):  # only the runs with a penalty draw its interpolation weights
            eps = self._draw(lambda g, o: torch.rand(real.x.shape[1], generator=g, out=o), real.x.shape[1:2],
                             self.gp_on)
            # a conditional critic judges each interpolate as the real point's class
            critic = lambda x: self.D(x, y=real.y)  # noqa: E731
            loss = loss + self.gp_weight * losses.gradient_penalty(critic, real_in.x, fake_in.x.detach(), eps)
        return loss, l_real, l_fake

    def _with_instance_noise(self, x: Batch, active=None, data: bool = False) -> Batch:
        """x with instance noise; data=True: the real batch, which R1 differentiates D on."""
        noisy = self._instance_noise(x.x, active)
        if data and self.r1_on:  # R1 differentiates D on the data with respect to the data
            noisy = noisy.detach().requires_grad_()
        return Batch(noisy, x.y)

    def step_d(self, active: list[bool] | None = None, real: Batch | None = None, z: Batch | None = None) -> None:
        """One update of D for the `active` runs (all when None). `real` and `z` may be given (slow
        motion shows the batch before it is used)."""
        self._schedule()
        c, m = self.cfg, self.cfg.batch_size
        real = self.real_batch(m, active) if real is None else real
        if c.d_target == "noise":
            fake, self.reused = self._blurred_data(m, active), None
        else:
            z = self.noise(m, active) if z is None else z
            if c.reuse_fake:
                g_out = self._g(z)
                fake = Batch(g_out.detach(), z.y)
                self._reuse(z, g_out, active)
            else:
                with torch.no_grad():
                    fake = Batch(self._g(z), z.y)
        loss, l_real, l_fake = self._d_objective(real, fake, active)
        grads = self.flat_d.flatten(torch.autograd.grad(loss.sum(), self.flat_d.params))
        self._update(self.opt_d, grads, loss, active, "D's loss")
        if "wgan" in self.loss_kinds:  # weight clipping keeps the critic Lipschitz
            with torch.no_grad():
                self.flat_d.data.clamp_(-self.clip, self.clip)
        self.stats.update(loss_d=loss.detach(), l_real=l_real.detach(), l_fake=l_fake.detach(), grad_d=grads)

    def _reuse(self, z: Batch, g_out: torch.Tensor, active) -> None:
        """G's step reuses the z and G(z) of each run's own last D step (as pytorch/examples' DCGAN does)."""
        if active is None or self.reused is None:
            self.reused = (z, g_out)
            return
        on = self._mask(active, 1)
        old = self.reused[0]
        mixed = Batch(torch.where(on[..., None], z.x, old.x), None if z.y is None else torch.where(on, z.y, old.y))
        self.reused = (mixed, None)  # G(z) computed again for the mixture

    # ------------------------------------------------------------------ G
    def step_g(self, active: list[bool] | None = None) -> None:
        """One update of G for the `active` runs, along the gradient of its loss through D."""
        self._schedule()
        c = self.cfg
        reused = self.reused if c.reuse_fake and c.d_target != "noise" else None
        self.reused = None
        z = reused[0] if reused is not None else self.noise(c.batch_size, active)
        fake = reused[1] if reused is not None and reused[1] is not None else self._g(z)
        logits = self._d(self._with_instance_noise(Batch(fake, z.y), active))
        loss = losses.per_run(self.loss_kinds, lambda k: losses.g_loss(k, logits))
        grads = self.flat_g.flatten(torch.autograd.grad(loss.sum(), self.flat_g.params))  # G's weights only
        self._update(self.opt_g, grads, loss, active, "G's loss")
        self._average(active)
        self.stats.update(loss_g=loss.detach(), grad_g=grads)

    @torch.no_grad()
    def _average(self, active) -> None:
        """ema: each run's averaged weights move toward G's new ones, w_avg = d w_avg + (1 - d) w. The decay
        warms up as (1 + t) / (10 + t) from step t = 0, so the first steps' random weights fade fast; a run
        with ema = 0, or that did not step, keeps what it had (0: G's own weights, exactly)."""
        if self.ema is None:
            return
        t = self.clock()
        d = self.ema_decay.clamp(max=(1 + t) / (10 + t))
        if active is not None:
            d = torch.where(self._mask(active, 1), d, torch.ones_like(d))
        w = self.flat_g.data
        self.ema.sub_(w).mul_(d).add_(w)

    def step_simultaneous(self, real: Batch | None = None, z: Batch | None = None) -> None:
        """Both players from the same state: D's and G's gradients from one forward pass (`real` and `z` may be
        given, as step_d's)."""
        self._schedule()
        m = self.cfg.batch_size
        real = self.real_batch(m) if real is None else real
        z = self.noise(m) if z is None else z
        loss_d, l_real, l_fake = self._d_objective(real, Batch(self._g(z), z.y))
        loss_g = losses.per_run(self.loss_kinds, lambda k: losses.g_loss(k, l_fake))
        grads_d = self.flat_d.flatten(torch.autograd.grad(loss_d.sum(), self.flat_d.params, retain_graph=True))
        grads_g = self.flat_g.flatten(torch.autograd.grad(loss_g.sum(), self.flat_g.params))
        self._update(self.opt_d, grads_d, loss_d + loss_g, None, "the losses")
        self._update(self.opt_g, grads_g, loss_d + loss_g, None, "the losses")
        self._average(None)
        if "wgan" in self.loss_kinds:
            with torch.no_grad():
                self.flat_d.data.clamp_(-self.clip, self.clip)
        self.stats.update(loss_d=loss_d.detach(), loss_g=loss_g.detach(), l_real=l_real.detach(),
                          l_fake=l_fake.detach(), grad_d=grads_d, grad_g=grads_g)

    def step(self) -> None:
        """One iteration of Algorithm 1 for every run: k_d D steps, then k_g G steps (a run with fewer
        steps than its neighbours sits the extra ones out)."""
        if self.cfg.update == "simultaneous":
            self.step_simultaneous()
            return
        self.steps_d()
        self.steps_g()

    def steps_d(self, real: Batch | None = None, z: Batch | None = None) -> None:
        """An iteration's k_d updates of D (the first on `real` and `z` when given, the rest on fresh minibatches)."""
        for j in range(max(self.k_d)):
            given = {"real": real, "z": z} if j == 0 else {}
            self.step_d(None if min(self.k_d) > j else [k > j for k in self.k_d], **given)

    def steps_g(self) -> None:
        """An iteration's k_g updates of G."""
        for j in range(max(self.k_g)):
            self.step_g(None if min(self.k_g) > j else [k > j for k in self.k_g])

    def _schedule(self) -> None:
        """lr_decay: over the last share of the steps, each run's learning rates fall linearly to a twentieth."""
        decays = [c.lr_decay for c in self.cfgs]
        if not any(decays):
            return
        t = self.clock()
        factors = tuple(lr_factor(t, c.steps, c.lr_decay) for c in self.cfgs)
        if factors == self._factors:  # unchanged (every step before the decay begins): nothing to redo
            return
        self._factors = factors
        factor = optim.column(factors, self.device)
        self.opt_d.lr, self.opt_g.lr = self.lr[0] * factor, self.lr[1] * factor

    def _update(self, opt: optim.RunOptimizer, grads: torch.Tensor, loss: torch.Tensor, active, what: str) -> None:
        """opt.step for the active runs whose loss is finite; a run whose loss is NaN or Inf has diverged:
        it keeps its last finite weights and takes no further step."""
        finite = torch.isfinite(loss.detach())
        # Each update's one wait for the device (on a GPU; nothing on the CPU): whether a run steps is decided
        # on the host before its weights change, the step it diverged at is logged, and the population stops
        # (DivergedError) at the step where its last run diverged. Read later, at the log cadence, the flags
        # would have to mask the update on the device instead (opt.step masks by the host's list: other
        # arithmetic, issue 19's) and training would stop steps late: other results than the CPU's.
        if not bool(finite.all()):
            for i in torch.nonzero(~finite).reshape(-1).tolist():
                if self.diverged[i] is None and (active is None or active[i]):
                    self.diverged[i] = (self.clock() + 1, what)
        alive = [d is None for d in self.diverged]
        if active is not None:
            alive = [a and b for a, b in zip(alive, active)]
        opt.step(grads, None if all(alive) else alive)

    # ------------------------------------------------------------------ numbers
    def stat_rows(self) -> list[dict[str, float]]:
        """The last step's numbers of each run as Python floats (NaN for what has not been computed)."""
        st = self.stats
        cols: dict[str, torch.Tensor] = {}
        if "l_real" in st:
            lr, lf = st["l_real"], st["l_fake"]
            cols["d_real"] = losses.per_run(self.loss_kinds, lambda k: losses.probability(k, lr).mean(1))
            cols["d_fake"] = losses.per_run(self.loss_kinds, lambda k: losses.probability(k, lf).mean(1))
            cols["value"] = losses.value(lr, lf)
        for key in ("loss_d", "loss_g"):
            if key in st:
                cols[key] = st[key]
        for key in ("grad_d", "grad_g"):
            if key in st:
                cols[key] = torch.linalg.vector_norm(st[key], dim=1)
        nan = float("nan")
        table = torch.stack(list(cols.values()), 1).tolist() if cols else [[] for _ in range(self.n)]
        return [{k: dict(zip(cols, row)).get(k, nan) for k in STAT_KEYS} for row in table]

    # ------------------------------------------------------------------ views of the models
    @torch.no_grad()
    def generate(self, z: torch.Tensor, runs=None, averaged: bool = True, y: torch.Tensor | None = None
                 ) -> torch.Tensor:
        """G(z) in standardised units for the runs picked (z: (k, n, z_dim); y: (k, n), the classes asked for of
        a conditional G), computed as training computes it: batch norm on the batch's own statistics (as
        pytorch/examples' DCGAN draws its fixed-noise grid), leaving the running statistics alone, so drawing
        never changes a run. With ema, G's averaged weights draw (averaged=False: the weights being trained,
        as slow motion shows Algorithm 1). Inputs on any device; G(z) on the trainer's."""
        z, y = z.to(self.device), None if y is None else y.to(self.device)
        runs = runs.to(self.device) if isinstance(runs, torch.Tensor) else runs
        if self.ema is None or not averaged:
            return self.G(z, runs, track=False, y=y)
        # Not by copying the averages into G's weights and back: that would write weights that the reused
        # G(z) (the D step's, which G's step reuses) needs unchanged for its backward pass (slow motion
        # draws between the two steps).
        return torch.func.functional_call(self.G, self.flat_g.views(self.ema), (z, runs), {"track": False, "y": y})

    @torch.no_grad()
    def discriminate(self, x: torch.Tensor, runs=None, y: torch.Tensor | None = None) -> torch.Tensor:
        """D(x) as a probability in [0, 1], x standardised (k, n, ...) (y: the classes, conditional D), D in
        eval mode. Inputs on any device; the probabilities on the trainer's."""
        kinds = self._kinds(runs)
        x, y = x.to(self.device), None if y is None else y.to(self.device)
        runs = runs.to(self.device) if isinstance(runs, torch.Tensor) else runs
        self.D.eval()
        try:
            logits = self.D(x, runs, y=y)
        finally:
            self.D.train()
        return losses.per_run(kinds, lambda k: losses.probability(k, logits))

    def loss_gradient_at(self, x: torch.Tensor, runs=None) -> torch.Tensor:
        """d(G's loss)/dx at each point of x on its own (D in eval mode): minus it is where G's next
        update pushes a sample at x (the 2D view's arrows)."""
        kinds = self._kinds(runs)
        x = x.detach().to(self.device, copy=True).requires_grad_(True)
        runs = runs.to(self.device) if isinstance(runs, torch.Tensor) else runs
        self.D.eval()
        try:
            logits = self.D(x, runs)
            loss = losses.per_run(kinds, lambda k: losses.g_loss(k, logits)) * x.shape[1]
            (g,) = torch.autograd.grad(loss.sum(), x)
        finally:
            self.D.train()
        return g

    def _kinds(self, runs) -> list[str]:
        from .models import run_ids
        return [self.loss_kinds[i] for i in run_ids(self.n, runs)]

    # ------------------------------------------------------------------ state of one run
    def run_state(self, i: int) -> dict[str, Any]:
        """Everything run i needs to continue exactly (weights, batch norm statistics, moments, generator,
        the z its next G step reuses), as CPU tensors of its own, whatever the device (sessions and the
        timeline keep them on the host); `device` names the one whose generator state this is."""
        buffers = {f"{net}.{name}": host(b[i]) for net, m in (("G", self.G), ("D", self.D))
                   for name, b in m.named_buffers()}
        return {"G": host(self.flat_g.data[i]), "D": host(self.flat_d.data[i]), "buffers": buffers,
                "opt_d": self.opt_d.run_state(i), "opt_g": self.opt_g.run_state(i), "rng": self.rngs[i].get_state(),
                "device": self.device.type,
                "reused_z": None if self.reused is None else host(self.reused[0].x[i]),
                "reused_y": None if self.reused is None or self.reused[0].y is None else host(self.reused[0].y[i]),
                "G_ema": None if self.ema is None else host(self.ema[i])}

    @torch.no_grad()
    def load_run_state(self, i: int, state: dict[str, Any], step: int = 0) -> None:
        """Run i continues from run_state()'s tensors (from any device, onto this trainer's). A generator state
        of another kind of device cannot be read here: the run's generator then starts afresh from its seed
        and `step` (its course from there is this device's)."""
        dev = self.device
        self.flat_g.data[i] = state["G"].to(dev)
        self.flat_d.data[i] = state["D"].to(dev)
        nets = {"G": self.G, "D": self.D}
        for key, value in state["buffers"].items():
            net, name = key.split(".", 1)
            nets[net].get_buffer(name)[i] = value.to(dev)
        if self.ema is not None:  # a state saved without averaging starts it from its weights
            self.ema[i] = (state["G_ema"] if state.get("G_ema") is not None else state["G"]).to(dev)
        self.opt_d.load_run_state(i, state["opt_d"])
        self.opt_g.load_run_state(i, state["opt_g"])
        if state.get("device", "cpu") == dev.type:  # states saved before devices were CPU ones
            self.rngs[i].set_state(state["rng"])
        else:
            self.rngs[i].manual_seed(self.cfgs[i].seed + 1 + step)
        z, y = state.get("reused_z", state.get("kept_z")), state.get("reused_y")  # kept_z: sessions saved before
        if z is None:
            self.reused = None
            return
        # G(z) is computed again when G steps
        old = self.reused[0] if self.reused is not None else Batch(
            torch.zeros(self.n, *z.shape, device=dev),
            None if self.labels is None else torch.zeros(self.n, len(z), dtype=torch.int64, device=dev))
        old.x[i] = z.to(dev)
        if old.y is not None and y is not None:
            old.y[i] = y.to(dev)
        self.reused = (old, None)
