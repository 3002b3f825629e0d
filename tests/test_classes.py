"""Class coverage: data that says what each image shows keeps its labels; a classifier trained on it once
reads G's samples; the numbers say which classes G draws and how sure a reader is of them, and data
without labels says it has none."""
import csv
import json

import numpy as np
import pytest
from PIL import Image

from ganviz.cli import main
from ganviz.core import check as checking
from ganviz.core import classifier
from ganviz.core.config import Config
from ganviz.core.data import SHAPE_CLASSES, load
from ganviz.core.errors import ConfigError
from ganviz.core.evaluate import evaluate
from ganviz.core.population import Population
from ganviz.core.snapshot import SnapshotMaker
from synthetic import NAMES, class_folders, mnist_pair


@pytest.fixture(scope="module")
def digits():
    data = load("digits")
    return data, classifier.fit(data)


# ---------------------------------------------------------------------------------- labels
def test_digits_and_shapes_keep_what_each_image_shows():
    from sklearn.datasets import load_digits
    ref = load_digits()
    d = load("digits")
    images = np.round(d.to_units(d.train)).astype(int).reshape(len(d.train), -1)
    lookup = {img.tobytes(): label for img, label in zip(ref.images.astype(int).reshape(len(ref.images), -1),
                                                          ref.target)}
    assert [lookup[img.tobytes()] for img in images[:200]] == d.labels[:200].tolist()
    s = load("shapes")
    assert s.classes == SHAPE_CLASSES == ("circle", "square", "bar", "triangle")
    shares = np.bincount(s.labels, minlength=4) / len(s.labels)
    assert shares[2] == pytest.approx(0.4, abs=0.04)  # a bar lies or stands: two of the five forms drawn


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_images_find_their_labels_file_beside_them(tmp_path, compress):
    d = load(str(mnist_pair(tmp_path, compress=compress)))
    assert d.image_shape == (1, 28, 28) and d.classes == ("0", "1", "2", "3")
    assert len(d.labels) == len(d.train) and len(d.held_labels) == len(d.held_out)
    top = d.train[d.labels == 0][:, 0, :7].mean()  # class 0's bar is at the top
    assert top > d.train[d.labels == 1][:, 0, :7].mean() + 0.5


def test_a_labels_file_that_does_not_fit_is_warned_about_and_left_out(tmp_path):
    from synthetic import write_idx
    images = mnist_pair(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(7, np.uint8))
    with pytest.warns(UserWarning, match="does not fit the 200 images"):
        d = load(str(images))
    assert d.labels is None and d.classes is None


def test_a_folder_of_class_folders_has_those_classes_and_a_flat_one_none(tmp_path):
    d = load(str(class_folders(tmp_path / "set")))
    assert d.classes == tuple(sorted(NAMES)) and d.image_shape == (3, 32, 32)
    flat = tmp_path / "flat"
    flat.mkdir()
    for i in range(6):
        Image.fromarray(np.full((8, 8), 40 * i, np.uint8)).save(flat / f"{i}.png")
    assert load(str(flat)).labels is None


# ---------------------------------------------------------------------------------- the classifier
@pytest.mark.slow
def test_the_classifier_is_sure_of_real_digits_and_says_how_right_it_is(digits):
    data, clf = digits
    assert clf.accuracy >= 0.9 and clf.real_confident >= 0.8  # a reader that can be trusted
    cov = classifier.coverage(clf, clf.probabilities(data.held_out))
    assert cov["classes"] == 10 and cov["confident_ratio"] == pytest.approx(1.0)
    assert cov["class_kl"] < 0.05 and 0.05 <= cov["class_share_min"] <= cov["class_share_max"] <= 0.15


@pytest.mark.slow
def test_a_g_that_draws_one_digit_covers_one_class(digits):
    data, clf = digits
    threes = data.train[data.labels == 3]
    cov = classifier.coverage(clf, clf.probabilities(threes))
    assert cov["classes"] == 1 and cov["class_share_max"] >= 0.9 and cov["class_share_min"] == 0
    assert cov["class_kl"] > 1.5  # about log 10 = 2.3 when all of G's mass sits on one class of ten


