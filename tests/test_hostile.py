"""Hostile and broken input to `ganviz train`: each ends with exit status 2, one line on stderr that
names the problem, no traceback, and nothing written in --out (a user's folder is never half-filled).

The CLI runs in-process (`ganviz.cli.main`): the same code path as the console script, without paying
an interpreter start per case; one case also runs as a real subprocess.
"""
import gzip
import os
import pickle
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest

from blocked import PLACES, blocked
from ganviz import cli

SMALL = ["--steps", "2", "--quiet", "--set", "n_data=200", "--set", "g_hidden=8", "--set", "d_hidden=8"]


def run(tmp_path, capsys, *args, out="out"):
    """`ganviz train ARGS --out tmp/out` -> (exit status, stderr, the --out folder)."""
    out_dir = tmp_path / out
    with warnings.catch_warnings(record=True) as shown:  # what Python would print besides our line
        warnings.simplefilter("always")
        rc = cli.main(["train", "--out", str(out_dir), *SMALL, *args])  # args last: they win over SMALL
    err = capsys.readouterr().err + "".join(f"{w.filename}:{w.lineno}: {w.message}\n" for w in shown)
    return rc, err, out_dir


def refused(rc, err, out_dir, *words):
    """Exit 2, one line on stderr that names the problem (all of `words`), no traceback, no output."""
    lines = err.splitlines()
    assert rc == 2, err
    assert len(lines) == 1 and lines[0].startswith("ganviz: "), err
    assert "Traceback" not in err
    for w in words:
        assert w.lower() in lines[0].lower(), (w, lines[0])
    assert not os.path.exists(out_dir) or not any(out_dir.iterdir())  # (os.path: False where we may not look)
    return lines[0]


# ---------------------------------------------------------------------------- settings and presets
def test_unknown_preset_suggests_the_closest(tmp_path, capsys):
    refused(*run(tmp_path, capsys, "--preset", "ring9"), "unknown preset 'ring9'", "ring8")


def test_misspelled_set_key_suggests_the_closest(tmp_path, capsys):
    refused(*run(tmp_path, capsys, "--set", "lr_dd=0.1"), "unknown setting 'lr_dd'", "did you mean 'lr_d'")


@pytest.mark.parametrize("item, words", [
    ("batch_size=abc", ["batch_size", "int", "abc"]),
    ("lr_d=fast", ["lr_d", "float"]),
    ("reuse_fake=maybe", ["reuse_fake", "bool"]),
    ("loss=wgan2", ["loss", "wgan"]),
    ("lr_d", ["KEY=VALUE"]),
])
def test_wrong_type_or_form_names_the_setting(tmp_path, capsys, item, words):
    refused(*run(tmp_path, capsys, "--set", item), *words)


@pytest.mark.parametrize("item, key", [
    ("lr_d=0", "lr_d"), ("lr_g=-1", "lr_g"), ("lr_d=nan", "lr_d"), ("batch_size=0", "batch_size"),
    ("k_d=0", "k_d"), ("z_dim=0", "z_dim"), ("steps=-5", "steps"), ("n_data=100000000000", "n_data"),
    ("batch_size=10000000", "batch_size"), ("g_hidden=100000", "g_hidden"),
])
def test_out_of_range_values_are_refused(tmp_path, capsys, item, key):
    refused(*run(tmp_path, capsys, "--set", item), key)


def test_models_too_large_for_memory_are_refused_before_allocation(tmp_path, capsys):
    big = ["g_hidden=2048", "g_depth=8", "d_hidden=2048", "d_depth=8"]
    args = [a for item in big for a in ("--set", item)]
    refused(*run(tmp_path, capsys, *args), "too large")


@pytest.mark.parametrize("text, words", [
    ("[settings\ndata = 'ring8'\n", ["not valid toml"]),                   # malformed
    ('title = "cut"\n[settings]\ndata = "ri', ["not valid toml"]),         # truncated mid-string
    ("[settings]\nbatch_sise = 64\n", ["batch_sise", "batch_size"]),       # a typo inside a preset
    ("settings = 3\n", ["[settings]"]),
])
def test_broken_preset_files_are_refused(tmp_path, capsys, text, words):
    preset = tmp_path / "mine.toml"
    preset.write_text(text)
    refused(*run(tmp_path, capsys, "--preset", str(preset)), *words)


