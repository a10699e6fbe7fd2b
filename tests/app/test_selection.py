"""Choosing a denoiser by the self-supervised loss: the ranking is the ground truth's, the budget is kept."""

import numpy as np
import pytest

import n2s_core as n2s
from n2s_core.app import selection
from n2s_core.app.selection import select_denoiser


@pytest.fixture(scope="module")
def camera():
    return n2s.noisy_camera(sigma=0.1, size=96)


def test_the_loss_ranks_the_candidates_as_the_clean_image_would(camera):
    """Paper §3: loss = ground-truth error + noise variance for every J-invariant denoiser, so the two rankings agree
    and the offset is the same for all (here about the measured noise variance, below 0.01 after clipping)."""
    clean, noisy = camera
    _, report = select_denoiser(noisy, methods=("wavelet", "tv", "nl_means"), budget=None, clean=clean,
                                progress=False)
    ranking = report["ranking"]
    assert [e["status"] for e in ranking] == ["scored"] * 3
    losses = [e["loss"] for e in ranking]
    truth = [10 ** (-e["psnr_invariant"] / 10) for e in ranking]  # MSE of the J-invariant output
    assert losses == sorted(losses) and truth == sorted(truth)
    offsets = np.array(losses) - np.array(truth)
    assert np.ptp(offsets) < 0.15 * offsets.mean() and abs(offsets.mean() - n2s.mse(clean, noisy)) < 0.002
    assert report["chosen"] == ranking[0]["name"] and report["version"] == "plain"


def test_the_output_is_the_winners_plain_or_invariant_version(camera):
    clean, noisy = camera
    plain, report = select_denoiser(noisy, methods=("tv",), budget=None, progress=False)
    weight = report["ranking"][0]["parameters"]["weight"]
    np.testing.assert_allclose(plain, np.clip(n2s.get_method("tv").function(noisy, weight=weight), 0, 1))
    invariant, report = select_denoiser(noisy, methods=("tv",), budget=None, output="invariant", progress=False)
    assert report["version"] == "invariant"
    assert n2s.mse(invariant, noisy) == pytest.approx(report["ranking"][0]["loss"])  # the scored output itself


def test_a_small_budget_skips_the_net_and_says_why(camera):
    _, noisy = camera
    _, report = select_denoiser(noisy, methods=("tv", "n2s"), budget=5, progress=False)
    net = report["ranking"][-1]
    assert (net["name"], net["status"]) == ("n2s", "skipped") and "under the 20 s" in net["note"]
    assert report["chosen"] == "tv"


def test_a_candidate_that_cannot_fit_is_skipped_and_nothing_fitting_is_an_error(camera, monkeypatch):
    _, noisy = camera
    slow = n2s.get_method("tv").function

    def slower(image, **kwargs):
        import time

        time.sleep(0.05)
        return slow(image, **kwargs)

    monkeypatch.setitem(selection.METHODS, "tv", n2s.get_method("tv").__class__(
        **{**n2s.get_method("tv").__dict__, "function": slower}))
    with pytest.raises(ValueError, match=r"no candidate fitted in a budget of 0.2 s \(tv: needs about \d+ s"):
        select_denoiser(noisy, methods=("tv",), budget=0.2, progress=False)


@pytest.mark.slow  # trains a net for seconds
def test_the_net_is_trained_for_what_is_left_and_scored_the_same_way(camera, monkeypatch, torch_installed):
    clean, noisy = camera
    from n2s_core.nets import single_image

    monkeypatch.setattr(selection, "MIN_NET_SECONDS", 1.0)
    calls, fit = [], single_image.fit_image
    monkeypatch.setattr(single_image, "fit_image", lambda *a, **k: calls.append(k) or fit(*a, **k))
    _, report = select_denoiser(noisy, methods=("wavelet", "n2s"), budget=8, clean=clean, device="cpu",
                                progress=False)
    net = next(e for e in report["ranking"] if e["name"] == "n2s")
    assert net["status"] == "scored" and net["parameters"]["steps"] > 1 and 0 < net["loss"] < 0.05
    limits = [k.get("time_limit") for k in calls]
    assert limits[0] is None and 0 < limits[1] < 8  # a one-step probe, then training for what the budget left
    # the pixels of 4 of the 16 subsets are never a training target, and the loss is measured there only
    assert calls[1]["schedule"] == "cosine" and net["parameters"]["schedule"] == "cosine"  # ends at a rate of 0
    kept_out = calls[1]["keep_out"]
    assert kept_out.shape == noisy.shape and kept_out.mean() == 0.25
    assert kept_out[0, 0] and kept_out[1, 1] and not kept_out[0, 1] and not kept_out[1, 0]
    assert "never trained on" in report["scored_pixels"] and "never on the pixels of subsets" in net["note"]


