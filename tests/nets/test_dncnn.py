"""Tests of n2s_core.nets.dncnn: depth and width honoured (the authors' factory built a one-layer net), the paper's
556k parameters, batch independence in eval mode, the residual variant."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from n2s_core.nets.dncnn import DnCNN
from n2s_core.nets.models import count_parameters

from .param_counts import _batch, dncnn_params


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
