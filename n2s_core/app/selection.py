"""Pick the best denoiser for one noisy image by the self-supervised loss, within a time budget (paper §3-§4).

The paper's central idea, used as a tool: the self-supervised loss ``||f_J(x) - x||^2`` of a J-invariant denoiser
``f_J`` equals its ground-truth loss plus the noise variance (Proposition 1, paper §1), the same offset for every
candidate, so the ranking by this loss is the ranking by the error against the clean image, with no clean image.
Every candidate is scored the same way: its J-invariant version on the 4x4 grid of subsets J, on the same pixels
(every pixel; only those of 4 of the 16 subsets when the net or a costly method takes part, see 1 and 2).

1. Classical candidates (wavelet, total variation, NL-means, BM3D when installed), cheapest first: each parameter
   of its grid is scored on one subset (the approximate loss, one call per setting), then the best setting by the
   exact loss (16 calls). A candidate whose projected time does not fit in what is left of the budget is skipped.
2. A Noise2Self net (the small UNet of ``denoise``) trained for what is left, when that is at least
   :data:`MIN_NET_SECONDS`, its learning rate decaying to 0 as that time runs out (at a constant rate, the net of
   one 600-s benchmark run on the camera ended at 16 dB); its J-invariant version is the masked prediction on the
   same 4x4 grid. The net never
   takes the pixels of :data:`FEW_SUBSETS` (a quarter) as training targets, and every candidate is then scored on
   those pixels only: Proposition 1 needs a function chosen without looking at the scored pixels' noise, and a
   net trained long on every pixel fits that noise, so that its loss there falls below what it is worth (at
   ``--budget 600`` a net scored on its training pixels beat calibrated BM3D's loss on the coins with an output
   1.9 dB worse; docs/your-image.md).
3. The lowest loss wins. The output is the winner's *plain* version (the net's single pass, the classical
   denoiser at its calibrated setting): the paper found the single pass about 0.5 dB better for nets (paper §5), and
   ``benchmarks/bench_selection.py`` measures the same for every classical candidate here. ``output="invariant"``
   writes the J-invariant version, the one whose loss was measured.
4. A tie goes to the classical candidate when the plain version is written. Two losses are tied when their
   difference is under :data:`TIE_SE` standard errors of the mean per-pixel difference of the two J-invariant
   versions' squared residuals (pixels treated as independent, so the error is if anything underestimated). The
   loss says nothing about the plain versions, and they differ in how much they gain over the scored ones: a net
   trained by Noise2Self has learned to ignore each pixel's own value, so its single pass gains little (at most
   0.6 dB in the benchmark), while a classical denoiser's plain output, which uses the pixel, gained 0.3-1.7 dB.
5. A weighted sum of the scored candidates' J-invariant versions, its weights fitted by the loss
   (:mod:`n2s_core.combination`), replaces the winner when ``output="invariant"`` and its cross-fitted loss
   (weights fitted on other pixels than those scored) is lower than the best candidate's by more than
   :data:`TIE_SE` standard errors. With the plain output (the default) the best candidate's plain output is written
   all the same: the loss says nothing of a sum of plain versions, and ``benchmarks/bench_selection.py`` measured
   the same weights on the plain versions below the best single plain output in some cases (docs/your-image.md has
   the table, from results/bench_selection.json).

:func:`choose` does all this on a sample of planes and returns a :class:`Choice` that applies to any other plane
(a stack's, :mod:`n2s_core.app.stacks`); :func:`select_denoiser` is it for one image.
"""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .._checks import as_float_image, renamed_keywords, torch_seed
from ..classical.calibration import estimate_noise_variance, expand_grid
from ..classical.denoisers import METHODS, bm3d_available
from ..combination import combine as combine_outputs
from ..combination import fit_combination
from ..invariance import denoise_invariant, self_supervised_loss
from ..metrics import psnr
from ..partitions import grid_labels

