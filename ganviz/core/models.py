"""Generators and discriminators -- linear, MLP and a small DCGAN -- for N runs at once.

Every layer holds the weights of N runs stacked along a leading run axis, so one kernel call
computes all N: `torch.baddbmm` for linear layers, grouped convolutions (groups = N) for the
DCGAN. A single run is N = 1. Activations flow as (N, B, features); images as (N, B, C, H, W).

G works in the data's standardised space: 1D/2D outputs are unbounded, images end in tanh (the
data is scaled to [-1, 1]). G(z): (N, B, zd) -> (N, B, *shape); D(x): (N, B, *shape) -> (N, B)
logits. A conditional GAN (Mirza & Osindero 2014) gives both nets the class y (N, B) too, as a
one-hot vector beside z (G's input) and beside the image (D's input; a DCGAN's D takes it beside its
convolutions' features). `runs` (a slice or an index tensor) computes a subset of the runs with their own weights,
as the views do for the runs they show.

Each run is initialised from its own generator exactly as torch.nn initialises Linear and Conv
layers (uniform in +-1/sqrt(fan_in)), so a run's start depends on its seed alone, never on the
runs beside it.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import Config
from .errors import ConfigError

ACTIVATIONS = {
    "relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "tanh": torch.tanh,
    "elu": F.elu, "softplus": F.softplus,
}
# An MLP's hidden activations, applied in place to the fresh output of the layer before them: the same numbers
# as ACTIVATIONS', without a new tensor per layer (autograd keeps what their backward reads: the result).
IN_PLACE = {
    "relu": F.relu_, "leaky_relu": lambda x: F.leaky_relu_(x, 0.2), "tanh": torch.tanh_,
    "elu": F.elu_, "softplus": F.softplus,
}
# Large tanh layers run as sigmoids: tanh(u) = 2 sigmoid(2u) - 1, an MLP folding the 2 and the -1 into its linear
# layers (MLP, Linear.forward). A CPU's vectorised ATen tanh costs ~2.6 ns a number, sigmoid 0.46 (AVX-512) or 0.73
# (AVX2); the fold adds a dozen operations on the weights, which pay from about this many numbers per layer
# (figure1: one run's 16,384 -3.5%, two runs' 32,768 +7%, four +50%; docs/performance.md). Not on a CPU without
# vector instructions (the two cost the same there) nor on a GPU (both are one pass over memory).
TANH_AS_SIGMOID_FROM = 32_768
_VECTORISED = torch.backends.cpu.get_cpu_capability() != "DEFAULT"


def tanh_as_sigmoid(numbers: int, device: torch.device) -> bool:
    """Whether a tanh layer of this many numbers runs as a sigmoid (MLP)."""
    return device.type == "cpu" and _VECTORISED and numbers >= TANH_AS_SIGMOID_FROM
BN_MOMENTUM, BN_EPS = 0.1, 1e-5   # torch.nn.BatchNorm's defaults
MAX_WEIGHTS = 50_000_000  # per run, ~0.8 GB with gradients and Adam's moments: the most a laptop should train


def _pick(p: torch.Tensor, runs) -> torch.Tensor:
    return p if runs is None else p[runs]


def run_ids(n: int, runs) -> list[int]:
    """The run numbers `runs` (None, a slice or an index tensor) picks out of n."""
    if runs is None:
        return list(range(n))
    if isinstance(runs, slice):
        return list(range(n)[runs])
    return [int(i) for i in runs]


class Stacked(nn.Module):
    """A layer with a parameter per run along axis 0; fan_in for torch.nn's default initialisation.

    spectral: the weight is divided by its largest singular value (spectral normalisation, Miyato
    et al. 2018), estimated as torch.nn.utils.spectral_norm does, by one step of power iteration per
    training forward pass from the last estimate, for every run at once. Its vector `u` is a buffer,
    so it travels with the run's state."""

    spectral = False

    def _spectral(self, n: int, rows: int, cols: int) -> None:
        """Spectral normalisation of a weight read as n matrices rows x cols."""
        self.spectral, self.sn_shape = True, (rows, cols)
        self.register_buffer("u", torch.full((n, cols), 1 / math.sqrt(cols)))

    def reset(self, run: int, generator: torch.Generator) -> None:
        bound = 1 / math.sqrt(self.fan_in)
        with torch.no_grad():
            for p in self.parameters(recurse=False):
                nn.init.uniform_(p[run], -bound, bound, generator=generator)
            if self.spectral:  # power iteration starts again from the same even vector
                self.u[run].fill_(1 / math.sqrt(self.sn_shape[1]))

    def weight_of(self, runs=None) -> torch.Tensor:
        """The runs' weight as the layer uses it: divided by its largest singular value under spectral norm."""
        w = _pick(self.weight, runs)
        if not self.spectral:
            return w
        mat = w.reshape(len(w), *self.sn_shape)
        u = _pick(self.u, runs)
        with torch.no_grad():
            if self.training and runs is None:  # one power step per training pass; looking changes nothing
                v = F.normalize(torch.bmm(mat, u[..., None])[..., 0], dim=1, eps=1e-12)
                u = F.normalize(torch.bmm(mat.transpose(1, 2), v[..., None])[..., 0], dim=1, eps=1e-12)
                self.u.copy_(u)
            v = F.normalize(torch.bmm(mat, u[..., None])[..., 0], dim=1, eps=1e-12)
        sigma = torch.bmm(v[:, None], torch.bmm(mat, u[..., None]))[:, 0, 0]  # v.W.u, with W's gradient
        return w / sigma.reshape(-1, *[1] * (w.dim() - 1))


