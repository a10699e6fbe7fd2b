"""Tests of n2s_core.nets.models (building nets by name, counting parameters) and of what both nets share: keyword-only
options, errors that name the bad value, and a short training run that lowers the loss."""

from __future__ import annotations

import inspect

import pytest
import torch
from torch import nn

from n2s_core.nets.dncnn import DnCNN
from n2s_core.nets.models import SMALL_UNET_FEATURES, build_model, count_parameters
from n2s_core.nets.unet import UNet

from .param_counts import _batch


@pytest.mark.parametrize("cls", [UNet, DnCNN])
def test_constructor_options_are_keyword_only(cls):
    params = list(inspect.signature(cls).parameters.values())
    assert params and all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
    with pytest.raises(TypeError):
        cls(1, 1)
    with pytest.raises(TypeError):
        build_model("dncnn", 3)


@pytest.mark.parametrize("build, error, match", [
    (lambda: DnCNN(depth=1), ValueError, r"depth must be an int >= 2, got 1"),
    (lambda: DnCNN(features=0), ValueError, r"features must be an int >= 1, got 0"),
    (lambda: DnCNN(depth=2.5), TypeError, r"depth must be an int, got 2.5"),
    (lambda: DnCNN(in_channels=-1), ValueError, r"in_channels must be an int >= 1, got -1"),
    (lambda: UNet(features=()), ValueError, r"features must hold at least one width, got \(\)"),
    (lambda: UNet(features=(16, 0, 64)), ValueError, r"features\[1\] must be an int >= 1, got 0"),
    (lambda: UNet(features=(16, -4)), ValueError, r"features\[1\] must be an int >= 1, got -4"),
    (lambda: UNet(features=32), TypeError, r"features must be a sequence of widths .* got 32"),
    (lambda: UNet(out_channels=0), ValueError, r"out_channels must be an int >= 1, got 0"),
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
