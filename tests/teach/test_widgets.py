"""Widget builders: controls, the readout, and the panel's wiring, exercised without a Jupyter kernel.

These tests run with ipywidgets 8 here and with Colab's ipywidgets 7.7.1 in `make colab-check`.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from n2s_core.teach import widgets  # noqa: E402
from n2s_core.teach.widgets import (  # noqa: E402
    READOUT_CLASS,
    choice,
    choice_slider,
    float_slider,
    int_slider,
    interactive_panel,
    readout_line,
)

PNG = b"\x89PNG\r\n\x1a\n"


class Recorder:
    """A draw function that records its calls, draws one figure and reports a loss derived from the values."""

    def __init__(self, report=True, figures=1):
        self.calls, self.report, self.figures = [], report, figures

    def __call__(self, **values):
        self.calls.append(values)
        for _ in range(self.figures):
            plt.subplots(figsize=(2, 2))[1].plot([0, values.get("radius", 1)])
        return f"loss={values['radius'] / 1000:.4f}" if self.report else None


@pytest.fixture
def shown(monkeypatch):
    """Record what the panel displays and updates (no kernel here): a list of (kind, object, display_id)."""
    calls = []
    monkeypatch.setattr(widgets, "display", lambda obj, display_id=None: calls.append(("display", obj, display_id)))
    monkeypatch.setattr(widgets, "update_display", lambda obj, display_id: calls.append(("update", obj, display_id)))
    return calls


@pytest.mark.parametrize(
    ("values", "report", "expected"),
    [
        ({"radius": 3, "sigma": 0.1}, "loss=0.0114", "radius=3 sigma=0.1 · loss=0.0114"),
        ({"sigma": 0.123456789}, None, "sigma=0.1235"),
        ({"sigma": np.float64(2.5e-05)}, "", "sigma=2.5e-05"),
        ({"n": np.int64(16), "method": "nl_means", "mixed": True}, "psnr=30.1",
         "n=16 method=nl_means mixed=True · psnr=30.1"),
        ({}, "done", "done"),
    ],
)
def test_readout_formatting(values, report, expected):
    assert readout_line(values, report) == expected


def test_sliders_are_built_as_asked():
    radius = int_slider("radius", 3, 1, 6)
    assert isinstance(radius, ipywidgets.IntSlider)
    assert (radius.value, radius.min, radius.max, radius.step, radius.description) == (3, 1, 6, 1, "radius")
    assert radius.continuous_update is False
    sigma = float_slider("sigma", 0.1, 0.0, 0.5, 0.05)
    assert isinstance(sigma, ipywidgets.FloatSlider)
    assert (sigma.value, sigma.min, sigma.max, sigma.step) == pytest.approx((0.1, 0.0, 0.5, 0.05))
    assert sigma.continuous_update is False
    steps = choice_slider("steps", [50, 100, 200], value=100)
    assert isinstance(steps, ipywidgets.SelectionSlider)
    assert steps.value == 100 and list(steps.options) == [50, 100, 200]


def test_categorical_choices_are_buttons_or_a_dropdown_never_a_slider():
    few = choice("model", ["DnCNN", "UNet"], "UNet")
    assert isinstance(few, ipywidgets.ToggleButtons) and few.value == "UNet" and list(few.options) == ["DnCNN", "UNet"]
    many = choice("method", [f"method-{i}" for i in range(8)])
    assert isinstance(many, ipywidgets.Dropdown) and many.value == "method-0"
    long_names = choice("denoiser", ["J-invariant Gaussian filter", "identity"])
    assert isinstance(long_names, ipywidgets.Dropdown)
    with pytest.raises(ValueError, match=r"value 'tv' is not one of \['median', 'wavelet'\]"):
        choice("method", ["median", "wavelet"], "tv")
    with pytest.raises(ValueError, match="needs at least one option"):
        choice("method", [])


def test_panel_draws_when_shown_then_redraws_the_same_figure_in_place(shown):
    draw = Recorder()
    radius, sigma = int_slider("radius", 3, 1, 6), float_slider("sigma", 0.1, 0.0, 0.5, 0.05)
    panel = interactive_panel(draw, radius=radius, sigma=sigma)
    assert draw.calls == [] and shown == []  # nothing happens before the cell displays it

    panel._ipython_display_()
    assert draw.calls == [{"radius": 3, "sigma": 0.1}]
    (kind0, box, none_id), (kind1, image, first_id) = shown
    assert (kind0, kind1, none_id) == ("display", "display", None) and box is panel.box
    assert image.data.startswith(PNG) and first_id == panel.display_id
    assert panel.readout.value == "<code>radius=3 sigma=0.1 · loss=0.0030</code>"

    radius.value = 5
    sigma.value = 0.25
    assert draw.calls[1:] == [{"radius": 5, "sigma": 0.1}, {"radius": 5, "sigma": 0.25}]
    assert [(kind, display_id) for kind, _, display_id in shown[2:]] == [("update", first_id)] * 2  # same figure
    assert shown[-1][1].data.startswith(PNG) and shown[-1][1].data != image.data
    assert panel.readout.value == "<code>radius=5 sigma=0.25 · loss=0.0050</code>"
    assert plt.get_fignums() == []  # every figure closed: the inline backend will not show a second copy


def test_panel_layout_and_what_a_front_end_without_a_kernel_shows():
    radius, sigma = int_slider("radius", 3, 1, 6), float_slider("sigma", 0.1, 0.0, 0.5, 0.05)
    panel = interactive_panel(Recorder(), radius=radius, sigma=sigma)
    controls, readout = panel.box.children
    assert isinstance(panel.box, ipywidgets.VBox) and isinstance(controls, ipywidgets.HBox)
    assert list(controls.children) == [radius, sigma] and readout is panel.readout
    assert READOUT_CLASS in readout._dom_classes
    assert "VBox(" not in repr(panel.box) and "run the notebook" in repr(panel.box)
    assert repr(panel) == "Interactive panel (radius, sigma): run the notebook to move its controls."


def test_setting_the_same_value_does_not_redraw(shown):
    draw = Recorder()
    radius = int_slider("radius", 3, 1, 6)
    interactive_panel(draw, radius=radius)
    radius.value = 3
    assert draw.calls == [] and shown == []


def test_a_change_before_the_panel_is_shown_updates_nothing_on_screen(shown):
    radius = int_slider("radius", 3, 1, 6)
    panel = interactive_panel(Recorder(report=False), radius=radius)
    radius.value = 4
    assert shown == [] and panel.readout.value == "<code>radius=4</code>"


@pytest.mark.parametrize("figures", [0, 2])
def test_draw_must_make_exactly_one_figure(figures):
    panel = interactive_panel(Recorder(figures=figures), radius=int_slider("radius", 3, 1, 6))
    with pytest.raises(RuntimeError, match=f"exactly one new figure, it drew {figures}"):
        panel.render()
    assert plt.get_fignums() == []


def test_panel_needs_a_control():
    with pytest.raises(ValueError, match=r"interactive_panel needs at least one control"):
        interactive_panel(Recorder())
