"""MNIST and Fashion-MNIST (core/datasets.py, `ganviz data`): found on disk in order, else downloaded once from
the mirrors in turn, checked, and never left half-written; without a network, one line that says what to do.

Nothing here needs the real data sets or the internet: a local HTTP server serves small made-up IDX files
(a few dozen 28x28 images with their labels), whose SHA-256 the tests put in place of the official ones.
"""
import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from ganviz.core import data, datasets, sizing
from ganviz.core.errors import DataError, DownloadError, GanvizError

N = 40  # images in each made-up split


def idx(arr: np.ndarray, magic: bytes | None = None) -> bytes:
    """An IDX file of unsigned bytes, gzipped as the real ones are."""
    head = magic or bytes([0, 0, 8, arr.ndim])
    raw = head + b"".join(int(d).to_bytes(4, "big") for d in arr.shape) + arr.astype(np.uint8).tobytes()
    return gzip.compress(raw, mtime=0)


def made_up(n: int = N, mark: int = 0, seed: int = 0) -> tuple[bytes, bytes, np.ndarray]:
    """(images .gz, labels .gz, labels): image i's top-left pixel is 25 x its label + mark, so a test can tell
    which file an image came from and whether it kept its label."""
    labels = np.arange(n) % 10
    images = np.random.default_rng(seed).integers(0, 256, (n, 28, 28))
    images[:, 0, 0] = 25 * labels + mark
    return idx(images), idx(labels), labels


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files: dict[str, bytes] = {}   # path -> body
        self.cut: set[str] = set()          # paths whose connection closes halfway through the body
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2] if self.path in self.server.cut else body)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the socket is: nothing listens there


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Empty download and system folders of this test's own."""
    cache, system = tmp_path / "cache", tmp_path / "system"
    monkeypatch.setenv("GANVIZ_DATA", str(cache))
    monkeypatch.setenv("GANVIZ_SYSTEM_DATA", str(system))
    return cache, system


def serve(server, monkeypatch, name="fashion-mnist", prefix="", **kw) -> np.ndarray:
    """Serve made-up files for the split `name` at server.url + prefix + /<set>/<file>, as its official ones
    (their SHA-256 in place of the real ones); the labels served."""
    images, labels, values = made_up(**kw)
    s = datasets.real_set(name)
    for file, body in zip(datasets.files(name), (images, labels)):
        server.files[f"{prefix}/{s.name}/{file}"] = body
        monkeypatch.setitem(s.sha256, file, sha(body))
    return values


def mirrors(monkeypatch, *bases):
    monkeypatch.setenv("GANVIZ_MIRRORS", " ".join(f"{b}/{{name}}/" for b in bases))


def one_line(err) -> str:
    msg = str(err.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


# ---------------------------------------------------------------------------- names
def test_the_names_are_built_in_image_data_sets_with_their_classes():
    assert datasets.NAMES == ("fashion-mnist", "fashion-mnist:test", "mnist", "mnist:test")
    assert all(data.BUILTINS[name][0] == "image" for name in datasets.NAMES)
    assert datasets.classes("fashion-mnist:test")[0] == "T-shirt/top" and datasets.classes("mnist")[9] == "9"
    assert datasets.files("mnist:test") == ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    assert datasets.describe("fashion-mnist").startswith("Fashion-MNIST (Zalando, MIT licence): 60,000 28×28")
    assert "10,000" in datasets.describe("mnist:test")
    assert datasets.is_real(" MNIST ") and not datasets.is_real("digits")


def test_the_official_checksums_are_sha256_of_every_file():
    for s in datasets.SETS.values():
        assert set(s.sha256) == set(s.size) == {f for split in ("", ":test") for f in datasets.files(s.name + split)}
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in s.sha256.values())


