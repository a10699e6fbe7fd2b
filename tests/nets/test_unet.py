"""Tests of n2s_core.nets.unet: levels and widths honoured (the authors' UNet lost its normalisation), parameter
counts from the paper's description, any input size comes back the same size, batch independence in eval mode."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from n2s_core.nets.dncnn import DnCNN
from n2s_core.nets.models import SMALL_UNET_FEATURES, count_parameters, small_unet
from n2s_core.nets.unet import UNet

from .param_counts import _batch, unet_params


@pytest.mark.parametrize("features", [(32, 64, 128, 256), (8, 16, 32), (4, 6), (5,)])
def test_unet_honours_levels_and_widths(features):
    model = UNet(features=features)
    assert model.levels == len(features) == len(model.encoders)
    assert len(model.downs) == len(model.ups) == len(model.decoders) == len(features) - 1
    for width, block in zip(features, model.encoders, strict=True):
        assert [c.out_channels for c in block if isinstance(c, nn.Conv2d)] == [width, width]
    for width, block in zip(features[:-1], model.decoders, strict=True):
        assert [c.out_channels for c in block if isinstance(c, nn.Conv2d)] == [width, width]
    assert count_parameters(model) == unet_params(features)


def test_unet_default_parameter_count():
    assert count_parameters(UNet()) == unet_params((32, 64, 128, 256)) == 2_012_673
    assert count_parameters(UNet(norm=False)) == unet_params((32, 64, 128, 256), norm=False)
    assert count_parameters(UNet(in_channels=3, out_channels=3, features=(4, 8))) == unet_params((4, 8), cin=3, cout=3)


def test_unet_norm_switch_really_adds_and_removes_instance_norm():
    norms = (nn.InstanceNorm2d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)
    levels = len(SMALL_UNET_FEATURES)
    with_norm, without = small_unet(norm=True), small_unet()  # the small CPU demo net has no norm by default
    instance = [m for m in with_norm.modules() if isinstance(m, nn.InstanceNorm2d)]
    assert len(instance) == 2 * (2 * levels - 1) and all(m.affine for m in instance)  # two per block
    assert not any(isinstance(m, norms) for m in without.modules())
    # Behaviour, not just structure: every path to the head passes a bias-free conv and then InstanceNorm, so
    # with norm the output ignores the input's scale; without it, it does not.
    x = _batch(1, 1, 20, 20)
    with torch.no_grad():
        torch.testing.assert_close(with_norm(2 * x), with_norm(x), rtol=1e-3, atol=1e-3)
        assert (without(2 * x) - without(x)).abs().max() > 1e-3


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("size", [(13, 17), (63, 97), (64, 64)])
def test_unet_any_size_comes_back_the_same_size(size, channels):
    model = UNet(in_channels=channels, out_channels=channels).eval()
    with torch.no_grad():
        assert model(_batch(2, channels, *size)).shape == (2, channels, *size)


_TINY_UNET = UNet(features=(2, 3, 4))  # 3 levels: sides > 4 are accepted


@settings(max_examples=10)  # each new shape costs the first-call overhead of the conv kernels
@given(height=st.integers(5, 40), width=st.integers(5, 40))
def test_unet_shape_property_small_net(height, width):
    model = _TINY_UNET
    with torch.no_grad():
        assert model(torch.zeros(1, 1, height, width)).shape == (1, 1, height, width)


def test_unet_refuses_too_small_and_badly_shaped_inputs():
    with pytest.raises(ValueError, match=r"4-level UNet needs height and width > 8 .* got 8x12"):
        UNet()(torch.zeros(1, 1, 8, 12))
    with pytest.raises(ValueError, match=r"expects a batch \(B, 1, H, W\), got shape \(16, 16\)"):
        UNet()(torch.zeros(16, 16))
    with pytest.raises(ValueError, match=r"DnCNN expects a batch \(B, 3, H, W\), got shape \(1, 1, 9, 9\)"):
        DnCNN(in_channels=3, out_channels=3)(torch.zeros(1, 1, 9, 9))


def test_unet_eval_mode_is_batch_independent():
    torch.manual_seed(0)
    model = small_unet(norm=True).eval()  # InstanceNorm in eval mode: still per image
    x = _batch(3, 1, 24, 20)
    with torch.no_grad():
        torch.testing.assert_close(model(x[:1]), model(x)[:1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("down", "up"), [("conv", "tconv"), ("avgpool", "bilinear"), ("avgpool", "nearest"),
                                          ("conv", "bilinear")])
def test_unet_upsamplers_and_downsamplers_keep_the_shape(down, up):
    net = UNet(features=(8, 16, 32), down=down, up=up).eval()
    with torch.no_grad():
        assert net(torch.zeros(2, 1, 21, 19)).shape == (2, 1, 21, 19)
    assert (net.down, net.up) == (down, up)
    kinds = {type(module).__name__ for module in net.modules()}
    assert ("ConvTranspose2d" in kinds) == (up == "tconv") and ("AvgPool2d" in kinds) == (down == "avgpool")


def test_the_small_unet_interpolates_up_and_averages_down_and_the_paper_unet_does_not():
    assert (small_unet().up, small_unet().down) == ("bilinear", "avgpool")  # no checkerboard (bench_checkerboard)
    assert (UNet().up, UNet().down) == ("tconv", "conv")  # the authors' layers; Table 2 was run with them
    with pytest.raises(ValueError, match=r"unknown up 'shuffle'; choose one of \['bilinear', 'nearest', 'tconv'\]"):
        UNet(up="shuffle")
    with pytest.raises(ValueError, match=r"unknown down 'maxpool'"):
        UNet(down="maxpool")


def test_max_blur_pool_halves_a_constant_and_blurs_an_alternating_pattern_away():
    from n2s_core.nets.unet import MaxBlurPool

    pool = MaxBlurPool(2)
    assert [tuple(b.shape) for b in pool.buffers()] == [(2, 1, 3, 3)] and not list(pool.parameters())
    ones = torch.ones(1, 2, 8, 6)
    torch.testing.assert_close(pool(ones), torch.ones(1, 2, 4, 3))
    # A column checkerboard: max over 2x2 is 1 everywhere, so nothing of the pattern survives; a stride-2 conv
    # sampling one phase would keep it whole.
    checker = (torch.arange(8)[:, None] + torch.arange(8)[None, :]) % 2
    out = pool(checker[None, None].float().expand(1, 2, 8, 8))
    torch.testing.assert_close(out, torch.ones(1, 2, 4, 4))


@pytest.mark.parametrize("top_skip", [True, False])
def test_dropping_the_top_skip_removes_exactly_the_finest_concatenation(top_skip):
    net = UNet(features=(4, 8, 16), top_skip=top_skip, down="maxblurpool", up="bilinear", norm=False)
    finest, coarser = (decoder[0].in_channels for decoder in net.decoders)
    assert (finest, coarser) == ((8 if top_skip else 4), 16)
    assert net(torch.zeros(1, 1, 12, 12)).shape == (1, 1, 12, 12)
    difference = count_parameters(UNet(features=(4, 8, 16), norm=False, up="bilinear")) - count_parameters(
        UNet(features=(4, 8, 16), norm=False, up="bilinear", top_skip=False))
    assert difference == 4 * 4 * 9  # the first 3x3 decoder conv lost 4 input channels of 4 filters
