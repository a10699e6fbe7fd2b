"""Inference: single pass, J-invariant over every subset, and tiles; eval mode, no grad, batch independence."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from n2s_core.nets.inference import _tile_spans, predict_invariant, predict_single_pass, predict_tiled
from n2s_core.nets.masking import Masker, grid_mask
from n2s_core.nets.models import build_model, seed_weights


def rand(*shape, seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def bn_net(channels: int = 2) -> nn.Module:
    return nn.Sequential(nn.Conv2d(channels, 6, 3, padding=1), nn.BatchNorm2d(6), nn.Tanh(),
                         nn.Conv2d(6, channels, 3, padding=1))


@pytest.fixture
def bn_model():
    """A conv net with BatchNorm whose running statistics differ from any batch's: train and eval modes differ."""
    model = seed_weights(bn_net(2), 0).double()
    with torch.no_grad():
        for seed in range(3):
            model(rand(4, 2, 12, 12, seed=seed) * 3.0 + 1.0)  # train mode: moves the running statistics
    return model


def explicit_loop(model, x, masker):
    model.eval()
    with torch.no_grad():
        total = 0
        for k in range(masker.stride**2):
            masked, mask = masker.mask(x, offset=k)
            total = total + torch.where(mask, model(masked), 0)
    return total


# --- J-invariant prediction ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [None, 1, 5, 27])
def test_predict_invariant_equals_the_loop_over_offsets_and_restores_the_mode(bn_model, batch_size):
    masker, x = Masker("diagonal", stride=3), rand(3, 2, 12, 11, seed=7)
    expected = explicit_loop(bn_model, x, masker)
    bn_model.train()
    bn_model[1].eval()  # a mixed state, restored module by module
    out = predict_invariant(bn_model, x, masker=masker, batch_size=batch_size)
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)
    assert [m.training for m in bn_model] == [True, False, True, True] and bn_model.training
    assert not out.requires_grad


def test_predict_invariant_does_not_depend_on_the_batch(bn_model):
    masker, x = Masker("axis", stride=2), rand(2, 2, 10, 10, seed=8)
    alone = predict_invariant(bn_model, x[:1], masker=masker)
    torch.testing.assert_close(predict_invariant(bn_model, x, masker=masker)[:1], alone, rtol=1e-12, atol=1e-12)
    with torch.no_grad():  # contrast: in train mode BatchNorm mixes the images of a batch
        assert not torch.allclose(bn_model.train()(x)[:1], bn_model(x[:1]))


def test_predict_invariant_is_J_invariant(bn_model):
    masker, x = Masker("axis", stride=3), rand(1, 2, 9, 12, seed=9)
    out = predict_invariant(bn_model, x, masker=masker)
    mask = grid_mask((9, 12), offset=4, stride=3)
    assert torch.equal(predict_invariant(bn_model, x + 10.0 * mask, masker=masker)[..., mask], out[..., mask])


def test_predict_invariant_needs_a_grid_and_predict_single_pass_restores_the_mode(bn_model):
    x = rand(2, 2, 8, 8)
    with pytest.raises(ValueError, match="needs a grid masker"):
        predict_invariant(bn_model, x, masker=Masker("random"))
    with pytest.raises(ValueError, match="batch_size"):
        predict_invariant(bn_model, x, masker=Masker("axis"), batch_size=0)
    bn_model.train()
    out = predict_single_pass(bn_model, x)
    assert bn_model.training and not out.requires_grad
    with torch.no_grad():
        torch.testing.assert_close(out, bn_model.eval()(x))


# --- tiles ----------------------------------------------------------------------------------------------------------

@given(st.integers(1, 90), st.integers(2, 40), st.integers(0, 39), st.integers(1, 5))
def test_tile_spans_keep_every_pixel_once_inside_its_tile_with_context(size, tile, overlap, align):
    if overlap >= tile or tile < 2 * align:
        return
    spans = _tile_spans(size, tile, overlap, align)
    kept = [i for _, _, lo, hi in spans for i in range(lo, hi)]
    assert kept == list(range(size))  # the kept parts tile the axis exactly once, in order
    for start, stop, lo, hi in spans:
        assert start % align == 0 and 0 <= start <= lo < hi <= stop <= size
        assert stop - start <= tile + align - 1
        # context: a kept pixel is at least overlap // 2 from its tile's edge, unless that edge is the image's
        assert start == 0 or lo - start >= overlap // 2
        assert stop == size or stop - hi >= overlap // 2


@pytest.mark.parametrize("shape", [(37, 53), (64, 64), (20, 90)])
def test_tiles_equal_the_whole_image_for_a_local_net(shape):
    model = seed_weights(build_model("dncnn", depth=4, features=8), 1).double().eval()  # reaches 4 pixels
    for module in model.modules():  # eval-mode BatchNorm with non-trivial statistics: still local
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    x = rand(2, 1, *shape, seed=3)
    whole = predict_single_pass(model, x)
    tiled = predict_tiled(model, x, tile=24, overlap=8)
    torch.testing.assert_close(tiled, whole, rtol=1e-10, atol=1e-10)
    cut = predict_tiled(model, x, tile=24, overlap=2)  # too little context: the seams show
    assert not torch.allclose(cut, whole, atol=1e-6)


def test_tiled_invariant_prediction_equals_the_whole_image_and_stays_J_invariant():
    model = seed_weights(build_model("dncnn", depth=3, features=8), 2).double().eval()
    masker, x = Masker("diagonal", stride=4), rand(1, 1, 45, 50, seed=4)
    whole = predict_invariant(model, x, masker=masker)
    tiled = predict_tiled(model, x, tile=20, overlap=10, masker=masker, batch_size=3)
    torch.testing.assert_close(tiled, whole, rtol=1e-10, atol=1e-10)
    mask = grid_mask((45, 50), offset=5, stride=4)
    perturbed = predict_tiled(model, x + 5.0 * mask, tile=20, overlap=10, masker=masker)
    assert torch.equal(perturbed[..., mask], tiled[..., mask])


def test_tiled_prediction_restores_the_mode_and_checks_its_arguments(bn_model):
    x = rand(1, 2, 30, 30)
    bn_model.train()
    out = predict_tiled(bn_model, x, tile=16, overlap=4)
    assert bn_model.training and not out.requires_grad and out.shape == x.shape and out.dtype == x.dtype
    for kwargs, match in [({"tile": 0}, "tile must be an int >= 1"), ({"overlap": -1}, "overlap must be"),
                          ({"tile": 8, "overlap": 8}, "overlap must be smaller than tile"),
                          ({"tile": 6, "overlap": 2, "masker": Masker("axis", stride=4)}, "twice the masker")]:
        with pytest.raises(ValueError, match=match):
            predict_tiled(bn_model, x, **kwargs)


def test_predictions_never_mutate_their_input(bn_model):
    x = rand(2, 2, 9, 9)
    copy = x.clone()
    predict_invariant(bn_model, x, masker=Masker("axis", stride=3), batch_size=4)
    predict_single_pass(bn_model, x)
    predict_tiled(bn_model, x, tile=6, overlap=2, masker=Masker("zero", stride=3))
    assert torch.equal(x, copy)
