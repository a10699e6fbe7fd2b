"""Tests of n2s_core.nets.subsampling: the 2 x 2 cells, Neighbor2Neighbor's random adjacent pairs (uniform over the
8 ordered pairs), ZS-N2N's diagonal means and tiny net, and both objectives lowering their loss."""

from __future__ import annotations

import pytest
import torch
from scipy.stats import chisquare

import n2s_core as n2s
from n2s_core.nets.models import count_parameters, seed_weights, small_unet
from n2s_core.nets.subsampling import (
    Neighbor2Neighbor,
    ZeroShotN2N,
    ZeroShotNet,
    cells,
    diagonal_pair,
    neighbor_pair,
)
from n2s_core.nets.training import TrainConfig, train


def _ids(batch: int, height: int, width: int) -> torch.Tensor:
    return torch.arange(height * width, dtype=torch.float32).view(1, 1, height, width).expand(batch, 2, -1, -1)


def test_cells_hold_each_2x2_block_in_reading_order_and_drop_an_odd_edge():
    grid = cells(_ids(1, 5, 7))
    assert grid.shape == (1, 2, 2, 3, 4)
    assert grid[0, 0, 1, 2].tolist() == [18, 19, 25, 26]  # rows 2-3, columns 4-5 of a 7-wide image


def test_neighbor_pairs_are_distinct_edge_adjacent_cell_mates_uniform_over_the_8_ordered_pairs():
    first, second = neighbor_pair(_ids(400, 6, 6), torch.Generator().manual_seed(0))
    assert torch.equal(first[:, 0], first[:, 1])  # one choice per cell, shared by the channels
    (r1, c1), (r2, c2) = ((t[:, 0].long() // 6, t[:, 0].long() % 6) for t in (first, second))
    assert torch.all((r1 - r2).abs() + (c1 - c2).abs() == 1)  # edge neighbours, never diagonal, never the same
    assert torch.all((r1 // 2 == r2 // 2) & (c1 // 2 == c2 // 2))  # in the same cell
    codes = ((r1 % 2) * 2 + c1 % 2) * 4 + (r2 % 2) * 2 + c2 % 2
    counts = torch.bincount(codes.flatten(), minlength=16)
    used = counts[counts > 0]
    assert len(used) == 8 and chisquare(used.tolist()).pvalue > 1e-3


def test_diagonal_pair_averages_the_two_diagonals_of_each_cell():
    first, second = diagonal_pair(_ids(1, 4, 4))
    assert first[0, 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]  # (0 + 5) / 2, (2 + 7) / 2, ...
    assert second[0, 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]  # (1 + 4) / 2: equal on a linear ramp
    x = torch.rand(1, 1, 8, 8)
    first, second = diagonal_pair(x)
    torch.testing.assert_close((first + second) / 2, torch.nn.functional.avg_pool2d(x, 2))
    assert not torch.allclose(first, second)


def test_the_zero_shot_net_is_the_published_size_and_predicts_the_noise():
    assert count_parameters(ZeroShotNet(channels=3)) == 22_275  # "about 22k parameters" (Mansour & Heckel 2023)
    net, x = ZeroShotNet(), torch.rand(1, 1, 10, 10)
    with torch.no_grad():
        torch.testing.assert_close(ZeroShotN2N().predict(net, x), x - net(x))


def test_neighbor2neighbor_regulariser_grows_with_progress():
    net, x = seed_weights(small_unet(), 0), torch.rand(2, 1, 32, 32)
    with torch.no_grad():
        losses = [float(Neighbor2Neighbor().loss(net, x, x, generator=torch.Generator().manual_seed(0), progress=p))
                  for p in (0.0, 0.5, 1.0)]
    assert losses[0] < losses[1] < losses[2]
    assert losses[2] - losses[0] == pytest.approx(2 * (losses[1] - losses[0]), rel=1e-4)
    with pytest.raises(ValueError, match="gamma"):
        Neighbor2Neighbor(gamma=-1)


@pytest.mark.parametrize("name", ["neighbor2neighbor", "zs-n2n"])
def test_both_sub_sampling_objectives_lower_their_loss(name):
    _, noisy = n2s.noisy_camera(size=64, sigma=0.1)
    x = torch.as_tensor(noisy, dtype=torch.float32)[None, None]
    objective, net = ((Neighbor2Neighbor(), small_unet()) if name == "neighbor2neighbor"
                      else (ZeroShotN2N(), ZeroShotNet()))
    config = TrainConfig(steps=60, batch_size=4 if name == "neighbor2neighbor" else 1,
                         crop=32 if name == "neighbor2neighbor" else None, lr=3e-3, device="cpu")
    result = train(seed_weights(net, 0), x, config=config, objective=objective, progress=False)
    assert sum(result.train_loss[-10:]) < sum(result.train_loss[:10])