CLASSICAL = ("wavelet", "tv", "nl_means", "bm3d")  # cheapest first
NET = "n2s"  # the Noise2Self net's name among the candidates
COMBINED = "combination"  # the name of a weighted sum of the candidates, when it is chosen
CANDIDATES = (*CLASSICAL, NET)
STRIDE = 4  # the 4x4 grid of subsets J that every candidate is scored on
MIN_NET_SECONDS = 20.0  # a net trained for less than this is not worth its time at these sizes
DEFAULT_BUDGET = 120.0  # seconds: about two minutes on a laptop
OUTPUTS = ("plain", "invariant")
TIE_SE = 2.0  # losses closer than this many standard errors of their difference are not told apart
COSTLY = ("bm3d",)  # seconds a call on a 512 x 512 image: their grid is searched on a crop
SEARCH_CROP = 256  # the side of the central crop a costly method's grid is searched on
FEW_SUBSETS = (0, 5, 10, 15)  # one subset of each row phase and each column phase of the 4 x 4 grid
FINALISTS = 2  # settings of a crop's search that are compared on the whole image (benchmarks/bench_bm3d_calibration)


@dataclass
class Candidate:
    """One denoiser's entry in the ranking; ``loss`` is the exact self-supervised loss of its J-invariant version."""

    name: str
    status: str = "scored"  # "scored" or "skipped"
    loss: float | None = None
    parameters: dict = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""
    psnr_plain: float | None = None  # only when a clean image was given (teaching, benchmarks)
    psnr_invariant: float | None = None


@dataclass
class Choice:
    """What the selection chose, ready for any plane like the ones it was chosen on (a stack's other planes).

    ``appliers`` maps each candidate that takes part to ``plane -> its output`` in the chosen ``version``; a
    combination sums them with ``weights``.
    """

    name: str
    version: str
    appliers: dict
    weights: dict | None = None

    def apply(self, plane) -> np.ndarray:
        """The chosen denoiser's output on ``plane``, clipped to [0, 1]."""
        if self.weights is None:
            return np.clip(self.appliers[self.name](plane), 0.0, 1.0)
        made = {name: self.appliers[name](plane) for name in self.weights}
        return np.clip(combine_outputs(made, self.weights), 0.0, 1.0)


def select_denoiser(noisy, *, channel_axis: int | None = None, budget: float | None = DEFAULT_BUDGET,
                    methods=CANDIDATES, output: str = "plain", grids: dict | None = None, rng=0,
                    device: str = "auto", combine: bool = True, clean=None, progress: bool = True,
                    **renamed) -> tuple[np.ndarray, dict]:
    """Score every candidate by the self-supervised loss within ``budget`` seconds; return the best's output.

    Parameters
    ----------
    noisy : ndarray
        Float image on [0, 1], (H, W) or (H, W, 3) with ``channel_axis``.
    budget : float or None
        Seconds for everything; candidates that would not fit are skipped and say so in the report. None: no limit.
    methods : sequence of str
        Which of ``wavelet, tv, nl_means, bm3d, n2s`` to consider (BM3D only when installed).
    grids : dict, optional
        ``{method: {parameter: values}}`` replaces a classical method's calibration grid.
    output : {"plain", "invariant"}
        Which version of the winner to return (see the module's docstring).
    combine : bool
        Also fit a weighted sum of the candidates' J-invariant versions by the loss (:mod:`n2s_core.combination`),
        reported always, and returned when ``output="invariant"`` and its cross-fitted loss is lower.
    clean : ndarray, optional
        Teaching and benchmarks only: also records each candidate's PSNR, plain and J-invariant. Never used to choose.
    rng : int, numpy Generator or None
        Seeds the net's weights, crops and masks (an int is used as it is; a Generator gives one). ``seed=`` is its
        old name.

    Returns
    -------
    denoised, report : ndarray, dict
        The report ranks every candidate by loss (``ranking``, skipped ones last), names the ``chosen`` one and the
        ``version`` returned ("plain" or "invariant").
    """
    rng = renamed_keywords(renamed, {"seed": "rng"}, where="select_denoiser").get("rng", rng)
    noisy = as_float_image(noisy, name="noisy")
    clean = None if clean is None else as_float_image(clean, name="clean")[None]
    choice, report, outputs = choose(noisy[None], channel_axis=channel_axis, budget=budget, methods=methods,
                                     output=output, grids=grids, rng=rng, device=device, combine=combine,
                                     clean=clean, progress=progress)
    index = 1 if output == "invariant" else 0
    made = {name: _made(outputs[name][index]) for name in (choice.weights or [choice.name])}
    for name, image in made.items():  # a costly candidate scored on a few subsets: its whole J-invariant version now
        if not np.isfinite(image).all():
            made[name] = _each(choice.appliers[name], noisy[None])
    denoised = made[choice.name] if choice.weights is None else combine_outputs(made, choice.weights)
    return np.clip(denoised[0], 0.0, 1.0), report


