"""Widget builders for the notebooks: sliders wired to a drawing function that prints a marker line.

Convention: every callback prints one line starting with ``[widget] `` followed by the control values and what the
drawing function reports, e.g. ``[widget] radius=3 loss=0.0114``. Tests and the browser check wait for that line.
Only core ipywidgets are used, so the notebooks work on Colab and Binder without extensions.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import ipywidgets as widgets

MARKER = "[widget]"


def int_slider(description: str, value: int, low: int, high: int, step: int = 1) -> widgets.IntSlider:
    """An integer slider that updates on release (each update may take a second)."""
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             continuous_update=False)


def float_slider(description: str, value: float, low: float, high: float, step: float) -> widgets.FloatSlider:
    """A float slider that updates on release."""
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=False, readout_format=".3g")


def choice_slider(description: str, options, value=None) -> widgets.SelectionSlider:
    """A slider over a list of options (strings or numbers)."""
    options = list(options)
    return widgets.SelectionSlider(options=options, value=options[0] if value is None else value,
                                   description=description, continuous_update=False)


def marker_line(values: dict, report: str | None = None) -> str:
    """``[widget] name=value ...`` followed by the drawing function's report.

    Examples
    --------
    >>> marker_line({"radius": 3, "sigma": 0.1}, "loss=0.0114")
    '[widget] radius=3 sigma=0.1 loss=0.0114'
    """
    parts = [f"{k}={_short(v)}" for k, v in values.items()]
    return " ".join([MARKER, *parts, *([report] if report else [])])


def interactive_panel(draw: Callable[..., str | None], **controls) -> widgets.VBox:
    """Controls, a hint and an output area; on every change ``draw(**values)`` redraws there and a marker line is
    printed.

    ``draw`` takes the control values as keyword arguments, draws its figure with matplotlib and may return a
    short report such as ``"loss=0.0114"``. The panel does not draw when it is created: call ``draw()`` once in the
    cell above it, so static renders (GitHub, nbviewer) show a figure. Headless runs (nbconvert, nbval) then never
    route output through a widget, which was seen to hang them.
    """
    if not controls:
        raise ValueError("interactive_panel needs at least one control, e.g. radius=int_slider('r', 3, 1, 6)")
    output = widgets.Output()

    def refresh(change=None):
        values = {name: control.value for name, control in controls.items()}
        output.clear_output(wait=True)
        with output:
            print(marker_line(values, draw(**values)))

    for control in controls.values():
        control.observe(refresh, names="value")
    hint = widgets.HTML("<i>Move a control: the figure above is redrawn here with the new values.</i>")
    return widgets.VBox([widgets.HBox(list(controls.values())), hint, output])


def _short(value) -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return f"{value:.4g}"
    return str(value)
