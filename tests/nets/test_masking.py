"""Masking in torch: held-out pixels never influence their own output, masks partition, losses and predictions exact."""

from __future__ import annotations

import itertools

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare
from torch import nn

from n2s_core import interpolate_neighbors
from n2s_core.nets.masking import (
    NEIGHBOR_OFFSETS,
    Masker,
    grid_mask,
    line_mask,
    masked_mse,
    random_mask,
)

MASKERS = {
    "axis": Masker("axis"),
    "diagonal": Masker("diagonal"),
    "zero": Masker("zero"),
    "random": Masker("random"),
    "neighbor": Masker("neighbor"),
    "neighbor-grid": Masker("neighbor", partition="grid", stride=3),
    "random-grid": Masker("random", partition="grid"),
    "zero-random": Masker("zero", partition="random", n_subsets=4),
    "neighbor-dense": Masker("neighbor", n_subsets=2),  # half the pixels held out: some have no free neighbour
    "median": Masker("median"),
    "median-dense": Masker("median", n_subsets=2),
}
SIGNIFICANCE = 1e-3  # chi-square tests: fixed seeds, so each passes or fails the same way on every run


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def rand(*shape, seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=gen(seed), dtype=torch.float64)


def build(factory, seed: int = 0) -> nn.Module:
    """An untrained float64 net with seeded weights, leaving the global RNG as it was."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return factory().double()


class GlobalMix(nn.Module):
    """A conv plus the mean of the whole input: every output pixel reads every input pixel."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(x) + x.mean(dim=(1, 2, 3), keepdim=True)


NETS = {
    "conv3": lambda c: nn.Sequential(nn.Conv2d(c, 8, 3, padding=1), nn.Tanh(), nn.Conv2d(8, 8, 3, padding=1),
                                     nn.Tanh(), nn.Conv2d(8, c, 3, padding=1, padding_mode="reflect")),
    "global": GlobalMix,
}


def bn_net(channels: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(channels, 6, 3, padding=1), nn.BatchNorm2d(6), nn.Tanh(),
                         nn.Conv2d(6, channels, 3, padding=1))


def draws(masker: Masker, x: torch.Tensor, seed: int = 0):
    """(masked input, mask) for every grid offset, or for four random draws."""
    generator = gen(seed)
    if masker.partition == "grid":
        return [masker.mask(x, offset=k, generator=generator) for k in range(masker.stride**2)]
    return [masker.mask(x, generator=generator) for _ in range(4)]


def chosen_offsets(masked, mask, width):
    """For an input holding pixel ids (r * W + c), the (row, col) each held-out pixel copied, and its own."""
    b, _, rows, cols = torch.nonzero(mask.expand_as(masked), as_tuple=True)
    picked = masked[b, 0, rows, cols].long()
    return picked // width, picked % width, rows, cols


def reflect(index: int, size: int) -> int:
    """Whole-sample mirroring of one index: -1 -> 1, size -> size - 2."""
    return -index if index < 0 else 2 * (size - 1) - index if index >= size else index


def held_pixels(mask2d: torch.Tensor) -> set:
    return {tuple(p) for p in torch.nonzero(mask2d).tolist()}


def pixel_ids(batch: int, height: int, width: int) -> torch.Tensor:
    return torch.arange(height * width, dtype=torch.float64).view(1, 1, height, width).expand(batch, 1, -1, -1)


# --- partitions ---------------------------------------------------------------------------------------------------


def test_masker_steps_cycle_through_every_grid_subset():
    x = rand(2, 1, 13, 17)
    masker = Masker("axis")
    masks = [masker.mask(x, step=step)[1] for step in range(16)]
    assert torch.equal(torch.stack(masks).sum(dim=0), torch.ones(2, 1, 13, 17, dtype=torch.long))
    for step in (5, 16, 37):
        assert torch.equal(masker.mask(x, step=step)[1], masker.mask(x, offset=step % 16)[1])
    generator, drawn = gen(0), set()
    for _ in range(200):
        row, col = torch.nonzero(masker.mask(x, generator=generator)[1][0, 0, :4, :4])[0].tolist()
        drawn.add(row * 4 + col)  # the offset of the drawn subset
    assert drawn == set(range(16))  # the generator reaches every offset


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["axis", "diagonal", "zero"]), st.integers(2, 5), st.integers(2, 19), st.integers(2, 19),
       st.integers(1, 3), st.integers(0, 10**6))
