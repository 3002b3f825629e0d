"""Static figures of a run (final.png, --figure) and of a comparison (compare.png), drawn with
matplotlib from the pictures the live views draw (core/snapshot.py), so a slide shows what the
window showed. PNG or SVG, chosen by the file's suffix; written atomically.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import GanvizError
from ..core.fileio import write_with

DATA, GEN, DISC = "#111111", "#1a9641", "#2b6cb0"
GRID_TILE_PX = 64  # grid.png: each tile at least this many pixels a side


def _figure1(ax_top, ax_z, snap, legend: bool = True) -> None:
    """Goodfellow et al. 2014, Figure 1: p_data dotted black, p_g green, D blue dashed, z line below."""
    x, p_data, p_g = snap.x, snap.p_data, snap.p_g
    ax_top.plot(x, p_data, ":", color=DATA, lw=2.2, label="$p_{data}$")
    ax_top.plot(x, p_g, "-", color=GEN, lw=2.2, label="$p_g$")
    ax_top.set_ylabel("density")
    ax_top.set_ylim(0, max(p_data.max(), p_g.max()) * 1.15)
    ax_d = ax_top.twinx()
    ax_d.plot(x, snap.d, "--", color=DISC, lw=2, label="D(x)")
    ax_d.plot(x, snap.d_star, "-", color=DISC, lw=0.8, alpha=0.5, label="D* optimal")
    ax_d.set_ylim(0, 1.05)
    ax_d.set_ylabel("D(x)", color=DISC)
    if legend:
        lines = ax_top.get_lines() + ax_d.get_lines()
        # Above the axes: D and D* run along the top corners, where a legend inside would cover them.
        ax_top.legend(lines, [ln.get_label() for ln in lines], loc="lower center", bbox_to_anchor=(0.5, 1.0),
                      frameon=False, ncol=4)
    # The z line: evenly spaced z mapped across the x axis, each joined to x = G(z) on the x line.
    lo, hi = x[0], x[-1]
    z = snap.z_line
    zpos = lo + (z - z.min()) / max(np.ptp(z), 1e-9) * (hi - lo)
    ax_z.quiver(zpos, np.zeros_like(zpos), snap.z_x - zpos, np.ones_like(zpos), angles="xy",
                scale_units="xy", scale=1, color="#555555", width=0.0015, headwidth=5, headlength=6)
    ax_z.axhline(0.0, color="k", lw=1)
    ax_z.axhline(1.0, color="k", lw=1)
    ax_z.set_ylim(-0.15, 1.1)
    ax_z.set_yticks([0.0, 1.0], [snap.z_label, "x"])
    ax_z.set_xlim(lo, hi)
    ax_top.set_xlim(lo, hi)
    ax_z.set_xlabel("x (data units)")


def _scatter(ax, snap, colorbar: bool = True) -> None:
    (x0, x1), (y0, y1) = snap.view_range
    (hx0, hx1), (hy0, hy1) = snap.heat_range  # the grid may reach past the data's range
    im = ax.imshow(snap.d_grid, origin="lower", extent=(hx0, hx1, hy0, hy1), vmin=0, vmax=1, cmap="RdBu_r",
                   alpha=0.75, aspect="equal")
    ax.scatter(*snap.real.T, s=3, c=DATA, alpha=0.35, lw=0, label="data")
    ax.scatter(*snap.fake.T, s=3, c="#e66101", alpha=0.5, lw=0, label="G(z)")
    if snap.arrows is not None:
        a = snap.arrows
        ax.quiver(a[:, 0], a[:, 1], a[:, 2], a[:, 3], color="#333333", alpha=0.6, width=0.002)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if colorbar:
        ax.legend(loc="upper right", markerscale=4, frameon=True)
        ax.figure.colorbar(im, ax=ax, label="D(x)", fraction=0.046, pad=0.04)


def _mosaic(tiles: np.ndarray, cols: int) -> np.ndarray:
    n, h, w, c = tiles.shape
    rows = -(-n // cols)
    out = np.ones(((h + 1) * rows + 1, (w + 1) * cols + 1, c), np.uint8) * 255
    for i, t in enumerate(tiles):
        r, k = divmod(i, cols)
        out[1 + r * (h + 1): 1 + r * (h + 1) + h, 1 + k * (w + 1): 1 + k * (w + 1) + w] = t
    return out


def _images(ax, snap) -> None:
    m = _mosaic(snap.fake_u8, 8)
    ax.imshow(m[..., 0] if m.shape[-1] == 1 else m, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(f"G(z) on fixed noise; mean D = {snap.d_fake.mean():.2f}")


def _class_bars(ax, snap) -> None:
    """G's share of each class (filled) beside the data's (outline), as the window's class bars."""
    k = np.arange(len(snap.classes))
    ax.barh(k, snap.class_shares, height=0.7, color=GEN, alpha=0.85, label="G")
    ax.barh(k, snap.real_shares, height=0.7, fill=False, edgecolor=DATA, lw=1.5, label="data")
    ax.set_yticks(k, [c[:10] for c in snap.classes])
    ax.invert_yaxis()
    ax.set_xlabel("share of samples")
    ax.set_title(f"classes: sure of {100 * snap.confident:.0f}% of G's\n({100 * snap.real_confident:.0f}% of "
                 f"real; {100 * snap.classifier_acc:.0f}% right)", fontsize=10)
    ax.legend(loc="lower right", frameon=False, fontsize=9)