def choose(sample, *, channel_axis: int | None = None, budget: float | None = DEFAULT_BUDGET, methods=CANDIDATES,
           output: str = "plain", grids: dict | None = None, rng=0, device: str = "auto",
           combine: bool = True, clean=None, progress: bool = True, train_planes=None) -> tuple[Choice, dict, dict]:
    """:func:`select_denoiser` on a sample of planes (S, H, W), or one image as ``image[None]``.

    The loss of every candidate is its mean over the sample; the net trains on ``train_planes`` (a gray stack
    (N, H, W); default: the sample). Returns the :class:`Choice`, the report, and every scored candidate's outputs
    on the sample as ``{name: (plain, invariant)}`` (a plain output may be a function that makes it).
    """
    clock = time.perf_counter()
    if output not in OUTPUTS:
        raise ValueError(f"output must be 'plain' or 'invariant', got {output!r}")
    unknown = [m for m in methods if m not in CANDIDATES]
    if unknown or not methods:
        raise ValueError(f"unknown candidate(s) {unknown}; choose among {', '.join(CANDIDATES)}")
    if budget is not None and not budget > 0:
        raise ValueError(f"budget must be a positive number of seconds (or None: no limit), got {budget!r}")
    if channel_axis is not None and len(sample) > 1:
        raise ValueError("a sample of several planes must be gray (channel_axis=None)")
    axis = None if channel_axis is None else channel_axis % (sample.ndim - 1)  # within one plane
    limit = float("inf") if budget is None else float(budget)
    entries, outputs, appliers = [], {}, {}
    for name in [m for m in CLASSICAL if m in methods]:
        left = limit - (time.perf_counter() - clock)
        if name == "bm3d" and not bm3d_available():
            entries.append(Candidate(name, "skipped", note="the optional bm3d package is not installed"))
            continue
        entry, made, apply = _classical(name, sample, axis, left, clean=clean, progress=progress,
                                        grid=(grids or {}).get(name), output=output)
        entries.append(entry)
        if made is not None:
            outputs[name], appliers[name] = made, apply
    if NET in methods:
        left = limit - (time.perf_counter() - clock)
        entry, made, apply = _net(sample, axis, left, seed=torch_seed(rng), device=device, clean=clean,
                                  progress=progress, train_planes=train_planes, output=output)
        entries.append(entry)
        if made is not None:
            outputs[NET], appliers[NET] = made, apply
    if not any(e.status == "scored" for e in entries):
        reasons = "; ".join(f"{e.name}: {e.note}" for e in entries)
        raise ValueError(f"no candidate fitted in a budget of {limit:g} s ({reasons}); give a larger --budget")
    kept_out = _kept_out(sample, axis) if NET in outputs else None
    pixels = _common_pixels(sample, outputs, [e for e in entries if e.status == "scored"], within=kept_out)
    scored = sorted((e for e in entries if e.status == "scored"), key=lambda e: e.loss)
    best, tie = scored[0], None
    if output == "plain" and best.name == NET:
        rival = next((e for e in scored[1:] if e.name != NET), None)
        if rival is not None:
            gap, se = _loss_gap(sample, outputs[best.name][1], outputs[rival.name][1], pixels)
            if gap < TIE_SE * se:
                tie = (f"{NET}'s loss is {gap:.2e} below {rival.name}'s, within {TIE_SE:g} standard errors "
                       f"({se:.2e}): a tie, which goes to the classical candidate when the plain version is written")
                best = rival
    combination = _combination(sample, outputs, [e.name for e in scored], axis, clean=clean, pixels=pixels,
                               output=output) if combine and len(scored) > 1 else None
    if combination is not None and combination["chosen"]:
        choice = Choice(COMBINED, output, {name: appliers[name] for name in combination["weights"]},
                        combination["weights"])
    else:
        choice = Choice(best.name, output, {best.name: appliers[best.name]})
    report = {"chosen": choice.name, "version": output, "budget_seconds": budget, "stride": STRIDE,
              "rule": "lowest exact self-supervised loss of the J-invariant version (4x4 grid, on the scored pixels); "
                      f"output: the {output} version; a tie within {TIE_SE:g} standard errors goes to a classical "
                      "candidate when the plain version is written; with the J-invariant version written, a weighted "
                      "sum of the candidates' J-invariant versions, weights fitted by the loss, replaces the best one "
                      f"when its cross-fitted loss is lower by more than {TIE_SE:g} standard errors",
              "scored_pixels": "all" if pixels is None else f"the {len(FEW_SUBSETS)} subsets {list(FEW_SUBSETS)} of "
                               f"{STRIDE**2}, where every candidate was scored"
                               + ("" if kept_out is None else " and the net never trained on"),
              "tie": tie, "combination": combination,
              "ranking": [asdict(e) for e in scored + [e for e in entries if e.status != "scored"]],
              "wall_seconds": round(time.perf_counter() - clock, 2)}
    return choice, report, outputs