def test_grid_mask_fills_the_subset_alone_with_the_same_values_as_fill(replacement, stride, height, width, channels,
                                                                      seed):
    # Masker.mask fills a grid subset by strided slicing; Masker.fill, by the whole-image rule. They must agree.
    assume(stride <= min(height, width))
    masker, x = Masker(replacement, stride=stride), rand(2, channels, height, width, seed=seed)
    for offset in range(stride**2):
        masked, mask = masker.mask(x, offset=offset)
        assert torch.equal(mask, grid_mask((height, width), offset=offset, stride=stride).expand(2, 1, -1, -1))
        torch.testing.assert_close(masked, masker.fill(x, mask), rtol=1e-6, atol=1e-7)


# --- J-invariance of the masked pipeline ---------------------------------------------------------------------------

@pytest.mark.parametrize("net", NETS)
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("name", MASKERS)
def test_masked_pipeline_output_on_J_has_zero_gradient_wrt_input_on_J(name, channels, net):
    masker, model = MASKERS[name], build(lambda: NETS[net](channels))
    x = rand(2, channels, 13, 17, seed=1)
    covered = torch.zeros(2, 1, 13, 17, dtype=torch.bool)
    grid, generator = masker.partition == "grid", gen(0)
    for k in range(masker.stride**2 if grid else 4):
        leaf = x.clone().requires_grad_()
        masked, mask = masker.mask(leaf, offset=k if grid else None, generator=generator)
        (model(masked) * mask).sum().backward()
        held = mask.expand_as(x)
        assert torch.all(leaf.grad[held] == 0)
        assert leaf.grad[~held].abs().sum() > 0  # the gradient does flow, through the pixels outside J
        covered |= mask
    if masker.partition == "grid":
        assert covered.all()  # every pixel, corners and edges included, was held out once


def test_gradient_check_catches_a_leak():
    # The check above can fail: without masking, or with edge-replicating borders (scipy's mode="reflect"),
    # output_J does depend on input_J, and on the border only in the second case.
    model = build(lambda: NETS["conv3"](1))
    x = rand(1, 1, 13, 17).requires_grad_()
    mask = grid_mask((13, 17), offset=0)
    (model(x) * mask).sum().backward()
    assert x.grad[0, 0][mask].abs().min() > 0
    x.grad = None
    padded = nn.functional.pad(x, (1, 1, 1, 1), mode="replicate")
    axis_mean = (padded[..., :-2, 1:-1] + padded[..., 2:, 1:-1] + padded[..., 1:-1, :-2] + padded[..., 1:-1, 2:]) / 4
    (model(torch.where(mask, axis_mean, x)) * mask).sum().backward()
    leaks = x.grad[0, 0] != 0
    assert leaks[0, 0] and not leaks[4, 4]  # the corner leaks, the interior does not


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 15), st.integers(2, 15), st.integers(2, 4), st.sampled_from(sorted(MASKERS)),
       st.integers(0, 2**31))
def test_perturbing_the_held_out_pixels_leaves_the_masked_input_unchanged(height, width, stride, name, seed):
    masker = MASKERS[name]
    if masker.partition == "grid":
        assume(stride <= min(height, width))
        masker = Masker(masker.replacement, stride=stride, partition="grid")
    else:
        assume(masker.n_subsets <= height * width)
    x = rand(2, 2, height, width, seed=seed % 1000)
    masked, mask = masker.mask(x, generator=gen(seed))
    again, _ = masker.mask(x + 100.0 * mask, generator=gen(seed))  # same seed: same mask, same draws
    assert torch.equal(masked, again)
    assert torch.equal(masked[~mask.expand_as(x)], x[~mask.expand_as(x)])


@pytest.mark.parametrize("name", ["axis", "diagonal", "zero", "random", "neighbor"])
def test_a_replacement_never_reads_its_own_pixel_at_the_corners(name):
    masker = Masker(name, partition="grid", stride=2)
    x = rand(1, 3, 13, 17)
    mask = grid_mask((13, 17), offset=0, stride=2)  # holds out all four corners
    reference = masker.fill(x, mask, generator=gen(0))
    for r, c in itertools.product((0, 12), (0, 16)):
        perturbed = x.clone()
        perturbed[..., r, c] += 100.0
        assert torch.equal(masker.fill(perturbed, mask, generator=gen(0))[..., r, c], reference[..., r, c])


# --- what each replacement is ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("kind", ["axis", "diagonal"])
def test_interpolated_replacements_equal_the_numpy_interpolation(kind, channels):
    x = rand(2, channels, 13, 17)
    expected = torch.stack([torch.from_numpy(interpolate_neighbors(image.numpy(), kernel=kind, channel_axis=0))
                            for image in x])
    for masked, mask in draws(Masker(kind), x):
        held = mask.expand_as(x)
        torch.testing.assert_close(masked[held], expected[held], rtol=0, atol=1e-12)
        assert torch.equal(masked[~held], x[~held])