@pytest.mark.slow
def test_noise_is_read_with_little_confidence(digits):
    data, clf = digits
    noise = np.random.default_rng(0).uniform(-1, 1, (500, 1, 8, 8)).astype(np.float32)
    assert classifier.coverage(clf, clf.probabilities(noise))["confident_ratio"] < 0.5


@pytest.mark.slow
def test_the_classifier_is_trained_once_per_data_set_and_the_same_every_time():
    data = load("digits")
    a = classifier.fit(data)
    assert classifier.fit(data) is a
    b = classifier.fit(load("digits"))
    assert np.allclose(a.probabilities(data.held_out[:50]), b.probabilities(data.held_out[:50]))


# ---------------------------------------------------------------------------------- in the run's numbers
@pytest.mark.slow
def test_evaluation_logs_class_coverage_for_labelled_images_only(tmp_path):
    small = dict(model="dcgan", z_dim=8, g_hidden=8, d_hidden=8, batch_size=32, eval_every=10_000)
    labelled = Population(Config(data=str(class_folders(tmp_path / "set", n=60, side=16)), **small))
    labelled.run(3)
    row = evaluate(labelled.runs[0])
    assert {"classes", "class_kl", "confident_ratio", "class_share_min", "classifier_acc"} <= set(row)
    np.save(tmp_path / "x.npy", np.random.default_rng(0).integers(0, 255, (60, 16, 16), dtype=np.uint8))
    unlabelled = Population(Config(data=str(tmp_path / "x.npy"), **small))
    unlabelled.run(3)
    assert "classes" not in evaluate(unlabelled.runs[0]) and "parzen_ll" in evaluate(unlabelled.runs[0])


def test_pictures_carry_the_class_shares_once_the_classifier_is_trained_and_say_when_there_are_no_labels(tmp_path):
    pop = Population(Config(data="digits", model="mlp", z_dim=8, g_hidden=32, d_hidden=32, eval_every=10_000))
    maker = SnapshotMaker(pop)
    before = maker.make()[0]
    assert before.classes is not None and before.class_shares is None  # the first picture does not wait
    maker.prepare_classes()
    pic = maker.make()[0]
    assert pic.class_shares.sum() == pytest.approx(1.0) and pic.real_shares.sum() == pytest.approx(1.0)
    assert len(pic.tile_class) == len(pic.fake_u8) and 0 <= pic.confident <= 1 and pic.classifier_acc > 0.9
    compact = maker.make(compact=True)[0]
    assert compact.class_shares is None and compact.tile_class is not None
    np.save(tmp_path / "x.npy", np.random.default_rng(0).integers(0, 255, (60, 8, 8), dtype=np.uint8))
    plain = SnapshotMaker(Population(Config(data=str(tmp_path / "x.npy"), model="mlp", z_dim=8)))
    plain.prepare_classes()
    assert plain.make()[0].classes is None


def test_train_logs_classes_captured_and_their_kl_in_metrics_csv(tmp_path, capsys):
    rc = main(["train", "--preset", "digits", "--steps", "20", "--set", "eval_every=20", "--quiet",
               "--out", str(tmp_path / "out")])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rows = list(csv.DictReader(open(tmp_path / "out" / "metrics.csv")))
    last = rows[-1]
    assert 0 <= float(last["classes"]) <= 10 and float(last["class_kl"]) >= 0
    assert float(last["classifier_acc"]) > 0.9 and summary["metrics"]["classes"] == float(last["classes"])
    assert (tmp_path / "out" / "grid.png").exists()


def test_a_class_expectation_on_data_without_labels_says_so(tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).integers(0, 255, (60, 8, 8), dtype=np.uint8))
    pop = Population(Config(data=str(tmp_path / "x.npy"), model="mlp", z_dim=8, eval_every=10_000))
    with pytest.raises(ConfigError, match="'classes' is not computed for data"):
        checking.MEASURES["classes"](pop, 0)


