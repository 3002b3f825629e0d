"""Data sets: built-ins have the documented form, files of every supported type load, bad input says how to fix it."""
import gzip
import struct
import warnings

import numpy as np
import pytest
from PIL import Image

from ganviz.core import data, datasets
from ganviz.core.data import BUILTINS, KINDS, load
from ganviz.core.errors import DataError


def raises_data_error(source, *words, **kw):
    """load(source) raises a one-line DataError that mentions every word (case-insensitive)."""
    with pytest.raises(DataError) as info:
        load(str(source), **kw)
    msg = str(info.value)
    assert "\n" not in msg and "Traceback" not in msg
    for w in words:
        assert w.lower() in msg.lower(), f"{w!r} not in {msg!r}"
    return msg


def write_idx(path, arr, code=0x08, compress=False):
    dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    raw = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    raw += np.asarray(arr, dtypes[code]).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


# ---------------------------------------------------------------------------- built-ins
@pytest.mark.parametrize("name", [k for k in BUILTINS if not datasets.is_real(k)])  # MNIST's: test_datasets.py
def test_every_builtin_has_the_documented_form(name):
    d = load(name, n=3000)
    kind, description = BUILTINS[name]
    assert d.kind == kind in KINDS and d.name == name and d.description == description
    assert d.train.dtype == np.float32 and d.train.flags.c_contiguous and np.isfinite(d.train).all()
    if kind == "image":
        c, h, w = d.image_shape
        assert d.train.ndim == 4 and d.held_out.shape[1:] == d.train.shape[1:] and d.dim == c * h * w
        assert d.train.min() >= -1 and d.train.max() <= 1 and d.view_range.shape == (1, 2)
    else:
        assert d.train.shape == (3000, d.dim) and d.dim == int(kind[0]) and d.held_out is None
        assert d.image_shape is None and d.view_range.shape == (d.dim, 2)
        np.testing.assert_allclose(d.train.mean(0), 0, atol=1e-4)   # standardised per column
        np.testing.assert_allclose(d.train.std(0), 1, atol=1e-4)
        own = d.to_units(d.train)
        inside = ((own >= d.view_range[:, 0]) & (own <= d.view_range[:, 1])).all(1).mean()
        assert inside > 0.99  # the fixed frame shows the data
    assert (d.density is not None) == (kind == "1d")
    assert (d.modes is not None) == (name in ("ring8", "grid25"))


def test_gauss_is_the_figure1_data_framed_with_room_to_spare():
    d = load("gauss")
    x = d.to_units(d.train)[:, 0]
    assert x.mean() == pytest.approx(4, abs=0.02) and x.std() == pytest.approx(0.5, abs=0.01)
    assert d.view_range.tolist() == [[1.0, 7.0]]
    assert d.density(np.array([4.0]))[0] == pytest.approx(1 / (0.5 * np.sqrt(2 * np.pi)))


@pytest.mark.parametrize("name", [k for k, (kind, _) in BUILTINS.items() if kind == "1d"])
def test_1d_density_integrates_to_one_and_matches_the_samples(name):
    d = load(name)
    grid = np.linspace(-20, 40, 600_001)
    assert np.trapezoid(d.density(grid), grid) == pytest.approx(1, abs=2e-3)
    x = d.to_units(d.train)[:, 0]
    hist, edges = np.histogram(x, bins=40, range=tuple(d.view_range[0]), density=False)
    hist = hist / (len(x) * np.diff(edges))
    centres = (edges[:-1] + edges[1:]) / 2
    assert np.abs(hist - d.density(centres)).max() < 0.1 * d.density(centres).max() + 0.02


def test_ring8_points_lie_on_radius_2_and_use_all_8_modes():
    d = load("ring8")
    x = d.to_units(d.train)
    assert d.modes.shape == (8, 2) and d.mode_std == 0.02
    np.testing.assert_allclose(np.linalg.norm(d.modes, axis=1), 2)
    assert (np.abs(np.linalg.norm(x, axis=1) - 2) < 3 * 0.02 * 1.5).mean() > 0.99
    nearest = np.argmin(((x[:, None] - d.modes) ** 2).sum(-1), axis=1)
    assert np.bincount(nearest, minlength=8).min() > len(x) / 8 * 0.8


def test_grid25_uses_25_distinct_modes_each_within_3_std():
    d = load("grid25")
    x = d.to_units(d.train)
    assert len({tuple(m) for m in d.modes}) == 25 and d.mode_std == 0.05
    dist = np.sqrt(((x[:, None] - d.modes) ** 2).sum(-1))
    assert (dist.min(1) < 3 * 0.05 * 1.5).mean() > 0.99
    assert len(np.unique(dist.argmin(1))) == 25


