"""Adam, SGD with momentum and RMSprop for N runs at once, each run with its own hyperparameters.

torch.optim keeps one learning rate per parameter group, and a population's runs share their
parameter tensors (stacked along the run axis, models.py), so a comparison of learning rates needs
an optimiser that takes one per run. These update a FlatParameters buffer (N, P) with
hyperparameters as (N, 1) columns, by the same formulas as torch.optim.Adam, torch.optim.SGD
(dampening 0, no Nesterov) and torch.optim.RMSprop (alpha 0.99, not centred) -- tests compare
them with torch.optim run by run. A handful of tensor operations update every weight of every run.

`step(grad, active)` leaves the runs whose `active` entry is False exactly as they were (a run
with fewer D steps than its neighbours, or one that diverged).
"""
from __future__ import annotations

import torch

from .device import host, upload

EPS = 1e-8           # Adam's and RMSprop's, as torch.optim
RMSPROP_ALPHA = 0.99


def column(values, device: torch.device | None = None) -> torch.Tensor:
    """Per-run numbers as an (N, 1) float column (on `device`: copied there without waiting for it)."""
    col = torch.tensor([[float(v)] for v in values])
    return col if device is None else upload(col, device)


class RunOptimizer:
    kind = ""
    STATE: tuple[str, ...] = ()  # names of the per-run state tensors, each (N, P) or (N, 1)

    def __init__(self, params: torch.Tensor, lr: torch.Tensor):
        self.params, self.lr = params, lr
        for name in self.STATE:
            setattr(self, name, torch.zeros(len(params), 1 if name == "t" else params.shape[1], device=params.device))

    def configure(self, lr: torch.Tensor, beta1: torch.Tensor, beta2: torch.Tensor, momentum: torch.Tensor) -> None:
        """New hyperparameter columns (a live change); the state carries on."""
        self.lr = lr

    @torch.no_grad()
    def step(self, grad: torch.Tensor, active: torch.Tensor | list[bool] | None = None) -> None:
        """Update every run, or only the `active` ones: a bool per run, as a host list (the trainer's: the idle
        runs' rows are then picked by an index tensor, with no wait for the device) or a tensor."""
        if isinstance(active, list):
            if all(active):
                self._update(grad)
                return
            idle = upload([i for i, on in enumerate(active) if not on], self.params.device, torch.int64)
        elif active is None or bool(active.all()):
            self._update(grad)
            return
        else:
            idle = ~active.reshape(-1)
        tensors = [self.params] + [getattr(self, name) for name in self.STATE]
        saved = [t[idle].clone() for t in tensors]
        self._update(grad)
        for t, rows in zip(tensors, saved):
            t[idle] = rows

    def _update(self, grad: torch.Tensor) -> None:
        raise NotImplementedError

    def run_state(self, i: int) -> dict:
        """Run i's moments as CPU tensors of their own."""
        return {"kind": self.kind, **{name: host(getattr(self, name)[i]) for name in self.STATE}}

    def load_run_state(self, i: int, state: dict | None) -> None:
        """Run i's moments from run_state() (on any device); another optimiser's state (or None) starts it afresh."""
        same = state is not None and state.get("kind") == self.kind
        for name in self.STATE:
            t = getattr(self, name)
            t[i] = state[name].to(t.device) if same else 0.0


class Adam(RunOptimizer):
    kind, STATE = "adam", ("t", "m", "v")

    def configure(self, lr, beta1, beta2, momentum) -> None:
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2

    def _update(self, grad: torch.Tensor) -> None:
        self.t += 1
        self.m.lerp_(grad, 1 - self.beta1)
        self.v.mul_(self.beta2).addcmul_(grad, grad * (1 - self.beta2))
        denom = (self.v.sqrt() / (1 - self.beta2 ** self.t).sqrt()).add_(EPS)
        self.params.addcdiv_(self.m * (-self.lr / (1 - self.beta1 ** self.t)), denom)


class SGD(RunOptimizer):
    """SGD with momentum (the 2014 paper's optimiser): buf = momentum * buf + grad; w -= lr * buf."""
    kind, STATE = "sgd", ("buf",)

    def configure(self, lr, beta1, beta2, momentum) -> None:
        self.lr, self.momentum = lr, momentum

    def _update(self, grad: torch.Tensor) -> None:
        self.buf.mul_(self.momentum).add_(grad)
        self.params.sub_(self.lr * self.buf)


class RMSprop(RunOptimizer):
    kind, STATE = "rmsprop", ("square_avg",)

    def _update(self, grad: torch.Tensor) -> None:
        self.square_avg.mul_(RMSPROP_ALPHA).addcmul_(grad, grad, value=1 - RMSPROP_ALPHA)
        self.params.addcdiv_(grad * -self.lr, self.square_avg.sqrt().add_(EPS))


OPTIMIZERS = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop}


def make(kind: str, params: torch.Tensor, lr, beta1, beta2, momentum) -> RunOptimizer:
    opt = OPTIMIZERS[kind](params, lr)
    opt.configure(lr, beta1, beta2, momentum)
    return opt