# ---------------------------------------------------------------------------- sessions (--resume)
def test_corrupt_session_is_refused(tmp_path, capsys):
    session = tmp_path / "old"
    session.mkdir()
    (session / "trainer.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"x\": 1}garbage")
    refused(*run(tmp_path, capsys, "--resume", str(session)), "trainer.safetensors", "corrupt")


def test_truncated_session_is_refused(tmp_path, capsys):
    session = tmp_path / "old"
    assert cli.main(["train", "--out", str(session), *SMALL]) == 0
    capsys.readouterr()
    path = session / "trainer.safetensors"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    refused(*run(tmp_path, capsys, "--resume", str(session)), "truncated")


class _Payload:
    """Unpickling this creates a marker file: proof that the pickle ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("how", ["pickle", "torch.save"])
@pytest.mark.parametrize("where", ["session folder", "file"])
def test_pickle_given_as_session_is_refused_without_running_it(tmp_path, capsys, how, where):
    marker = tmp_path / "payload_ran"
    session = tmp_path / "old"
    session.mkdir()
    path = session / "trainer.safetensors" if where == "session folder" else tmp_path / "session.pt"
    if how == "pickle":
        path.write_bytes(pickle.dumps({"G": _Payload(marker)}))
    else:
        import torch
        torch.save({"G": _Payload(marker)}, path)
    assert not marker.exists()
    refused(*run(tmp_path, capsys, "--resume", str(session if where == "session folder" else path)), "pickle")
    assert not marker.exists()


@pytest.mark.slow
def test_pickle_session_is_refused_by_the_real_command_too(tmp_path):
    """The console entry point in a fresh interpreter: exit 2, one line, payload not run."""
    marker = tmp_path / "payload_ran"
    bad = tmp_path / "session.safetensors"
    bad.write_bytes(pickle.dumps(_Payload(marker)))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "ganviz", "train", "--resume", str(bad), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "pickle" in proc.stderr
    assert not marker.exists() and not out.exists()


def test_missing_session_is_refused(tmp_path, capsys):
    refused(*run(tmp_path, capsys, "--resume", str(tmp_path / "nowhere")), "does not exist")


# ---------------------------------------------------------------------------- data files
def _npy(tmp_path, name, arr):
    path = tmp_path / name
    np.save(path, arr)
    return path


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.parametrize("make, words", [
    (lambda d: _write(d, "empty.csv", b""), ["empty"]),
    (lambda d: _npy(d, "none.npy", np.zeros((0, 2))), ["0 points"]),
    (lambda d: _npy(d, "five_d.npy", np.zeros((10, 3, 5, 7, 2))), ["shape", "(10, 3, 5, 7, 2)"]),
    (lambda d: _npy(d, "three_cols.npy", np.random.rand(50, 3)), ["shape", "(50, 3)"]),
    (lambda d: _write(d, "four_cols.csv", "1,2,3,4\n" * 20), ["4 columns"]),
    (lambda d: _write(d, "words.csv", "x,y\n1,2\nabc,4\n"), ["line 3", "'abc' is not a number"]),
    (lambda d: _npy(d, "strings.npy", np.array(["a", "b"] * 10)), ["plain numbers"]),
    (lambda d: _npy(d, "nan.npy", np.array([[0.0, 1.0], [np.nan, 2.0]] * 10)), ["nan"]),
    (lambda d: _write(d, "inf.csv", "1\n2\ninf\n"), ["line 3", "nan or inf"]),
    (lambda d: _write(d, "junk.npy", b"\x93NUMPY\x01\x00garbage"), ["junk.npy", "not a readable .npy"]),
    (lambda d: _write(d, "cut.gz", gzip.compress(b"1,2\n" * 100)[:20]), ["gzip"]),
])
def test_bad_data_files_are_refused(tmp_path, capsys, make, words):
    path = make(tmp_path)
    refused(*run(tmp_path, capsys, "--data", str(path)), *words)


def _idx_header(dims, type_code=0x08):
    return bytes([0, 0, type_code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


@pytest.mark.parametrize("data, words", [
    (b"\x01\x02\x08\x03" + b"\x00" * 200, ["not an idx file"]),                    # wrong magic
    (_idx_header((10, 8, 8)) + b"\x00" * 100, ["truncated", "10x8x8"]),             # too few bytes
    (_idx_header((10, 8, 8)) + b"\x00" * 700, ["extra bytes"]),                     # too many
    (bytes([0, 0, 8, 3, 0, 0]), ["truncated"]),                                     # header cut short
])
def test_broken_idx_files_are_refused(tmp_path, capsys, data, words):
    path = _write(tmp_path, "train-images-idx3-ubyte", data)
    refused(*run(tmp_path, capsys, "--data", str(path)), *words)


def test_image_folder_without_images_is_refused(tmp_path, capsys):
    folder = tmp_path / "pictures"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a picture")
    (folder / "fake.png").write_bytes(b"this is no png")
    refused(*run(tmp_path, capsys, "--data", str(folder)), "no png/jpeg")


def test_empty_image_folder_is_refused(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    refused(*run(tmp_path, capsys, "--data", str(tmp_path / "empty")), "no png/jpeg")


def test_path_that_does_not_exist_is_refused(tmp_path, capsys):
    refused(*run(tmp_path, capsys, "--data", str(tmp_path / "no" / "such.npy")), "not found")


def test_unknown_data_name_suggests_the_closest(tmp_path, capsys):
    refused(*run(tmp_path, capsys, "--data", "rign8"), "unknown data set", "ring8")


# ---------------------------------------------------------------------------- the output folder
def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "results"
    target.write_text("my notes")
    rc, err, _ = run(tmp_path, capsys, out="results")
    assert rc == 2 and len(err.splitlines()) == 1 and "is a file" in err and "Traceback" not in err
    assert target.read_text() == "my notes"


def test_non_empty_out_needs_force_and_is_left_alone(tmp_path, capsys):
    out = tmp_path / "results"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    rc, err, _ = run(tmp_path, capsys, out="results")
    assert rc == 2 and len(err.splitlines()) == 1 and "--force" in err and "Traceback" not in err
    assert os.listdir(out) == ["thesis.tex"] and (out / "thesis.tex").read_text() == "precious"



@pytest.mark.parametrize("where", PLACES)
def test_out_that_cannot_be_created_is_refused_before_training(tmp_path, capsys, where):
    out = blocked(tmp_path, where)
    refused(*run(tmp_path, capsys, out=out), f"--out folder '{out}'", "choose another folder")


@pytest.mark.parametrize("option, name", [("--figure", "final.png"), ("--record", "run.gif")])
@pytest.mark.parametrize("where", PLACES)
def test_figure_or_recording_that_cannot_be_written_is_refused_before_training(tmp_path, capsys, where,
                                                                               option, name):
    target = str(blocked(tmp_path, where)) + "/" + name
    refused(*run(tmp_path, capsys, option, target), option, "choose another folder")


@pytest.mark.parametrize("where", PLACES)
def test_tour_out_that_cannot_be_created_is_refused(tmp_path, capsys, where):
    rc = cli.main(["tour", "--preset", "figure1", "--out", str(blocked(tmp_path, where))])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.splitlines()) == 1 and "--out" in err and "Traceback" not in err, err


@pytest.mark.parametrize("where", PLACES)
def test_screenshot_that_cannot_be_written_is_refused_before_the_window_opens(tmp_path, capsys, where):
    rc = cli.main(["gui", "--preset", "figure1", "--screenshot", f"{blocked(tmp_path, where)}/shot.png"])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.splitlines()) == 1 and "--screenshot" in err and "Traceback" not in err, err


def test_a_session_whose_header_length_begins_like_a_pickle_still_opens(tmp_path):
    """safetensors starts with its header's length (8 bytes, little-endian): 0x80 first is a pickle's mark too."""
    import torch
    from safetensors.torch import save_file

    from ganviz.core import checkpoint
    from ganviz.core.errors import GanvizError
    for pad in range(256):  # metadata of some length puts 0x80 in the first byte
        path = tmp_path / "s.safetensors"
        save_file({"x": torch.zeros(1)}, str(path), metadata={"format": "other", "pad": "p" * pad})
        if path.read_bytes()[:1] == b"\x80":
            break
    with pytest.raises(GanvizError, match="not a ganviz session"):  # read, and told what it is
        checkpoint.read(path)
