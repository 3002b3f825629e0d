"""What the views draw, as plain numpy arrays, computed next to the trainer (in the worker).

A snapshot is a dict; every array is float32 (uint8 for image pixels) and C-contiguous, in the
data's own units. Generated points come from fixed noise drawn once per run, so a frame differs
from the last only because G changed: points glide instead of flickering.

Keys, by kind (always: "kind", "step", "stats", "view_range"):
  1d:    x, p_data, p_g, d, d_star, hist_edges, hist_density, z_line, z_x, z_label, fake
  2d:    real, fake, d_grid (ny, nx; rows = y) over heat_range ((x0, x1), (y0, y1)): the view's
         whole plot area when the view gave its aspect, else view_range; arrows (n, 4: x, y, dx, dy)
         when asked, manifold (gz, gz, 2) when asked
  image: fake_u8 (n, H, W, C), d_fake (n,), real_u8 (k, H, W, C), nn_u8 (n, H, W, C), nn_dist (n,)
"""
from __future__ import annotations

import numpy as np
import torch


N_POINTS_2D = 2000   # points of each kind drawn in 2D
N_FAKE_1D = 4000     # samples behind p_g's density estimate
N_Z_LINE = 41        # z values with arrows to G(z) in the Figure 1 view
HEATMAP = 50         # D's heatmap resolution (HEATMAP x HEATMAP points, fewer across than along a wide
                     # plot); the view interpolates it. 100 x 100 cost 7.7 ms of D per frame on one
                     # laptop core, a quarter of ring8's training time
N_ARROWS = 300
MANIFOLD = 20
N_TILES = 64         # the fixed-noise image grid, 8 x 8
N_REAL_TILES = 8

F32 = np.float32


def _c(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=F32)


def _u8(images01: np.ndarray) -> np.ndarray:
    """(n, C, H, W) in [0, 1] -> (n, H, W, C) uint8, the layout image views take."""
    return np.ascontiguousarray((np.clip(images01, 0, 1) * 255 + 0.5).astype(np.uint8).transpose(0, 2, 3, 1))