def _made(plain):
    """A plain output, computed now if it was put off (classical candidates run it for the winner only)."""
    return plain() if callable(plain) else plain


def _image(sample: np.ndarray) -> np.ndarray:
    """The sample as one image for the pixel-wise fits: itself for one plane, the planes one under another else."""
    return sample[0] if len(sample) == 1 else sample.reshape(-1, sample.shape[-1])


def _combination(sample, outputs, names, channel_axis, *, clean, pixels=None, output="invariant") -> dict:
    """Fit the weights of the candidates' J-invariant versions by the loss, cross-fitted. The sum beats the best
    candidate when its held-out loss is lower by :data:`TIE_SE` standard errors; it is chosen when it beats it and
    the J-invariant version is written (see the module's docstring). Given ``clean``: every version's PSNR."""
    noisy = _image(sample)
    invariant = {name: _image(outputs[name][1]) for name in names}
    pixels = None if pixels is None else _image(pixels)
    fitted = fit_combination(noisy, invariant, stride=STRIDE, channel_axis=channel_axis, pixels=pixels)
    beats = fitted.gain > TIE_SE * fitted.held_out_se
    chosen = beats and output == "invariant"
    report = {"chosen": bool(chosen), "beats_best": bool(beats), "weights": fitted.weights,
              "held_out_loss": fitted.held_out_loss,
              "fitted_loss": fitted.fitted_loss, "candidate_losses": fitted.candidate_losses,
              "best_candidate": fitted.best_candidate, "gain": fitted.gain, "gain_se": fitted.held_out_se,
              "folds": fitted.folds, "fold_weights": fitted.fold_weights,
              "why": (f"its cross-fitted loss is {fitted.gain:.2e} below {fitted.best_candidate}'s, "
                      + (f"more than {TIE_SE:g} standard errors ({fitted.held_out_se:.2e})" if beats else
                         f"not more than {TIE_SE:g} standard errors ({fitted.held_out_se:.2e}): the best single "
                         "candidate is kept")
                      + ("" if chosen or not beats else "; but the loss scores J-invariant versions only, and the "
                         "same weights on the plain versions were measured below the best plain output in "
                         "benchmark cases: the best candidate's plain output is written (--output invariant "
                         "writes the sum)"))}
    if clean is not None:  # teaching and benchmarks: how each way of writing it scores against the clean image
        truth = _image(clean)
        plain = {name: _image(_made(outputs[name][0])) for name in names}
        variance = estimate_noise_variance(noisy, channel_axis=channel_axis)
        mixed = fit_combination(noisy, invariant, noise_variance=variance, stride=STRIDE, channel_axis=channel_axis,
                                pixels=pixels)
        where = np.ones(noisy.shape, dtype=bool) if pixels is None else pixels  # where the J-invariant ones exist

        def score(image, on=where):  # on=...: every pixel
            return psnr(truth[on], np.clip(image, 0.0, 1.0)[on])

        report["with_noisy"] = {"weights": mixed.weights, "held_out_loss": mixed.held_out_loss,
                                "noise_variance": variance}
        report["psnr"] = {"invariant": score(combine_outputs(invariant, fitted.weights)),
                          "plain": score(combine_outputs(plain, fitted.weights), on=...),
                          "invariant_with_noisy": score(combine_outputs(invariant, mixed.weights, noisy)),
                          "plain_with_noisy": score(combine_outputs(plain, mixed.weights, noisy), on=...),
                          "plain_best_possible": score(_best_possible(plain, noisy, truth), on=...)}
        if pixels is not None:
            report["psnr_pixels"] = "J-invariant versions on the pixels every candidate was scored on; plain: all"
    return report