def test_digits_are_8x8_in_minus1_1_with_a_disjoint_held_out_set():
    d = load("digits")
    assert d.image_shape == (1, 8, 8) and len(d.train) + len(d.held_out) == 1797
    assert len(d.held_out) == 1797 // 5
    assert d.train.min() == -1 and d.train.max() == 1
    np.testing.assert_allclose(d.to_units(d.train), np.round(d.to_units(d.train)), atol=1e-5)  # 0..16 ints
    assert d.view_range.tolist() == [[0.0, 16.0]]
    train = {img.tobytes() for img in d.train}
    assert not any(img.tobytes() in train for img in d.held_out)


def test_shapes_are_varied_16x16_images_capped_in_number():
    d = load("shapes", n=20000)
    assert d.image_shape == (1, 16, 16) and len(d.train) + len(d.held_out) == data.MAX_SHAPES
    assert len(d.held_out) == 1000
    ink = (d.train > 0).mean(axis=(1, 2, 3))
    assert ink.min() > 0.01 and ink.max() < 0.6 and ink.std() > 0.02  # each has a shape, of varied size
    assert len({img.tobytes() for img in d.train[:500]}) == 500


def test_image_size_resizes_builtin_images():
    d = load("digits", image_size=16)
    assert d.image_shape == (1, 16, 16) and d.held_out.shape[1:] == (1, 16, 16)
    assert d.train.min() >= -1 and d.train.max() <= 1


@pytest.mark.parametrize("name", ["gauss", "ring8", "moons", "shapes", "digits"])
def test_same_seed_same_data_and_another_seed_other_data(name):
    a, b, c = load(name, seed=3, n=500), load(name, seed=3, n=500), load(name, seed=4, n=500)
    np.testing.assert_array_equal(a.train, b.train)
    assert a.train.shape != c.train.shape or not np.array_equal(a.train, c.train)


@pytest.mark.parametrize("name", ["mog3", "checkerboard", "digits"])
def test_to_units_and_from_units_are_inverse(name):
    d = load(name, n=500)
    np.testing.assert_allclose(d.from_units(d.to_units(d.train)), d.train, atol=1e-5)
    own = d.to_units(d.train[:7].astype(np.float64))
    np.testing.assert_allclose(d.to_units(d.from_units(own)), own, atol=1e-9)


def test_builtin_names_ignore_case_and_surrounding_space():
    assert load(" Ring8 ", n=100).name == "ring8"


# ---------------------------------------------------------------------------- files that load
def test_npy_1d_and_2d_load_standardised_and_keep_their_units(tmp_path):
    rng = np.random.default_rng(0)
    pts = rng.normal([10, -3], [2, 0.1], (200, 2))
    np.save(tmp_path / "p2.npy", pts)
    np.save(tmp_path / "p1.npy", pts[:, 0])
    np.save(tmp_path / "p1col.npy", pts[:, :1].astype(np.float32))
    d2 = load(str(tmp_path / "p2.npy"))
    assert d2.kind == "2d" and d2.train.shape == (200, 2) and d2.density is None and d2.modes is None
    np.testing.assert_allclose(d2.to_units(d2.train), pts, rtol=1e-5)
    lo, hi = pts.min(0), pts.max(0)
    np.testing.assert_allclose(d2.view_range, np.stack([lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo)], 1))
    for f in ("p1.npy", "p1col.npy"):
        d1 = load(str(tmp_path / f))
        assert d1.kind == "1d" and d1.train.shape == (200, 1)
        np.testing.assert_allclose(d1.to_units(d1.train)[:, 0], pts[:, 0], rtol=1e-5)


def test_npy_nhwc_rgb_bytes_become_nchw_in_minus1_1(tmp_path):
    imgs = np.random.default_rng(1).integers(0, 256, (30, 12, 8, 4), dtype=np.uint8)  # RGBA
    np.save(tmp_path / "rgb.npy", imgs)
    d = load(str(tmp_path / "rgb.npy"))
    assert d.kind == "image" and d.image_shape == (3, 12, 8) and d.view_range.tolist() == [[0.0, 255.0]]
    assert len(d.held_out) == 6 and len(d.train) == 24
    pixels = np.moveaxis(imgs[..., :3], 3, 1).astype(np.float32)
    own = {img.tobytes() for img in np.round(d.to_units(d.train)).astype(np.float32)}
    assert own <= {img.tobytes() for img in pixels}  # alpha dropped, values 0..255 recovered


def test_float_images_in_0_1_keep_0_1_as_their_range(tmp_path):
    imgs = np.random.default_rng(2).uniform(0.2, 0.7, (20, 8, 8)).astype(np.float32)
    np.save(tmp_path / "f.npy", imgs)
    d = load(str(tmp_path / "f.npy"))
    assert d.image_shape == (1, 8, 8) and d.view_range.tolist() == [[0.0, 1.0]]
    assert d.train.min() > -0.7 and d.train.max() < 0.5