# ---------------------------------------------------------------------------- downloads
@pytest.mark.parametrize("name", datasets.NAMES)
def test_download_then_load_as_labelled_images(name, server, env, monkeypatch):
    labels = serve(server, monkeypatch, name)
    mirrors(monkeypatch, server.url)
    seen = []
    images_path, labels_path = datasets.fetch(name, lambda *a: seen.append(a))
    cache = env[0] / datasets.real_set(name).name
    assert (images_path.parent, labels_path.parent) == (cache, cache)
    assert leftovers(cache) == sorted(datasets.files(name))  # no temporary files left
    for path in (images_path, labels_path):  # progress: each file to its end, its size told
        assert (path.name, path.stat().st_size, path.stat().st_size) in seen

    d = data.load(name, n=1000)
    assert d.name == name and d.kind == "image" and d.image_shape == (1, 28, 28)
    assert d.description == data.BUILTINS[name][1] and d.classes == datasets.classes(name)
    assert len(d.train) + len(d.held_out) == N
    for x, y in ((d.train, d.labels), (d.held_out, d.held_labels)):  # every image kept its own label
        pixel = np.rint((d.to_units(x)[:, 0, 0, 0])).astype(int)
        assert (pixel == 25 * y).all()
    assert sorted(np.concatenate([d.labels, d.held_labels]).tolist()) == sorted(labels.tolist())


def test_the_second_load_reads_the_cache(server, env, monkeypatch):
    serve(server, monkeypatch)
    mirrors(monkeypatch, server.url)
    data.load("fashion-mnist")
    assert len(server.requests) == 2
    data.load("fashion-mnist")
    assert datasets.fetch("fashion-mnist")[0].parent == env[0] / "fashion-mnist"
    assert len(server.requests) == 2  # nothing asked again


def test_a_file_that_is_not_the_official_one_is_refused_and_not_kept(server, env, monkeypatch):
    serve(server, monkeypatch)
    monkeypatch.setitem(datasets.FASHION.sha256, "train-images-idx3-ubyte.gz", "0" * 64)
    mirrors(monkeypatch, server.url)
    with pytest.raises(DownloadError) as err:
        data.load("fashion-mnist")
    msg = one_line(err)
    assert "train-images-idx3-ubyte.gz is not the official file" in msg and "SHA-256" in msg
    assert "nothing was kept" in msg
    assert leftovers(env[0]) == []


def test_an_interrupted_download_leaves_nothing(server, env, monkeypatch):
    serve(server, monkeypatch)
    server.cut.add("/fashion-mnist/train-images-idx3-ubyte.gz")
    mirrors(monkeypatch, server.url)
    with pytest.raises(DownloadError) as err:
        datasets.fetch("fashion-mnist")
    assert "broke off" in one_line(err) and "train-images-idx3-ubyte.gz" in str(err.value)
    assert leftovers(env[0]) == []


def test_a_mirror_that_is_down_or_wrong_gives_way_to_the_next(server, env, monkeypatch):
    serve(server, monkeypatch)
    server.files["/bad/fashion-mnist/train-images-idx3-ubyte.gz"] = b"not the file"
    mirrors(monkeypatch, f"http://127.0.0.1:{closed_port()}", f"{server.url}/bad", server.url)
    d = data.load("fashion-mnist")
    assert d.labels is not None and len(d.train) + len(d.held_out) == N
    # the wrong mirror was asked for the images and then the labels; the good one for both
    assert server.requests == ["/bad/fashion-mnist/train-images-idx3-ubyte.gz",
                               "/fashion-mnist/train-images-idx3-ubyte.gz",
                               "/bad/fashion-mnist/train-labels-idx1-ubyte.gz",
                               "/fashion-mnist/train-labels-idx1-ubyte.gz"]


