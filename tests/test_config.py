"""Settings: one home for defaults, presets that validate, `--set` parsing with helpful errors."""
import pytest

from ganviz.core import config
from ganviz.core.config import Config, from_dict, load_preset, parse_assignments, preset_names
from ganviz.core.errors import ConfigError

REQUIRED_KEYS = ("steps seed batch_size z_dim prior loss optimizer lr_d lr_g k_d k_g "
                 "g_hidden g_depth d_hidden d_depth").split()


def test_every_issue_key_exists_with_help_text():
    for key in REQUIRED_KEYS:
        assert key in config.FIELDS
        assert config.meta(key)["help"]


def test_loss_and_optimizer_names_are_the_documented_ones():
    assert set(config.LOSSES) == {"minimax", "ns", "lsgan", "wgan", "wgan-gp", "hinge"}
    assert set(config.OPTIMIZERS) == {"sgd", "adam", "rmsprop"}


def test_set_values_are_typed_from_strings():
    got = parse_assignments(["lr_d=1e-4", "batch_size=64", "loss=wgan-gp", "reuse_fake=false"])
    assert got == {"lr_d": 1e-4, "batch_size": 64, "loss": "wgan-gp", "reuse_fake": False}


@pytest.mark.parametrize("item, words", [
    ("lr_dd=0.1", "did you mean 'lr_d'"),
    ("batch_size=0", "batch_size must be at least 1"),
    ("lr_d=0", "lr_d must be greater than 0"),
    ("lr_g=-1", "lr_g must be greater than 0"),
    ("k_d=0", "k_d must be at least 1"),
    ("z_dim=0", "z_dim must be at least 1"),
    ("batch_size=abc", "batch_size must be int"),
    ("batch_size=2.5", "batch_size must be int"),
    ("loss=wgna", "did you mean 'wgan'"),
    ("lr_d", "KEY=VALUE"),
    ("lr_d=nan", "NaN"),
])
def test_bad_assignments_name_the_problem(item, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        parse_assignments([item])


def test_absurd_model_sizes_are_refused_before_allocation():
    with pytest.raises(ConfigError, match="too large"):
        from_dict({"g_hidden": 2048, "g_depth": 8, "d_hidden": 2048, "d_depth": 8})


def test_every_preset_loads_and_validates():
    names = preset_names()
    for required in ("figure1", "linear1d", "ring8", "grid25", "digits", "shapes"):
        assert required in names
    for name in names:
        p = load_preset(name)
        assert p.description, name
        assert isinstance(p.config(), Config)


def test_unknown_preset_suggests_the_closest():
    with pytest.raises(ConfigError, match="did you mean 'ring8'"):
        load_preset("rign8")


def test_malformed_preset_toml_is_a_config_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[settings\nlr_d = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_preset(str(bad))


def test_preset_with_unknown_key_names_it(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text('[settings]\nlr = 0.1\n')
    with pytest.raises(ConfigError, match="unknown setting 'lr'"):
        load_preset(str(bad))


def test_live_keys_cover_what_the_gui_changes_while_playing():
    for key in ("lr_d", "lr_g", "loss", "k_d", "k_g", "batch_size", "optimizer", "label_smoothing"):
        assert key in config.LIVE_KEYS
    for key in ("data", "model", "z_dim", "seed", "g_hidden"):
        assert key not in config.LIVE_KEYS