class Linear(Stacked):
    def __init__(self, n: int, n_in: int, n_out: int, spectral: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n_in, n_out))
        self.bias = nn.Parameter(torch.empty(n, 1, n_out))
        self.fan_in = n_in
        if spectral:
            self._spectral(n, n_in, n_out)

    def forward(self, x: torch.Tensor, runs=None, tanh_in: bool = False, tanh_out: bool = False) -> torch.Tensor:
        """x W + b for each run. For an MLP's tanh computed as 2 sigmoid(2u) - 1 (IN_PLACE):
        tanh_in: x holds s = sigmoid(2u) of the layer before, whose tanh(u) is 2s - 1; the layer computes
        (2s - 1) W + b as s (2W) + (b - the sum of W's rows);
        tanh_out: a sigmoid reads the output for a tanh: 2(xW + b), with W and b doubled (exact in floating point)."""
        w, b = self.weight_of(runs), _pick(self.bias, runs)
        if tanh_in:
            w, b = 2 * w, b - w.sum(1, keepdim=True)
        if tanh_out:
            w, b = 2 * w, 2 * b
        return product(b, x, w)


def product(b: torch.Tensor, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """b + x w for each run (x: (N, B, in), w: (N, in, out), b: (N, 1, out)), in the form a CPU computes fastest
    for the layer's shape: the same sums, in another order. torch's batched product slows down badly where one
    side has a single column or two: measured forward and backward (docs/performance.md, "Products")."""
    n_in, n_out = w.shape[1], w.shape[2]
    if n_in == 1:  # one input (1D data, a one-dimensional z): a broadcast product
        return torch.addcmul(b, x, w)
    if n_out == 1 and len(w) > 1:  # one output of several runs (D's last layer): 2-4x faster as a product and a sum
        return (x * w.transpose(1, 2)).sum(2, keepdim=True) + b
    if 1 < n_out <= 4:  # a few outputs (G's last layer for 2D points): the weight column by column, 3-5x faster
        return torch.baddbmm(b, x, w.transpose(1, 2).contiguous().transpose(1, 2))
    return torch.baddbmm(b, x, w)


class Conv(Stacked):
    """Conv2d (or ConvTranspose2d) of N runs as one grouped convolution; activations in the grouped
    layout (B, N*C, H, W), where run i owns channels i*C .. (i+1)*C."""

    def __init__(self, n: int, c_in: int, c_out: int, transposed: bool = False, spectral: bool = False):
        super().__init__()
        self.transposed = transposed
        shape = (c_in, c_out) if transposed else (c_out, c_in)
        self.weight = nn.Parameter(torch.empty(n, *shape, 4, 4))  # kernel 4, stride 2, padding 1: x2 or /2
        self.bias = nn.Parameter(torch.empty(n, c_out))
        self.fan_in = shape[1] * 16  # torch.nn's: the weight's second axis times the kernel's area
        if spectral:  # as torch.nn.utils.spectral_norm reads a convolution: out channels x (in channels x kernel)
            self._spectral(n, shape[0], shape[1] * 16)

    def forward(self, x: torch.Tensor, runs=None) -> torch.Tensor:
        w, b = self.weight_of(runs), _pick(self.bias, runs)
        k = len(w)
        w, b = w.reshape(k * w.shape[1], *w.shape[2:]), b.reshape(-1)
        if self.transposed:
            return F.conv_transpose2d(x, w, b, stride=2, padding=1, groups=k)
        return F.conv2d(x, w, b, stride=2, padding=1, groups=k)


class BatchNorm(nn.Module):
    """Batch normalisation of N runs, each over its own batch: F.batch_norm on the runs' features side
    by side. Takes (N, B, F) or the grouped image layout (B, N*C, H, W)."""

    def __init__(self, n: int, features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n, features))
        self.bias = nn.Parameter(torch.zeros(n, features))
        self.register_buffer("running_mean", torch.zeros(n, features))
        self.register_buffer("running_var", torch.ones(n, features))

    def reset(self, run: int, generator: torch.Generator) -> None:
        with torch.no_grad():
            self.weight[run].fill_(1.0)
            self.bias[run].zero_()

    def forward(self, x: torch.Tensor, runs=None, track: bool = True, double: bool = False) -> torch.Tensor:
        """track=False: the batch's statistics without touching the running ones, so that drawing
        samples never changes a run. double: twice the output (the scale and shift doubled), for a sigmoid
        computing tanh (MLP)."""
        points = x.dim() == 3
        if points:  # (N, B, F) -> (B, N*F): every run's features become channels of one batch
            n, b, f = x.shape
            x = x.transpose(0, 1).reshape(b, n * f)
        if self.training and not track:
            mean = var = None
        else:
            if self.training and runs is not None:
                raise ValueError("a subset of runs cannot update its running statistics")
            # views of the buffers: F.batch_norm updates them in place while training
            mean, var = _pick(self.running_mean, runs).reshape(-1), _pick(self.running_var, runs).reshape(-1)
        weight, bias = _pick(self.weight, runs).reshape(-1), _pick(self.bias, runs).reshape(-1)
        if double:
            weight, bias = 2 * weight, 2 * bias
        y = F.batch_norm(x, mean, var, weight, bias, training=self.training, momentum=BN_MOMENTUM, eps=BN_EPS)
        return y.reshape(b, n, f).transpose(0, 1) if points else y


class Dropout(nn.Module):
    """Dropout whose masks come from each run's own generator (torch's dropout draws from one global
    generator, which would tie a run's masks to the runs beside it)."""

    def __init__(self, p: float, generators: list[torch.Generator]):
        super().__init__()
        self.p, self.generators = p, generators

    def forward(self, x: torch.Tensor, runs=None) -> torch.Tensor:
        if not self.training or self.p <= 0:
            return x
        gens = [self.generators[i] for i in run_ids(len(self.generators), runs)]
        keep = torch.stack([torch.rand(x.shape[1:], generator=g, device=g.device) >= self.p for g in gens])
        return x * keep / (1 - self.p)


class MLP(nn.Module):
    """Linear layers with an activation between them (and optional batch norm and dropout)."""

    def __init__(self, n: int, sizes: list[int], act: str, *, batchnorm: bool = False, dropout: float = 0.0,
                 generators: list[torch.Generator] | None = None, spectral: bool = False):
        super().__init__()
        self.linears = nn.ModuleList(Linear(n, a, b, spectral) for a, b in zip(sizes[:-1], sizes[1:]))
        hidden = sizes[1:-1]
        self.norms = nn.ModuleList(BatchNorm(n, h) for h in hidden) if batchnorm else None
        self.drop = Dropout(dropout, generators) if dropout > 0 else None
        self.act = IN_PLACE[act]
        # tanh as 2 sigmoid(2u) - 1 (tanh_as_sigmoid): the 2 inside from the layer before (doubled, or batch norm's
        # scale and shift doubled), the 2 and the -1 outside into the layer after (Linear.forward); with dropout
        # between, the -1 would be masked too, so there the activation is tanh itself
        self.sigmoid_tanh = act == "tanh" and self.drop is None
        self.width = sizes[1]

    def forward(self, x: torch.Tensor, runs=None, track: bool = True) -> torch.Tensor:
        last = len(self.linears) - 1
        folded = self.sigmoid_tanh and tanh_as_sigmoid(x.shape[0] * x.shape[1] * self.width, x.device)
        act = torch.sigmoid_ if folded else self.act
        for k, linear in enumerate(self.linears):
            x = linear(x, runs, tanh_in=folded and k > 0, tanh_out=folded and k < last and self.norms is None)
            if k < last:
                if self.norms is not None:
                    x = self.norms[k](x, runs, track, double=folded)
                x = act(x)
                if self.drop is not None:
                    x = self.drop(x, runs)
        return x


def _grouped(x: torch.Tensor) -> torch.Tensor:
    """(N, B, C, H, W) -> (B, N*C, H, W), the layout of grouped convolutions."""
    n, b = x.shape[:2]
    return x.transpose(0, 1).reshape(b, n * x.shape[2], *x.shape[3:])


def _ungrouped(x: torch.Tensor, n: int) -> torch.Tensor:
    """(B, N*C, H, W) -> (N, B, C, H, W)."""
    b = x.shape[0]
    return x.reshape(b, n, -1, *x.shape[2:]).transpose(0, 1)


class DCGANGenerator(nn.Module):
    """DCGAN's G (Radford et al. 2016) scaled down: z -> linear -> 2 stride-2 transposed convs, batch norm."""

    def __init__(self, n: int, z_dim: int, ch: int, shape: tuple[int, int, int]):  # z_dim: with y's one-hot
        super().__init__()
        c, h, w = shape
        self.top = (2 * ch, h // 4, w // 4)
        self.fc = Linear(n, z_dim, 2 * ch * (h // 4) * (w // 4))
        self.bn0, self.up1, self.bn1 = BatchNorm(n, 2 * ch), Conv(n, 2 * ch, ch, True), BatchNorm(n, ch)
        self.up2 = Conv(n, ch, c, True)

    def forward(self, z: torch.Tensor, runs=None, track: bool = True) -> torch.Tensor:
        k = z.shape[0]
        x = _grouped(self.fc(z, runs).reshape(k, z.shape[1], *self.top))
        x = F.relu(self.bn0(x, runs, track))
        x = F.relu(self.bn1(self.up1(x, runs), runs, track))
        return _ungrouped(self.up2(x, runs), k)


class DCGANDiscriminator(nn.Module):
    """DCGAN's D scaled down: 2 stride-2 convs with leaky ReLU (optional batch norm, dropout), then linear."""

    def __init__(self, n: int, ch: int, shape: tuple[int, int, int], *, batchnorm: bool, dropout: float,
                 generators: list[torch.Generator], spectral: bool = False, classes: int = 0):
        super().__init__()
        c, h, w = shape
        self.down1, self.down2 = Conv(n, c, ch, spectral=spectral), Conv(n, ch, 2 * ch, spectral=spectral)
        self.bn = BatchNorm(n, 2 * ch) if batchnorm else None
        self.drop = Dropout(dropout, generators) if dropout > 0 else None
        self.fc = Linear(n, 2 * ch * (h // 4) * (w // 4) + classes, 1, spectral)

    def forward(self, x: torch.Tensor, runs=None, track: bool = True, onehot: torch.Tensor | None = None
                ) -> torch.Tensor:
        k, b = x.shape[:2]
        x = F.leaky_relu(self.down1(_grouped(x), runs), 0.2)
        x = self.down2(x, runs)
        if self.bn is not None:
            x = self.bn(x, runs, track)
        x = _ungrouped(F.leaky_relu(x, 0.2), k).reshape(k, b, -1)
        if self.drop is not None:
            x = self.drop(x, runs)
        if onehot is not None:
            x = torch.cat([x, onehot], -1)
        return self.fc(x, runs)


def one_hot(y: torch.Tensor, classes: int) -> torch.Tensor:
    """Classes (N, B) -> (N, B, classes) floats, the conditional nets' extra input."""
    return F.one_hot(y, classes).to(torch.get_default_dtype())


class Generator(nn.Module):
    """classes > 0: a conditional G, whose input is z beside the one-hot of the class asked for."""

    def __init__(self, body: nn.Module, out_shape: tuple[int, ...], squash: bool, classes: int = 0):
        super().__init__()
        self.body, self.out_shape, self.squash, self.classes = body, out_shape, squash, classes

    def forward(self, z: torch.Tensor, runs=None, track: bool = True, y: torch.Tensor | None = None) -> torch.Tensor:
        shape = z.shape[:2]
        if self.classes:
            z = torch.cat([z, one_hot(y, self.classes)], -1)
        x = self.body(z, runs, track)
        if self.squash:
            x = torch.tanh(x)
        return x.reshape(*shape, *self.out_shape)


class Discriminator(nn.Module):
    """classes > 0: a conditional D, which reads the image with the one-hot of the class it claims to be.
    conv: the body is a DCGAN's (it takes images as they are, and the one-hot beside its features)."""

    def __init__(self, body: nn.Module, conv: bool, classes: int = 0):
        super().__init__()
        self.body, self.conv, self.classes = body, conv, classes

    def forward(self, x: torch.Tensor, runs=None, track: bool = True, y: torch.Tensor | None = None) -> torch.Tensor:
        shape = x.shape[:2]
        onehot = one_hot(y, self.classes) if self.classes else None
        if self.conv:
            return self.body(x, runs, track, onehot).reshape(shape)
        x = x.reshape(*shape, -1)  # images flattened; points are already (N, B, dim)
        if onehot is not None:
            x = torch.cat([x, onehot], -1)
        return self.body(x, runs, track).reshape(shape)


def build(cfg: Config, data_shape: tuple[int, ...], n: int = 1, generators: list[torch.Generator] | None = None,
          seeds: list[int] | None = None, classes: int = 0) -> tuple[Generator, Discriminator]:
    """G and D for N runs of data shaped (dim,) or (C, H, W). Run i's weights are drawn from seeds[i]
    (0 when not given), G's then D's; `generators` draw the runs' dropout masks. classes: the data's number
    of classes, which cfg.conditional gives both nets as an input."""
    g, d = _build(cfg, data_shape, n, generators, classes)
    for i, seed in enumerate(seeds or [0] * n):
        init = torch.Generator().manual_seed(seed)
        initialise(g, i, init)
        initialise(d, i, init)
    return g, d


def _build(cfg: Config, data_shape: tuple[int, ...], n: int = 1,
           generators: list[torch.Generator] | None = None, classes: int = 0) -> tuple[Generator, Discriminator]:
    generators = generators if generators is not None else [torch.Generator() for _ in range(n)]
    is_image = len(data_shape) == 3
    dim = math.prod(data_shape)
    if cfg.conditional and classes < 2:
        raise ConfigError("conditional=true needs data that says the class of each image (digits, shapes, "
                          "fashion-mnist, mnist, IDX with its labels file, a folder of class folders); "
                          "set conditional=false")
    k = classes if cfg.conditional else 0
    if cfg.model == "dcgan":
        if not is_image:
            raise ConfigError("model=dcgan is for image data; use model=mlp or model=linear for 1D/2D data")
        c, h, w = data_shape
        if h % 4 or w % 4:
            raise ConfigError(f"model=dcgan needs image sides divisible by 4, the data has {h}x{w}; "
                              "set image_size to a multiple of 4 or use model=mlp")
        g_body = DCGANGenerator(n, cfg.z_dim + k, cfg.g_hidden, data_shape)
        d_body = DCGANDiscriminator(n, cfg.d_hidden, data_shape, batchnorm=cfg.d_batchnorm, dropout=cfg.dropout,
                                    generators=generators, spectral=cfg.spectral_norm, classes=k)
        return Generator(g_body, data_shape, squash=True, classes=k), Discriminator(d_body, conv=True, classes=k)
    if cfg.model == "linear":
        # The paper's simplest pair: G(z) = w·z + b and D(x) = sigmoid(w·x + b).
        g_sizes, d_sizes = [cfg.z_dim + k, dim], [dim + k, 1]
    else:
        g_sizes = [cfg.z_dim + k] + [cfg.g_hidden] * cfg.g_depth + [dim]
        d_sizes = [dim + k] + [cfg.d_hidden] * cfg.d_depth + [1]
    g_body = MLP(n, g_sizes, cfg.activation)
    d_body = MLP(n, d_sizes, cfg.activation, batchnorm=cfg.d_batchnorm and cfg.model == "mlp",
                 dropout=cfg.dropout if cfg.model == "mlp" else 0.0, generators=generators,
                 spectral=cfg.spectral_norm)
    return (Generator(g_body, data_shape, squash=is_image, classes=k),
            Discriminator(d_body, conv=False, classes=k))


def initialise(net: nn.Module, run: int, generator: torch.Generator) -> None:
    """Run `run`'s weights as torch.nn initialises them, drawn from `generator` (layer by layer, in order)."""
    for module in net.modules():
        if hasattr(module, "reset"):
            module.reset(run, generator)


def check_size(cfg: Config, data_shape: tuple[int, ...], classes: int = 0) -> None:
    """Refuse models too large for a laptop (and conditional nets without classes), counted exactly on the
    meta device (nothing allocated)."""
    with torch.device("meta"):
        g, d = _build(cfg, data_shape, classes=classes)
    n = sum(p.numel() for p in g.parameters()) + sum(p.numel() for p in d.parameters())
    if n > MAX_WEIGHTS:
        raise ConfigError(f"G and D would have {n / 1e6:.0f}M weights, too many for this tool "
                          f"(at most {MAX_WEIGHTS // 1_000_000}M); lower g_hidden/d_hidden or g_depth/d_depth")


def has_batch_statistics(net: nn.Module) -> bool:
    return any(isinstance(m, BatchNorm) for m in net.modules())


class FlatParameters:
    """All parameters of a net as views into one (N, P) buffer, run-major: `data[i]` is run i's whole
    parameter vector. The optimisers (optim.py) then update every weight of every run with a handful of
    tensor operations instead of a handful per weight, which is most of a small step's cost."""

    def __init__(self, net: nn.Module, n: int):
        self.params = list(net.parameters())
        self.sizes = [p[0].numel() for p in self.params]
        self.data = torch.cat([p.detach().reshape(n, -1) for p in self.params], 1)
        self.n = n
        offset = 0
        for (owner, name), p, size in zip(_owners(net), self.params, self.sizes):
            # A Parameter made from a view shares the view's memory: writing `data` moves the weights.
            view = self.data[:, offset:offset + size].view(p.shape)
            setattr(owner, name, nn.Parameter(view, requires_grad=True))
            offset += size
        self.params = list(net.parameters())
        self.names = [name for name, _ in net.named_parameters()]

    def views(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Another (N, P) buffer of the same layout (such as G's averaged weights) as the net's named
        parameters, for torch.func.functional_call: the net then runs on it without a weight being written."""
        out, offset = {}, 0
        for name, p, size in zip(self.names, self.params, self.sizes):
            out[name] = flat[:, offset:offset + size].view(p.shape)
            offset += size
        return out

    def flatten(self, grads) -> torch.Tensor:
        """Per-weight gradients (as autograd.grad returns them for self.params) -> (N, P)."""
        return torch.cat([g.reshape(self.n, -1) for g in grads], 1)


def _owners(net: nn.Module) -> list[tuple[nn.Module, str]]:
    """(module, attribute name) of each parameter, in net.parameters() order."""
    out = []
    for name, _ in net.named_parameters():
        *path, attr = name.split(".")
        owner = net
        for part in path:
            owner = getattr(owner, part)
        out.append((owner, attr))
    return out
