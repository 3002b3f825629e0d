"""Views and controls on their own, fed real pictures (no trainer process): what the user sees."""
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore, QtWidgets  # noqa: E402

from apptools import curve_values  # noqa: E402
from ganviz.app import make_app  # noqa: E402
from ganviz.app.panels.controls import RESET_MARK, ControlsPanel, LogSpinBox  # noqa: E402
from ganviz.app.views import curves as curves_mod  # noqa: E402
from ganviz.app.views.curves import CurvesView  # noqa: E402
from ganviz.app.views.density1d import Density1DView  # noqa: E402
from ganviz.app.views.image_grid import ImageGridView  # noqa: E402
from ganviz.app.views.scatter2d import ARROW_FRACTION, Scatter2DView, arrow_segments, bilinear, interpolation, \
    mesh_lines  # noqa: E402
from ganviz.core import config, presets  # noqa: E402


def snapshot(preset: str, steps: int = 20, **view):
    """A picture of the preset's run after `steps` steps."""
    from ganviz.core.population import Population
    from ganviz.core.snapshot import SnapshotMaker
    t = Population(presets.load_preset(preset).config().replace(n_data=2000))
    t.run(steps)
    return SnapshotMaker(t).make(**view)[0]


def session_of(cfg=None, sent: list | None = None):
    """A session with no training process behind it: what the settings panel edits (the commands it
    would send go to `sent`)."""
    from ganviz.session import Session
    session = Session(presets.load_preset("ring8"), cfg or config.Config(), start=lambda configs: None)
    if sent is not None:
        session.send = sent.append
    return session


@pytest.fixture
def app(qapp):
    return make_app()


# ---------------------------------------------------------------------------------- controls

def test_every_config_field_has_a_control_with_its_help_and_range(app, qtbot):
    panel = ControlsPanel(session_of())
    qtbot.addWidget(panel)
    assert set(panel.widgets) == set(config.FIELDS)
    for name, f in config.FIELDS.items():
        m, w = f.metadata, panel.widgets[name]
        assert m["help"] in w.toolTip()
        if m["choices"]:
            assert isinstance(w, QtWidgets.QComboBox)
            assert [w.itemText(i) for i in range(w.count())] == list(m["choices"])
        elif isinstance(f.default, bool):
            assert isinstance(w, QtWidgets.QCheckBox)
        elif isinstance(f.default, int) and name != "data":
            assert isinstance(w, QtWidgets.QSpinBox) and w.minimum() == m["lo"]
        elif isinstance(f.default, float):
            assert isinstance(w, LogSpinBox) == bool(m["log"])
        assert (RESET_MARK in panel.labels[name].text()) == (not m["live"])


def test_log_spin_box_steps_along_1_2_5(app, qtbot):
    box = LogSpinBox(1e-7, 10.0)
    qtbot.addWidget(box)
    box.setValue(1e-3)
    seen = []
    for _ in range(3):
        box.stepBy(1)
        seen.append(box.value())
    assert np.allclose(seen, [2e-3, 5e-3, 1e-2])
    box.stepBy(-4)
    assert np.isclose(box.value(), 5e-4)
    assert box.textFromValue(0.000123456789) == "0.00012346"


def test_a_spin_box_edit_is_sent_once_after_typing_pauses(app, qtbot):
    from ganviz.process import protocol as p
    sent = []
    panel = ControlsPanel(session_of(sent=sent))
    qtbot.addWidget(panel)
    box = panel.widgets["batch_size"]
    for v in (100, 120, 128):
        box.setValue(v)
    qtbot.waitUntil(lambda: len(sent) > 0, timeout=2000)
    assert sent == [p.Set({"batch_size": 128}, None)]


def test_an_edit_is_validated_once_by_config_and_a_refused_value_puts_the_widget_back(app, qtbot, monkeypatch):
    sent = []
    panel = ControlsPanel(session_of(sent=sent))
    qtbot.addWidget(panel)
    checks = []
    check = config.check
    monkeypatch.setattr(config, "check", lambda key, value: (checks.append(key), check(key, value)))
    panel.set_value("lr_d", 2e-4)
    assert checks == ["lr_d"] and panel.values["lr_d"] == 2e-4
    checks.clear()
    panel.set_value("batch_size", 0)  # below its range
    assert checks == ["batch_size"] and panel.widgets["batch_size"].value() == 256 and len(sent) == 1