def test_npz_prefers_a_key_named_x_else_the_first_array(tmp_path):
    pts = np.random.default_rng(3).normal(size=(50, 2))
    np.savez(tmp_path / "named.npz", labels=np.arange(50), x=pts)
    np.savez(tmp_path / "plain.npz", pts[:, 0])
    assert load(str(tmp_path / "named.npz")).kind == "2d"
    assert load(str(tmp_path / "plain.npz")).kind == "1d"


@pytest.mark.parametrize("text, kind", [
    ("1.5\n2\n3\n4\n5\n6\n7\n8\n9\n10.5\n", "1d"),
    ("value\n1.5\n2\n3\n4\n5\n6\n7\n8\n9\n10.5\n", "1d"),
    ("x,y\n" + "".join(f"{i},{i * i}\n" for i in range(12)), "2d"),
    ("# x y\n\n" + "".join(f"{i}  {-i}\t\n" for i in range(12)), "2d"),
    ("x;y\n" + "".join(f"{i};{i % 3}\n" for i in range(12)), "2d"),
])
def test_csv_with_or_without_header_and_any_separator_loads(tmp_path, text, kind):
    (tmp_path / "d.csv").write_text(text)
    d = load(str(tmp_path / "d.csv"))
    assert d.kind == kind and len(d.train) in (10, 12)
    first = d.to_units(d.train)[0]
    assert first[0] == pytest.approx(1.5 if kind == "1d" else 0, abs=1e-5)


def test_idx_images_load_plain_and_gzipped(tmp_path):
    imgs = np.random.default_rng(4).integers(0, 256, (40, 28, 28), dtype=np.uint8)
    for path in (write_idx(tmp_path / "train-images-idx3-ubyte", imgs),
                 write_idx(tmp_path / "train-images-idx3-ubyte.gz", imgs, compress=True)):
        d = load(str(path))
        assert d.kind == "image" and d.image_shape == (1, 28, 28) and len(d.train) + len(d.held_out) == 40
        got = np.round(d.to_units(np.concatenate([d.held_out, d.train])))[:, 0]
        assert {a.tobytes() for a in got.astype(np.uint8)} == {a.tobytes() for a in imgs}


def test_idx_labels_and_float_points_load_like_npy(tmp_path):
    labels = np.random.default_rng(5).integers(0, 10, 100).astype(np.uint8)
    d = load(str(write_idx(tmp_path / "labels.idx", labels)))
    assert d.kind == "1d"
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels, compress=True)
    d = load(str(tmp_path / "t10k-labels-idx1-ubyte.gz"))
    assert d.kind == "1d" and sorted(np.round(d.to_units(d.train)[:, 0])) == sorted(labels)
    pts = np.random.default_rng(6).normal(size=(30, 2))
    d = load(str(write_idx(tmp_path / "pts.idx", pts, code=0x0E)))
    assert d.kind == "2d"
    np.testing.assert_allclose(d.to_units(d.train), pts, rtol=1e-5)


def test_image_folder_skips_stray_files_with_a_warning_and_loads(tmp_path):
    rng = np.random.default_rng(7)
    for i in range(6):
        Image.fromarray(rng.integers(0, 256, (10, 10), dtype=np.uint8)).save(tmp_path / f"a{i}.png")
    Image.fromarray(rng.integers(0, 256, (20, 30), dtype=np.uint8)).convert("RGB").save(tmp_path / "big.bmp")
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.warns(UserWarning, match=r"skipped 1 file.*notes\.txt"):
        d = load(str(tmp_path))
    # all grayscale -> 1 channel; the common 10x10 made a multiple of 4
    assert d.kind == "image" and d.image_shape == (1, 12, 12) and len(d.train) + len(d.held_out) == 7
    assert d.view_range.tolist() == [[0.0, 255.0]]


