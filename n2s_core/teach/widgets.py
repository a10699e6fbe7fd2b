"""Widget builders for the notebooks: controls wired to a drawing function, one figure redrawn in place.

A panel shows its controls, a one-line readout (the control values and what the drawing function reports, e.g.
``radius=3 · loss=0.0114``) and one figure. Moving a control redraws that same figure in place (an IPython display
handle), so no stale copy stays above a new one, and a notebook saved with its outputs still shows the figure where
no kernel runs (GitHub, nbviewer, a Colab preview). Only core ipywidgets (7.7 and 8) are used, with no custom widget
manager, so the panels work on Colab, Binder and JupyterLab alike. Categorical choices are toggle buttons or a
dropdown, never a slider that cuts its labels off.
"""

from __future__ import annotations

import io
import numbers
import uuid
from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import Image, display, update_display

READOUT_CLASS = "n2s-readout"  # the CSS class of the readout line (the browser test waits for it to change)
_TOGGLE_MAX = 4  # more options than this, or long labels: a dropdown instead of toggle buttons
_TOGGLE_LABEL = 14


def int_slider(description: str, value: int, low: int, high: int, step: int = 1) -> widgets.IntSlider:
    """An integer slider that updates on release (each update may take a second)."""
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             continuous_update=False)


def float_slider(description: str, value: float, low: float, high: float, step: float) -> widgets.FloatSlider:
    """A float slider that updates on release."""
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=False, readout_format=".3g")


def choice_slider(description: str, options, value=None) -> widgets.SelectionSlider:
    """A slider over ordered values (numbers: a parameter grid, training steps)."""
    options = list(options)
    return widgets.SelectionSlider(options=options, value=options[0] if value is None else value,
                                   description=description, continuous_update=False)


def choice(description: str, options, value=None) -> widgets.ToggleButtons | widgets.Dropdown:
    """A categorical choice: toggle buttons for a few short names, else a dropdown; every label shows in full."""
    options = list(options)
    if not options:
        raise ValueError(f"choice {description!r} needs at least one option")
    value = options[0] if value is None else value
    if value not in options:
        raise ValueError(f"choice {description!r}: value {value!r} is not one of {options}")
    if len(options) <= _TOGGLE_MAX and all(len(str(option)) <= _TOGGLE_LABEL for option in options):
        return widgets.ToggleButtons(options=options, value=value, description=description,
                                     style={"button_width": "auto"})
    return widgets.Dropdown(options=options, value=value, description=description,
                            layout=widgets.Layout(width="max-content"))


def readout_line(values: dict, report: str | None = None) -> str:
    """``name=value ...`` followed by the drawing function's report.

    Examples
    --------
    >>> readout_line({"radius": 3, "sigma": 0.1}, "loss=0.0114")
    'radius=3 sigma=0.1 · loss=0.0114'
    """
    parts = " ".join(f"{k}={_short(v)}" for k, v in values.items())
    return " · ".join(part for part in (parts, report) if part)


class _Controls(widgets.VBox):
    """The panel's controls; without a kernel a front end shows this repr instead of ``VBox(children=...``."""

    def __repr__(self) -> str:
        return "(Interactive controls: run the notebook to move them and redraw the figure.)"


class Panel:
    """Controls, a readout line and one figure; ``draw(**values)`` redraws the figure whenever a control moves.

    Display it (the last expression of a cell) to draw the figure with the controls' current values. ``draw`` takes
    the control values as keyword arguments, draws one matplotlib figure and may return a short report such as
    ``"loss=0.0114"``; it must not call ``plt.show()``: the panel renders the figure itself.
    """

    def __init__(self, draw: Callable[..., str | None], controls: dict):
        if not controls:
            raise ValueError("interactive_panel needs at least one control, e.g. radius=int_slider('r', 3, 1, 6)")
        self.draw, self.controls = draw, controls
        self.readout = widgets.HTML()
        self.readout.add_class(READOUT_CLASS)
        self.box = _Controls([widgets.HBox(list(controls.values())), self.readout])
        self.display_id = f"n2s-panel-{uuid.uuid4().hex}"
        self.image, self.shown = None, False
        for control in controls.values():
            control.observe(self.refresh, names="value")

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def render(self) -> Image:
        """Call ``draw`` with the current values; return its figure as a PNG and update the readout."""
        before = set(plt.get_fignums())
        report = self.draw(**self.values)
        new = [plt.figure(number) for number in plt.get_fignums() if number not in before]
        if len(new) != 1:
            for figure in new:
                plt.close(figure)
            raise RuntimeError(f"the panel's draw function must draw exactly one new figure, it drew {len(new)}")
        buffer = io.BytesIO()
        new[0].savefig(buffer, format="png", bbox_inches="tight")
        plt.close(new[0])  # the panel shows it; the inline backend must not show it again at the end of the cell
        self.readout.value = f"<code>{readout_line(self.values, report)}</code>"
        self.image = Image(data=buffer.getvalue(), format="png")
        return self.image

    def refresh(self, change=None) -> None:
        """Redraw in place (called on every control change)."""
        image = self.render()
        if self.shown:
            update_display(image, display_id=self.display_id)

    def _ipython_display_(self):
        display(self.box)
        display(self.render(), display_id=self.display_id)
        self.shown = True

    def __repr__(self) -> str:  # what a front end without a kernel shows in place of the live controls
        names = ", ".join(self.controls)
        return f"Interactive panel ({names}): run the notebook to move its controls."


def interactive_panel(draw: Callable[..., str | None], **controls) -> Panel:
    """A :class:`Panel` of the named controls: ``interactive_panel(draw, radius=int_slider("radius", 3, 1, 6))``."""
    return Panel(draw, controls)


def _short(value) -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return f"{value:.4g}"
    return str(value)