def test_a_shared_setting_says_that_it_goes_to_every_run(app, qtbot):
    panel = ControlsPanel(session_of())
    qtbot.addWidget(panel)
    for name in config.FIELDS:
        shared = config.meta(name)["scope"] == config.SHARED
        assert ("an edit goes to every run" in panel.widgets[name].toolTip()) == shared, name
    assert "steps" in panel.scope.this.toolTip()


def test_data_choices_list_the_builtins_and_a_file_option(app, qtbot):
    from ganviz.core.data import BUILTINS
    panel = ControlsPanel(session_of())
    qtbot.addWidget(panel)
    combo = panel.widgets["data"]
    items = [combo.itemText(i) for i in range(combo.count())]
    assert set(BUILTINS) <= set(items) and any(t.startswith("Open file") for t in items)


def test_settings_the_configuration_ignores_are_greyed_with_the_reason(app, qtbot):
    panel = ControlsPanel(session_of(config.Config(model="dcgan")))
    qtbot.addWidget(panel)

    def greyed() -> dict[str, str]:
        out = {n: w.toolTip() for n, w in panel.widgets.items() if not w.isEnabled()}
        assert out.keys() == {n for n, lab in panel.labels.items() if not lab.isEnabled()}
        return out

    assert {"g_depth", "d_depth", "activation"} <= greyed().keys()
    assert "model=dcgan has a fixed depth" in greyed()["g_depth"]
    assert "g_hidden" not in greyed() and config.meta("g_depth")["help"] in greyed()["g_depth"]
    panel.set_value("model", "mlp")  # live, as the user changes the model, update rule, loss or optimiser
    assert not {"g_depth", "d_depth", "activation"} & greyed().keys()
    assert "model=dcgan" not in panel.widgets["g_depth"].toolTip()
    panel.set_value("update", "simultaneous")
    assert {"k_d", "k_g", "reuse_fake", "d_target"} <= greyed().keys()
    assert "momentum" in greyed()
    panel.set_value("optimizer", "sgd")
    assert "momentum" not in greyed() and "only optimizer=adam" in greyed()["beta1"]
    assert greyed() == {n: panel.widgets[n].toolTip() for n in config.ignored(panel.values)}


# ---------------------------------------------------------------------------------- views

def test_figure1_view_draws_the_papers_curves_and_z_arrows(app, qtbot):
    view = Density1DView()
    qtbot.addWidget(view)
    snap = snapshot("figure1")
    view.draw(snap)
    assert np.array_equal(view.p_g.getData()[1], snap.p_g)
    assert np.array_equal(view.d.getData()[1], snap.d)
    assert view.d in view.dbox.addedItems  # D has its own 0..1 axis
    xs, ys = view.links.getData()
    assert len(xs) == 2 * len(snap.z_line)
    assert np.allclose(xs[1::2], snap.z_x)  # each line lands on x = G(z)
    view.a_hist.setChecked(True)
    assert view.hist.isVisible()


def test_2d_overlays_ask_the_worker_only_for_what_is_shown(app, qtbot):
    view = Scatter2DView()
    qtbot.addWidget(view)
    overlays = {"arrows": True, "manifold": False}  # arrows on: the ring8 story uses them
    assert {k: view.wanted()[k] for k in overlays} == overlays
    with qtbot.waitSignal(view.request) as got:
        view.a_arrows.setChecked(False)
    assert {k: got.args[0][k] for k in overlays} == {"arrows": False, "manifold": False}
    assert not view.arrows.isVisible()
    snap = snapshot("ring8", arrows=True, manifold=True)
    view.a_arrows.setChecked(True)
    view.a_manifold.setChecked(True)
    view.draw(snap)
    x, _ = view.arrows.getData()
    assert len(x) == 6 * len(snap.arrows)


def test_the_heatmap_grid_covers_the_plots_aspect_at_the_same_cost():
    square, wide = snapshot("ring8"), snapshot("ring8", aspect=1.8)
    assert np.array_equal(square.heat_range, square.view_range)
    (x0, x1), (y0, y1) = wide.heat_range
    (vx0, vx1), (vy0, vy1) = wide.view_range
    assert (x1 - x0) / (y1 - y0) == pytest.approx(1.8, rel=0.01)
    assert x0 < vx0 and x1 > vx1 and (y0, y1) == pytest.approx((vy0, vy1))  # the data's range, widened
    ny, nx = wide.d_grid.shape
    assert nx / ny == pytest.approx(1.8, rel=0.1) and abs(nx * ny - square.d_grid.size) < 0.1 * square.d_grid.size