def test_colour_image_folder_is_rgb_and_image_size_wins(tmp_path):
    rng = np.random.default_rng(8)
    for i in range(5):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(tmp_path / f"c{i}.png")
    Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(tmp_path / "g.jpg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing skipped, nothing warned
        d = load(str(tmp_path), image_size=8)
    assert d.image_shape == (3, 8, 8) and len(d.train) + len(d.held_out) == 6


# ---------------------------------------------------------------------------- bad input says how to fix it
def test_unknown_builtin_suggests_the_closest_name():
    msg = raises_data_error("rign8", "unknown data set 'rign8'", "did you mean 'ring8'", "grid25")
    assert "csv" in msg.lower()


def test_missing_path_and_empty_file(tmp_path):
    raises_data_error(tmp_path / "nope.csv", "not found", "check the path")
    (tmp_path / "empty.npy").write_bytes(b"")
    raises_data_error(tmp_path / "empty.npy", "empty")
    (tmp_path / "blank.csv").write_text("\n\n")
    raises_data_error(tmp_path / "blank.csv", "no rows")


def test_unreadable_file_says_permission_denied(tmp_path, monkeypatch):
    path = tmp_path / "d.csv"
    path.write_text("1\n2\n")

    def denied(self):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(type(path), "read_bytes", denied)
    raises_data_error(path, "permission denied")


def test_nan_or_inf_is_refused(tmp_path):
    x = np.arange(20.0)
    x[7] = np.nan
    np.save(tmp_path / "nan.npy", x)
    raises_data_error(tmp_path / "nan.npy", "NaN or Inf", "sample 7")
    (tmp_path / "inf.csv").write_text("1\n2\ninf\n")
    raises_data_error(tmp_path / "inf.csv", "line 3", "NaN or Inf")


def test_wrong_shapes_are_named(tmp_path):
    np.save(tmp_path / "three.npy", np.zeros((20, 3)))
    raises_data_error(tmp_path / "three.npy", "(20, 3)", "(N, 2) for 2D")
    np.save(tmp_path / "flat.npy", np.zeros((20, 784)))
    raises_data_error(tmp_path / "flat.npy", "reshape to (N, 28, 28)")
    (tmp_path / "three.csv").write_text("1,2,3\n4,5,6\n")
    raises_data_error(tmp_path / "three.csv", "has 3 columns", "1 column (1D) or 2 columns (2D)")


def test_non_numeric_csv_names_the_line(tmp_path):
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n3,4\n5,abc\n")
    raises_data_error(tmp_path / "bad.csv", "line 4", "'abc' is not a number")
    (tmp_path / "ragged.csv").write_text("1,2\n3\n")
    raises_data_error(tmp_path / "ragged.csv", "line 2", "same number of columns")


def test_too_few_samples_and_constant_data(tmp_path):
    np.save(tmp_path / "few.npy", np.arange(5.0))
    raises_data_error(tmp_path / "few.npy", "only 5 points", "at least 10")
    np.save(tmp_path / "one.npy", np.zeros((1, 8, 8), np.uint8))
    raises_data_error(tmp_path / "one.npy", "only 1 image")
    np.save(tmp_path / "flat.npy", np.c_[np.arange(20.0), np.ones(20)])
    raises_data_error(tmp_path / "flat.npy", "all values are equal in column 2")


def test_pickled_objects_are_never_loaded(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}] * 20, dtype=object), allow_pickle=True)
    raises_data_error(tmp_path / "obj.npy", "never unpickles")


def test_idx_wrong_magic_and_truncation_are_refused(tmp_path):
    (tmp_path / "bad-ubyte").write_bytes(b"\x01\x02\x08\x03" + bytes(100))
    raises_data_error(tmp_path / "bad-ubyte", "not an IDX file")
    path = write_idx(tmp_path / "cut-images-idx3-ubyte", np.zeros((10, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-100])
    raises_data_error(path, "truncated", "10x28x28", "download it again")
    (tmp_path / "cut-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03" + bytes(20))[:-6])
    raises_data_error(tmp_path / "cut-ubyte.gz", "not a valid gzip file")


def test_folder_with_no_images_and_unknown_file_types(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.warns(UserWarning):
        raises_data_error(tmp_path, "no PNG/JPEG/BMP/GIF images")
    (tmp_path / "model.bin").write_bytes(b"\x01\x02\x03")
    raises_data_error(tmp_path / "model.bin", "don't know how to read", "NPY/NPZ")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "one.png")
    raises_data_error(tmp_path / "one.png", "single image", "folder")


@pytest.mark.parametrize("name", ["mog2", "grid25", "digits"])
def test_a_dataset_pickles_into_a_worker_process_with_its_density(name):
    import pickle

    d = load(name, n=200)
    back = pickle.loads(pickle.dumps(d))
    np.testing.assert_array_equal(back.train, d.train)
    if d.density is not None:
        np.testing.assert_array_equal(back.density(np.linspace(-3, 3, 7)), d.density(np.linspace(-3, 3, 7)))


def test_the_digits_are_read_as_scikit_learn_reads_them(monkeypatch):
    """core/data.py reads the digits from the file scikit-learn ships, without importing sklearn.datasets (~0.8 s
    the window's first picture would wait for): the same data set as through load_digits."""
    import importlib.util
    ours = load("digits")
    find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else find(name, *a))
    theirs = load("digits")  # through sklearn.datasets.load_digits
    assert ours is not theirs
    for a, b in ((ours.train, theirs.train), (ours.labels, theirs.labels), (ours.held_out, theirs.held_out)):
        assert np.array_equal(a, b)