@pytest.mark.parametrize("name", ["fashion-mnist", "mnist:test"])
def test_offline_and_not_on_disk_says_which_files_go_where(name, env, monkeypatch):
    mirrors(monkeypatch, f"http://127.0.0.1:{closed_port()}", f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(DownloadError) as err:
        data.load(name)
    msg = one_line(err)
    folder = env[0] / datasets.real_set(name).name
    images, labels = datasets.files(name)
    assert f"{name} is not on disk and could not be downloaded" in msg and "refused" in msg.lower()
    assert f"put {images} and {labels} in {folder}/" in msg
    assert ("sudo apt-get install dataset-fashion-mnist" in msg) == name.startswith("fashion")
    assert leftovers(env[0]) == []  # not even the folder made for the download


def test_a_download_folder_that_cannot_be_written_is_told_before_downloading(server, tmp_path, monkeypatch):
    serve(server, monkeypatch)
    mirrors(monkeypatch, server.url)
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("GANVIZ_DATA", str(tmp_path / "a-file"))
    with pytest.raises(GanvizError) as err:
        datasets.fetch("fashion-mnist")
    assert "GANVIZ_DATA's folder" in one_line(err) and server.requests == []


def test_a_downloaded_file_that_is_not_idx_is_refused_and_not_kept(server, env, monkeypatch):
    serve(server, monkeypatch)
    bad = idx(np.zeros((N, 28, 28)), magic=bytes([0, 0, 8, 9]))
    server.files["/fashion-mnist/train-images-idx3-ubyte.gz"] = bad
    monkeypatch.setitem(datasets.FASHION.sha256, "train-images-idx3-ubyte.gz", sha(bad))  # as if it were official
    mirrors(monkeypatch, server.url)
    with pytest.raises(DownloadError) as err:
        data.load("fashion-mnist")
    assert "not a gzipped IDX file of images (it starts 00 00 08 09" in one_line(err)
    assert leftovers(env[0]) == []


@pytest.mark.parametrize("body, words", [
    (idx(np.zeros((N, 28, 28)), magic=bytes([0, 0, 8, 9])), "not an IDX file of images (it starts 00 00 08 09"),
    (made_up()[0][:5000], "not a valid gzip file (truncated or corrupt)"),
    (idx(np.zeros((N, 32, 32))), "not fashion-mnist's 28×28"),
])
def test_a_bad_file_on_disk_is_one_line_and_left_where_it_is(body, words, env):
    cache, system = env
    (system / "fashion-mnist").mkdir(parents=True)
    images, labels = made_up()[:2]
    (system / "fashion-mnist" / "train-images-idx3-ubyte.gz").write_bytes(body)
    (system / "fashion-mnist" / "train-labels-idx1-ubyte.gz").write_bytes(labels)
    with pytest.raises(DataError) as err:
        data.load("fashion-mnist")
    msg = one_line(err)
    assert words in msg and str(system / "fashion-mnist" / "train-images-idx3-ubyte.gz") in msg
    assert "sudo apt-get install --reinstall dataset-fashion-mnist" in msg
    assert (system / "fashion-mnist" / "train-images-idx3-ubyte.gz").read_bytes() == body  # a user's file stays


def test_labels_that_do_not_fit_the_images_are_refused(env):
    cache = env[0] / "mnist"
    cache.mkdir(parents=True)
    (cache / "train-images-idx3-ubyte.gz").write_bytes(made_up()[0])
    (cache / "train-labels-idx1-ubyte.gz").write_bytes(made_up(n=N - 1)[1])
    with pytest.raises(DataError) as err:
        data.load("mnist")
    assert "does not label the 40 images" in one_line(err) and "delete it and ganviz downloads MNIST again" in str(
        err.value)


# ---------------------------------------------------------------------------- where files are found
def test_the_download_folder_comes_before_the_system_one(server, env, monkeypatch):
    cache, system = env
    for folder, mark in ((cache, 1), (system, 2)):
        (folder / "fashion-mnist").mkdir(parents=True)
        images, labels, _ = made_up(mark=mark)
        (folder / "fashion-mnist" / "train-images-idx3-ubyte.gz").write_bytes(images)
        (folder / "fashion-mnist" / "train-labels-idx1-ubyte.gz").write_bytes(labels)
    mirrors(monkeypatch, server.url)

    def marks() -> set[int]:
        d = data.load("fashion-mnist")
        return set(np.rint(d.to_units(d.train)[:, 0, 0, 0]).astype(int) % 25)

    assert datasets.folders("fashion-mnist") == [cache / "fashion-mnist", system / "fashion-mnist"]
    assert all(p.parent == cache / "fashion-mnist" for p in datasets.locate("fashion-mnist").values())
    assert marks() == {1}
    for f in datasets.files("fashion-mnist"):
        (cache / "fashion-mnist" / f).unlink()
    assert marks() == {2}  # only the system's copy now
    assert server.requests == []


def test_the_download_folder_defaults_to_the_user_cache(monkeypatch):
    from platformdirs import user_cache_dir
    monkeypatch.delenv("GANVIZ_DATA")
    monkeypatch.delenv("GANVIZ_SYSTEM_DATA")
    cache = Path(user_cache_dir("ganviz", appauthor=False))
    assert datasets.folders("mnist:test") == [cache / "mnist", Path("/usr/share/datasets/mnist")]
    assert datasets.download_folder("fashion-mnist") == cache / "fashion-mnist"


def test_sized_like_a_users_28x28_images():
    made_for, settings = sizing.for_data("fashion-mnist")
    assert made_for == "the fashion preset" and settings["model"] == "mlp"
    assert sizing.for_data("mnist:test") == sizing.for_side(28) and sizing.for_data("digits") is None


def test_the_windows_training_process_tells_the_window_in_one_line(env, monkeypatch):
    """The window's training process (spawned: it sees the environment) downloads, and offline says why at once."""
    from ganviz.process import protocol as p
    from ganviz.core.config import Config
    from ganviz.process.handle import WorkerHandle
    mirrors(monkeypatch, f"http://127.0.0.1:{closed_port()}")
    handle = WorkerHandle([Config(data="fashion-mnist", model="dcgan").to_dict()])
    try:
        msg = handle.out_q.get(timeout=120)  # a guard against a hang, not a measure of speed
    finally:
        handle.stop(10)
    assert isinstance(msg, p.Error) and msg.kind == "input" and "\n" not in msg.message, msg
    assert "fashion-mnist is not on disk" in msg.message and "sudo apt-get install dataset-fashion-mnist" in msg.message


# ---------------------------------------------------------------------------- the command line
def cli(*args, env=None, boot=None):
    """`ganviz ARGS` in a subprocess; with `boot`, file -> SHA-256 put in place of the official ones first."""
    code = ("import json, sys; from ganviz.core import datasets\n"
            "for s in datasets.SETS.values(): s.sha256.update({k: v for k, v in json.loads(sys.argv[1]).items()"
            " if k in s.sha256})\n"
            "from ganviz.cli import main; raise SystemExit(main(sys.argv[2:]))")
    cmd = [sys.executable, "-c", code, json.dumps(boot or {}), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def test_ganviz_data_lists_every_data_set_and_where_it_is(env):
    cache, system = env
    (system / "fashion-mnist").mkdir(parents=True)
    for f, body in zip(datasets.files("fashion-mnist"), made_up()[:2]):
        (system / "fashion-mnist" / f).write_bytes(body)
    rc, out, err = cli("data")
    assert rc == 0 and err == ""
    listed = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert listed == list(data.BUILTINS)
    assert f"in {system / 'fashion-mnist'}" in out
    assert "not on disk: `ganviz data get fashion-mnist:test` fetches it (4.4 MB)" in out
    assert "not on disk: `ganviz data get mnist` fetches it (9.9 MB)" in out


@pytest.mark.slow  # ~16 s: it trains the data set's classifier once, as `data get` does
def test_ganviz_data_get_fetches_once(server, env, monkeypatch):
    serve(server, monkeypatch, "mnist")
    sums = dict(datasets.MNIST.sha256)
    url = {"GANVIZ_MIRRORS": f"{server.url}/{{name}}/"}
    rc, out, err = cli("data", "get", "mnist", "digits", env=url, boot=sums)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == f"mnist: fetched into {env[0] / 'mnist'} (9.9 MB)" and lines[2] == "digits: built in, nothing to fetch"
    assert lines[1].startswith("mnist: classifier ready (") and "% right on held-out images), kept in" in lines[1]
    assert "train-images-idx3-ubyte.gz" in err and "training its classifier once" in err  # the progress bar
    assert leftovers(env[0] / "mnist") == sorted(datasets.files("mnist"))
    rc, out, err = cli("data", "get", "mnist", env=url, boot=sums)
    assert rc == 0 and out.splitlines() == [f"mnist: already in {env[0] / 'mnist'}", lines[1]] and err == ""
    assert len(server.requests) == 2


@pytest.mark.parametrize("args, words", [
    (("data", "get", "mnist"), "put train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz in"),
    (("data", "get", "fashion-mnist:test"), "sudo apt-get install dataset-fashion-mnist"),
    (("data", "get", "fashion_mnist"), "did you mean 'fashion-mnist'?"),
    (("train", "--data", "mnist", "--steps", "1"), "mnist is not on disk and could not be downloaded"),
])
def test_ganviz_data_get_refuses_in_one_line(args, words, env, tmp_path):
    if args[0] == "train":
        args = (*args, "--out", str(tmp_path / "run"))
    rc, out, err = cli(*args, env={"GANVIZ_MIRRORS": f"http://127.0.0.1:{closed_port()}/{{name}}/"})
    lines = [line for line in err.splitlines() if not line.startswith("ganviz: fetching")]
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("ganviz: ") and words in lines[0], err
    assert leftovers(env[0]) == []
