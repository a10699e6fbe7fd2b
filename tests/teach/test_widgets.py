"""Widget builders: sliders, the marker line, and the panel's wiring, exercised without a Jupyter kernel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from n2s_core.teach.widgets import (  # noqa: E402
    MARKER,
    choice_slider,
    float_slider,
    int_slider,
    interactive_panel,
    marker_line,
)


class Recorder:
    """A draw function that records its calls and reports a loss derived from them."""

    def __init__(self, report=True):
        self.calls, self.report = [], report

    def __call__(self, **values):
        self.calls.append(values)
        return f"loss={values['radius'] / 1000:.4f}" if self.report else None


def marker_lines(text: str) -> list[str]:
    return [line[line.index(MARKER):] for line in text.splitlines() if MARKER in line]


@pytest.mark.parametrize(
    ("values", "report", "expected"),
    [
        ({"radius": 3, "sigma": 0.1}, "loss=0.0114", "[widget] radius=3 sigma=0.1 loss=0.0114"),
        ({"sigma": 0.123456789}, None, "[widget] sigma=0.1235"),
        ({"sigma": np.float64(2.5e-05)}, "", "[widget] sigma=2.5e-05"),
        ({"n": np.int64(16), "method": "nl_means", "mixed": True}, "psnr=30.1",
         "[widget] n=16 method=nl_means mixed=True psnr=30.1"),
        ({}, "done", "[widget] done"),
    ],
)
def test_marker_line_formatting(values, report, expected):
    assert marker_line(values, report) == expected


def test_sliders_are_built_as_asked():
    radius = int_slider("radius", 3, 1, 6)
    assert isinstance(radius, ipywidgets.IntSlider)
    assert (radius.value, radius.min, radius.max, radius.step, radius.description) == (3, 1, 6, 1, "radius")
    assert radius.continuous_update is False
    sigma = float_slider("sigma", 0.1, 0.0, 0.5, 0.05)
    assert isinstance(sigma, ipywidgets.FloatSlider)
    assert (sigma.value, sigma.min, sigma.max, sigma.step) == pytest.approx((0.1, 0.0, 0.5, 0.05))
    assert sigma.continuous_update is False
    method = choice_slider("method", ["median", "wavelet", "nl_means"])
    assert method.value == "median" and list(method.options) == ["median", "wavelet", "nl_means"]
    assert choice_slider("stride", [2, 3, 4], value=4).value == 4


def test_panel_draws_on_every_change_and_not_before(capsys):
    draw = Recorder()
    radius, sigma = int_slider("radius", 3, 1, 6), float_slider("sigma", 0.1, 0.0, 0.5, 0.05)
    panel = interactive_panel(draw, radius=radius, sigma=sigma)
    assert draw.calls == []  # the notebook draws the static copy itself; headless runs never touch the widget
    assert marker_lines(capsys.readouterr().out) == []

    radius.value = 5
    assert draw.calls[-1] == {"radius": 5, "sigma": 0.1}
    sigma.value = 0.25
    assert draw.calls[-1] == {"radius": 5, "sigma": 0.25}
    assert len(draw.calls) == 2
    assert marker_lines(capsys.readouterr().out) == ["[widget] radius=5 sigma=0.1 loss=0.0050",
                                                     "[widget] radius=5 sigma=0.25 loss=0.0050"]
    # layout: the controls in a row, a hint, one output area
    assert isinstance(panel, ipywidgets.VBox)
    controls, hint, output = panel.children
    assert isinstance(controls, ipywidgets.HBox) and list(controls.children) == [radius, sigma]
    assert "Move a control" in hint.value
    assert isinstance(output, ipywidgets.Output)


def test_setting_the_same_value_does_not_redraw():
    draw = Recorder()
    radius = int_slider("radius", 3, 1, 6)
    interactive_panel(draw, radius=radius)
    radius.value = 3
    assert len(draw.calls) == 0


def test_panel_without_a_report_prints_the_values(capsys):
    radius = int_slider("radius", 2, 1, 6)
    interactive_panel(Recorder(report=False), radius=radius)
    radius.value = 4
    assert marker_lines(capsys.readouterr().out) == ["[widget] radius=4"]


def test_panel_needs_a_control():
    with pytest.raises(ValueError, match=r"interactive_panel needs at least one control"):
        interactive_panel(Recorder())
