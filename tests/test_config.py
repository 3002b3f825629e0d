"""Settings: one home for defaults, presets that validate, `--set` parsing with helpful errors."""
import pytest

from ganviz.core import config
from ganviz.core.config import Config, from_dict, parse_assignments
from ganviz.core.errors import ConfigError
from ganviz.core.presets import load_preset, preset_names

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


# ---------------------------------------------------------------- settings the configuration ignores
def ignored_by(**settings) -> dict[str, str]:
    return config.ignored(Config(**settings))


def test_the_defaults_ignore_only_what_another_loss_optimiser_or_batch_norm_would_use():
    assert set(ignored_by()) == {"d_batch", "noise_anneal", "clip", "gp_weight", "momentum"}


@pytest.mark.parametrize("settings, keys, reason", [
    ({"model": "dcgan"}, {"g_depth", "d_depth"}, "model=dcgan has a fixed depth"),
    ({"model": "dcgan"}, {"activation"}, "model=dcgan"),
    ({"model": "linear", "d_batchnorm": True},
     {"g_hidden", "d_hidden", "g_depth", "d_depth", "activation", "dropout", "d_batchnorm"}, "model=linear"),
    ({"model": "linear", "d_batchnorm": True}, {"d_batch"}, "no batch norm"),
    ({"update": "simultaneous"}, {"k_d", "k_g", "reuse_fake", "d_target"}, "update=simultaneous"),
    ({"d_target": "noise"}, {"reuse_fake"}, "d_target=noise"),
    ({"update": "simultaneous", "d_target": "noise"}, {"noise_anneal"}, "instance_noise is 0"),
    ({"loss": "wgan"}, {"label_smoothing"}, "loss=wgan has no labels"),
    ({"loss": "wgan"}, {"gp_weight"}, "only loss=wgan-gp has a gradient penalty"),
    ({"loss": "hinge"}, {"label_smoothing"}, "loss=hinge has no labels"),
    ({"loss": "hinge"}, {"clip"}, "only loss=wgan clips"),
    ({"optimizer": "sgd"}, {"beta1", "beta2"}, "only optimizer=adam"),
    ({"optimizer": "rmsprop"}, {"momentum"}, "only optimizer=sgd"),
    ({"optimizer": "rmsprop"}, {"beta1", "beta2"}, "only optimizer=adam"),
])
def test_ignored_settings_come_with_the_reason(settings, keys, reason):
    got = ignored_by(**settings)
    assert keys <= set(got) and all(reason in got[k] for k in keys), got


@pytest.mark.parametrize("settings, used", [
    ({"model": "dcgan"}, {"g_hidden", "d_hidden", "dropout", "d_batchnorm", "z_dim"}),
    ({"d_batchnorm": True}, {"d_batch"}),
    ({"model": "dcgan", "d_batchnorm": True}, {"d_batch"}),
    ({"instance_noise": 0.1}, {"noise_anneal"}),
    ({"d_target": "noise"}, {"noise_anneal", "d_target", "k_d", "k_g"}),
    ({"update": "simultaneous", "instance_noise": 0.1}, {"noise_anneal"}),
    ({"loss": "wgan"}, {"clip"}),
    ({"loss": "wgan-gp"}, {"gp_weight"}),
    ({"loss": "lsgan"}, {"label_smoothing"}),
    ({"optimizer": "sgd"}, {"momentum"}),
    ({"optimizer": "adam"}, {"beta1", "beta2"}),
])
def test_settings_in_use_are_not_called_ignored(settings, used):
    assert not used & set(ignored_by(**settings))


def test_reasons_are_one_line_and_name_real_settings():
    for settings in ({"model": "linear", "update": "simultaneous", "loss": "hinge", "optimizer": "rmsprop"},
                     {"model": "dcgan", "d_target": "noise"}, {}):
        for key, why in ignored_by(**settings).items():
            assert key in config.FIELDS and why and "\n" not in why


def test_no_preset_sets_what_its_own_configuration_ignores():
    for name in preset_names():
        preset = load_preset(name)
        assert not set(preset.settings) & set(config.ignored(preset.config())), name


def _another_value(key: str, value):
    m = config.meta(key)
    if m["choices"]:
        return next(c for c in m["choices"] if c != value)
    if isinstance(value, bool):
        return not value
    bumped = value + (1 if isinstance(value, int) else m["step"] or 0.1)
    return bumped if m["hi"] is None or bumped <= m["hi"] else value / 2


SMALL = {"n_data": 300, "g_hidden": 6, "d_hidden": 6, "batch_size": 16, "z_dim": 2}


@pytest.mark.parametrize("settings", [
    {"data": "gauss"},
    {"data": "ring8", "model": "linear", "d_batchnorm": True},
    {"data": "ring8", "update": "simultaneous", "d_target": "noise", "loss": "wgan-gp", "optimizer": "sgd"},
    {"data": "gauss", "d_target": "noise", "loss": "wgan", "optimizer": "rmsprop"},
    {"data": "ring8", "loss": "hinge", "instance_noise": 0.2, "d_batchnorm": True},
    {"data": "digits", "model": "dcgan", "g_hidden": 4, "d_hidden": 4},
], ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_changing_an_ignored_setting_changes_nothing_in_training(settings):
    """The table tells the truth: the same run, to the bit, whatever an ignored setting says."""
    import torch

    from ganviz.core.population import Population

    def trained(cfg: Config) -> list:
        t = Population(cfg, data=data)
        t.run(3)
        return [v for tr in t.trainers for v in (*tr.G.state_dict().values(), *tr.D.state_dict().values())]

    cfg = from_dict({**SMALL, **settings})
    data = Population(cfg).data
    want = trained(cfg)
    skipped = config.ignored(cfg)
    assert skipped
    for key in skipped:
        got = trained(cfg.replace(**{key: _another_value(key, getattr(cfg, key))}))
        assert all(torch.equal(a, b) for a, b in zip(want, got)), key