def test_skipping_the_heatmap_keeps_the_last_map_and_a_whole_snapshot_refreshes_it():
    from ganviz.core.population import Population
    from ganviz.core.snapshot import SnapshotMaker
    t = Population(presets.load_preset("ring8").config().replace(n_data=2000))
    maker = SnapshotMaker(t)
    first = maker.make()[0]
    t.run(20)
    skipped, whole = maker.make(heat=False)[0], maker.make()[0]
    assert np.array_equal(skipped.d_grid, first.d_grid)      # D's map as last computed ...
    assert not np.array_equal(skipped.fake, first.fake)      # ... while the points move on
    assert not np.array_equal(whole.d_grid, first.d_grid)    # D learnt: the whole picture shows it
    wider = maker.make(heat=False, aspect=1.8)[0]            # a new grid is always computed
    assert wider.d_grid.shape != whole.d_grid.shape


def test_arrows_are_scaled_so_the_longest_is_a_fixed_share_of_the_view():
    arrows = np.array([[0, 0, 3, 4], [1, 1, 0.3, 0.4]], np.float32)
    scale = ARROW_FRACTION * 6.0 / 5.0
    x, y = arrow_segments(arrows, scale, head_cap=0.1)
    shaft = np.hypot(x[1] - x[0], y[1] - y[0])
    assert np.isclose(shaft, ARROW_FRACTION * 6.0)


def test_manifold_mesh_draws_rows_and_columns_without_joining_them():
    grid = np.stack(np.meshgrid(np.arange(4.0), np.arange(4.0)), -1).astype(np.float32)
    x, y, connect = mesh_lines(grid)
    assert len(x) == 32 and connect.sum() == 32 - 8


def test_heatmap_interpolation_is_exact_for_a_plane():
    gx, gy = np.meshgrid(np.linspace(0, 1, 50), np.linspace(0, 1, 40))
    plane = (0.3 * gx + 0.6 * gy).astype(np.float32)
    out = bilinear(plane, interpolation(40, 120), interpolation(50, 100))
    cx = (np.arange(100) + 0.5) / 100
    cy = (np.arange(120) + 0.5) / 120
    assert np.allclose(out, 0.3 * cx[None, :] + 0.6 * cy[:, None], atol=1e-5)