# ---------------------------------------------------------------------------------- kept on disk
def test_the_classifier_is_kept_on_disk_and_a_second_launch_reads_it_instead_of_training(tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path))
    first = classifier.fit(load("digits"))
    kept = list((tmp_path / "classifiers").glob("*.safetensors"))
    assert len(kept) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("the classifier was trained again")
    with monkeypatch.context() as m:
        m.setattr(classifier.torch.optim, "Adam", no_training)
        again = classifier.fit(load("digits"))  # a new Dataset object, as a new process loads it
    held = first_data_held = load("digits").held_out[:100]
    assert np.array_equal(first.probabilities(held), again.probabilities(first_data_held))
    assert (again.accuracy, again.fd_floor) == (first.accuracy, first.fd_floor)
    # another data set has a classifier of its own
    classifier.fit(load("shapes"))
    assert len(list((tmp_path / "classifiers").glob("*.safetensors"))) == 2


def test_a_damaged_kept_classifier_is_trained_again_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path))
    classifier.fit(load("digits"))
    (path,) = (tmp_path / "classifiers").glob("*.safetensors")
    path.write_bytes(b"not a safetensors file")
    clf = classifier.fit(load("digits"))
    assert clf.accuracy > 0.9 and path.stat().st_size > 1000  # trained and written again


def test_evaluation_logs_the_frechet_distance_and_its_floor_for_labelled_images():
    pop = Population(Config(data="digits", model="mlp", z_dim=8, g_hidden=32, d_hidden=32, eval_every=10_000))
    pop.run(2)
    row = evaluate(pop.runs[0])
    assert row["fd_floor"] > 0 and row["fd"] > 3 * row["fd_floor"]  # an untrained G is far from the digits
    assert row["fd_ratio"] == pytest.approx(row["fd"] / row["fd_floor"])
    clf = classifier.fit(pop.data)
    _, real = clf.read(pop.data.held_out)
    assert classifier.quality(clf, real)["fd_ratio"] == pytest.approx(1.0)  # real images sit on the floor


def test_the_classifier_trains_in_a_thread_while_pictures_say_it_is_training(tmp_path, monkeypatch):
    """A first launch: prepare_classes(background=True) returns at once; pictures made meanwhile have no class
    shares (the view says "training the classifier..."); once the thread is done they have them. A caller that
    needs the classifier meanwhile (evaluation) waits for the thread's fit rather than fitting a second one."""
    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path))  # nothing kept yet: it trains
    pop = Population(Config(data="digits", model="mlp", z_dim=8, g_hidden=32, d_hidden=32, eval_every=10_000))
    maker = SnapshotMaker(pop)
    fits = []
    real_fit = classifier._fit
    monkeypatch.setattr(classifier, "_fit", lambda *a, **k: fits.append(1) or real_fit(*a, **k))
    maker.prepare_classes(background=True)
    maker.prepare_classes(background=True)  # while it runs: nothing more
    early = maker.make()[0]
    assert early.classes is not None
    assert classifier.fit(pop.data) is not None  # waits for the thread's
    maker._fitting.join(60)
    assert maker.classifier is not None and len(fits) == 1
    assert maker.make()[0].class_shares.sum() == pytest.approx(1.0)
    assert early.class_shares is None or early.class_shares.sum() == pytest.approx(1.0)


def test_while_playing_an_image_grids_class_reading_and_nearest_images_are_kept_between_due_frames():
    pop = Population(Config(data="digits", model="mlp", z_dim=8, g_hidden=32, d_hidden=32, eval_every=10_000))
    maker = SnapshotMaker(pop)
    maker.prepare_classes()
    first = maker.make(heat=True)[0]
    assert maker.due(1) is False  # just made: not due again for SLOW_IMAGE_S
    pop.run(30)
    kept = maker.make(heat=False)[0]
    assert not np.array_equal(kept.fake_u8, first.fake_u8)  # the tiles move
    assert np.array_equal(kept.class_shares, first.class_shares) and np.array_equal(kept.nn_u8, first.nn_u8)
    fresh = maker.make(heat=True)[0]
    assert not np.array_equal(fresh.nn_dist, first.nn_dist)
    assert len(fresh.tile_class) == len(fresh.fake_u8) == len(kept.tile_class)
