"""Tests of n2s_core.models: the UNet and DnCNN honour their depth and widths (the authors' constructors did not),
parameter counts match formulas written from the paper's description, shapes survive odd sizes, and outputs in
eval mode never depend on the rest of the batch."""

from __future__ import annotations

import inspect
from itertools import pairwise

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from n2s_core.models import SMALL_UNET_FEATURES, DnCNN, UNet, build_model, count_parameters, small_unet


# --- parameter counts by hand, from the architecture description (never from the model) ---------------------------
def conv_params(cin: int, cout: int, kernel: int, *, bias: bool = True) -> int:
    return cin * cout * kernel * kernel + (cout if bias else 0)


def dncnn_params(depth: int, features: int, *, cin: int = 1, cout: int = 1, hidden_bias: bool = False) -> int:
    first = conv_params(cin, features, 3)
    hidden = conv_params(features, features, 3, bias=hidden_bias) + 2 * features  # + BatchNorm weight and bias
    return first + (depth - 2) * hidden + conv_params(features, cout, 3)


def unet_params(features, *, cin: int = 1, cout: int = 1, norm: bool = True) -> int:
    def block(a, b):  # two 3x3 convs (no bias before a norm) + InstanceNorm weight and bias after each
        return conv_params(a, b, 3, bias=not norm) + conv_params(b, b, 3, bias=not norm) + (4 * b if norm else 0)

    total = block(cin, features[0]) + conv_params(features[0], cout, 1)  # first block + 1x1 head
    for fine, coarse in pairwise(features):
        down, up = conv_params(fine, fine, 2), conv_params(coarse, fine, 2)  # strided conv, transposed conv
        total += down + block(fine, coarse) + up + block(2 * fine, fine)
    return total


def _batch(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# --- DnCNN ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth, features", [(17, 64), (5, 16), (2, 8), (8, 32)])
def test_dncnn_honours_depth_and_width(depth, features):
    model = DnCNN(depth=depth, features=features)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == depth
    assert all(c.out_channels == features for c in convs[:-1])
    assert all(c.in_channels == features for c in convs[1:])
    assert convs[0].in_channels == 1 and convs[-1].out_channels == 1
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == depth - 2
    assert count_parameters(model) == dncnn_params(depth, features)


def test_dncnn_paper_setting_has_about_556k_parameters():
    # Paper §4: "about 556k parameters" for 17 layers, 64 features. Bias-free convs before BatchNorm give 556,097;
    # a bias on every conv would give 557,057, a thousand further off.
    assert dncnn_params(17, 64) == 556_097
    assert dncnn_params(17, 64, hidden_bias=True) == 557_057
    assert count_parameters(DnCNN()) == 556_097
    assert count_parameters(DnCNN(in_channels=3, out_channels=3)) == dncnn_params(17, 64, cin=3, cout=3)


def test_dncnn_eval_mode_is_batch_independent_train_mode_is_not():
    torch.manual_seed(0)
    model = DnCNN(depth=5, features=16)
    x = _batch(4, 1, 16, 16)
    with torch.no_grad():
        model.eval()
        torch.testing.assert_close(model(x[:1]), model(x)[:1], rtol=1e-4, atol=1e-5)
        model.train()  # BatchNorm now uses the batch's statistics: the pitfall of denoising in train mode
        alone, in_batch = model(x[:1]), model(x)[:1]
    assert (alone - in_batch).abs().max() > 1e-2


def test_dncnn_residual_returns_input_minus_body():
    torch.manual_seed(0)
    x = _batch(2, 1, 12, 12)
    with torch.no_grad():
        residual = DnCNN(depth=4, features=8, residual=True).eval()
        torch.testing.assert_close(residual(x), x - residual.body(x))
        direct = DnCNN(depth=4, features=8).eval()
        torch.testing.assert_close(direct(x), direct.body(x))
    with pytest.raises(ValueError, match="residual=True needs in_channels == out_channels, got 1 and 3"):
        DnCNN(out_channels=3, residual=True)


# --- UNet ----------------------------------------------------------------------------------------------------------
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


# --- constructors, factory, counting -------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [UNet, DnCNN])
def test_constructor_options_are_keyword_only(cls):
    params = list(inspect.signature(cls).parameters.values())
    assert params and all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
    with pytest.raises(TypeError):
        cls(1, 1)
    with pytest.raises(TypeError):
        build_model("dncnn", 3)


@pytest.mark.parametrize("build, error, match", [
    (lambda: DnCNN(depth=1), ValueError, r"depth must be >= 2, got 1"),
    (lambda: DnCNN(features=0), ValueError, r"features must be >= 1, got 0"),
    (lambda: DnCNN(depth=2.5), TypeError, r"depth must be an int, got 2.5"),
    (lambda: DnCNN(in_channels=-1), ValueError, r"in_channels must be >= 1, got -1"),
    (lambda: UNet(features=()), ValueError, r"features must hold at least one width, got \(\)"),
    (lambda: UNet(features=(16, 0, 64)), ValueError, r"features\[1\] must be >= 1, got 0"),
    (lambda: UNet(features=(16, -4)), ValueError, r"features\[1\] must be >= 1, got -4"),
    (lambda: UNet(features=32), TypeError, r"features must be a sequence of widths .* got 32"),
    (lambda: UNet(out_channels=0), ValueError, r"out_channels must be >= 1, got 0"),
])
def test_bad_values_are_refused_by_name(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_build_model_names_defaults_and_unknown_name():
    assert isinstance(build_model("unet"), UNet) and build_model("unet").features == (32, 64, 128, 256)
    assert build_model("unet-small").features == SMALL_UNET_FEATURES
    rgb = build_model("dncnn", in_channels=3, depth=6, features=8)
    assert isinstance(rgb, DnCNN) and (rgb.in_channels, rgb.out_channels, rgb.depth) == (3, 3, 6)
    assert build_model("unet", in_channels=3, out_channels=1).out_channels == 1
    with pytest.raises(ValueError, match=r"unknown model 'resnet'; choose one of 'dncnn', 'unet', 'unet-small'"):
        build_model("resnet")


def test_count_parameters_counts_parameters_not_buffers():
    assert count_parameters(nn.Linear(3, 2)) == 8
    assert count_parameters(nn.BatchNorm2d(4)) == 8  # weight and bias; running mean/var are buffers
    frozen = nn.Linear(3, 2).requires_grad_(False)
    assert count_parameters(frozen) == 8


# --- a short training run on CPU -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs, lr", [("unet-small", {}, 3e-3), ("unet", {"features": (8, 16)}, 1e-2),
                                              ("dncnn", {"depth": 5, "features": 16}, 1e-2)])
def test_smoke_training_reduces_the_loss(name, kwargs, lr):
    torch.manual_seed(0)
    model = build_model(name, **kwargs)
    clean = torch.linspace(0, 1, 24).repeat(4, 1, 24, 1)  # (4, 1, 24, 24) horizontal ramps
    noisy = clean + 0.1 * _batch(4, 1, 24, 24)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)  # no norm in unet-small: a gentler rate
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(noisy), clean)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses
