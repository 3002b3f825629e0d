"""Generators and discriminators: linear, MLP and a small DCGAN. D always returns a logit.

G works in the data's standardised space: 1D/2D outputs are unbounded, images end in tanh
(the data is scaled to [-1, 1]). Shapes: G(z) is (B, dim) or (B, C, H, W); D(x) is (B,).
"""
from __future__ import annotations

import torch
from torch import nn

from .config import Config
from .errors import ConfigError

ACTIVATION = {
    "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "tanh": nn.Tanh,
    "elu": nn.ELU, "softplus": nn.Softplus,
}


def _mlp(n_in: int, hidden: int, depth: int, n_out: int, act: str, *,
         dropout: float = 0.0, batchnorm: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers.append(nn.Linear(width, hidden))
        if batchnorm:
            layers.append(nn.BatchNorm1d(hidden))
        layers.append(ACTIVATION[act]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    def __init__(self, body: nn.Module, out_shape: tuple[int, ...], squash: bool):
        super().__init__()
        self.body, self.out_shape, self.squash = body, out_shape, squash

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.body(z)
        if self.squash:
            x = torch.tanh(x)
        return x.reshape(z.shape[0], *self.out_shape)


class Discriminator(nn.Module):
    def __init__(self, body: nn.Module, flatten: bool):
        super().__init__()
        self.body, self.flatten = body, flatten

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.flatten:
            x = x.reshape(x.shape[0], -1)
        return self.body(x).reshape(-1)

    def set_dropout(self, p: float) -> None:
        for m in self.modules():
            if isinstance(m, nn.Dropout):
                m.p = p


def _dcgan(cfg: Config, shape: tuple[int, int, int]) -> tuple[nn.Module, nn.Module]:
    """DCGAN (Radford et al. 2016) scaled down: two stride-2 (de)convolutions, batch norm in G."""
    c, h, w = shape
    if h % 4 or w % 4:
        raise ConfigError(f"model=dcgan needs image sides divisible by 4, the data has {h}x{w}; "
                          "set image_size to a multiple of 4 or use model=mlp")
    g_ch, d_ch = cfg.g_hidden, cfg.d_hidden
    g = nn.Sequential(
        nn.Linear(cfg.z_dim, 2 * g_ch * (h // 4) * (w // 4)),
        nn.Unflatten(1, (2 * g_ch, h // 4, w // 4)),
        nn.BatchNorm2d(2 * g_ch), nn.ReLU(),
        nn.ConvTranspose2d(2 * g_ch, g_ch, 4, 2, 1), nn.BatchNorm2d(g_ch), nn.ReLU(),
        nn.ConvTranspose2d(g_ch, c, 4, 2, 1),
    )
    d = nn.Sequential(
        nn.Conv2d(c, d_ch, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(d_ch, 2 * d_ch, 4, 2, 1),
        *( [nn.BatchNorm2d(2 * d_ch)] if cfg.d_batchnorm else [] ),
        nn.LeakyReLU(0.2),
        nn.Dropout(cfg.dropout) if cfg.dropout > 0 else nn.Identity(),
        nn.Flatten(), nn.Linear(2 * d_ch * (h // 4) * (w // 4), 1),
    )
    return g, d


def build(cfg: Config, data_shape: tuple[int, ...]) -> tuple[Generator, Discriminator]:
    """Build G and D for data of shape (dim,) or (C, H, W), as cfg says."""
    is_image = len(data_shape) == 3
    dim = 1
    for s in data_shape:
        dim *= s
    if cfg.model == "dcgan":
        if not is_image:
            raise ConfigError("model=dcgan is for image data; use model=mlp or model=linear for 1D/2D data")
        g_body, d_body = _dcgan(cfg, data_shape)
        return Generator(g_body, data_shape, squash=True), Discriminator(d_body, flatten=False)
    if cfg.model == "linear":
        # The paper's simplest pair: G(z) = w·z + b and D(x) = sigmoid(w·x + b).
        g_body, d_body = nn.Linear(cfg.z_dim, dim), nn.Linear(dim, 1)
    else:
        g_body = _mlp(cfg.z_dim, cfg.g_hidden, cfg.g_depth, dim, cfg.activation)
        d_body = _mlp(dim, cfg.d_hidden, cfg.d_depth, 1, cfg.activation, dropout=cfg.dropout,
                      batchnorm=cfg.d_batchnorm)
    return Generator(g_body, data_shape, squash=is_image), Discriminator(d_body, flatten=is_image)


MAX_WEIGHTS = 50_000_000  # ~0.8 GB with gradients and Adam's moments: the most a laptop should train


def check_size(cfg: Config, data_shape: tuple[int, ...]) -> None:
    """Refuse models too large for a laptop, counted exactly on the meta device (nothing allocated)."""
    with torch.device("meta"):
        g, d = build(cfg, data_shape)
    n = sum(p.numel() for p in g.parameters()) + sum(p.numel() for p in d.parameters())
    if n > MAX_WEIGHTS:
        raise ConfigError(f"G and D would have {n / 1e6:.0f}M weights, too many for this tool "
                          f"(at most {MAX_WEIGHTS // 1_000_000}M); lower g_hidden/d_hidden or g_depth/d_depth")


def has_batch_statistics(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())
