"""Tests of n2s_core.nets.family: every member trains within its budget and denoises; settings are checked."""

from __future__ import annotations

import pytest

import n2s_core as n2s
from n2s_core.nets.family import MEMBERS, train_member


@pytest.mark.parametrize("name", MEMBERS)
def test_every_member_trains_for_its_budget_and_returns_an_image_on_the_unit_range(name):
    clean, noisy = n2s.noisy_camera(size=48, sigma=0.1)
    denoised, info = train_member(name, noisy, seconds=0.3, sigma=0.1)
    assert denoised.shape == noisy.shape and 0 <= denoised.min() and denoised.max() <= 1
    assert info["steps"] >= 1 and info["train_seconds"] >= 0.3
    assert noisy.flags.writeable and (noisy == n2s.noisy_camera(size=48, sigma=0.1)[1]).all()  # input untouched


def test_a_few_dozen_steps_of_noise2self_beat_the_noisy_input():
    clean, noisy = n2s.noisy_camera(size=64, sigma=0.15)
    denoised, _ = train_member("Noise2Self", noisy, steps=20)  # by steps, not seconds: the same on any CPU
    assert n2s.psnr(clean, denoised) > n2s.psnr(clean, noisy) + 3


def test_members_say_what_they_need():
    _, noisy = n2s.noisy_camera(size=32)
    with pytest.raises(ValueError, match="SURE needs the Gaussian noise sigma"):
        train_member("SURE", noisy, seconds=0.1)
    with pytest.raises(ValueError, match="unknown member 'N2N'"):
        train_member("N2N", noisy, seconds=0.1)
    assert all(member.assumes and member.source for member in MEMBERS.values())


def test_train_family_skips_what_needs_a_sigma_when_none_is_known():
    _, noisy = n2s.noisy_camera(size=32)
    from n2s_core.nets.family import train_family

    results = train_family(noisy, seconds=0.1, names=["Noise2Self", "SURE"], progress=False)
    assert list(results) == ["Noise2Self"]
    assert list(train_family(noisy, seconds=0.1, sigma=0.1, names=["SURE"], progress=False)) == ["SURE"]


def test_a_run_by_steps_takes_exactly_those_steps_and_is_the_same_twice():
    _, noisy = n2s.noisy_camera(size=32)
    first, info = train_member("Noise2Self", noisy, steps=3)
    second, _ = train_member("Noise2Self", noisy, steps=3)
    assert info["steps"] == 3 and (first == second).all()
    _, both = train_member("Neighbor2Neighbor", noisy, steps=2, seconds=60)  # the steps end first
    assert both["steps"] == 2


def test_a_budget_is_required_and_names_are_checked():
    from n2s_core.nets.family import train_family

    _, noisy = n2s.noisy_camera(size=32)
    with pytest.raises(ValueError, match="give steps= .* or seconds="):
        train_member("Noise2Self", noisy)
    with pytest.raises(ValueError, match="give steps= .* or seconds="):
        train_family(noisy, progress=False)
    with pytest.raises(ValueError, match=r"unknown member\(s\) \['N2N'\]"):
        train_family(noisy, steps=1, names=["N2N"], progress=False)
    results = train_family(noisy, steps=2, names=["ZS-N2N", "Noise2Void"], progress=False)
    assert list(results) == ["ZS-N2N", "Noise2Void"] and all(info["steps"] == 2 for _, info in results.values())
