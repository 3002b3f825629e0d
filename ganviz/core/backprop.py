"""Forward and backward passes of the MLP and linear nets, written out: the same bits as autograd, faster.

A ring8 step is ~2 ms of which half is the matrix products Algorithm 1 needs; most of the rest
was autograd's per-operation cost (graph nodes, saved tensors, the engine's bookkeeping) on
tensors of 256 rows. For a chain of Linear layers and ReLU / LeakyReLU / tanh there is little to
derive, so `Pass` runs the forward pass without a graph, keeping only what each backward formula
needs, and the backward pass as the same ATen calls autograd makes, in the same layouts:

    y = addmm(b, x, W^T)      ->  dW = dy^T x,  db = sum_rows(dy),  dx = dy W
    y = relu(x)               ->  dx = threshold_backward(dy, y, 0)
    y = leaky_relu(x, s)      ->  dx = leaky_relu_backward(dy, x, s)
    y = tanh(x)               ->  dx = tanh_backward(dy, y)

The gradient of the loss with respect to the net's output comes from core/losses.py (written out
for the usual losses, autograd on the output for the rest). tests/test_backprop.py checks the
weights bit for bit against autograd over whole runs, so no preset's trajectory moves; a ring8
step is 1.19x faster (docs/performance.md).
Nets with anything else (batch norm, dropout, convolutions, ELU, softplus) are not supported:
`supports()` says so and the trainer uses autograd for them.
"""
from __future__ import annotations

import torch
from torch import nn

_ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.Tanh)


def _layers(net: nn.Module) -> list[nn.Module] | None:
    body = getattr(net, "body", None)
    layers = list(body) if isinstance(body, nn.Sequential) else [body]
    if not layers or not isinstance(layers[0], nn.Linear):
        return None
    if not all(isinstance(m, (nn.Linear, *_ACTIVATIONS)) for m in layers):
        return None
    if any(isinstance(m, nn.Linear) and m.bias is None for m in layers):
        return None
    return layers


def supports(net: nn.Module) -> bool:
    """True for the Generator/Discriminator of models.py built from Linear layers and
    ReLU / LeakyReLU / tanh only (plus G's final tanh and the reshapes)."""
    return _layers(net) is not None


# Weight gradients of layers with a few inputs (2-D points into D, a small z into G): MKL's sgemm is
# 5x slower on them in autograd's layout than on the transposed product, which sums each entry in
# the same order: tests/test_backprop.py checks that the bits are the same (with MKL; a BLAS that
# rounded the two layouts differently would move runs as any other BLAS does).
SKINNY = 8


def _dw(g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """dW = g^T x for a Linear with input x and output gradient g."""
    if x.shape[1] <= SKINNY:
        return x.t().mm(g).t().contiguous()   # contiguous: the fused optimisers want it so
    return g.t().mm(x)


def _dx(g: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """dx = g W for a Linear with weight W and output gradient g."""
    if w.shape[0] == 1:
        return g * w                          # one output: an outer product, one multiply per entry
    return g.mm(w)  # (w^T g^T)^T would be 2x faster for few inputs, but it sums in another order


class Net:
    """A Generator or Discriminator seen as a list of steps, with its weights' gradient order."""

    def __init__(self, net: nn.Module):
        layers = _layers(net)
        if layers is None:
            raise ValueError("not a plain MLP: use autograd")
        self.net, self.layers = net, layers
        self.squash = bool(getattr(net, "squash", False))    # Generator: tanh after the body
        self.out_shape = getattr(net, "out_shape", None)      # Generator: reshape to the data's shape
        index = {id(p): i for i, p in enumerate(net.parameters())}
        # Where each Linear's weight and bias sit in net.parameters(): the optimiser's order.
        self.slots = [(index[id(m.weight)], index[id(m.bias)]) for m in layers if isinstance(m, nn.Linear)]
        self.n_params = len(index)

    def forward(self, x: torch.Tensor) -> "Pass":
        return Pass(self, x)


class Pass:
    """One forward pass (`out`, without a graph) with what its backward pass needs."""

    def __init__(self, net: Net, x: torch.Tensor):
        self.net = net
        self.in_shape = x.shape
        saved: list[torch.Tensor] = []  # per layer: what its backward formula reads
        with torch.no_grad():
            h = x.reshape(x.shape[0], -1)
            for m in net.layers:
                if isinstance(m, nn.Linear):
                    saved.append(h)                        # dW = dy^T x
                    h = torch.addmm(m.bias, h, m.weight.t())  # = F.linear(h, W, b) on 2-D input
                elif isinstance(m, nn.ReLU):
                    h = h.relu_() if m.inplace else torch.relu(h)
                    saved.append(h)                        # ReLU's backward reads its output
                elif isinstance(m, nn.LeakyReLU):
                    saved.append(h)                        # LeakyReLU's reads its input
                    h = torch.nn.functional.leaky_relu(h, m.negative_slope, m.inplace)
                else:
                    h = torch.tanh(h)
                    saved.append(h)                        # tanh's reads its output
            if net.squash:
                h = torch.tanh(h)
            self.squashed = h if net.squash else None
            self.out = h.reshape(x.shape[0], *net.out_shape) if net.out_shape is not None else h.reshape(-1)
        self.saved = saved

    @torch.no_grad()  # the weights require grad: without this every product would record a graph
    def backward(self, g: torch.Tensor, weights: bool = True, inputs: bool = False):
        """(d loss / d weights in net.parameters() order, or None; d loss / d input, or None)
        for g = d loss / d out."""
        net = self.net
        g = g.reshape(g.shape[0], -1) if g.dim() > 1 else g.reshape(-1, 1)
        if net.squash:
            g = torch.ops.aten.tanh_backward(g, self.squashed)
        grads: list[torch.Tensor | None] = [None] * net.n_params
        k = len(net.slots)
        for i in range(len(net.layers) - 1, -1, -1):
            m, s = net.layers[i], self.saved[i]
            if isinstance(m, nn.Linear):
                k -= 1
                if weights:
                    w_slot, b_slot = net.slots[k]
                    grads[w_slot] = _dw(g, s)
                    grads[b_slot] = g.sum(0)
                if i == 0 and not inputs:  # the first layer (a Linear, see _layers): done
                    break
                g = _dx(g, m.weight)
            elif isinstance(m, nn.ReLU):
                g = torch.ops.aten.threshold_backward(g, s, 0)
            elif isinstance(m, nn.LeakyReLU):
                g = torch.ops.aten.leaky_relu_backward(g, s, m.negative_slope, False)
            else:
                g = torch.ops.aten.tanh_backward(g, s)
        return (grads if weights else None), (g.reshape(self.in_shape) if inputs else None)