def test_axis_replacement_at_a_corner_mirrors_without_repeating_the_edge():
    x = rand(1, 1, 5, 6)
    masked, _ = Masker("axis").mask(x, offset=0)
    assert torch.isclose(masked[0, 0, 0, 0], (x[0, 0, 0, 1] + x[0, 0, 1, 0]) / 2)  # x[-1] -> x[1], twice each


def test_zero_and_random_replacements():
    x = rand(4, 2, 12, 12) + 5.0  # outside [0, 1], so replaced values are easy to tell apart
    masked, mask = Masker("zero").mask(x, offset=3)
    assert torch.all(masked[mask.expand_as(x)] == 0)
    masked, mask = Masker("random").mask(x, generator=gen(0))
    values = masked[mask.expand_as(x)]
    assert values.min() >= 0 and values.max() < 1 and values.std() > 0.2  # uniform on [0, 1): std 0.29


def test_neighbor_picks_are_uniform_over_the_8_neighbours_and_never_the_centre():
    x = pixel_ids(500, 6, 6)
    masked, mask = Masker("neighbor", partition="grid", stride=2).mask(x, offset=3, generator=gen(0))  # odd rows, cols
    rows, cols, r0, c0 = chosen_offsets(masked, mask, 6)
    assert not torch.any((rows == r0) & (cols == c0))
    interior = (r0 > 0) & (r0 < 5) & (c0 > 0) & (c0 < 5)
    offsets = list(zip((rows - r0)[interior].tolist(), (cols - c0)[interior].tolist(), strict=True))
    counts = [offsets.count(o) for o in NEIGHBOR_OFFSETS]
    assert sum(counts) == len(offsets) == 500 * 4  # every pick is one of the 8 neighbours
    assert chisquare(counts).pvalue > SIGNIFICANCE


def test_neighbor_picks_skip_held_out_neighbours_uniformly():
    mask = torch.zeros(1, 1, 6, 6, dtype=torch.bool)
    mask[..., 2, 2] = mask[..., 3, 3] = True  # diagonal neighbours of each other
    masked = Masker("neighbor").fill(pixel_ids(700, 6, 6), mask, generator=gen(1))
    rows, cols, r0, c0 = chosen_offsets(masked, mask, 6)
    at = (r0 == 3) & (c0 == 3)
    offsets = list(zip((rows - r0)[at].tolist(), (cols - c0)[at].tolist(), strict=True))
    allowed = [o for o in NEIGHBOR_OFFSETS if o != (-1, -1)]
    counts = [offsets.count(o) for o in allowed]
    assert sum(counts) == 700
    assert chisquare(counts).pvalue > SIGNIFICANCE


def test_neighbor_picks_at_a_corner_reflect_the_offset_inside_the_image():
    # At (0, 0) the 8 offsets reflect onto (0, 1) twice, (1, 0) twice and (1, 1) four times.
    mask = torch.zeros(1, 1, 5, 5, dtype=torch.bool)
    mask[..., 0, 0] = True
    masked = Masker("neighbor").fill(pixel_ids(800, 5, 5), mask, generator=gen(2))
    rows, cols, _, _ = chosen_offsets(masked, mask, 5)
    picks = list(zip(rows.tolist(), cols.tolist(), strict=True))
    counts = [picks.count(p) for p in [(0, 1), (1, 0), (1, 1)]]
    assert sum(counts) == 800
    assert chisquare(counts, f_exp=[200, 200, 400]).pvalue > SIGNIFICANCE


def test_neighbor_never_copies_a_held_out_pixel_and_falls_back_to_the_kept_mean():
    x = pixel_ids(3, 10, 10)
    masked, mask = Masker("neighbor", n_subsets=2).mask(x, generator=gen(4))
    fallbacks = 0
    for b, r, c in torch.nonzero(mask[:, 0]).tolist():
        free = {(reflect(r + dr, 10), reflect(c + dc, 10)) for dr, dc in NEIGHBOR_OFFSETS} - held_pixels(mask[b, 0])
        value = masked[b, 0, r, c].item()
        if free:
            assert divmod(int(value), 10) in free and value == int(value)
        else:  # all 8 neighbours held out: the mean of the image's kept pixels
            fallbacks += 1
            assert value == pytest.approx(x[b, 0][~mask[b, 0]].mean().item())
    assert fallbacks > 0  # this seed exercises the fallback too
    block = torch.zeros(1, 1, 5, 5, dtype=torch.bool)
    block[..., 1:4, 1:4] = True  # the centre's 8 neighbours are all held out
    x = rand(1, 2, 5, 5)
    masked = Masker("neighbor").fill(x, block, generator=gen(0))
    torch.testing.assert_close(masked[0, :, 2, 2], x[0][:, ~block[0, 0]].mean(dim=1))


