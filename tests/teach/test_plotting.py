"""Figures: every function returns the Figure or Axes it drew, with the data it was given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display: must come before pyplot is imported (n2s_core.teach.plotting imports it)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy import ndimage as ndi  # noqa: E402

import n2s_core as n2s  # noqa: E402
from n2s_core.paper import figure2  # noqa: E402
from n2s_core.teach.plotting import (  # noqa: E402
    plot_calibration,
    plot_figure1,
    plot_figure2,
    plot_gene_panels,
    plot_loss_curves,
    plot_partition,
    plot_table2_examples,
    show_images,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def small_pair(camera):
    clean = n2s.crop_center(camera, 48)
    return clean, n2s.add_noise(clean, sigma=0.1, rng=0)


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def test_show_images_draws_one_panel_per_image(small_pair):
    clean, noisy = small_pair
    fig = show_images({"clean": clean, "noisy": noisy, "diff": np.abs(noisy - clean)}, suptitle="camera")
    assert isinstance(fig, Figure)
    panels = image_axes(fig)
    assert [ax.get_title() for ax in panels] == ["clean", "noisy", "diff"]
    np.testing.assert_array_equal(panels[1].images[0].get_array(), noisy)
    assert panels[0].images[0].get_clim() == (0, 1)  # a shared [0, 1] scale
    assert fig._suptitle.get_text() == "camera"


def test_show_images_layout_and_zoom(small_pair):
    clean, noisy = small_pair
    fig = show_images({"a": clean, "b": noisy, "c": clean}, ncols=2, zoom=(slice(0, 10), slice(5, 20)))
    assert len(fig.axes) == 4  # 2 x 2 grid, the spare axis hidden
    assert len(image_axes(fig)) == 3
    np.testing.assert_array_equal(image_axes(fig)[1].images[0].get_array(), noisy[0:10, 5:20])


def test_show_images_refuses_an_empty_dict():
    with pytest.raises(ValueError, match=r"images is empty; pass a dict such as"):
        show_images({})


def test_plot_loss_curves_marks_each_minimum():
    x = [1, 2, 3, 4]
    curves = {"self-supervised": [0.4, 0.2, 0.3, 0.5], "ground truth": [0.3, 0.35, 0.1, 0.2]}
    ax = plot_loss_curves(x, curves, xlabel="radius")
    assert isinstance(ax, Axes)
    lines = ax.get_lines()
    assert len(lines) == 4  # one curve and one minimum marker each
    np.testing.assert_array_equal(lines[0].get_ydata(), curves["self-supervised"])
    assert (lines[1].get_xdata()[0], lines[1].get_ydata()[0]) == (2, 0.2)
    assert (lines[3].get_xdata()[0], lines[3].get_ydata()[0]) == (3, 0.1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(curves)
    assert ax.get_xlabel() == "radius"


def test_plot_loss_curves_uses_a_given_axes_and_styles():
    fig, ax = plt.subplots()
    out = plot_loss_curves([0, 1], {"a": [1.0, 0.5]}, ax=ax, mark_min=False, styles={"a": {"color": "red"}})
    assert out is ax and len(ax.get_lines()) == 1
    assert ax.get_lines()[0].get_color() == "red"


@pytest.mark.filterwarnings("ignore:No artists with labels found")
@pytest.mark.parametrize("call", [lambda: plot_loss_curves([], {}), lambda: plot_figure2({})],
                         ids=["loss_curves", "figure2"])
def test_empty_curves_raise(call):
    with pytest.raises(ValueError, match="empty"):
        call()


def test_plot_figure1_draws_the_four_views_without_touching_the_patch():
    patch = np.linspace(0, 1, 64).reshape(8, 8)
    before = patch.copy()
    fig = plot_figure1(patch, sigma=0.1, rng=0)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 4 and "Noise2Noise" in titles[1] and "Noise2Self" in titles[2] and "molecules" in titles[3]
    assert np.array_equal(patch, before)
    with pytest.raises(ValueError, match=r"at least 3 x 3 pixels, got shape \(2, 8\)"):
        plot_figure1(np.zeros((2, 8)))


def test_plot_figure2(small_pair):
    clean, noisy = small_pair
    result = figure2.figure2_losses(noisy, clean, radii=(1, 2, 3))
    fig = plot_figure2(result, noisy=noisy, denoised={"donut r=2": n2s.donut_median(noisy, 2)})
    assert isinstance(fig, Figure)
    curves_ax = fig.axes[0]
    assert len(curves_ax.get_lines()) == 8  # 4 curves + 4 minimum markers
    np.testing.assert_allclose(curves_ax.get_lines()[0].get_ydata(), result["donut"]["self_supervised"])
    assert [ax.get_title() for ax in image_axes(fig)] == ["noisy", "donut r=2"]
    assert len(plot_figure2(result).axes) == 1  # curves only


def test_plot_figure2_with_one_filter(small_pair):
    clean, noisy = small_pair
    result = figure2.figure2_losses(noisy, clean, radii=(1, 2), filters=("donut",))
    fig = plot_figure2(result)
    assert len(fig.axes[0].get_lines()) == 4  # donut's 2 curves + 2 minimum markers


def test_plot_calibration(small_pair):
    clean, noisy = small_pair
    grid = {"sigma": [0.5, 1.0, 2.0]}
    with_truth = n2s.calibrate_denoiser(noisy, ndi.gaussian_filter, grid, clean=clean)
    ax = plot_calibration(with_truth, "sigma")
    assert isinstance(ax, Axes)
    assert ax.get_title() == "gaussian_filter" and ax.get_xlabel() == "sigma"
    assert len(ax.get_lines()) == 4
    np.testing.assert_allclose(ax.get_lines()[2].get_ydata(), with_truth.ground_truth_losses)
    without = n2s.calibrate_denoiser(noisy, ndi.gaussian_filter, grid)
    ax = plot_calibration(without, "sigma", title="gaussian")
    assert len(ax.get_lines()) == 2 and ax.get_title() == "gaussian"
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), grid["sigma"])


def test_plot_partition():
    labels = n2s.grid_labels((20, 20), stride=4)
    ax = plot_partition(labels)
    assert isinstance(ax, Axes) and ax.get_title() == "16 subsets"
    np.testing.assert_array_equal(ax.images[0].get_array(), labels[:12, :12])
    ax = plot_partition(labels, offset=5, zoom=8)
    assert ax.get_title() == "subset J = 5"
    np.testing.assert_array_equal(ax.images[0].get_array(), labels[:8, :8] == 5)
    random = n2s.random_labels((20, 20), n_subsets=25, rng=0)
    assert plot_partition(random).get_title() == "25 subsets"


@pytest.mark.parametrize(("count", "grid"), [(3, (1, 3)), (6, (1, 6)), (8, (2, 4)), (11, (2, 6))])
def test_table2_examples_fill_rows_evenly(count, grid):
    tiles = {f"method {k}": np.full((8, 8), k / count) for k in range(count)}
    fig = plot_table2_examples(tiles, title="substitute")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == count
    assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == grid
    assert [ax.get_title() for ax in shown] == list(tiles)


def test_plotting_does_not_mutate_inputs(small_pair):
    clean, noisy = small_pair
    images = {"clean": clean, "noisy": noisy}
    labels = n2s.grid_labels((16, 16), stride=4)
    before = labels.copy()
    labels.setflags(write=False)
    curves = {"a": [3.0, 1.0, 2.0]}
    show_images(images, zoom=(slice(0, 8), slice(0, 8)))
    plot_loss_curves([1, 2, 3], curves)
    plot_partition(labels, offset=2)
    assert list(images) == ["clean", "noisy"] and curves == {"a": [3.0, 1.0, 2.0]}
    np.testing.assert_array_equal(labels, before)


def test_plot_gene_panels_draws_the_raw_genes_and_each_rank():
    rng = np.random.default_rng(0)
    panels = {key: rng.random((30, 3)) for key in ("raw", 200, 17, 3)}
    axes = plot_gene_panels(panels, [200, 17, 3], ["a", "b", "c"])
    assert [ax.get_title() for ax in axes] == ["raw (normalized)", "over-fit, k = 200", "argmin, k = 17",
                                               "under-fit, k = 3"]
    np.testing.assert_array_equal(axes[2].collections[0].get_offsets(), panels[17][:, :2])
    assert (axes[0].get_xlabel(), axes[0].get_ylabel()) == ("a", "b")

