"""This machine's ceiling for a training step (`ganviz bench`): what the step cannot do without.

A step of a preset (one run, one thread) is recorded once with torch.profiler: its matrix products (their
shapes) and its hidden activations (their sizes). Each is then timed alone, warm, on random numbers of
the same shapes: the products at the speed this CPU multiplies matrices of exactly those shapes, each
activation forward and backward through autograd. The ceiling is the step made of those alone:
everything else a step does (the loss, the optimiser, the draws, autograd's bookkeeping, Python) is
what the code can still save. The bench reports each trainer's speed as a share of it.

Also the cost per number of each activation the nets use, and of the draws and the losses' softplus, on
this CPU (what made tanh run as a sigmoid: docs/performance.md).
"""
from __future__ import annotations

import math
import time
from collections import Counter

import torch
import torch.nn.functional as F

PRODUCTS = ("aten::bmm", "aten::baddbmm", "aten::mm", "aten::addmm")
ACTIVATIONS = {  # the forward kernels of the nets' activations (in place or not) -> the public function
    "relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "sigmoid": torch.sigmoid, "tanh": torch.tanh,
    "elu": F.elu, "softplus": F.softplus,
}
ELEMENTWISE = {  # ns per number, for the table: what each costs on this CPU
    "relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "sigmoid": torch.sigmoid,
    "tanh (ATen)": torch.tanh, "tanh as 2 sigmoid(2x) - 1": lambda x: torch.sigmoid(2 * x) * 2 - 1,
    "softplus": F.softplus, "randn": torch.randn_like,
}
ELEMENTWISE_SHAPE = (256, 128)  # a ring8 layer's activations: 32,768 numbers, in the cache


def timed(fn, seconds: float = 0.03, repeats: int = 3) -> float:
    """Seconds per call of fn, warm: the best of `repeats` runs of at least `seconds` of this thread's CPU time."""
    for _ in range(3):
        fn()
    best = math.inf
    for _ in range(repeats):
        n, t0 = 0, time.thread_time()
        while True:
            fn()
            n += 1
            dt = time.thread_time() - t0
            if dt >= seconds:
                break
        best = min(best, dt / n)
    return best


def record(step) -> tuple[Counter, Counter]:
    """One call of step(): (its products as (kernel, shapes) -> count, its activations as (name, shape) -> count)."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        step()
    products, activations = Counter(), Counter()
    for e in prof.events():
        shapes = tuple(tuple(s) for s in e.input_shapes)
        if e.name in PRODUCTS:
            products[(e.name, shapes)] += 1
        elif e.name.startswith("aten::") and e.name[6:].rstrip("_") in ACTIVATIONS and shapes and shapes[0]:
            activations[(e.name[6:].rstrip("_"), shapes[0])] += 1
    return products, activations


def _product(name: str, shapes: tuple) -> tuple:
    """(a call of the product on random numbers of its shapes, its floating-point operations)."""
    args = [torch.randn(s) for s in shapes if s]
    fn = {"aten::bmm": torch.bmm, "aten::baddbmm": torch.baddbmm, "aten::mm": torch.mm,
          "aten::addmm": torch.addmm}[name]
    a, b = args[-2], args[-1]
    flops = 2 * math.prod(a.shape) * b.shape[-1]
    return (lambda: fn(*args)), flops


def _activation(name: str, shape: tuple):
    """Forward and backward of the activation on a leaf of this shape (autograd's, as training runs it)."""
    x = torch.randn(shape, requires_grad=True)
    g = torch.randn(shape)
    fn = ACTIVATIONS[name]
    return lambda: torch.autograd.grad(fn(x), x, g)


def activation_s(name: str, shape: tuple, seconds: float) -> float:
    """The activation's forward and backward kernels: timed through autograd, less autograd's own cost (the same
    call on a single number)."""
    return max(0.0, timed(_activation(name, shape), seconds) - timed(_activation(name, (1,)), seconds))


def step_ceiling(step, seconds: float = 0.03) -> dict:
    """The ceiling of one step of `step` (a population's step, one thread): its products and activations timed
    alone. Returns steps/s at the ceiling, its parts (ms) and each product shape's GFLOPS."""
    step()  # warm: the first step builds the optimiser
    products, activations = record(step)
    shapes, products_s, flops_total = [], 0.0, 0
    for (name, sh), count in products.items():
        fn, flops = _product(name, sh)
        t = timed(fn, seconds)
        products_s += count * t
        flops_total += count * flops
        shapes.append({"op": name[6:], "shapes": [list(s) for s in sh if s], "count": count,
                       "us": round(t * 1e6, 2), "gflops": round(flops / t / 1e9, 1)})
    activations_s = sum(count * activation_s(name, sh, seconds) for (name, sh), count in activations.items())
    total = products_s + activations_s
    return {"steps_per_s": 1 / total if total > 0 else None, "products_ms": products_s * 1e3,
            "activations_ms": activations_s * 1e3, "mflop": flops_total / 1e6,
            "gflops": flops_total / products_s / 1e9 if products_s > 0 else None,
            "products": sorted(shapes, key=lambda s: -s["count"] * s["us"])}


def elementwise_costs(seconds: float = 0.03) -> dict[str, float]:
    """ns per number of each elementwise operation the nets and their draws use, forward, warm, one thread."""
    x = torch.randn(ELEMENTWISE_SHAPE)
    n = x.numel()
    return {name: timed(lambda fn=fn: fn(x), seconds) / n * 1e9 for name, fn in ELEMENTWISE.items()}


def matmul_peak(seconds: float = 0.05) -> float:
    """GFLOPS of a square 256 x 256 product (one thread): what this CPU's BLAS reaches on a friendly shape."""
    a, b = torch.randn(256, 256), torch.randn(256, 256)
    return 2 * 256 ** 3 / timed(lambda: torch.mm(a, b), seconds) / 1e9