def test_the_centre_included_variant_reads_the_centre_so_the_gradient_check_can_fail():
    # The original Noise2Void code draws the replacement from a window that includes the pixel itself (its default
    # 11 x 11 window: 1 time in 121); our 3 x 3 variant keeps its own value 1 time in 9, and output_J then depends
    # on input_J. The check that passes for "neighbor" fails here.
    model = build(lambda: NETS["conv3"](1))
    for replacement, leaks in (("neighbor", False), ("neighbor_centre", True)):
        leaf = rand(4, 1, 16, 16, seed=3).requires_grad_()
        masked, mask = Masker(replacement, n_subsets=4).mask(leaf, generator=gen(5))
        (model(masked) * mask).sum().backward()
        read = (leaf.grad != 0) & mask
        assert bool(read.any()) is leaks
        if leaks:  # about 1/9 of the held-out pixels kept their own value (binomial: 256 pixels, p = 1/9)
            assert 0.05 < read.sum().item() / mask.sum().item() < 0.2


def test_median_replacement_is_the_median_of_the_free_neighbours():
    x = rand(1, 2, 7, 7, seed=2)
    mask = torch.zeros(1, 1, 7, 7, dtype=torch.bool)
    mask[..., 3, 3] = mask[..., 2, 3] = True  # the second one is the first's upper neighbour
    masked = Masker("median").fill(x, mask)
    free = [(3 + dr, 3 + dc) for dr, dc in NEIGHBOR_OFFSETS if (dr, dc) != (-1, 0)]
    expected = torch.stack([x[0, :, r, c] for r, c in free], dim=-1).median(dim=-1).values
    torch.testing.assert_close(masked[0, :, 3, 3], expected)


@pytest.mark.parametrize("direction", ["horizontal", "vertical"])
@pytest.mark.parametrize("replacement", ["neighbor", "median", "random", "zero"])
@pytest.mark.parametrize("span", [1, 3])
def test_a_structured_mask_hides_the_whole_span_from_the_output_on_J(span, replacement, direction):
    # structN2V: output_J must not depend on any pixel within `span` of J along the direction, so that noise
    # correlated along that line cannot be read; the pixels across the line still are.
    model = build(lambda: NETS["conv3"](1))
    masker = Masker(replacement, n_subsets=30, span=span, direction=direction)
    leaf = rand(2, 1, 20, 24, seed=4).requires_grad_()
    masked, mask = masker.mask(leaf, generator=gen(6))
    hidden = line_mask(mask, span, direction)
    assert hidden.sum() > mask.sum()
    (model(masked) * mask).sum().backward()
    assert torch.all(leaf.grad[hidden] == 0)
    across = line_mask(mask, 1, "vertical" if direction == "horizontal" else "horizontal") & ~hidden
    assert leaf.grad[across].abs().sum() > 0
    kept = ~hidden.expand_as(leaf)
    assert torch.equal(masked[kept], leaf.detach()[kept])


def test_line_mask_grows_along_one_axis_only_and_stops_at_the_border():
    mask = torch.zeros(1, 1, 5, 6, dtype=torch.bool)
    mask[..., 0, 0] = mask[..., 4, 5] = True
    grown = line_mask(mask, 2)[0, 0]
    assert held_pixels(grown) == {(0, 0), (0, 1), (0, 2), (4, 5), (4, 4), (4, 3)}
    assert held_pixels(line_mask(mask, 2, "vertical")[0, 0]) == {(0, 0), (1, 0), (2, 0), (4, 5), (3, 5), (2, 5)}
    assert torch.equal(line_mask(mask, 0), mask)


# --- loss -----------------------------------------------------------------------------------------------------------

def test_masked_mse_is_the_mean_over_masked_pixels_and_channels():
    prediction, target = rand(2, 3, 4, 5, seed=1), rand(2, 3, 4, 5, seed=2)
    mask = rand(2, 1, 4, 5, seed=3) < 0.3
    total, count = 0.0, 0
    for b, c, r, s in itertools.product(range(2), range(3), range(4), range(5)):
        if mask[b, 0, r, s]:
            total, count = total + float(prediction[b, c, r, s] - target[b, c, r, s]) ** 2, count + 1
    assert count == 3 * int(mask.sum())
    assert masked_mse(prediction, target, mask).item() == pytest.approx(total / count, rel=1e-12)
    full = mask.expand(2, 3, 4, 5)
    assert masked_mse(prediction, target, full).item() == pytest.approx(total / count, rel=1e-12)
    with pytest.raises(ValueError, match="holds out no pixel"):
        masked_mse(prediction, target, torch.zeros_like(mask))
    with pytest.raises(TypeError, match="boolean"):
        masked_mse(prediction, target, mask.double())
    with pytest.raises(ValueError, match="does not broadcast"):
        masked_mse(prediction, target, mask[..., :3])
    with pytest.raises(ValueError, match="same shape"):
        masked_mse(prediction, target[:1], mask)