class SnapshotMaker:
    def __init__(self, trainer, seed_offset: int = 3):
        self.t = trainer
        self.rng = torch.Generator().manual_seed(trainer.cfg.seed + seed_offset)
        self.kind = trainer.data.kind
        self.fixed_z: torch.Tensor | None = None
        self._z_dim = None
        self._static: dict[str, np.ndarray] = {}
        self._prepare()

    def _prepare(self) -> None:
        """Fixed noise and the parts that never change during a run (real points, p_data, grids)."""
        t, data = self.t, self.t.data
        n = {"1d": N_FAKE_1D, "2d": N_POINTS_2D, "image": N_TILES}[self.kind]
        self.fixed_z = t.noise(n, self.rng)
        self._z_dim, self._prior = t.cfg.z_dim, t.cfg.prior
        if self.kind == "2d":
            self._heat_aspect = -1.0
            self._heat_grid(None)
            idx = np.random.default_rng(t.cfg.seed).choice(len(data.train), min(N_POINTS_2D, len(data.train)),
                                                          replace=False)
            self._static["real"] = _c(data.to_units(data.train[idx]))
        elif self.kind == "1d":
            real = data.to_units(data.train[:10_000])[:, 0]
            self._real_1d = real
        else:
            idx = np.random.default_rng(t.cfg.seed).choice(len(data.train), N_REAL_TILES, replace=False)
            self._static["real_u8"] = _u8((data.train[idx] + 1) / 2)
            self._train01 = torch.from_numpy(((data.train + 1) / 2).reshape(len(data.train), -1))

    def _heat_grid(self, aspect: float | None) -> None:
        """The points where D is drawn: the data's view range, widened to the plot's aspect (width /
        height in pixels) when the view gave it. The plot keeps one scale for x and y, so a wide plot
        shows more of the plane than the data's range, and D's map should fill it, not stop in a band."""
        aspect = None if aspect is None or not aspect > 0 else round(float(aspect), 2)
        if aspect == self._heat_aspect:
            return
        self._heat_aspect = aspect
        self._d_grid = None  # a new grid: D's map is computed again, whatever the frame
        (x0, x1), (y0, y1) = self.t.data.view_range
        w, h = x1 - x0, y1 - y0
        ratio = 1.0
        if aspect is not None:
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            w, h = max(w, h * aspect), max(h, w / aspect)
            x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
            ratio = w / h
        # About HEATMAP^2 points whatever the shape, with square cells: a wide plot costs no more.
        nx = max(2, round(HEATMAP * ratio ** 0.5))
        ny = max(2, round(HEATMAP / ratio ** 0.5))
        gx, gy = np.meshgrid(np.linspace(x0, x1, nx), np.linspace(y0, y1, ny))
        own = np.stack([gx.ravel(), gy.ravel()], 1)
        self._grid_std = torch.from_numpy(self.t.data.from_units(own).astype(F32))
        self._grid_shape = (ny, nx)
        self._heat_range = np.array([[x0, x1], [y0, y1]], F32)

    def _refresh_noise(self) -> None:
        # A live change of prior means new fixed noise; the RNG is ours, so training is unaffected.
        if self.t.cfg.prior != self._prior:
            self.rng.manual_seed(self.t.cfg.seed + 3)
            self._prepare()

    def make(self, arrows: bool = False, manifold: bool = False, aspect: float | None = None,
             heat: bool = True) -> dict:
        """A snapshot; arrows/manifold: compute those overlays; aspect: the 2D plot's width / height;
        heat=False: D's 2D map as last computed (while playing, every other frame: a third of a
        ring8 snapshot's cost; D's map drifts slowly, the points are what moves)."""
        self._refresh_noise()
        t = self.t
        snap = {"kind": self.kind, "step": t.step_count, "view_range": _c(t.data.view_range)}
        if self.kind == "2d":
            snap.update(self._make_2d(arrows, manifold, aspect, heat))
        else:
            snap.update(getattr(self, f"_make_{self.kind}")(arrows, manifold))
        snap.update(self._static)
        return snap

    # ------------------------------------------------------------------ 1D: Figure 1
    def _make_1d(self, arrows: bool, manifold: bool) -> dict:
        # Imported here: metrics pulls in scipy (~0.5 s), which 2D and image windows need only at
        # their first evaluation, not for their first frame.
        from .evaluate import grid_1d
        from .metrics import kde_1d, optimal_d
        t, data = self.t, self.t.data
        fake = data.to_units(t.generate(self.fixed_z).numpy())[:, 0]
        x = grid_1d(data)
        lo, hi = float(np.percentile(fake, 0.5)), float(np.percentile(fake, 99.5))
        if lo < x[0] or hi > x[-1]:  # G wandered outside the frame: widen the grid so p_g stays drawn
            span = (min(x[0], lo), max(x[-1], hi))
            x = np.linspace(*span, len(x))
        p_data = data.density(x) if data.density is not None else kde_1d(self._real_1d, x)
        p_g = kde_1d(fake, x)
        d = t.discriminate(torch.from_numpy(data.from_units(x[:, None]).astype(F32))).numpy()
        counts, edges = np.histogram(fake, bins=60, range=(x[0], x[-1]), density=True)
        z_line, z_label = self._z_line()
        z_x = data.to_units(t.generate(z_line).numpy())[:, 0]
        return {"x": _c(x), "p_data": _c(p_data), "p_g": _c(p_g), "d": _c(d), "d_star": _c(optimal_d(p_data, p_g)),
                "hist_edges": _c(edges), "hist_density": _c(counts), "z_line": _c(z_line[:, 0].numpy()),
                "z_x": _c(z_x), "z_label": z_label, "fake": _c(fake[:1000])}

    def _z_line(self) -> tuple[torch.Tensor, str]:
        """Evenly spaced z (quantiles of the prior) along z's first axis, the others held at 0."""
        q = torch.linspace(0.01, 0.99, N_Z_LINE)
        z1 = q * 2 - 1 if self.t.cfg.prior == "uniform" else torch.special.ndtri(q)
        z = torch.zeros(N_Z_LINE, self.t.cfg.z_dim)
        z[:, 0] = z1
        label = "z" if self.t.cfg.z_dim == 1 else "z\u2081 (other z at 0)"
        return z, label

    # ------------------------------------------------------------------ 2D
    def _make_2d(self, arrows: bool, manifold: bool, aspect: float | None = None, heat: bool = True) -> dict:
        t, data = self.t, self.t.data
        fake_std = t.generate(self.fixed_z)
        out = {"fake": _c(data.to_units(fake_std.numpy()))}
        self._heat_grid(aspect)
        if heat or self._d_grid is None:
            self._d_grid = _c(t.discriminate(self._grid_std).numpy().reshape(self._grid_shape))
        out["d_grid"], out["heat_range"] = self._d_grid, self._heat_range.copy()
        if arrows:
            out["arrows"] = self._arrows(fake_std[:N_ARROWS])
        if manifold:
            out["manifold"] = self._manifold()
        return out

    def _arrows(self, x_std: torch.Tensor) -> np.ndarray:
        """Where G's update pushes each sample: -d(G's loss)/dx at the sample, in own units."""
        t = self.t
        g = t.loss_gradient_at(x_std)
        pos = t.data.to_units(x_std.numpy())
        direction = -g.numpy() * t.data.scale  # chain rule into own units keeps arrows true to the axes
        return _c(np.concatenate([pos, direction], 1))

    def _manifold(self) -> np.ndarray:
        t = self.t
        r = 1.0 if t.cfg.prior == "uniform" else 2.0
        a = torch.linspace(-r, r, MANIFOLD)
        z = torch.zeros(MANIFOLD, MANIFOLD, t.cfg.z_dim)
        z[..., 0] = a[None, :]
        if t.cfg.z_dim > 1:
            z[..., 1] = a[:, None]
        x = t.generate(z.reshape(-1, t.cfg.z_dim)).numpy()
        return _c(t.data.to_units(x).reshape(MANIFOLD, MANIFOLD, 2))

    # ------------------------------------------------------------------ images
    def _make_image(self, arrows: bool, manifold: bool) -> dict:
        t = self.t
        fake = t.generate(self.fixed_z)
        d = t.discriminate(fake).numpy()
        fake01 = ((fake.clamp(-1, 1) + 1) / 2)
        dist = torch.cdist(fake01.reshape(len(fake01), -1), self._train01)
        nn_dist, nn_idx = dist.min(1)
        npix = fake01[0].numel()
        nn = self._train01[nn_idx].reshape(fake01.shape).numpy()
        return {"fake_u8": _u8(fake01.numpy()), "d_fake": _c(d), "nn_u8": _u8(nn),
                "nn_dist": _c(nn_dist.numpy() / np.sqrt(npix))}