def _best_possible(plain: dict, noisy: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Benchmarks only: the linear combination of the plain outputs and the noisy image closest to the clean image
    (least squares against ``truth``), the most that any weights could make of these candidates."""
    columns = np.stack([image.ravel() for image in (*plain.values(), noisy)], axis=1)
    weights = np.linalg.lstsq(columns, truth.ravel(), rcond=None)[0]
    return (columns @ weights).reshape(truth.shape)


def _common_pixels(sample, outputs, scored, *, within=None) -> np.ndarray | None:
    """None when every candidate was scored on every pixel. Else the pixels all of them were scored on (a costly
    one scored on a few subsets), ``within`` the pixels the net never trained on if given, and each candidate's loss
    is recomputed there so that the ranking compares like with like."""
    pixels = np.logical_and.reduce([np.isfinite(outputs[e.name][1]) for e in scored])
    if within is not None:
        pixels &= within
    if pixels.all():
        return None
    for entry in scored:
        entry.loss = float(np.mean((outputs[entry.name][1][pixels] - sample[pixels]) ** 2))
        entry.note += (f"; loss over the pixels of subsets {list(FEW_SUBSETS)}, which every candidate was scored on"
                       + ("" if within is None else f" and {NET} never trained on"))
    return pixels


def _kept_out(sample, channel_axis) -> np.ndarray:
    """True on the pixels of :data:`FEW_SUBSETS`, in ``sample``'s shape: the net never trains on them as targets,
    so that its loss there scores it on pixels it was not fitted to. Trained on every pixel, a net that trained
    long enough to fit its noise scores a loss below what it is worth (``--budget 600`` on the coins,
    docs/your-image.md), and would be chosen over a better candidate."""
    pixels = _kept_out_plane(sample.shape[1:], channel_axis)
    if channel_axis is not None:
        pixels = np.expand_dims(pixels, channel_axis)
    return np.broadcast_to(pixels[None], sample.shape)


def _kept_out_plane(plane: tuple, channel_axis) -> np.ndarray:
    """The (H, W) of :func:`_kept_out` for one plane of shape ``plane`` (channels on ``channel_axis``, if any)."""
    spatial = plane if channel_axis is None else tuple(n for i, n in enumerate(plane) if i != channel_axis)
    return np.isin(grid_labels(spatial, stride=STRIDE), FEW_SUBSETS)


def _loss_gap(noisy, first, second, pixels=None) -> tuple[float, float]:
    """(loss of ``second`` - loss of ``first``, its standard error) from the per-pixel squared residuals against
    ``noisy`` of two J-invariant outputs, pixels (and channels) taken as independent; on ``pixels`` if given."""
    difference = (second - noisy) ** 2 - (first - noisy) ** 2
    difference = (difference if pixels is None else difference[pixels]).ravel()
    return float(difference.mean()), float(difference.std(ddof=1) / np.sqrt(difference.size))


def _classical(name, sample, channel_axis, left, *, clean, progress, grid=None, output="plain",
               subsets: str = "fit", crop: bool | None = None):
    """Calibrate one classical method inside ``left`` seconds: approximate search on one subset, then the exact
    loss, each the mean over the sample's planes. Returns the entry, the outputs on the sample and the applier.

    A method in :data:`COSTLY` is calibrated like the others when the whole of that fits ``left`` (one timed call
    on the crop tells); otherwise it searches its grid on the central :data:`SEARCH_CROP` crop, and its best
    :data:`FINALISTS` settings there are compared on the whole image by the full calibration's own criterion, the
    approximate loss on one subset, when that fits (a crop's ranking of close settings can differ from the whole
    image's; with the same criterion the cheap way picks the full one's setting whenever it is a finalist, where
    the exact loss on 4 subsets, tried before, preferred a worse one on the camera: docs/your-image.md). Then
    :func:`_scoring` decides where the chosen setting is scored: all 16 subsets, the 4 of :data:`FEW_SUBSETS`, or
    for a cropped method whose 4 calls on the whole image would not fit, those 4 subsets of the crop alone (its
    J-invariant output is then NaN elsewhere, and :func:`choose` compares every candidate on the pixels all were
    scored on).
    ``subsets``: "fit" (the budget decides), or "all" or "few" to force one way; ``crop``: search the grid on the
    crop (None: only for a method in :data:`COSTLY`). ``benchmarks/bench_bm3d_calibration.py`` compares the cheap
    way with the full one.
    """
    method, started = METHODS[name], time.perf_counter()
    extra = {} if channel_axis is None else {"channel_axis": channel_axis}
    settings = expand_grid(grid if grid is not None else method.grid(sample[0], channel_axis=channel_axis))
    calls = len(sample)  # one call per plane
    cropped = ((name in COSTLY if crop is None else crop) and min(sample.shape[1:3]) > SEARCH_CROP
               and channel_axis in (None, sample.ndim - 2))  # the first two axes of a plane are its rows, columns
    window = (slice(None), *_window(sample.shape[1:3])) if cropped else ...
    searched = sample[window]
    scale = sample[0].size / searched[0].size  # a call on the whole plane costs about this many searched calls
    if cropped and crop is None:  # the full calibration (whole planes, all 16 subsets) when it fits after all
        tick = time.perf_counter()
        method.function(searched[0], **settings[0], **extra)
        whole = (time.perf_counter() - tick) * scale * calls
        if 1.5 * whole * (len(settings) + STRIDE**2 + 1) <= left - (time.perf_counter() - started):  # a margin
            cropped, window, searched, scale = False, ..., sample, 1.0
    approximate, searching = [], time.perf_counter()
    for i, params in enumerate(_progress(settings, name, progress)):
        approximate.append(_approximate_loss(method, params, searched, channel_axis, extra))
        per_setting = (time.perf_counter() - searching) / (i + 1)
        rest, whole = per_setting * (len(settings) - i - 1), per_setting * scale
        if rest + per_setting * len(FEW_SUBSETS) + whole > left - (time.perf_counter() - started):  # the least:
            need = per_setting * (len(settings) + len(FEW_SUBSETS)) + whole  # 4 subsets searched, 1 plain call
            return Candidate(name, "skipped", seconds=round(time.perf_counter() - started, 2),
                             note=f"needs about {need:.0f} s" + (f" on {calls} planes" if calls > 1 else "")
                                  + f", {left:.0f} s were left"), None, None

    # a crop's ranking is checked on the whole plane: its best few compared there by the full calibration's own
    # criterion (the approximate loss, one call each), when they and the 4 subsets after them fit
    finalists = min(FINALISTS, len(settings)) if cropped else 1
    while finalists > 1 and whole * (finalists + len(FEW_SUBSETS) + 1) > left - (time.perf_counter() - started):
        finalists -= 1
    ranked = [settings[i] for i in np.argsort(approximate, kind="stable")[:finalists]]
    params = ranked[0] if finalists == 1 else min(
        ranked, key=lambda chosen: _approximate_loss(method, chosen, sample, channel_axis, extra))  # first on ties
    kwargs = {**params, **extra}

    def invariant_of(plane, subsets=None):
        return denoise_invariant(plane, method.function, stride=STRIDE, channel_axis=channel_axis,
                                 denoiser_kwargs=kwargs, subsets=subsets)

    scoring = _scoring(subsets, whole, left - (time.perf_counter() - started), cropped=cropped)
    if scoring == "crop":  # the 4 subsets of the crop alone (on the grid's phases), NaN elsewhere
        invariant = np.full(sample.shape, np.nan)
        invariant[window] = np.stack([invariant_of(plane, FEW_SUBSETS) for plane in searched])
    else:
        invariant = np.stack([invariant_of(plane, None if scoring == "all" else FEW_SUBSETS) for plane in sample])

    def plain_of(plane):
        return method.function(plane, **kwargs)

    scored = np.isfinite(invariant)
    entry = Candidate(name, loss=float(np.mean((invariant[scored] - sample[scored]) ** 2)),
                      parameters=_plain(params),
                      note=f"{len(settings)} settings scored on one subset" + (f" of the central {SEARCH_CROP} x "
                           f"{SEARCH_CROP} crop" if cropped else "") + (f", its best {finalists} compared on "
                           "one subset of the whole image" if finalists > 1 else "") + ", the best on "
                           + {"all": f"all {STRIDE**2}",
                              "few": f"{len(FEW_SUBSETS)} of the {STRIDE**2} (all 16 would not fit)",
                              "crop": f"{len(FEW_SUBSETS)} of the {STRIDE**2} subsets of the crop alone (4 on the "
                                      "whole image would not fit)"}[scoring]
                           + (f" (each the mean over {calls} planes)" if calls > 1 else ""))
    plain = functools.partial(_each, plain_of, sample)  # run for the winner only, unless scored vs clean
    if clean is not None:
        plain = plain()
        entry.psnr_plain, entry.psnr_invariant = psnr(clean, plain), psnr(clean[scored], invariant[scored])
    entry.seconds = round(time.perf_counter() - started, 2)
    return entry, (plain, invariant), invariant_of if output == "invariant" else plain_of


def _approximate_loss(method, params, sample, channel_axis, extra) -> float:
    """The full calibration's criterion for one setting: the approximate loss (one subset, one call a plane)."""
    return float(np.mean([self_supervised_loss(plane, method.function, stride=STRIDE, approximate=True,
                                               channel_axis=channel_axis, denoiser_kwargs={**params, **extra})
                          for plane in sample]))


def _scoring(subsets: str, whole: float, left: float, *, cropped: bool) -> str:
    """Where the chosen setting's J-invariant version is made and scored, given ``whole``, the seconds of one call
    on every plane, and the seconds ``left``: "all" 16 subsets when they fit, else the "few" of
    :data:`FEW_SUBSETS`, else (a method searched on a crop) those few on the "crop" alone. ``subsets`` "all" or
    "few" forces one (benchmarks)."""
    if subsets in ("all", "few"):
        return subsets
    if whole * (STRIDE**2 + 1) <= left:
        return "all"
    return "crop" if cropped and whole * (len(FEW_SUBSETS) + 1) > left else "few"


def _window(shape) -> tuple[slice, slice]:
    """The central :data:`SEARCH_CROP` square of a (H, W) plane, its corner on the grid's phases (multiples of
    :data:`STRIDE`), so that the crop's subsets J are the whole image's."""
    return tuple(slice(start, start + SEARCH_CROP) for start in ((n - SEARCH_CROP) // 2 // STRIDE * STRIDE
                                                                 for n in shape))


def _each(function, sample) -> np.ndarray:
    return np.stack([function(plane) for plane in sample])


def _net(sample, channel_axis, left, *, seed, device, clean, progress, train_planes=None, output="plain"):
    """Train the Noise2Self net for what is left (less its prediction time) and score its J-invariant version;
    on several planes the net trains on ``train_planes`` (default: the sample) and is scored on the sample."""
    if left < MIN_NET_SECONDS:
        return Candidate(NET, "skipped", note=f"{max(left, 0):.0f} s were left, under the {MIN_NET_SECONDS:.0f} s a "
                                              "net needs here"), None, None
    from ..nets.single_image import fit_image  # torch, only when a net is a candidate
    from ..nets.training import resolve_precision

    stack = len(sample) > 1 or train_planes is not None
    data = (sample if train_planes is None else train_planes) if stack else sample[0]
    options = {"channel_axis": channel_axis, "seed": seed, "device": device, "planes": stack,
               "keep_out": _kept_out_plane(sample.shape[1:], channel_axis)}
    started = time.perf_counter()
    probe = fit_image(data, steps=1, progress=False, **options)
    tick = time.perf_counter()
    probe.predict(image=sample[0])
    reserve = 20 * len(sample) * (time.perf_counter() - tick)  # a single pass and 16 masked ones per plane, and room
    train_for = left - (time.perf_counter() - started) - reserve
    if train_for < MIN_NET_SECONDS / 2:
        return Candidate(NET, "skipped", seconds=round(time.perf_counter() - started, 2),
                         note=f"predicting takes about {reserve:.0f} s, too little was left to train"), None, None
    fitted = fit_image(data, steps=1_000_000, progress=progress, time_limit=train_for, precision="auto",
                       schedule="cosine", **options)  # bfloat16 where it is native; the rate decays by the clock

    def plain_of(plane):
        return fitted.predict(image=plane)

    def invariant_of(plane):
        return fitted.predict(image=plane, invariant=True)

    plain, invariant = _each(plain_of, sample), _each(invariant_of, sample)
    scored = _kept_out(sample, channel_axis)
    entry = Candidate(NET, loss=float(np.mean((invariant[scored] - sample[scored]) ** 2)),
                      parameters={"model": "unet-small", "steps": fitted.report["steps_done"], "schedule": "cosine",
                                  "precision": str(resolve_precision("auto", fitted.device)).removeprefix("torch.")},
                      note=f"trained {fitted.report['train_seconds']:.0f} s"
                           + (f" on {len(data)} planes" if stack else "")
                           + f", never on the pixels of subsets {list(FEW_SUBSETS)} as targets")
    if clean is not None:
        entry.psnr_plain, entry.psnr_invariant = psnr(clean, plain), psnr(clean, invariant)
    entry.seconds = round(time.perf_counter() - started, 2)
    return entry, (plain, invariant), invariant_of if output == "invariant" else plain_of


def _progress(items, name, enabled):
    from tqdm.auto import tqdm

    return tqdm(items, desc=f"calibrating {name}", disable=not enabled, leave=False)


def _plain(params: dict) -> dict:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}
