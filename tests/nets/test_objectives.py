"""Tests of n2s_core.nets.objectives: every member lowers its loss on the one trainer; SURE is unbiased; Noise2Same
penalises the identity; train(objective=) honours targets, time limits and its own validation."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import n2s_core as n2s
from n2s_core.nets.masking import Masker, masked_mse
from n2s_core.nets.models import DnCNN, seed_weights, small_unet
from n2s_core.nets.objectives import (
    N2V_SUBSETS,
    SURE,
    BlindSpot,
    BlindSpotExcept,
    Noise2Same,
    Objective,
    Supervised,
    n2v2,
    noise2void,
    target_without,
)
from n2s_core.nets.training import TrainConfig, train

SIGMA = 0.1


def _camera():
    clean, noisy = n2s.noisy_camera(size=64, sigma=SIGMA)
    return clean, torch.as_tensor(noisy, dtype=torch.float32)[None, None]


def _fit(objective: Objective, steps: int = 60, **config):
    _, x = _camera()
    model = seed_weights(DnCNN(depth=5, features=16), 0)
    settings = {"steps": steps, "batch_size": 4, "crop": 32, "lr": 3e-3, "device": "cpu", **config}
    return model, train(model, x, config=TrainConfig(**settings), objective=objective, progress=False)


MEMBERS = {"noise2self": BlindSpot(), "noise2void": noise2void(), "n2v-centre": noise2void(centre=True),
           "structn2v": noise2void(span=2), "n2v2": n2v2(), "noise2same": Noise2Same(), "sure": SURE(SIGMA)}


@pytest.mark.parametrize("name", MEMBERS)
def test_every_member_lowers_its_loss_on_the_one_trainer(name):
    _, result = _fit(MEMBERS[name])
    first, last = result.train_loss[:10], result.train_loss[-10:]
    assert sum(last) / 10 < sum(first) / 10


def test_the_factories_set_the_published_maskers():
    assert noise2void().masker == Masker("neighbor", n_subsets=N2V_SUBSETS)
    assert noise2void(centre=True).masker.replacement == "neighbor_centre"
    assert noise2void(span=3, direction="vertical").masker == Masker("neighbor", n_subsets=64, span=3,
                                                                        direction="vertical")
    assert n2v2().masker.replacement == "median" and BlindSpot().masker == Masker("random")


def test_blind_spot_loss_is_the_masked_mse_of_the_masked_input():
    model = torch.nn.Conv2d(1, 1, 3, padding=1)
    x = torch.rand(2, 1, 12, 12)
    loss = BlindSpot().loss(model, x, x, generator=torch.Generator().manual_seed(3), progress=0.0)
    masked, mask = Masker("random").mask(x, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(loss, masked_mse(model(masked), x, mask))


def test_sure_is_an_unbiased_estimate_of_the_error_against_the_clean_image():
    # Stein's lemma, as a claim: for a fixed smooth denoiser, SURE from the noisy image alone matches the MSE
    # against the clean one, averaged over noise draws (here 40 draws on the 64 x 64 camera, within 3%).
    clean = torch.as_tensor(n2s.noisy_camera(size=64, sigma=SIGMA)[0], dtype=torch.float32)[None, None]
    blur = torch.nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect", bias=False)
    with torch.no_grad():
        blur.weight.copy_(torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]).div(16).view(1, 1, 3, 3))
    generator = torch.Generator().manual_seed(0)
    sure, true = [], []
    with torch.no_grad():
        for _ in range(40):
            noisy = clean + SIGMA * torch.randn(clean.shape, generator=generator)
            sure.append(float(SURE(SIGMA).loss(blur, noisy, noisy, generator=generator, progress=0.0)))
            true.append(float(F.mse_loss(blur(noisy), clean)))
    assert sum(sure) / 40 == pytest.approx(sum(true) / 40, rel=0.03)
    # and its divergence term is what makes it unbiased: without it the estimate is far off
    assert sum(true) / 40 - (sum(sure) / 40) < 0.3 * SIGMA**2


def test_noise2same_penalises_the_identity_that_its_reconstruction_term_would_learn():
    x = torch.rand(2, 1, 16, 16)
    identity = torch.nn.Identity()
    loss = Noise2Same().loss(identity, x, x, generator=torch.Generator().manual_seed(1), progress=0.0)
    masked, mask = Noise2Same().masker.mask(x, generator=torch.Generator().manual_seed(1))
    expected = 2.0 * x.std() * masked_mse(x, masked, mask).sqrt()  # reconstruction 0, invariance term alone
    torch.testing.assert_close(loss, expected)
    assert loss > 0.1


def test_time_limit_stops_a_run_and_progress_runs_from_zero_to_one():
    seen = []

    class Recording(BlindSpot):
        def loss(self, model, x, target, *, generator, progress):
            seen.append(progress)
            return super().loss(model, x, target, generator=generator, progress=progress)

    _, result = _fit(Recording(), steps=10**6, time_limit=0.5)
    assert 0 < len(result.train_loss) < 10**6 and result.wall_time >= 0.5
    assert seen[0] < 0.1 and seen == sorted(seen) and 0.5 < seen[-1] <= 1.0
    seen.clear()
    _fit(Recording(), steps=5)
    assert seen == [0.0, 0.2, 0.4, 0.6, 0.8]


def test_custom_objective_validation_is_reproducible_and_targets_are_checked():
    _, x = _camera()
    model = seed_weights(small_unet(), 0)  # no BatchNorm: eval outputs move only with the weights
    config = TrainConfig(steps=4, batch_size=2, crop=16, lr=1e-12, val_every=1, device="cpu")
    result = train(model, x, config=config, objective=Noise2Same(), val_noisy=x, progress=False)
    assert len(result.val_loss) == 4
    assert max(result.val_loss) - min(result.val_loss) < 1e-6  # same draws each time, weights barely moved
    with pytest.raises(ValueError, match="Supervised needs target"):
        train(model, x, config=config, objective=Supervised(), progress=False)
    with pytest.raises(ValueError, match="Noise2Same takes no target"):
        train(model, x, config=config, objective=Noise2Same(), target=x, progress=False)
    with pytest.raises(TypeError, match="objective must be"):
        train(model, x, config=config, objective="noise2void", progress=False)
    torch.testing.assert_close(Supervised().loss(torch.nn.Identity(), x, x + 1, generator=None, progress=0),
                               torch.tensor(1.0))


@pytest.mark.parametrize(("build", "match"), [(lambda: SURE(0), "sigma must be"), (lambda: SURE(0.1, epsilon=-1),
                                              "epsilon must be"), (lambda: Noise2Same(lambda_inv=-2), "lambda_inv"),
                                              (lambda: TrainConfig(time_limit=0), "time_limit must be")])
def test_bad_settings_fail_with_the_name_of_the_setting(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def _kept_out_rows(size: int = 16) -> torch.Tensor:
    pixels = torch.zeros(size, size, dtype=torch.bool)
    pixels[::2] = True  # every other row is never a target
    return pixels


def test_blind_spot_except_never_scores_a_kept_out_pixel():
    """The loss is BlindSpot's over the held-out pixels that are not kept out: no gradient reaches a kept-out
    target, and with nothing kept out the two losses agree draw for draw."""
    model = seed_weights(DnCNN(depth=3, features=8), 0)
    x = torch.rand(2, 1, 16, 16)
    pixels = _kept_out_rows()
    target = target_without(x, pixels).requires_grad_()
    loss = BlindSpotExcept().loss(model, x, target, generator=torch.Generator().manual_seed(1), progress=0.0)
    loss.backward()
    assert torch.isfinite(loss) and target.grad[..., pixels].abs().max() == 0
    assert target.grad[..., ~pixels].abs().max() > 0  # the other held-out pixels are scored
    same = [objective.loss(model, x, x, generator=torch.Generator().manual_seed(1), progress=0.0)
            for objective in (BlindSpot(), BlindSpotExcept())]
    torch.testing.assert_close(same[0], same[1])


def test_blind_spot_except_is_zero_on_a_crop_with_nothing_to_score():
    model, x = seed_weights(DnCNN(depth=3, features=8), 0), torch.rand(1, 1, 16, 16)
    target = target_without(x, torch.ones(16, 16, dtype=torch.bool))
    loss = BlindSpotExcept().loss(model, x, target, generator=torch.Generator().manual_seed(0), progress=0.0)
    assert loss.item() == 0.0 and loss.requires_grad


def test_target_without_refuses_pixels_of_another_shape():
    with pytest.raises(ValueError, match=r"boolean \(H, W\) of the images' \(16, 16\), got \(8, 16\)"):
        target_without(torch.rand(1, 1, 16, 16), torch.ones(8, 16, dtype=torch.bool))
