"""A user's own images train with settings sized for them: small images and MNIST's 28 x 28 IDX files get the
built-in image presets' settings (digits, shapes, fashion), a folder of 32 x 32 colour images a DCGAN grown for
them."""
import numpy as np
import pytest
import tomllib

from ganviz.cli import main
from ganviz.core import sizing
from ganviz.core.config import from_dict
from ganviz.core.population import Population
from ganviz.core.presets import load_preset
from ganviz.core.snapshot import SnapshotMaker
from synthetic import class_folders, mnist_pair


def test_the_image_size_chooses_the_settings(tmp_path):
    made_for, mnist = sizing.for_data(str(mnist_pair(tmp_path)))
    fashion = load_preset("fashion").settings
    assert made_for == "the fashion preset" and mnist == {k: v for k, v in fashion.items() if k in sizing.KEYS}
    made_for, folder = sizing.for_data(str(class_folders(tmp_path / "rgb", n=8, side=32)))
    assert made_for == "32x32 images" and folder == sizing.LARGE[32]
    np.save(tmp_path / "small.npy", np.zeros((10, 8, 8), np.uint8))
    made_for, small = sizing.for_data(str(tmp_path / "small.npy"))
    assert made_for == "the digits preset" and small["model"] == load_preset("digits").settings["model"]
    np.save(tmp_path / "points.npy", np.zeros((10, 2)))
    assert sizing.for_data(str(tmp_path / "points.npy")) is None and sizing.for_data("digits") is None
    assert sizing.for_data(str(tmp_path / "small.npy"), image_size=28)[0] == "the fashion preset"  # resized: its size


@pytest.mark.parametrize("side, channels", [(28, 1), (32, 3)])
@pytest.mark.slow
def test_sized_settings_train_on_28x28_and_32x32_rgb_images(tmp_path, side, channels):
    if channels == 1:
        path = mnist_pair(tmp_path, n=120, side=side)
    else:
        path = class_folders(tmp_path / "set", n=60, side=side, channels=channels)
    settings = {**sizing.for_data(str(path))[1], "data": str(path), "eval_every": 10_000, "batch_size": 16}
    pop = Population(from_dict(settings))
    pop.run(2)
    maker = SnapshotMaker(pop)
    maker.prepare_classes()
    pic = maker.make()[0]
    assert pic.fake_u8.shape == (64, side, side, channels) and np.isfinite(pop.runs[0].stats()["loss_d"])
    assert settings["model"] == ("mlp" if side == 28 else "dcgan")
    assert pic.classes is not None and pic.class_shares is not None


@pytest.mark.slow
def test_train_on_a_users_images_says_what_it_sized_and_set_still_wins(tmp_path, capsys):
    images = mnist_pair(tmp_path, n=120)
    rc = main(["train", "--data", str(images), "--steps", "2", "--set", "z_dim=16", "--set", "batch_size=16",
               "--set", "eval_every=1000", "--quiet", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 0 and "holds images: settings sized for them" in err and len(err.strip().splitlines()) == 1
    settings = tomllib.loads((tmp_path / "out" / "config.toml").read_text())["settings"]
    assert settings["model"] == "mlp" and settings["g_hidden"] == load_preset("fashion").settings["g_hidden"]
    assert settings["z_dim"] == 16 and settings["steps"] == 2  # --set and --steps win over the sizing


@pytest.mark.slow
def test_a_preset_file_of_ones_own_is_not_sized(tmp_path, capsys):
    images = mnist_pair(tmp_path, n=120)
    own = tmp_path / "mine.toml"
    own.write_text('[settings]\nmodel = "mlp"\nz_dim = 4\ng_hidden = 8\nd_hidden = 8\nbatch_size = 16\n'
                   'eval_every = 1000\n')
    assert main(["train", "--preset", str(own), "--data", str(images), "--steps", "1", "--quiet",
                 "--out", str(tmp_path / "out")]) == 0
    assert "sized" not in capsys.readouterr().err
    assert tomllib.loads((tmp_path / "out" / "config.toml").read_text())["settings"]["model"] == "mlp"


def test_choosing_a_users_images_in_the_window_sizes_the_settings_for_reset(tmp_path):
    from ganviz.session import Session
    session = Session(load_preset("figure1"), load_preset("figure1").config(), start=lambda configs: None)
    session.edit("data", str(mnist_pair(tmp_path)))
    assert session.values["model"] == "mlp" and session.values["z_dim"] == load_preset("fashion").settings["z_dim"]
    assert {"data", "z_dim", "activation"} <= set(session.pending())