def test_masked_mse_sends_no_gradient_to_kept_pixels():
    prediction = rand(1, 1, 4, 4).requires_grad_()
    mask = grid_mask((4, 4), offset=0, stride=2)
    masked_mse(prediction, torch.zeros(1, 1, 4, 4, dtype=torch.float64), mask).backward()
    assert torch.all(prediction.grad[0, 0][~mask] == 0) and torch.all(prediction.grad[0, 0][mask] != 0)


# --- hygiene --------------------------------------------------------------------------------------------------------

def test_inputs_are_never_mutated():
    x = rand(2, 2, 9, 9)
    copy = x.clone()
    for masker in MASKERS.values():
        draws(Masker(masker.replacement, stride=3, partition=masker.partition, n_subsets=masker.n_subsets), x)
    mask = grid_mask((9, 9), offset=0, stride=3)
    mask_copy = mask.clone()
    Masker("neighbor").fill(x, mask, generator=gen(0))
    masked_mse(x, x * 0, mask)
    assert torch.equal(x, copy) and torch.equal(mask, mask_copy)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_is_kept_and_masks_are_boolean(dtype):
    x = torch.rand(2, 3, 8, 8, generator=gen(0), dtype=dtype)
    for masker in MASKERS.values():
        masked, mask = draws(masker, x)[0]
        assert masked.dtype == dtype and mask.dtype == torch.bool and mask.shape == (2, 1, 8, 8)


def test_bad_inputs_raise_clear_errors():
    x, g = rand(1, 1, 8, 8), gen(0)
    cases = [
        (ValueError, "4-D", lambda: Masker().mask(rand(8, 8))),
        (ValueError, "empty", lambda: Masker().mask(rand(0, 1, 8, 8))),
        (ValueError, ">= 2 to have a neighbour", lambda: Masker().mask(rand(1, 1, 1, 8))),
        (TypeError, "floating-point", lambda: Masker().mask(torch.zeros(1, 1, 8, 8, dtype=torch.long))),
        (ValueError, "stride must be an int >= 2", lambda: Masker(stride=1)),
        (ValueError, "larger than the image side", lambda: Masker(stride=9).mask(x)),
        (ValueError, "unknown replacement", lambda: Masker("mean")),
        (ValueError, "span must be an int >= 0", lambda: Masker("random", span=-1)),
        (ValueError, "unknown direction", lambda: Masker("random", span=1, direction="diagonal")),
        (ValueError, "structured mask", lambda: Masker("axis", span=1)),
        (ValueError, "unknown partition", lambda: Masker(partition="checkerboard")),
        (ValueError, "needs partition='grid'", lambda: Masker("axis", partition="random")),
        (ValueError, "n_subsets must be", lambda: Masker("random", n_subsets=1)),
        (ValueError, "n_subsets must be", lambda: random_mask((1, 1, 4, 4), n_subsets=17, generator=g)),
        (TypeError, "generator must be a torch.Generator", lambda: Masker("random").mask(x)),
        (TypeError, "generator must be a torch.Generator", lambda: Masker().mask(x, generator=0)),
        (ValueError, r"offset must be an int in \[0, 15\], got 16 for stride=4", lambda: Masker().mask(x, offset=16)),
        (ValueError, "not both", lambda: Masker().mask(x, offset=1, step=1)),
        (ValueError, "grid subset", lambda: Masker("random").mask(x, offset=1, generator=g)),
        (ValueError, "touching", lambda: Masker("axis").fill(x, torch.ones(8, 8, dtype=torch.bool))),
        (ValueError, "does not broadcast", lambda: Masker("zero").fill(x, torch.ones(2, 1, 8, 8, dtype=torch.bool))),
        (TypeError, "boolean", lambda: Masker("zero").fill(x, torch.ones(8, 8))),
    ]
    for error, match, call in cases:
        with pytest.raises(error, match=match):
            call()
    with pytest.raises(AttributeError):
        Masker().stride = 2  # frozen: a masker cannot drift during training
