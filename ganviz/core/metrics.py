"""Sample-based GAN metrics: 1D (JSD, W1, KS, |D - D*|), 2D (modes, high-quality share), images (Parzen, NN,
the Fréchet distance of features).

Everything takes numpy arrays and returns plain Python numbers, so the worker can log them as they are.
Shape mistakes are programmer errors and raise ValueError; nothing here knows about Qt.
Budget: each call must fit in a few hundred ms on 2 cores, since it runs every `eval_every` steps.
"""
from __future__ import annotations

import math

import numpy as np
import torch

LN2 = math.log(2.0)
PARZEN_SIGMAS = np.logspace(-1, 0, 10)  # the candidates of Goodfellow et al.'s parzen_ll.py
KDE_TRUNCATE = 5.0    # kernel cut at 5 bandwidths: the tail beyond is < 4e-6 of the peak
KDE_BINS_PER_H = 8    # fine bins per bandwidth for linear binning; error ~ (1/8)^2 / 12, far below plot resolution
KDE_MAX_BINS = 1 << 16
NN_SAMPLES = 1_000    # the NN check's cost is samples x train, so it uses at most this many samples


# ---------------------------------------------------------------------------------------------- checks
def _vector(a, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or Inf")
    return a


def _matrix(a, name: str, cols: int | None = None, dtype=np.float64) -> np.ndarray:
    """a as a C-contiguous matrix of dtype (None: float32 stays float32, which a large NN search keeps)."""
    a = np.asarray(a)
    if dtype is None:
        dtype = np.float32 if a.dtype == np.float32 else np.float64
    a = np.ascontiguousarray(a, dtype=dtype)  # torch.from_numpy wants positive strides
    if a.ndim != 2 or len(a) == 0 or (cols is not None and a.shape[1] != cols):
        want = f"(N, {cols})" if cols is not None else "(N, d)"
        raise ValueError(f"{name} must be a non-empty {want} array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or Inf")
    return a


# ---------------------------------------------------------------------------------------------- 1D
def silverman_bandwidth(samples: np.ndarray) -> float:
    """0.9 * min(std, IQR/1.34) * n^-1/5; the IQR keeps one outlier from flattening the curve.
    Falls back to whichever spread is non-zero (a spike with a few outliers has IQR 0); 0 if all equal."""
    std = float(np.std(samples))
    q75, q25 = np.percentile(samples, [75, 25])
    spread = min(std, (q75 - q25) / 1.34) or std
    return 0.9 * spread * len(samples) ** -0.2


def kde_1d(samples: np.ndarray, grid: np.ndarray, bandwidth: float | None = None) -> np.ndarray:
    """Gaussian KDE of 1-D samples on a sorted grid, normalised over all samples (mass off the grid is lost).

    The automatic bandwidth is floored at the grid's median step: a narrower bump (a collapsed G) would fall
    between grid points, and the curve would show nothing or a spike whose area is wrong.
    Fast path: linear binning onto a fine uniform grid, a convolution with the sampled kernel, then
    interpolation onto `grid` -- O(N + bins) instead of O(N * grid)."""
    x, g = _vector(samples, "samples"), _vector(grid, "grid")
    if len(g) > 1 and np.any(np.diff(g) < 0):
        raise ValueError("grid must be sorted ascending")
    if bandwidth is None:
        step = float(np.median(np.diff(g))) if len(g) > 1 else 0.0
        h = max(silverman_bandwidth(x), step) or 1e-3 * max(1.0, abs(float(g[0])))
    elif not bandwidth > 0:
        raise ValueError(f"bandwidth must be > 0, got {bandwidth}")
    else:
        h = float(bandwidth)
    dx = h / KDE_BINS_PER_H
    lo = g[0] - KDE_TRUNCATE * h
    n_bins = int(math.ceil((g[-1] + KDE_TRUNCATE * h - lo) / dx)) + 2
    if n_bins > KDE_MAX_BINS:  # an explicit bandwidth far below the grid's range: evaluate directly
        out = np.empty_like(g)
        for i in range(0, len(g), 64):
            u = (g[i:i + 64, None] - x[None, :]) / h
            out[i:i + 64] = np.exp(-0.5 * u * u).sum(1)
        return out / (len(x) * h * math.sqrt(2 * math.pi))
    # linear binning: each sample splits its unit mass between its two neighbouring fine bins
    pos = (x - lo) / dx
    inside = (pos >= 0) & (pos < n_bins - 1)
    pos = pos[inside]
    left = np.floor(pos).astype(np.int64)
    frac = pos - left
    counts = np.bincount(left, 1 - frac, n_bins) + np.bincount(left + 1, frac, n_bins)
    k = np.arange(-KDE_TRUNCATE * KDE_BINS_PER_H, KDE_TRUNCATE * KDE_BINS_PER_H + 1) / KDE_BINS_PER_H
    kernel = np.exp(-0.5 * k * k) / (h * math.sqrt(2 * math.pi))
    dens = np.convolve(counts, kernel, mode="same") / len(x)  # direct (not FFT) convolution: never negative
    return np.interp(g, lo + dx * np.arange(n_bins), dens)


def optimal_d(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g); 1/2 where both are ~0 (relative to the peak), where D* is undefined."""
    p, q = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"p_data and p_g must have the same shape, got {p.shape} and {q.shape}")
    s = p + q
    tiny = 1e-12 * float(s.max(initial=0.0))
    return np.divide(p, s, out=np.full_like(s, 0.5), where=(s > tiny) & (s > 0))


def _trapezoid_weights(grid: np.ndarray) -> np.ndarray:
    if len(grid) == 1:
        return np.ones(1)
    d = np.diff(grid)
    return np.concatenate([[d[0]], d[:-1] + d[1:], [d[-1]]]) / 2


def jsd(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (nats) of two non-negative mass vectors, each renormalised to sum 1.
    An all-zero side means no overlap at all: ln 2."""
    p, q = np.clip(p, 0, None), np.clip(q, 0, None)
    sp, sq = p.sum(), q.sum()
    if sp <= 0 or sq <= 0:
        return LN2
    p, q = p / sp, q / sq
    m = (p + q) / 2

    def kl(a):  # 0 log 0 = 0; where a > 0, m > 0 too
        nz = a > 0
        return float(np.sum(a[nz] * np.log(a[nz] / m[nz])))
    return min(max(0.5 * kl(p) + 0.5 * kl(q), 0.0), LN2)


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    a, b = np.sort(a), np.sort(b)
    pts = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, pts, side="right") / len(a)
    cdf_b = np.searchsorted(b, pts, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def wasserstein_1d(a: np.ndarray, b: np.ndarray) -> float:
    """W1 between two samples: the area between their empirical CDFs (scipy.stats.wasserstein_distance
    computes the same; importing scipy.stats for it cost the training process 59 MB and 0.9 s)."""
    a, b = np.sort(a), np.sort(b)
    pts = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(a, pts[:-1], side="right") / len(a)
    cdf_b = np.searchsorted(b, pts[:-1], side="right") / len(b)
    return float(np.sum(np.abs(cdf_a - cdf_b) * np.diff(pts)))


def _outside(samples: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return (samples < grid[0]) | (samples > grid[-1])


def _density_on_grid(samples: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The samples' density on the grid, normalised over all of them. The KDE sees only the samples on the
    grid's range: far-away ones would widen its automatic bandwidth and blur the part that is on it."""
    inside = samples[~_outside(samples, grid)]
    if len(inside) == 0:
        return np.zeros_like(grid)
    return kde_1d(inside, grid) * (len(inside) / len(samples))


def _masses(on_grid: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """Masses on the grid plus one last cell for the samples outside its range (as _hist2d's in 2D): the
    on-grid masses make up the inside share exactly (kernels reach past the edges), the last cell the rest."""
    share_out = float(outside.mean())
    total = on_grid.sum()
    inside = on_grid * ((1 - share_out) / total) if total > 0 else np.zeros_like(on_grid)
    return np.append(inside, share_out)


def metrics_1d(real: np.ndarray, fake: np.ndarray, grid: np.ndarray, d_on_grid: np.ndarray,
               p_data: np.ndarray | None = None) -> dict:
    """JSD and |D - D*| on the grid, W1 and KS between the samples (all in the data's own units)."""
    real, fake, grid = _vector(real, "real"), _vector(fake, "fake"), _vector(grid, "grid")
    d = np.asarray(d_on_grid, dtype=np.float64).reshape(-1)
    if d.shape != grid.shape:
        raise ValueError(f"d_on_grid must have one value per grid point ({len(grid)}), got {np.shape(d_on_grid)}")
    p = _density_on_grid(real, grid) if p_data is None else np.asarray(p_data, dtype=np.float64).reshape(-1)
    if p.shape != grid.shape:
        raise ValueError(f"p_data must have one value per grid point ({len(grid)}), got {np.shape(p_data)}")
    q = _density_on_grid(fake, grid)
    w = _trapezoid_weights(grid)
    # D* from the raw densities: renormalising on a grid that cuts off part of p_g would inflate p_g in the frame
    d_star = optimal_d(p, q)
    where_data = p >= 0.01 * p.max() if p.max() > 0 else np.ones_like(p, dtype=bool)
    # G's samples off the grid match nothing; so do the data's own (few or none: the grid spans the data)
    return {"jsd": jsd(_masses(p * w, _outside(real, grid)), _masses(q * w, _outside(fake, grid))),
            "w1": wasserstein_1d(real, fake),
            "d_gap": float(np.max(np.abs(d - d_star)[where_data])),
            "ks": ks_statistic(real, fake)}


# ---------------------------------------------------------------------------------------------- 2D
def _hist2d(x: np.ndarray, lo: np.ndarray, width: np.ndarray, bins: int) -> np.ndarray:
    """Counts on a bins x bins grid plus one last cell for everything outside it."""
    idx = np.floor((x - lo) / width).astype(np.int64)
    inside = np.all((idx >= 0) & (idx < bins), axis=1)
    cell = np.where(inside, idx[:, 0] * bins + idx[:, 1], bins * bins)
    return np.bincount(cell, minlength=bins * bins + 1).astype(np.float64)


def metrics_2d(real: np.ndarray, fake: np.ndarray, modes: np.ndarray | None, mode_std: float | None,
               bins: int = 50) -> dict:
    """Histogram JSD; with known modes, also modes captured and the high-quality share (VEEGAN/PacGAN rule)."""
    real, fake = _matrix(real, "real", 2), _matrix(fake, "fake", 2)
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    lo, hi = real.min(0), real.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - 0.05 * span, hi + 0.05 * span
    width = (hi - lo) / bins
    # fake points outside the real range land in an extra "outside" cell, so G spraying points far away
    # counts as mass that matches nothing, instead of silently vanishing from the histogram
    out = {"jsd": jsd(_hist2d(real, lo, width, bins), _hist2d(fake, lo, width, bins))}
    if modes is None:
        return out
    modes = _matrix(modes, "modes", 2)
    if mode_std is None or not mode_std > 0:
        raise ValueError(f"mode_std must be > 0 when modes are given, got {mode_std}")
    d2 = ((fake[:, None, :] - modes[None, :, :]) ** 2).sum(-1)
    nearest = d2.argmin(1)
    hq = d2[np.arange(len(fake)), nearest] <= (3 * mode_std) ** 2
    k = len(modes)
    counts = np.bincount(nearest[hq], minlength=k)
    n_hq = int(hq.sum())
    # a mode counts when it holds at least a fifth of its fair share n_hq / K of the high-quality samples
    captured = (counts >= 0.2 * n_hq / k) & (counts >= 1)
    out.update(modes=int(captured.sum()), hq=n_hq / len(fake), n_modes=k)
    return out


# ---------------------------------------------------------------------------------------------- images
def _sq_dists(x: torch.Tensor, s: torch.Tensor, s_sq: torch.Tensor) -> torch.Tensor:
    """||x_i - s_j||^2 via one matmul. Parzen needs float64: in float32 the cancellation costs whole nats at
    sigma 0.1; the NN search only ranks, so float32 does."""
    return ((x * x).sum(1, keepdim=True) + s_sq[None, :] - 2 * x @ s.T).clamp_(min=0)


def parzen_log_likelihood(samples: np.ndarray, valid: np.ndarray, test: np.ndarray,
                          sigmas: np.ndarray | None = None, batch: int = 100) -> dict:
    """Parzen-window estimate of Goodfellow et al. 2014: a Gaussian kernel on each generated sample,
    sigma picked by mean log-likelihood on `valid`, reported on `test` (nats, flattened [0,1] pixels)."""
    s = _matrix(np.reshape(samples, (len(samples), -1)), "samples")
    dim = s.shape[1]
    v = _matrix(np.reshape(valid, (len(valid), -1)), "valid", dim)
    t = _matrix(np.reshape(test, (len(test), -1)), "test", dim)
    sig = PARZEN_SIGMAS if sigmas is None else _vector(sigmas, "sigmas")
    if np.any(sig <= 0) or batch < 1:
        raise ValueError("sigmas must be > 0 and batch >= 1")
    st = torch.from_numpy(s)
    s_sq = (st * st).sum(1)
    log_n = math.log(len(s))

    def log_liks(x: np.ndarray, sigmas_: np.ndarray) -> np.ndarray:
        """(len(sigmas_), len(x)) log p(x); the distances of a batch are computed once for all sigmas."""
        out = np.empty((len(sigmas_), len(x)))
        xt = torch.from_numpy(x)
        for i in range(0, len(x), batch):
            d2 = _sq_dists(xt[i:i + batch], st, s_sq)
            for j, sg in enumerate(sigmas_):
                ll = torch.logsumexp(d2 / (-2 * sg * sg), dim=1) - log_n - dim / 2 * math.log(2 * math.pi * sg * sg)
                out[j, i:i + batch] = ll.numpy()
        return out

    best = float(sig[int(np.argmax(log_liks(v, sig).mean(1)))])
    ll = log_liks(t, np.array([best]))[0]
    return {"parzen_ll": float(ll.mean()), "parzen_se": float(ll.std() / math.sqrt(len(ll))), "parzen_sigma": best}


def _nn(x: np.ndarray, train: np.ndarray, chunk_elems: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Index of, and RMS-per-pixel distance to, each row's nearest training row (batched to bound memory).
    The search runs in float32 (1.7x faster on CPU; round-off can only swap near-ties, whose distances agree)."""
    tr = torch.from_numpy(train).float()  # no copy when train is float32 already
    tr_sq = (tr * tr).sum(1)
    rows = max(1, chunk_elems // len(train))
    idx = np.concatenate([_sq_dists(torch.from_numpy(x[i:i + rows]).float(), tr, tr_sq).argmin(1).numpy()
                          for i in range(0, len(x), rows)])
    # the distance to the chosen row recomputed exactly: exact copies give 0, not matmul round-off
    rms = np.sqrt(np.mean((x - train[idx]) ** 2, axis=1))
    return idx, rms


def nearest_neighbour(samples: np.ndarray, train: np.ndarray, reference: np.ndarray | None = None) -> dict:
    """Memorisation check: how close samples sit to their nearest training image, compared with how close
    held-out real images (`reference`) sit -- a ratio well below 1 means G copies the training set."""
    s = _matrix(np.reshape(samples, (len(samples), -1)), "samples")
    tr = _matrix(np.reshape(train, (len(train), -1)), "train", s.shape[1], dtype=None)
    idx, rms = _nn(s, tr)
    out = {"nn_dist": float(rms.mean()), "nn_index": idx}
    if reference is not None:
        ref = _matrix(np.reshape(reference, (len(reference), -1)), "reference", s.shape[1])
        ref_dist = float(_nn(ref, tr)[1].mean())
        out["nn_ratio"] = out["nn_dist"] / ref_dist if ref_dist > 0 else float("inf")
    return out


def frechet_distance(mean1: np.ndarray, cov1: np.ndarray, mean2: np.ndarray, cov2: np.ndarray) -> float:
    """The Fréchet (2-Wasserstein) distance between two Gaussians, as FID computes it from features:
    |m1 - m2|^2 + tr(C1 + C2 - 2 (C1 C2)^(1/2)). tr((C1 C2)^(1/2)) is taken as tr((S C2 S)^(1/2)) with
    S = C1^(1/2): the same eigenvalues, but of a symmetric matrix, so no complex round-off as in sqrtm(C1 C2)."""
    m1, m2 = _vector(mean1, "mean1"), _vector(mean2, "mean2")
    c1, c2 = np.asarray(cov1, np.float64), np.asarray(cov2, np.float64)
    if c1.shape != (len(m1), len(m1)) or c2.shape != c1.shape or len(m2) != len(m1):
        raise ValueError(f"means {m1.shape}, {m2.shape} and covariances {c1.shape}, {c2.shape} do not match")
    w, v = np.linalg.eigh(c1)
    s = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    root = np.sqrt(np.clip(np.linalg.eigvalsh(s @ c2 @ s), 0, None)).sum()
    return float(max(0.0, np.sum((m1 - m2) ** 2) + np.trace(c1) + np.trace(c2) - 2 * root))
