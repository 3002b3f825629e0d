"""Exports open in a viewer: figures as PNG/SVG, recordings as GIF/MP4 with the frames recorded."""
import numpy as np
import pytest

from ganviz.core.config import Config
from ganviz.core.errors import GanvizError
from ganviz.core.population import Population
from ganviz.outputs.figures import save_compare, save_figure
from ganviz.outputs.recording import Recorder


def small(data="ring8", seeds=(0,)):
    return Population([Config(data=data, g_hidden=16, d_hidden=16, batch_size=32, n_data=1000, eval_every=10**6,
                              z_dim=1 if data == "gauss" else 2, seed=s) for s in seeds])


@pytest.mark.parametrize("data", ["gauss", "ring8", "digits"])
def test_figure_png_is_a_real_picture(tmp_path, data):
    import imageio.v3 as iio
    t = small(data)
    t.run(3)
    save_figure(t.runs[0], tmp_path / "f.png")
    img = iio.imread(tmp_path / "f.png")
    assert img.ndim == 3 and img.shape[0] > 400 and img.shape[1] > 400
    assert img[..., :3].std() > 10  # not blank


def test_figure_svg_is_svg(tmp_path):
    save_figure(small().runs[0], tmp_path / "f.svg")
    assert "<svg" in (tmp_path / "f.svg").read_text()[:2000]


def test_figure_wrong_suffix_is_refused(tmp_path):
    with pytest.raises(GanvizError, match=".png or .svg"):
        save_figure(small().runs[0], tmp_path / "f.jpg")


@pytest.mark.parametrize("data", ["gauss", "ring8", "digits"])
def test_compare_png_shows_one_panel_per_run(tmp_path, data):
    import imageio.v3 as iio
    t = small(data, seeds=(0, 1, 2))
    t.run(3)
    save_compare(t, tmp_path / "c.png", ["seed=0", "seed=1", "seed=2"], "three seeds")
    img = iio.imread(tmp_path / "c.png")
    assert img.shape[1] > 1.5 * img.shape[0] * (0.5 if data == "digits" else 1)  # side by side
    assert img[..., :3].std() > 10


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_recording_has_the_frames_recorded(tmp_path, suffix):
    import imageio.v3 as iio
    rec = Recorder(tmp_path / f"run{suffix}", fps=10)
    rng = np.random.default_rng(0)
    for _ in range(12):
        rec.add(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    assert rec.save() == 12
    frames = iio.imread(tmp_path / f"run{suffix}", index=None)
    assert frames.shape[0] == 12 and frames.shape[1:3] == (120, 160)


def test_recording_memory_is_bounded():
    from ganviz.outputs import recording
    rec = Recorder("x.gif")
    for _ in range(recording.MAX_FRAMES * 3):
        rec.add(np.zeros((4, 4, 3), np.uint8))
    assert len(rec.frames) < recording.MAX_FRAMES


def test_empty_recording_is_a_clear_error(tmp_path):
    with pytest.raises(GanvizError, match="nothing was recorded"):
        Recorder(tmp_path / "x.gif").save()
    assert not (tmp_path / "x.gif").exists()
