"""What the views draw (pictures.py), computed next to the trainer: one picture per run shown.

Generated points come from fixed noise drawn once per run from its own
seed, so a frame differs from the last only because G changed: points glide instead of flickering.
The runs of a comparison are drawn together: one batched forward pass per Trainer for all of them.
The forward passes run on the population's device (its fixed noise, D's grid and the images' nearest-neighbour
pool are kept there); what a picture holds comes to the host once per frame.
"""
from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np
import torch
import torch.nn.functional as F

from .data import DATA_SEED
from .models import has_batch_statistics
from .pictures import Density1D, ImageGrid, Picture, Scatter2D
from .population import Population
from .trainer import noise

# Sizes of what is drawn. A ring8 snapshot costs ~3 ms of one core at these sizes (docs/performance.md).
N_POINTS_2D = 2000   # points of each kind drawn in 2D
N_FAKE_1D = 4000     # samples behind p_g's density estimate
N_Z_LINE = 41        # z values with arrows to G(z) in the Figure 1 view
HEATMAP = 50         # D's heatmap: about HEATMAP x HEATMAP points whatever the plot's shape; the view
                     # interpolates it (100 x 100 cost a quarter of ring8's training time on one core)
N_ARROWS = 300
MANIFOLD = 20
N_TILES = 64         # the fixed-noise image grid, 8 x 8
TILE_COLS = 8        # a conditional G's grid: one row per class (at most MAX_CLASS_ROWS), its columns sharing z
MAX_CLASS_ROWS = 10
N_CLASSIFIED = 512   # G's samples on fixed noise (the tiles first) whose classes the class bars count: a share
                     # of 10% within about 1.3 points
N_WALK = 8           # images along a latent walk, both ends included (the view puts one beside each row)
N_REAL_TILES = 8
NN_POOL = 8192       # the tiles' nearest training image is searched among at most this many (a fixed draw): 64 tiles
                     # against 58,000 28 x 28 images cost ~1 s a frame; evaluation's nn_ratio searches them all
COMPACT = 0.5        # compact pictures (a panel among several, compare mode): this share of the points and
                     # arrows, and D's map on this share of the cells each way: a quarter of the panel's area
                     # shows as much, and four panels cost about what one whole picture does
FIXED_NOISE_SEED = 3  # fixed noise of run with seed s: seed s + 3 (+ seed_offset); training draws from s + 1
SLOW_EVERY = 2    # while playing, D's 2D map every other frame (due())
SLOW_IMAGE_S = 0.5  # ... and an image grid's class reading and nearest training images twice a second: at 28 x 28
                    # the classifier reads G's 512 samples in ~50 ms, which every frame could not afford


def lowest_priority() -> None:
    """This thread at the lowest scheduling priority (Linux: a thread is a task of its own; elsewhere nothing)."""
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except OSError:
            pass

F32 = np.float32


def _c(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=F32)


def _u8(images01: np.ndarray) -> np.ndarray:
    """(n, C, H, W) in [0, 1] -> (n, H, W, C) uint8, the layout image views take."""
    return np.ascontiguousarray((np.clip(images01, 0, 1) * 255 + 0.5).astype(np.uint8).transpose(0, 2, 3, 1))


def _runs_arg(js: list[int]):
    """A slice for a contiguous range of a trainer's runs (weights are views then), else an index tensor."""
    if js == list(range(js[0], js[-1] + 1)):
        return slice(js[0], js[-1] + 1)
    return torch.tensor(js)