def test_rng_seeds_the_net_and_seed_is_its_old_name(camera, monkeypatch):
    clean, noisy = camera
    seeds = []
    monkeypatch.setattr(selection, "_net", lambda *args, seed, **kwargs: seeds.append(seed) or (
        selection.Candidate("n2s", "skipped", note="recorded"), None, None))
    select_denoiser(noisy, methods=("wavelet", "n2s"), budget=None, rng=5, progress=False)
    with pytest.warns(DeprecationWarning, match=r"select_denoiser\(seed=\) is now select_denoiser\(rng=\)"):
        select_denoiser(noisy, methods=("wavelet", "n2s"), budget=None, seed=7, progress=False)
    select_denoiser(noisy, methods=("wavelet", "n2s"), budget=None, rng=np.random.default_rng(1), progress=False)
    assert seeds[:2] == [5, 7] and 0 <= seeds[2] < 2**31


@pytest.mark.parametrize("kwargs, match", [
    ({"methods": ("magic",)}, "unknown candidate"),
    ({"budget": 0}, "budget must be a positive number"),
    ({"output": "both"}, "output must be 'plain' or 'invariant'"),
])
def test_bad_arguments_are_refused(camera, kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_denoiser(camera[1], progress=False, **kwargs)


def _fixed_candidates(monkeypatch, noisy, net_invariant, tv_invariant):
    """Replace the net and the classical calibration by fixed outputs, each scored as select_denoiser scores them."""
    def fake_classical(name, sample, channel_axis, left, **_):
        entry = selection.Candidate(name, loss=n2s.mse(tv_invariant, noisy))
        return entry, (tv_invariant[None] + 0.01, tv_invariant[None]), None

    def fake_net(sample, channel_axis, left, **_):
        entry = selection.Candidate(selection.NET, loss=n2s.mse(net_invariant, noisy))
        return entry, (net_invariant[None] - 0.01, net_invariant[None]), None

    monkeypatch.setattr(selection, "_classical", fake_classical)
    monkeypatch.setattr(selection, "_net", fake_net)
    monkeypatch.setattr(selection, "_kept_out", lambda sample, axis: np.ones(sample.shape, dtype=bool))  # (no
    # training to keep pixels out of: every pixel is scored)


@pytest.mark.parametrize(("net_edge", "output", "chosen"), [
    (1e-3, "plain", "tv"),         # a loss lower by half its standard error: a tie, the classical one wins
    (1e-3, "invariant", "n2s"),    # writing the scored version itself: the lower loss wins, tie or not
    (0.3, "plain", "n2s"),         # lower by 11 standard errors: the net wins
])
def test_a_tie_between_the_net_and_a_classical_candidate_goes_to_the_classical_one_for_the_plain_output(
        camera, monkeypatch, net_edge, output, chosen):
    clean, noisy = camera
    rng = np.random.default_rng(0)
    tv_invariant = clean + rng.normal(0, 0.05, clean.shape)
    net_invariant = clean + (1 - net_edge) * rng.normal(0, 0.05, clean.shape)  # independent, a fraction smaller
    _fixed_candidates(monkeypatch, noisy, net_invariant, tv_invariant)
    denoised, report = select_denoiser(noisy, methods=("tv", "n2s"), budget=None, output=output, combine=False,
                                       progress=False)
    losses = {e["name"]: e["loss"] for e in report["ranking"]}
    assert losses["n2s"] < losses["tv"] and report["ranking"][0]["name"] == "n2s"  # the ranking itself is unchanged
    assert report["chosen"] == chosen
    assert (report["tie"] is not None) == (chosen == "tv")
    if chosen == "tv":
        assert "within 2 standard errors" in report["tie"]
        np.testing.assert_allclose(denoised, np.clip(tv_invariant + 0.01, 0, 1))


def test_the_loss_gap_and_its_standard_error():
    noisy = np.zeros((100, 100))
    first, second = np.full_like(noisy, 0.1), np.full_like(noisy, 0.2)
    gap, se = selection._loss_gap(noisy, first, second)
    assert gap == pytest.approx(0.03) and se == pytest.approx(0.0)  # every pixel differs by the same amount
    rng = np.random.default_rng(1)
    gap, se = selection._loss_gap(noisy, rng.normal(0, 0.1, noisy.shape), rng.normal(0, 0.1, noisy.shape))
    assert abs(gap) < 3 * se and se == pytest.approx(2 * 0.1**2 / 100, rel=0.1)  # std of e2^2 - e1^2 is 2 sigma^2


MISCALIBRATED = {"tv": {"weight": [0.3]}, "wavelet": {"sigma": [0.03]}}  # one smooths too much, one too little


def test_candidates_that_err_differently_are_combined_when_held_out_pixels_say_so(camera):
    """TV smoothing too much and a wavelet too little: the weighted sum of their J-invariant versions beats both on
    pixels its weights were not fitted to, so it is written; the clean image agrees."""
    clean, noisy = camera
    denoised, report = select_denoiser(noisy, methods=tuple(MISCALIBRATED), grids=MISCALIBRATED, budget=None,
                                       output="invariant", clean=clean, progress=False)
    combination = report["combination"]
    assert report["chosen"] == selection.COMBINED and combination["chosen"] is True
    assert combination["gain"] > selection.TIE_SE * combination["gain_se"]
    assert combination["held_out_loss"] < min(combination["candidate_losses"].values())
    best_invariant = max(e["psnr_invariant"] for e in report["ranking"])
    assert n2s.psnr(clean, denoised) == pytest.approx(combination["psnr"]["invariant"])
    assert combination["psnr"]["invariant"] > best_invariant + 0.1
    invariant = {e["name"]: n2s.denoise_invariant(noisy, n2s.get_method(e["name"]).function,
                                                  denoiser_kwargs=e["parameters"]) for e in report["ranking"]}
    expected = sum(combination["weights"][name] * invariant[name] for name in invariant)
    np.testing.assert_allclose(denoised, np.clip(expected, 0, 1), atol=1e-6)


def test_combine_false_keeps_the_best_single_candidate(camera):
    _, noisy = camera
    _, report = select_denoiser(noisy, methods=tuple(MISCALIBRATED), grids=MISCALIBRATED, budget=None,
                                combine=False, progress=False)
    assert report["combination"] is None and report["chosen"] == report["ranking"][0]["name"]


def _make_tv_costly(monkeypatch, *, seconds_per_48x48: float) -> None:
    """TV stands in for BM3D: slowed by a sleep in proportion to the image's size, listed as costly, and searched on
    a 48 x 48 crop."""
    import time as clock

    tv = n2s.get_method("tv")

    def slow_tv(image, **kwargs):
        clock.sleep(seconds_per_48x48 * image.size / 48**2)
        return tv.function(image, **kwargs)

    monkeypatch.setitem(selection.METHODS, "tv", tv.__class__(**{**tv.__dict__, "function": slow_tv}))
    monkeypatch.setattr(selection, "COSTLY", ("tv",))
    monkeypatch.setattr(selection, "SEARCH_CROP", 48)


@pytest.mark.slow  # sleeps to make a method costly (~12 s)
def test_a_costly_method_searches_a_crop_and_is_scored_on_four_subsets_when_sixteen_do_not_fit(camera, monkeypatch):
    """BM3D's case, with a slowed TV standing in (0.1 s per 48 x 48 of image): the grid is searched on the central
    crop, the exact loss on 4 of the 16 subsets, and every candidate is then ranked and combined on those pixels."""
    clean, noisy = camera  # 96 x 96
    _make_tv_costly(monkeypatch, seconds_per_48x48=0.1)
    n2s.get_method("wavelet").function(noisy, sigma=0.1)  # warm: a first call's imports would eat its budget
    denoised, report = select_denoiser(noisy, methods=("wavelet", "tv"), budget=6.0, clean=clean, progress=False)
    entry = next(e for e in report["ranking"] if e["name"] == "tv")
    assert entry["status"] == "scored" and "central 48 x 48 crop" in entry["note"]
    assert "the best on 4 of the 16 (all 16 would not fit)" in entry["note"]
    assert report["scored_pixels"].startswith("the 4 subsets [0, 5, 10, 15]")
    assert [e["status"] for e in report["ranking"]] == ["scored", "scored"], report["ranking"]
    labels = n2s.grid_labels(noisy.shape)
    scored = np.isin(labels, selection.FEW_SUBSETS)
    for e in [e for e in report["ranking"] if e["status"] == "scored"]:  # every loss over the same pixels
        made = n2s.denoise_invariant(noisy, n2s.get_method(e["name"]).function, denoiser_kwargs=e["parameters"])
        assert e["loss"] == pytest.approx(n2s.mse(made[scored], noisy[scored]), rel=1e-6)
    assert denoised.shape == noisy.shape and np.isfinite(denoised).all()
    invariant, report = select_denoiser(noisy, methods=("tv",), budget=6.0, output="invariant", progress=False)
    assert "4 of the 16" in report["ranking"][0]["note"]
    assert np.isfinite(invariant).all()  # the written J-invariant version is whole: its other 12 subsets made then


def test_a_crops_finalists_are_compared_on_the_whole_image_by_the_full_calibrations_criterion(camera, monkeypatch):
    """The crop ranks TV's weight 0.13 first and the whole image 0.1 (this camera, this noise): the cheap way's two
    finalists are compared by the approximate loss on the whole image, and it picks the full calibration's 0.1."""
    _, noisy = camera
    monkeypatch.setattr(selection, "SEARCH_CROP", 48)
    grid, method = {"weight": [0.1, 0.13, 0.2]}, n2s.get_method("tv")
    crop = noisy[None][(slice(None), *selection._window(noisy.shape))]
    on_crop = [selection._approximate_loss(method, {"weight": w}, crop, None, {}) for w in grid["weight"]]
    assert np.argsort(on_crop).tolist()[:2] == [1, 0]  # the premise: the crop prefers 0.13, then 0.1
    cheap, _, _ = selection._classical("tv", noisy[None], None, float("inf"), clean=None, progress=False, grid=grid,
                                       subsets="few", crop=True)
    full, _, _ = selection._classical("tv", noisy[None], None, float("inf"), clean=None, progress=False, grid=grid,
                                      subsets="all", crop=False)
    assert "its best 2 compared on one subset of the whole image" in cheap.note, cheap.note
    assert cheap.parameters == full.parameters == {"weight": 0.1}
    monkeypatch.setattr(selection, "FINALISTS", 1)  # without the comparison: the crop's own best
    alone, _, _ = selection._classical("tv", noisy[None], None, float("inf"), clean=None, progress=False, grid=grid,
                                       subsets="few", crop=True)
    assert alone.parameters == {"weight": 0.13}


def test_a_costly_method_gets_the_full_calibration_when_the_budget_holds_it(camera, monkeypatch):
    clean, noisy = camera  # 96 x 96
    _make_tv_costly(monkeypatch, seconds_per_48x48=0.01)
    _, report = select_denoiser(noisy, methods=("tv",), budget=30.0, progress=False)
    note = report["ranking"][0]["note"]
    assert "crop" not in note and "the best on all 16" in note, note
    full, _, _ = selection._classical("tv", noisy[None], None, float("inf"), clean=None, progress=False, crop=False)
    assert report["ranking"][0]["parameters"] == full.parameters  # the same choice as the full calibration


def test_denoise_invariant_on_a_few_subsets_leaves_the_rest_undefined(camera):
    _, noisy = camera
    few = n2s.denoise_invariant(noisy, n2s.get_method("tv").function, subsets=[0, 5])
    every = n2s.denoise_invariant(noisy, n2s.get_method("tv").function)
    inside = np.isin(n2s.grid_labels(noisy.shape), [0, 5])
    np.testing.assert_allclose(few[inside], every[inside])
    assert np.isnan(few[~inside]).all()
    with pytest.raises(ValueError, match="subsets must name some of the partition's subsets 0..15"):
        n2s.denoise_invariant(noisy, n2s.get_method("tv").function, subsets=[16])


@pytest.mark.slow  # sleeps to make a method costly (~12 s)
def test_a_costly_method_too_slow_for_the_whole_image_is_scored_on_the_crop_alone(camera, monkeypatch):
    """When even 4 calls on the whole image would not fit, the costly method's J-invariant version is made on the
    4 subsets of the crop alone (its corner on the grid's phases), and every candidate is ranked on those pixels."""
    clean, noisy = camera  # 96 x 96, the crop 48 x 48 at (24, 24)
    _make_tv_costly(monkeypatch, seconds_per_48x48=0.5)  # a whole-image call: 2 s; 4 of them would not fit
    n2s.get_method("wavelet").function(noisy, sigma=0.1)
    denoised, report = select_denoiser(noisy, methods=("wavelet", "tv"), budget=12.0, clean=clean, progress=False)
    entry = next(e for e in report["ranking"] if e["name"] == "tv")
    assert entry["status"] == "scored" and "subsets of the crop alone" in entry["note"], entry
    scored = np.zeros(noisy.shape, dtype=bool)
    scored[24:72, 24:72] = np.isin(n2s.grid_labels((48, 48)), selection.FEW_SUBSETS)
    assert np.isin(n2s.grid_labels(noisy.shape)[scored], selection.FEW_SUBSETS).all()  # the same phases
    wavelet = next(e for e in report["ranking"] if e["name"] == "wavelet")
    made = n2s.denoise_invariant(noisy, n2s.get_method("wavelet").function, denoiser_kwargs=wavelet["parameters"])
    assert wavelet["loss"] == pytest.approx(n2s.mse(made[scored], noisy[scored]), rel=1e-6)  # ranked on those
    assert denoised.shape == noisy.shape and np.isfinite(denoised).all()
