"""Algorithm 1 of Goodfellow et al. (2014) and its usual variants, one step at a time.

    for each iteration:
        k_d times: sample m noise and m data points, update D to ascend V(D, G)
        k_g times: sample m noise points, update G to descend its loss

`step_d()`, `step_g()` and `step()` can be called in any order (the GUI's Step D / Step G /
Step buttons); `set()` changes live settings between two steps; `state_dict()` captures
everything (weights, optimiser moments, RNG states, step, log) so a run resumes exactly.

Speed (small nets on 2 cores are overhead-bound, so every op counts):
- D sees real and fake in one forward pass unless its batch statistics would mix them;
- G's step reuses the last D step's z and G(z) (as pytorch/examples' DCGAN does) when
  `reuse_fake` is on: G's weights did not change in between, so G(z) is the same tensor;
- only the gradients that are needed are computed (autograd.grad on G's weights for G's step);
- MLPs and linear nets skip autograd's graph: their backward pass is written out in backprop.py,
  the same ATen calls in the same order, so the same bits, ~1.2x faster on ring8 and figure1;
- scalars reach Python only on logged steps, except one finiteness check per step.
Display and evaluation draw from their own RNGs, so watching a run never changes it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from . import backprop, losses
from .config import LIVE_KEYS, Config, diff
from .data import Dataset, load
from .errors import ConfigError, DivergedError
from .fastpath import FusedStep, inplace_relu
from .metriclog import MetricLog
from .models import build, check_size, has_batch_statistics

PHASES = {  # slow motion: each phase of one iteration with the caption shown for it
    "sample": "1. Draw a minibatch: m points from the data and m noise vectors z from the prior.",
    "generate": "2. G maps each z to a fake point x = G(z).",
    "discriminate": "3. D scores every point: near 1 means 'looks real', near 0 'looks fake'.",
    "update_d": "4. D takes one gradient step: up on the real points, down on the fakes. G is unchanged.",
    "update_g": "5. G takes one step along D's gradient: each fake moves toward where D says 'real'.",
}
STAT_KEYS = ("loss_d", "loss_g", "d_real", "d_fake", "value", "grad_d", "grad_g")


def _grad_norm(grads) -> torch.Tensor:
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(list(grads))))


class Trainer:
    def __init__(self, cfg: Config, data: Dataset | None = None, hand_backprop: bool = True):
        self.cfg = cfg.replace()  # a validated copy: the caller's config is never mutated
        self.data = data if data is not None else load(self.cfg.data, seed=self.cfg.seed, n=self.cfg.n_data,
                                                       image_size=self.cfg.image_size or None)
        torch.manual_seed(self.cfg.seed)  # weight init and dropout masks
        shape = self.data.train.shape[1:]
        check_size(self.cfg, tuple(shape))
        self.G, self.D = build(self.cfg, tuple(shape))
        inplace_relu(self.G, self.D)   # speed: same values, one allocation less per ReLU (fastpath.py)
        self._g_params, self._d_params = list(self.G.parameters()), list(self.D.parameters())
        self.pool = torch.from_numpy(np.ascontiguousarray(self.data.train))
        self.rng = torch.Generator().manual_seed(self.cfg.seed + 1)       # data and noise draws
        self.step_count = 0
        self.log = MetricLog()   # one row per logged step (and per evaluation)
        self.changes: list[tuple[int, str]] = []  # (step, "lr_d 0.001 -> 0.0001") for curve markers
        # z of the last D step and its G(z): a graph (autograd) or a backprop.Pass; None: compute again
        self._kept: tuple[torch.Tensor, Any] | None = None
        # hand_backprop=False: autograd for every net (tests compare the two, bit for bit)
        self._hand = ((backprop.Net(self.G), backprop.Net(self.D))
                      if hand_backprop and backprop.supports(self.G) and backprop.supports(self.D) else None)
        self._stats: dict[str, torch.Tensor] = {}
        self._make_optimizers()
        self.D.set_dropout(self.cfg.dropout)

    # ------------------------------------------------------------------ sampling
    def noise(self, m: int, rng: torch.Generator | None = None) -> torch.Tensor:
        rng = rng or self.rng
        if self.cfg.prior == "uniform":
            return torch.rand(m, self.cfg.z_dim, generator=rng) * 2 - 1
        return torch.randn(m, self.cfg.z_dim, generator=rng)

    def real_batch(self, m: int) -> torch.Tensor:
        return self.pool[torch.randint(len(self.pool), (m,), generator=self.rng)]

    def _instance_noise(self, x: torch.Tensor) -> torch.Tensor:
        sigma = self.cfg.instance_noise * max(0.0, 1.0 - self.step_count / self.cfg.noise_anneal)
        if sigma <= 0:
            return x
        return x + sigma * torch.randn(x.shape, generator=self.rng)

    def _noise_fakes(self, m: int) -> torch.Tensor:
        """Data blurred by noise that shrinks over noise_anneal steps: D's fakes when d_target=noise."""
        sigma = max(0.1, 2.0 * (1.0 - self.step_count / self.cfg.noise_anneal))
        x = self.real_batch(m)
        return x + sigma * torch.randn(x.shape, generator=self.rng)

    # ------------------------------------------------------------------ optimisers
    def _optimizer(self, params, lr: float) -> torch.optim.Optimizer:
        c = self.cfg
        # Fused kernels update every weight in one call: on small nets that is ~5x less optimiser time.
        if c.optimizer == "sgd":
            return torch.optim.SGD(params, lr=lr, momentum=c.momentum, fused=True)
        if c.optimizer == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr, foreach=True)
        return torch.optim.Adam(params, lr=lr, betas=(c.beta1, c.beta2), fused=True)

    def _make_optimizers(self) -> None:
        # Built on first use: the first torch optimiser of a process imports torch._dynamo (about a
        # second), and the window's first picture of the untrained G and D needs none (worker.py).
        self._opts: tuple | None = None

    def _optimizers(self) -> tuple:
        if self._opts is None:
            opt_d = self._optimizer(self._d_params, self.cfg.lr_d)
            opt_g = self._optimizer(self._g_params, self.cfg.lr_g)
            # Speed: the fused kernel without torch.optim's per-call Python (fastpath.py); same results.
            self._opts = (opt_d, opt_g, FusedStep(opt_d), FusedStep(opt_g))
        return self._opts

    def warm_up(self) -> None:
        """Build the optimisers now, so that the first step does not wait for them."""
        self._optimizers()

    opt_d = property(lambda self: self._optimizers()[0])
    opt_g = property(lambda self: self._optimizers()[1])
    _update_d = property(lambda self: self._optimizers()[2])
    _update_g = property(lambda self: self._optimizers()[3])

    def _apply_hyperparameters(self) -> None:
        c = self.cfg
        self.D.set_dropout(c.dropout)
        if self._opts is None:
            return  # they will be built from the new settings
        for opt, lr in ((self.opt_d, c.lr_d), (self.opt_g, c.lr_g)):
            for group in opt.param_groups:
                group["lr"] = lr
                if "betas" in group:
                    group["betas"] = (c.beta1, c.beta2)
                if "momentum" in group and c.optimizer == "sgd":
                    group["momentum"] = c.momentum

    # ------------------------------------------------------------------ live settings
    def set(self, **changes: Any) -> dict[str, tuple[Any, Any]]:
        """Apply live settings from the next step on; returns {key: (old, new)} of what changed.

        Settings that rebuild the models or the data (see config.LIVE_KEYS) raise ConfigError:
        the caller starts a new Trainer for those.
        """
        new = self.cfg.replace(**changes)
        changed = diff(self.cfg, new)
        frozen = [k for k in changed if k not in LIVE_KEYS]
        if frozen:
            raise ConfigError(f"{', '.join(frozen)} cannot change while training; reset to apply")
        rebuild_opt = "optimizer" in changed
        self.cfg = new
        if rebuild_opt:
            self._make_optimizers()  # a different optimiser starts with fresh moments
        self._apply_hyperparameters()
        if {"batch_size", "prior", "d_target"} & changed.keys():
            self._kept = None
        for key, (old, val) in changed.items():
            self.changes.append((self.step_count, f"{key} {old} \u2192 {val}"))
        return changed

    # ------------------------------------------------------------------ D
    def _hand_nets(self) -> tuple[backprop.Net, backprop.Net] | None:
        """(G, D) for hand-written backprop, or None: autograd. The gradient penalty differentiates
        D's gradient, which only autograd can do."""
        if self._hand is None or (self.cfg.loss == "wgan-gp" and self.cfg.gp_weight > 0):
            return None
        return self._hand

    def _d_logits(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        separate = self.cfg.d_batch == "separate" and has_batch_statistics(self.D)
        if separate:
            return self.D(real), self.D(fake)
        out = self.D(torch.cat([real, fake]))  # one pass; identical maths when D has no batch statistics
        return out[: len(real)], out[len(real):]

    def step_d(self, real: torch.Tensor | None = None, z: torch.Tensor | None = None) -> None:
        """One D update; `real` and `z` may be given (slow motion shows the batch before it is used)."""
        c, m = self.cfg, self.cfg.batch_size
        hand = self._hand_nets()
        real = self.real_batch(m) if real is None else real
        self._kept = None
        if c.d_target == "noise":
            fake = self._noise_fakes(m)
        else:
            z = self.noise(m) if z is None else z
            if hand is not None:
                g_pass = hand[0].forward(z)
                fake = g_pass.out
                if c.reuse_fake:
                    self._kept = (z, g_pass)
            elif c.reuse_fake:
                g_out = self.G(z)
                self._kept = (z, g_out)
                fake = g_out.detach()
            else:
                with torch.no_grad():
                    fake = self.G(z)
        real_in, fake_in = self._instance_noise(real), self._instance_noise(fake)
        if hand is not None:
            d_pass = hand[1].forward(torch.cat([real_in, fake_in]))  # no batch statistics: one pass
            l_real, l_fake = d_pass.out[:m], d_pass.out[m:]
            loss, g_real, g_fake = losses.d_loss_and_grads(c.loss, l_real, l_fake, c.label_smoothing)
            grads = d_pass.backward(torch.cat([g_real, g_fake]))[0]
        else:
            l_real, l_fake = self._d_logits(real_in, fake_in)
            loss = losses.d_loss(c.loss, l_real, l_fake, c.label_smoothing)
            if c.loss == "wgan-gp" and c.gp_weight > 0:
                loss = loss + c.gp_weight * losses.gradient_penalty(self.D, real_in, fake_in, self.rng)
            grads = torch.autograd.grad(loss, self._d_params)  # handed to the optimiser: no .grad, no zeroing
        self._check_finite(loss, "D's loss")
        self._update_d.update(grads)
        if c.loss == "wgan":
            with torch.no_grad():
                for p in self.D.parameters():
                    p.clamp_(-c.clip, c.clip)
        self._stats.update(loss_d=loss.detach(), l_real=l_real.detach(), l_fake=l_fake.detach())
        if self._due(self.cfg.log_every):
            self._stats["grad_d"] = _grad_norm(grads)

    # ------------------------------------------------------------------ G
    def step_g(self) -> None:
        c = self.cfg
        hand = self._hand_nets()
        kept = self._kept if c.reuse_fake else None
        self._kept = None
        z = kept[0] if kept is not None else self.noise(c.batch_size)
        g_out = kept[1] if kept is not None else None
        if hand is not None:
            # G(z) of the D step when it was kept by this path; else the same numbers again
            g_pass = g_out if isinstance(g_out, backprop.Pass) else hand[0].forward(z)
            d_pass = hand[1].forward(self._instance_noise(g_pass.out))
            loss, g_logits = losses.g_loss_and_grad(c.loss, d_pass.out)
            # through D to its input (D's own gradients are not needed), then through G
            grads = g_pass.backward(d_pass.backward(g_logits, weights=False, inputs=True)[1])[0]
        else:
            fake = g_out if isinstance(g_out, torch.Tensor) else self.G(z)
            logits = self.D(self._instance_noise(fake))
            loss = losses.g_loss(c.loss, logits)
            grads = torch.autograd.grad(loss, self._g_params)  # G's weights only: not D's
        self._check_finite(loss, "G's loss")
        self._update_g.update(grads)
        self._stats["loss_g"] = loss.detach()
        if self._due(self.cfg.log_every):
            self._stats["grad_g"] = _grad_norm(grads)

    # ------------------------------------------------------------------ iteration
    def step_simultaneous(self) -> None:
        """Both players move from the same state: D's and G's gradients come from one forward pass."""
        c, m = self.cfg, self.cfg.batch_size
        real, fake = self.real_batch(m), self.G(self.noise(m))
        l_real, l_fake = self._d_logits(self._instance_noise(real), self._instance_noise(fake))
        loss_d = losses.d_loss(c.loss, l_real, l_fake, c.label_smoothing)
        if c.loss == "wgan-gp" and c.gp_weight > 0:
            loss_d = loss_d + c.gp_weight * losses.gradient_penalty(self.D, real, fake.detach(), self.rng)
        loss_g = losses.g_loss(c.loss, l_fake)
        d_params, g_params = self._d_params, self._g_params
        grads_d = torch.autograd.grad(loss_d, d_params, retain_graph=True)
        grads_g = torch.autograd.grad(loss_g, g_params)
        self._check_finite(loss_d + loss_g, "the losses")
        self._update_d.update(grads_d)
        self._update_g.update(grads_g)
        if c.loss == "wgan":
            with torch.no_grad():
                for p in d_params:
                    p.clamp_(-c.clip, c.clip)
        self._stats.update(loss_d=loss_d.detach(), loss_g=loss_g.detach(),
                           l_real=l_real.detach(), l_fake=l_fake.detach())
        if self._due(c.log_every):
            self._stats["grad_d"], self._stats["grad_g"] = _grad_norm(grads_d), _grad_norm(grads_g)

    def step(self) -> None:
        """One iteration of Algorithm 1 (k_d D steps, then k_g G steps), then logging when due."""
        if self.cfg.update == "simultaneous":
            self.step_simultaneous()
        else:
            for _ in range(self.cfg.k_d):
                self.step_d()
            for _ in range(self.cfg.k_g):
                self.step_g()
        self.step_count += 1
        self._after_step()

    def single(self, which: str, force_log: bool = True) -> None:
        """A lone D or G update: counted as a step of its own; the GUI's buttons log it at once."""
        (self.step_d if which == "d" else self.step_g)()
        self.step_count += 1
        self._after_step(force=force_log)

    def phases(self):
        """One alternating iteration (one D step, one G step) paused after each phase, for slow motion.

        Yields (phase, tensors) with phase in PHASES; the models change only at "update_d" and
        "update_g", exactly as step() would change them with k_d = k_g = 1.
        """
        m = self.cfg.batch_size
        real, z = self.real_batch(m), self.noise(m)
        yield "sample", {"real": real, "z": z}
        fake = self.generate(z)
        yield "generate", {"real": real, "z": z, "fake": fake}
        seen = {"real": real, "z": z, "fake": fake, "d_real": self.discriminate(real), "d_fake": self.discriminate(fake)}
        yield "discriminate", seen
        self.step_d(real=real, z=z)
        yield "update_d", {**seen, "d_real": self.discriminate(real), "d_fake": self.discriminate(fake)}
        self.step_g()
        self.step_count += 1
        self._after_step(force=True)
        yield "update_g", {**seen, "fake_after": self.generate(z)}

    def run(self, n: int) -> None:
        for _ in range(n):
            self.step()

    # ------------------------------------------------------------------ logging
    def _due(self, every: int) -> bool:
        # Called during step number step_count + 1 (the counter moves after the step).
        return (self.step_count + 1) % every == 0

    def _check_finite(self, loss: torch.Tensor, what: str) -> None:
        if not math.isfinite(float(loss.detach())):
            raise DivergedError(self.step_count + 1, what)

    def _after_step(self, force: bool = False) -> None:
        s = self.step_count
        log_due, eval_due = s % self.cfg.log_every == 0, s % self.cfg.eval_every == 0
        if not (log_due or eval_due or force):
            return
        row = {"step": float(s), **self.stats()}
        if eval_due:
            from .evaluate import evaluate  # evaluation pulls in scipy; only load it when first due
            row.update(evaluate(self))
        self.log.append(row)

    def evaluate_now(self) -> dict[str, float]:
        """Stats and sample-based metrics at the current step; logged unless this step already was."""
        if self.log and self.log[-1]["step"] == self.step_count and len(self.log[-1]) > 1 + len(STAT_KEYS):
            return {k: v for k, v in self.log[-1].items() if k != "step"}
        from .evaluate import evaluate
        row = {"step": float(self.step_count), **self.stats(), **evaluate(self)}
        if self.log and self.log[-1]["step"] == self.step_count:
            self.log[-1] = row
        else:
            self.log.append(row)
        return {k: v for k, v in row.items() if k != "step"}

    def stats(self) -> dict[str, float]:
        """The most recent step's numbers as Python floats (NaN for what has not been computed yet)."""
        st, c = self._stats, self.cfg
        vals: dict[str, float] = {k: float("nan") for k in STAT_KEYS}
        if "l_real" in st:
            lr, lf = st["l_real"], st["l_fake"]
            packed = torch.stack([losses.probability(c.loss, lr).mean(), losses.probability(c.loss, lf).mean(),
                                  losses.value(lr, lf)]).tolist()
            vals["d_real"], vals["d_fake"], vals["value"] = packed
        for key in ("loss_d", "loss_g", "grad_d", "grad_g"):
            if key in st:
                vals[key] = float(st[key])
        return vals

    # ------------------------------------------------------------------ views of the models
    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """G(z) in standardised units, computed as training computes it (batch norm on the batch's own
        statistics, as pytorch/examples' DCGAN draws its fixed-noise grid). Batch norm's running
        statistics are put back afterwards, so drawing never changes the run, and a D step never
        changes the drawn samples."""
        if self._hand is not None:  # the same numbers as G(z) without module calls (backprop.py)
            return self._hand[0].forward(z).out
        buffers = {name: b.clone() for name, b in self.G.named_buffers()}
        if not buffers:
            return self.G(z)
        # Batch norm updates the copies, not G's own buffers (which a kept autograd graph may hold).
        return torch.func.functional_call(self.G, buffers, (z,))

    @torch.no_grad()
    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """D(x) as a probability in [0, 1], x standardised, D in eval mode."""
        if self._hand is not None:  # no dropout, no batch norm: eval mode would change nothing
            return losses.probability(self.cfg.loss, self._hand[1].forward(x).out)
        was = self.D.training
        self.D.eval()
        try:
            return losses.probability(self.cfg.loss, self.D(x))
        finally:
            self.D.train(was)

    def loss_gradient_at(self, x: torch.Tensor) -> torch.Tensor:
        """d(G's loss)/dx for each point of x on its own (D in eval mode): minus it is where G's next
        update pushes a sample at x (the 2D view's arrows)."""
        n = len(x)
        if self._hand is not None:
            d_pass = self._hand[1].forward(x)
            _, g_logits = losses.g_loss_and_grad(self.cfg.loss, d_pass.out)
            return d_pass.backward(g_logits * n, weights=False, inputs=True)[1]
        x = x.detach().clone().requires_grad_(True)
        was = self.D.training
        self.D.eval()
        try:
            (g,) = torch.autograd.grad(losses.g_loss(self.cfg.loss, self.D(x)) * n, x)
        finally:
            self.D.train(was)
        return g

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """n generated samples in the data's own units, from an RNG of their own."""
        rng = torch.Generator().manual_seed(self.cfg.seed + 2 if seed is None else seed)
        out = [self.generate(self.noise(min(4096, n - i), rng)) for i in range(0, n, 4096)]
        return self.data.to_units(torch.cat(out).numpy())

    # ------------------------------------------------------------------ state
    def state_dict(self, curves: bool = True) -> dict[str, Any]:
        """Everything a run needs to continue exactly; curves=False leaves out the log and changes
        (the timeline keeps states every few seconds and cuts the curves itself)."""
        state = {
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "opt_d": self.opt_d.state_dict(), "opt_g": self.opt_g.state_dict(),
            "rng": self.rng.get_state(), "torch_rng": torch.get_rng_state(),
            "step": self.step_count, "config": self.cfg.to_dict(),
            "kept_z": None if self._kept is None else self._kept[0].clone(),
        }
        if curves:
            state.update(log=list(self.log), changes=list(self.changes))
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.opt_g.load_state_dict(state["opt_g"])
        self._update_d.forget()  # new state tensors (and param groups): look them up again
        self._update_g.forget()
        self.rng.set_state(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        self.step_count = int(state["step"])
        self.log = MetricLog(state.get("log", []))
        self.changes = [(int(s), str(t)) for s, t in state.get("changes", [])]
        z = state.get("kept_z")
        self._kept = None if z is None else (z, None)  # G(z) is computed again when G steps
        self._stats = {}
        self._apply_hyperparameters()