class SnapshotMaker:
    """Pictures of a population's runs. `make(runs)` draws the runs asked for, batched per Trainer."""

    def __init__(self, pop: Population, seed_offset: int = 0):
        self.pop, self.kind = pop, pop.data.kind
        self.seed_offset = seed_offset
        self._fixed: dict[int, tuple[tuple, torch.Tensor]] = {}  # run -> ((prior, z_dim), fixed z)
        self._d_grids: dict[int, np.ndarray] = {}
        self._heat_aspect: tuple | None = None  # (aspect, compact) of the grid made last
        data, seed = pop.data, DATA_SEED  # the real points shown are the same for every run
        if self.kind == "2d":
            self._heat_grid(None)
            idx = np.random.default_rng(seed).choice(len(data.train), min(N_POINTS_2D, len(data.train)),
                                                     replace=False)
            self._real_2d = _c(data.to_units(data.train[idx]))
        elif self.kind == "1d":
            self._real_1d = data.to_units(data.train[:10_000])[:, 0]
        else:
            idx = np.random.default_rng(seed).choice(len(data.train), N_REAL_TILES, replace=False)
            self._real_u8 = _u8((data.train[idx] + 1) / 2)
            pool = data.train if len(data.train) <= NN_POOL else data.train[
                np.sort(np.random.default_rng(seed).choice(len(data.train), NN_POOL, replace=False))]
            self._train01 = torch.from_numpy(((pool + 1) / 2).reshape(len(pool), -1)).to(pop.device)
        self.classifier = None  # trained by prepare_classes(): seconds the first picture does not wait for
        self._fitting: threading.Thread | None = None
        self._slow: dict[int, dict] = {}  # run -> an image picture's slow parts as last computed (make(heat=False))
        self._slow_at = -float("inf")     # when they were last computed (perf_counter)

    def prepare_classes(self, background: bool = False) -> None:
        """Train the data's classifier (once per data set; read from the disk cache when it is there) so image
        pictures carry class coverage. background: in a thread of this process at the lowest priority, so
        training and the frames go on meanwhile (the pictures say "training the classifier..." until
        `classifier` is set); a second call while it runs does nothing."""
        if self.kind != "image" or self.classifier is not None or not self.pop.data.classes:
            return
        from . import classifier
        if not background:
            self.classifier = classifier.fit(self.pop.data, device=self.pop.device)
            return
        if self._fitting is None:
            data, device = self.pop.data, self.pop.device

            def fit() -> None:
                lowest_priority()
                self.classifier = classifier.fit(data, device=device)
            self._fitting = threading.Thread(target=fit, name="classifier", daemon=True)
            self._fitting.start()

    def due(self, frame: int) -> bool:
        """Whether frame number `frame` of a playing run computes the slow parts (heat=True): D's 2D map every
        other frame, an image grid's class reading and its tiles' nearest training images every SLOW_IMAGE_S
        (they drift slowly; the points and the tiles are what moves)."""
        if self.kind == "image":
            return time.perf_counter() - self._slow_at >= SLOW_IMAGE_S
        return self.kind != "2d" or frame % SLOW_EVERY == 0

    def fixed_noise(self, run: int) -> torch.Tensor:
        """The run's fixed noise, on the device; drawn again when its prior changes (live), from its own generator."""
        cfg = self.pop.cfgs[run]
        key = (cfg.prior, cfg.z_dim, cfg.seed)
        if run not in self._fixed or self._fixed[run][0] != key:
            rng = torch.Generator(device=self.pop.device).manual_seed(cfg.seed + FIXED_NOISE_SEED + self.seed_offset)
            n = {"1d": N_FAKE_1D, "2d": N_POINTS_2D, "image": N_CLASSIFIED}[self.kind]
            self._fixed[run] = (key, noise(cfg, n, rng))
        return self._fixed[run][1]

    def make(self, runs: list[int] | None = None, arrows: bool = False, manifold: bool = False,
             aspect: float | None = None, heat: bool = True, compact: bool = False,
             walk: tuple[int, int] | None = None) -> dict[int, Picture]:
        """{run: picture} for `runs` (all when None). arrows/manifold: compute those overlays (2D);
        aspect: the 2D plot's width / height; heat=False: D's 2D map as last computed (while playing,
        every other frame: D's map drifts slowly, the points are what moves); compact: fewer points (COMPACT),
        and for images only the tiles; walk: (tile, tile), the latent walk between their z (images).
        heat=False also leaves an image grid's class reading and its tiles' nearest training images as last
        computed (due() says when to compute them while playing)."""
        self._compact = compact
        self._walk = None if compact or walk is None or not all(0 <= t < N_TILES for t in walk) else tuple(walk)
        runs = list(range(len(self.pop))) if runs is None else list(runs)
        clf = self.classifier  # read once: a background thread may set it while this frame is made
        by_trainer: dict[int, list[int]] = {}
        for r in runs:
            t, _ = self.pop.where[r]
            by_trainer.setdefault(id(t), []).append(r)
        out: dict[int, Picture] = {}
        if self.kind == "2d":
            self._heat_grid(aspect, compact)
        for group in by_trainer.values():
            t = self.pop.where[group[0]][0]
            js = [self.pop.where[r][1] for r in group]
            order = sorted(range(len(group)), key=lambda k: js[k])
            group, js = [group[k] for k in order], [js[k] for k in order]
            sel = _runs_arg(js)
            z = torch.stack([self.fixed_noise(r) for r in group])
            if compact and self.kind == "2d":
                z = z[:, :round(len(z[0]) * COMPACT)]
            y = None
            if self.kind == "image":
                if t.labels is not None:  # conditional: rows of classes, each column one z
                    z, y = self._asked(z)
                # the tiles alone when the classifier does not read G's other samples this frame (compact, not yet
                # trained, or its reading kept from an earlier frame); all of them when G has batch statistics, whose
                # tiles depend on the batch they are drawn in
                slow = heat or any(self._stale(r, compact, clf) for r in group)
                tiles_only = compact or ((clf is None or not slow) and not has_batch_statistics(t.G))
                z, y = (z[:, :self.n_tiles(t)], None if y is None else y[:, :self.n_tiles(t)]) if tiles_only else (z, y)
                if self._walk is not None:  # drawn in the same batch: G's batch norm sees the usual statistics
                    a, b = self._walk
                    z = torch.cat([z, latent_walk(z[:, a], z[:, b], self.pop.cfgs[group[0]].prior)], 1)
                    if y is not None:  # each half of the walk keeps its end's class
                        half = torch.arange(N_WALK, device=y.device) >= N_WALK // 2
                        y = torch.cat([y, torch.where(half, y[:, b:b + 1], y[:, a:a + 1])], 1)
            fake = t.generate(z, sel, y=y)
            make = {"1d": self._make_1d, "2d": self._make_2d, "image": self._make_image}[self.kind]
            for k, pic in enumerate(make(t, sel, group, fake, arrows=arrows, manifold=manifold, heat=heat, y=y,
                                         clf=clf)):
                out[group[k]] = pic
        return {r: out[r] for r in runs}

    def n_tiles(self, t) -> int:
        """Tiles in the grid: 8 x 8, or a conditional G's row of TILE_COLS per class."""
        return N_TILES if t.labels is None else TILE_COLS * min(len(self.pop.data.classes), MAX_CLASS_ROWS)

    def _asked(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A conditional G's fixed noise and the classes asked of it: the grid's rows are the classes and its
        columns share their z (so a column shows one z in every class); the rest cycle through the classes."""
        k, n, dev = len(self.pop.data.classes), z.shape[1], z.device
        rows = min(k, MAX_CLASS_ROWS)
        tiles = z[:, torch.arange(rows * TILE_COLS, device=dev) % TILE_COLS]
        z = torch.cat([tiles, z[:, rows * TILE_COLS:]], 1)[:, :n]
        y = torch.cat([torch.arange(rows * TILE_COLS, device=dev) // TILE_COLS,
                       torch.arange(rows * TILE_COLS, n, device=dev) % k])[:n]
        return z, y.expand(len(z), -1)

    def _base(self, run: int) -> dict:
        return {"run": run, "step": self.pop.step_count, "view_range": _c(self.pop.data.view_range)}

    # ------------------------------------------------------------------ 1D: Figure 1
    def _make_1d(self, t, sel, group, fake_std, **_) -> list[Density1D]:
        # Imported here: metrics pulls in scipy (~0.5 s), which 2D and image windows need only at
        # their first evaluation, not for their first frame.
        from .evaluate import grid_1d
        from .metrics import kde_1d, optimal_d
        data = self.pop.data
        fakes = data.to_units(fake_std.cpu().numpy())[..., 0]
        z_line, z_label = self._z_line(self.pop.cfgs[group[0]])
        z_x = data.to_units(t.generate(z_line.expand(len(group), -1, -1), sel).cpu().numpy())[..., 0]
        x = grid_1d(data)
        lo = min(x[0], float(np.percentile(fakes, 0.5)))
        hi = max(x[-1], float(np.percentile(fakes, 99.5)))
        if lo < x[0] or hi > x[-1]:  # G wandered outside the frame: widen the grid so p_g stays drawn
            x = np.linspace(lo, hi, len(x))
        x_std = torch.from_numpy(data.from_units(x[:, None]).astype(F32))
        d_all = t.discriminate(x_std.expand(len(group), -1, -1), sel).cpu().numpy()
        p_data = data.density(x) if data.density is not None else kde_1d(self._real_1d, x)
        out = []
        for k, run in enumerate(group):
            fake = fakes[k]
            p_g = kde_1d(fake, x)
            counts, edges = np.histogram(fake, bins=60, range=(x[0], x[-1]), density=True)
            out.append(Density1D(**self._base(run), x=_c(x), p_data=_c(p_data), p_g=_c(p_g), d=_c(d_all[k]),
                                 d_star=_c(optimal_d(p_data, p_g)), hist_edges=_c(edges), hist_density=_c(counts),
                                 z_line=_c(z_line[:, 0].numpy()), z_x=_c(z_x[k]), z_label=z_label,
                                 fake=_c(fake[:1000])))
        return out

    @staticmethod
    def _z_line(cfg) -> tuple[torch.Tensor, str]:
        """Evenly spaced z (quantiles of the prior) along z's first axis, the others held at 0."""
        q = torch.linspace(0.01, 0.99, N_Z_LINE)
        z1 = q * 2 - 1 if cfg.prior == "uniform" else torch.special.ndtri(q)
        z = torch.zeros(N_Z_LINE, cfg.z_dim)
        z[:, 0] = z1
        return z, "z" if cfg.z_dim == 1 else "z\u2081 (other z at 0)"

    # ------------------------------------------------------------------ 2D
    def _heat_grid(self, aspect: float | None, compact: bool = False) -> None:
        """The points where D is drawn: the data's view range, widened to the plot's aspect (width /
        height in pixels) when the view gave it. The plot keeps one scale for x and y, so a wide plot
        shows more of the plane than the data's range, and D's map should fill it, not stop in a band."""
        aspect = None if aspect is None or not aspect > 0 else round(float(aspect), 2)
        if (aspect, compact) == self._heat_aspect:
            return
        self._heat_aspect = (aspect, compact)
        self._d_grids = {}  # a new grid: D's map is computed again, whatever the frame
        (x0, x1), (y0, y1) = self.pop.data.view_range
        w, h = x1 - x0, y1 - y0
        ratio = 1.0
        if aspect is not None:
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            w, h = max(w, h * aspect), max(h, w / aspect)
            x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
            ratio = w / h
        # About HEATMAP^2 points whatever the shape, with square cells: a wide plot costs no more.
        cells = HEATMAP * (COMPACT if compact else 1.0)
        nx = max(2, round(cells * ratio ** 0.5))
        ny = max(2, round(cells / ratio ** 0.5))
        gx, gy = np.meshgrid(np.linspace(x0, x1, nx), np.linspace(y0, y1, ny))
        own = np.stack([gx.ravel(), gy.ravel()], 1)
        self._grid_std = torch.from_numpy(self.pop.data.from_units(own).astype(F32)).to(self.pop.device)
        self._grid_shape = (ny, nx)
        self._heat_range = np.array([[x0, x1], [y0, y1]], F32)

    def _make_2d(self, t, sel, group, fake_std, arrows=False, manifold=False, heat=True, **_) -> list[Scatter2D]:
        data, k = self.pop.data, len(group)
        if heat or any(r not in self._d_grids for r in group):
            d = t.discriminate(self._grid_std.expand(k, -1, -1), sel).cpu().numpy()
            for i, r in enumerate(group):
                self._d_grids[r] = _c(d[i].reshape(self._grid_shape))
        n_arrows = round(N_ARROWS * (COMPACT if self._compact else 1.0))
        pushes = self._arrows(t, sel, fake_std[:, :n_arrows]) if arrows else None
        grids = self._manifold(t, sel, self.pop.cfgs[group[0]], k) if manifold else None
        fakes = data.to_units(fake_std.cpu().numpy())
        real = self._real_2d[:fakes.shape[1]]  # as many data points as G's (compact: fewer of both)
        return [Scatter2D(**self._base(r), real=real, fake=_c(fakes[i]), d_grid=self._d_grids[r],
                          heat_range=self._heat_range.copy(), arrows=None if pushes is None else pushes[i],
                          manifold=None if grids is None else grids[i]) for i, r in enumerate(group)]

    def _arrows(self, t, sel, x_std: torch.Tensor) -> np.ndarray:
        """Where G's update pushes each sample: -d(G's loss)/dx at the sample, in own units."""
        g = t.loss_gradient_at(x_std, sel)
        data = self.pop.data
        pos = data.to_units(x_std.cpu().numpy())
        direction = -g.cpu().numpy() * data.scale  # chain rule into own units keeps arrows true to the axes
        return _c(np.concatenate([pos, direction], -1))

    def _manifold(self, t, sel, cfg, k: int) -> np.ndarray:
        r = 1.0 if cfg.prior == "uniform" else 2.0
        a = torch.linspace(-r, r, MANIFOLD)
        z = torch.zeros(MANIFOLD, MANIFOLD, cfg.z_dim)
        z[..., 0] = a[None, :]
        if cfg.z_dim > 1:
            z[..., 1] = a[:, None]
        x = t.generate(z.reshape(1, -1, cfg.z_dim).expand(k, -1, -1), sel).cpu().numpy()
        return _c(self.pop.data.to_units(x).reshape(k, MANIFOLD, MANIFOLD, 2))

    # ------------------------------------------------------------------ images
    def _stale(self, run: int, compact: bool, clf) -> bool:
        """Whether the run's kept slow parts are missing, or were made for another kind of picture."""
        return self._slow.get(run, {}).get("kind") != (compact, clf is not None)

    def _make_image(self, t, sel, group, fake, y=None, heat=True, clf=None, **_) -> list[ImageGrid]:
        walk = fake[:, -N_WALK:] if self._walk is not None else None
        pool = fake[:, :fake.shape[1] - (N_WALK if walk is not None else 0)]  # tiles, then the rest (when drawn)
        n_tiles = self.n_tiles(t)
        tiles = pool[:, :n_tiles]
        asked = None if y is None else y[:, :pool.shape[1]]
        d = t.discriminate(tiles, sel, y=None if asked is None else asked[:, :n_tiles]).cpu().numpy()
        data = self.pop.data
        asked_np = None if asked is None else asked.cpu().numpy()
        out = []
        for i, r in enumerate(group):
            fake01 = (tiles[i].clamp(-1, 1) + 1) / 2
            # the slow parts: kept from an earlier frame unless due, or made for another kind of picture
            if heat or self._stale(r, self._compact, clf):
                self._slow_at = time.perf_counter()
                self._slow[r] = {"kind": (self._compact, clf is not None), **self._nearest(fake01),
                                        **self._classes(clf, pool[i], n_tiles, None if asked is None else asked_np[i])}
            pic = ImageGrid(**self._base(r), fake_u8=_u8(fake01.cpu().numpy()), d_fake=_c(d[i]),
                            real_u8=self._real_u8, classes=data.classes,
                            nn_of=len(self._train01) if len(self._train01) < len(data.train) else None,
                            **{k: v for k, v in self._slow[r].items() if k != "kind"})
            if asked is not None:
                pic.asked = asked_np[i, :n_tiles]
            if walk is not None:
                pic.walk, pic.walk_u8 = self._walk, _u8(((walk[i].clamp(-1, 1) + 1) / 2).cpu().numpy())
            out.append(pic)
        return out

    def _nearest(self, fake01: torch.Tensor) -> dict:
        """Each tile's nearest training image (of the pool) and its RMS distance per pixel."""
        dist = torch.cdist(fake01.reshape(len(fake01), -1), self._train01)
        nn_dist, nn_idx = dist.min(1)
        nn = self._train01[nn_idx].reshape(fake01.shape).cpu().numpy()
        return {"nn_u8": _u8(nn), "nn_dist": _c(nn_dist.cpu().numpy() / np.sqrt(fake01[0].numel()))}

    def _classes(self, clf, samples: torch.Tensor, n_tiles: int, asked: np.ndarray | None) -> dict:
        """What the classifier reads in a run's samples on fixed noise (the tiles first): each tile's class and how
        sure, and (all the samples drawn, not compact) the class shares beside the data's."""
        if clf is None:
            return {}
        p = clf.probabilities(samples)
        out = {"tile_class": p[:n_tiles].argmax(1), "tile_sure": _c(p[:n_tiles].max(1)),
               "real_confident": clf.real_confident, "classifier_acc": clf.accuracy}
        if not self._compact:
            from .classifier import CONFIDENT, shares
            out.update(class_shares=_c(shares(p)), real_shares=_c(clf.real_shares),
                       confident=float((p.max(1) >= CONFIDENT).mean()))
            if asked is not None:  # of the samples asked for each class, the share read as it
                hit = p.argmax(1) == asked
                k = len(clf.real_shares)
                asks = np.bincount(asked, minlength=k)
                out["asked_hits"] = _c(np.bincount(asked, weights=hit, minlength=k) / np.maximum(asks, 1))
        return out


def latent_walk(za: torch.Tensor, zb: torch.Tensor, prior: str, n: int = N_WALK) -> torch.Tensor:
    """(k, n, z_dim): n points from za to zb (k runs' each). Spherical interpolation for a Gaussian prior,
    whose samples sit near a sphere, so the path's points look like draws from the prior (a straight
    line's middle would be atypically short); a straight line for a uniform one, which stays in its cube."""
    t = torch.linspace(0, 1, n, device=za.device).reshape(1, n, 1)
    a, b = za[:, None], zb[:, None]
    line = (1 - t) * a + t * b
    if prior == "uniform":
        return line
    cos = F.cosine_similarity(za, zb, dim=-1).clamp(-1, 1).reshape(-1, 1, 1)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    arc = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / sin.clamp(min=1e-6)
    return torch.where(sin > 1e-4, arc, line)  # (nearly) parallel z: the line is the arc