def grid_png(snap, tile_px: int = GRID_TILE_PX, gap: int = 2) -> np.ndarray:
    """The fixed-noise grid as an RGB image: 8 tiles a row, each scaled up pixel for pixel (no smoothing)
    to at least tile_px, on white."""
    n, h, w, c = snap.fake_u8.shape
    s = max(1, -(-tile_px // h))
    tiles = np.repeat(np.repeat(snap.fake_u8, s, 1), s, 2)
    if c == 1:
        tiles = np.repeat(tiles, 3, 3)
    cols = 8
    rows = -(-n // cols)
    th, tw = h * s, w * s
    out = np.full((rows * (th + gap) + gap, cols * (tw + gap) + gap, 3), 255, np.uint8)
    for i, t in enumerate(tiles):
        r, k = divmod(i, cols)
        out[gap + r * (th + gap):gap + r * (th + gap) + th, gap + k * (tw + gap):gap + k * (tw + gap) + tw] = t
    return out


def save_grid(run, path: str | Path) -> None:
    """grid.png: the run's fixed-noise grid as the window shows it, tile for tile."""
    from PIL import Image

    from ..core.snapshot import SnapshotMaker
    snap = SnapshotMaker(run.pop).make([run.index])[run.index]
    image = grid_png(snap)
    write_with(Path(path), lambda tmp: Image.fromarray(image).save(tmp, format="PNG"))


FIGSIZE = {"1d": (9, 5.5), "2d": (7, 6), "image": (8.6, 6.4)}
PANEL = {"1d": (4.6, 3.4), "2d": (3.6, 3.4), "image": (3.2, 3.5)}  # one run of compare.png


def _draw(fig, cell, snap, small: bool = False) -> None:
    """The picture into one cell of a figure's grid (a SubplotSpec)."""
    if snap.kind == "1d":
        top, zax = cell.subgridspec(2, 1, height_ratios=[3, 1], hspace=0.05).subplots()
        _figure1(top, zax, snap, legend=not small)
    elif snap.kind == "2d":
        _scatter(fig.add_subplot(cell), snap, colorbar=not small)
    elif snap.class_shares is None or small:
        _images(fig.add_subplot(cell), snap)
    else:  # labelled images: the class bars beside the grid
        grid_ax, bars_ax = cell.subgridspec(1, 2, width_ratios=[3, 1.3], wspace=0.08).subplots()
        _images(grid_ax, snap)
        _class_bars(bars_ax, snap)


def render(snap, title: str, size: tuple[float, float] | None = None):
    """A matplotlib Figure of one picture (the caller closes it)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with plt.rc_context({"font.size": 12, "axes.spines.top": False}):
        fig = plt.figure(figsize=size or FIGSIZE[snap.kind], layout="constrained")
        _draw(fig, fig.add_gridspec(1, 1)[0], snap)
        fig.suptitle(title)
    return fig


def render_compare(snaps: list, titles: list[str], title: str):
    """Small multiples: one panel per run, titled by what differs, on the same axes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = len(snaps)
    cols = min(n, 4 if snaps[0].kind != "1d" else 3)
    rows = -(-n // cols)
    w, h = PANEL[snaps[0].kind]
    with plt.rc_context({"font.size": 10, "axes.spines.top": False}):
        fig = plt.figure(figsize=(w * cols, h * rows + 0.6), layout="constrained")
        grid = fig.add_gridspec(rows, cols)
        for k, (snap, name) in enumerate(zip(snaps, titles)):
            sub = fig.add_subfigure(grid[k // cols, k % cols])
            _draw(sub, sub.add_gridspec(1, 1)[0], snap, small=True)
            sub.suptitle(name, fontsize=11, fontweight="bold")
        fig.suptitle(title)
    return fig


def title_of(run) -> str:
    return f"{run.data.name} \u2014 step {run.step_count}, loss {run.cfg.loss}"


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt
    try:
        write_with(path, lambda tmp: fig.savefig(tmp, dpi=150, format=path.suffix[1:].lower()))
    finally:
        plt.close(fig)


def check_suffix(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise GanvizError(f"figure '{path}' must end in .png or .svg")
    return path


def save_figure(run, path: str | Path, title: str | None = None) -> None:
    """A run's current picture as PNG (150 dpi) or SVG, by the file's suffix."""
    from ..core.snapshot import SnapshotMaker
    path = check_suffix(path)
    maker = SnapshotMaker(run.pop)
    maker.prepare_classes()
    snap = maker.make([run.index], arrows=True)[run.index]
    _save(render(snap, title or title_of(run)), path)


def save_compare(pop, path: str | Path, titles: list[str], title: str) -> None:
    """compare.png: every run's current picture side by side."""
    from ..core.snapshot import SnapshotMaker
    path = check_suffix(path)
    snaps = list(SnapshotMaker(pop).make(arrows=True).values())
    _save(render_compare(snaps, titles, title), path)


def frame_rgb(fig) -> np.ndarray:
    """The figure's pixels, (H, W, 3) uint8, with even sides (video encoders need them)."""
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    h, w = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
    return np.ascontiguousarray(rgb[:h, :w])