def test_clicking_a_tile_shows_its_nearest_real_image(app, qtbot):
    view = ImageGridView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    snap = snapshot("digits", steps=2)
    view.draw(snap)
    lay = view.lay
    x, y = lay.tile_origin(10)
    scene = view.vb.mapViewToScene(QtCore.QPointF(x + lay.w / 2, y + lay.h / 2))
    pos = view.glw.mapFromScene(scene)
    qtbot.mouseClick(view.glw.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert view.selected == 10
    nn = snap.nn_u8[10]
    region = view.mosaic()[lay.insp_y2 + lay.b: lay.insp_y2 + lay.b + 3 * lay.h, lay.insp_x + lay.b:][:, :3 * lay.w]
    assert np.array_equal(region[::3, ::3, 0], nn[..., 0])
    assert f"{snap.nn_dist[10]:.3f}" in view.nn_label.text()


@pytest.mark.parametrize("size", [(420, 260), (1270, 380)])
def test_the_image_views_labels_stand_apart_at_any_size(app, qtbot, size):
    """The scores under the tiles and the titles over the columns grow and shrink with the tiles:
    on a small view (a 720-line screen, presentation mode) they ran into each other."""
    view = ImageGridView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.draw(snapshot("digits", steps=2))
    labels = [t for t in view.score_items + view.titles if t.isVisible()]
    qtbot.waitUntil(lambda: view.grab() and all(t.sceneBoundingRect().width() > 0 for t in labels))
    rects = [t.sceneBoundingRect() for t in labels]
    scene = view.vb.sceneBoundingRect()
    for i, a in enumerate(rects):
        assert scene.contains(a), labels[i]
        for b in rects[i + 1:]:
            assert not a.intersects(b)


def test_curves_grow_skip_bad_values_and_cap_markers(app, qtbot):
    from ganviz.core.metriclog import MetricLog
    view = CurvesView()
    qtbot.addWidget(view)
    view.set_kind("1d")
    rows = MetricLog({"step": float(s), "loss_d": 1.0, "loss_g": np.nan, "grad_d": 0.0, "jsd": 0.1}
                     for s in range(3000))
    view.show_history(rows, [(5, "lr_d 1 \u2192 2")] * 20)
    view.refresh()
    assert curve_values(view, "loss_d").size == 3000
    assert curve_values(view, "loss_g").size == 0 and curve_values(view, "grad_d").size == 0  # NaN, and 0 on a log axis
    assert len(view.markers) == curves_mod.MAX_MARKERS
    view.clear()
    view.show_history(MetricLog(rows[:5]), [])
    view.refresh()
    assert curve_values(view, "loss_d").size == 5 and view.markers == []


def test_curves_follow_a_history_that_the_timeline_cut(app, qtbot):
    from ganviz.core.metriclog import MetricLog
    view = CurvesView()
    qtbot.addWidget(view)
    view.set_kind("2d")
    log = MetricLog({"step": float(s), "loss_d": float(s)} for s in range(1, 101))
    view.show_history(log, [])
    log.truncate(40)  # back to step 40, then on along another branch
    for s in range(41, 61):
        log.append({"step": float(s), "loss_d": -1.0})
    view.show_history(log, [], start=40)
    view.refresh()
    x, y = view.series["loss_d"].view()
    assert x.max() == 60 and np.all(np.diff(x) > 0) and (y[x > 40] == -1.0).all()


def test_curves_switch_kind(app, qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    assert view.set_kind("2d") and "jsd" not in view.series and "modes" in view.series
    assert not view.set_kind("2d")
    assert view.set_kind("1d") and "jsd" in view.series


def test_the_image_view_says_when_the_data_has_no_class_labels(app, qtbot, tmp_path):
    from ganviz.core.population import Population
    from ganviz.core.snapshot import SnapshotMaker
    np.save(tmp_path / "x.npy", np.random.default_rng(0).integers(0, 255, (60, 8, 8), dtype=np.uint8))
    maker = SnapshotMaker(Population(config.Config(data=str(tmp_path / "x.npy"), model="mlp", z_dim=4)))
    maker.prepare_classes()
    view = ImageGridView()
    qtbot.addWidget(view)
    view.draw(maker.make()[0])
    assert "no class labels" in view.bars_message.toPlainText()
    assert view.g_bars.opts["width"] is None or len(view.g_bars.opts["width"]) == 0


def test_labelled_images_are_measured_by_the_frechet_distance_over_its_dashed_floor(app, qtbot):
    import math

    from ganviz.app.views.compare import CompareCurves
    from ganviz.app.views.curves import metric_kind
    from ganviz.core.pictures import ImageGrid
    blank = np.zeros((1, 2, 2, 1), np.uint8)
    grid = dict(run=0, step=0, view_range=np.zeros((1, 2), np.float32), fake_u8=blank, d_fake=np.zeros(1, np.float32),
                real_u8=blank, nn_u8=blank, nn_dist=np.zeros(1, np.float32))
    assert metric_kind(ImageGrid(**grid, classes=("a", "b"))) == "image-fd"
    assert metric_kind(ImageGrid(**grid)) == "image"  # unlabelled images: Parzen, as before
    rows = [{"step": 1000.0, "fd": 80.0, "fd_floor": 1.25}, {"step": 2000.0, "fd": 30.0, "fd_floor": 1.25}]
    view = CurvesView()
    qtbot.addWidget(view)
    view.set_kind("image-fd")
    view.add_rows(rows)
    view.refresh()
    assert view.floor.isVisible() and view.floor.value() == pytest.approx(math.log10(1.25))
    assert view.plots["metric"].getAxis("left").logMode  # decades: the distance falls over them
    both = CompareCurves()
    qtbot.addWidget(both)
    both.build("image-fd", ["unconditional", "conditional"])
    both.show_history(0, rows, 0)
    assert both.floor.isVisible() and both.floor.value() == pytest.approx(math.log10(1.25))
