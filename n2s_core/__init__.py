"""n2s_core: the Noise2Self workbook's package (Batson & Royer, ICML 2019).

Follow the data from a noisy image to a denoised one, one idea per module:

- :mod:`~n2s_core.noise`          add Gaussian, Poisson and Bernoulli noise to a clean image
- :mod:`~n2s_core.partitions`     split the pixels into subsets J (grid or random)
- :mod:`~n2s_core.interpolation`  what replaces the held-out pixels (a mean of neighbours)
- :mod:`~n2s_core.invariance`     make any denoiser J-invariant; self-supervised and ground-truth losses
- :mod:`~n2s_core.filters`        the median and the donut median
- :mod:`~n2s_core.denoisers`      classical denoisers with the paper's parameter grids
- :mod:`~n2s_core.calibration`    pick parameters by the self-supervised loss; mix with the noisy input
- :mod:`~n2s_core.metrics`        MSE, PSNR, SSIM
- :mod:`~n2s_core.data`           images that ship with the dependencies; the paper's noisy camera
- :mod:`~n2s_core.hanzi`          the bank of Chinese-character glyphs behind the Hanzi set (and its renderer)
- :mod:`~n2s_core.substitutes`    clean images for the CellNet and ImageNet substitutes (synthetic cells, photo crops)
- :mod:`~n2s_core.datasets`       Table 2's data sets: clean, two noisy copies, a fixed split; cached on disk
- :mod:`~n2s_core.experiments`    Figure 2 and Table 1 as functions returning numbers
- :mod:`~n2s_core.plotting`, :mod:`~n2s_core.widgets`  figures and ipywidgets for the notebooks (import them)

Neural half (imports torch, so import these modules explicitly):

- :mod:`~n2s_core.masking`    torch maskers (grid + axis/diagonal/zero, random + uniform, random neighbour), masked MSE
- :mod:`~n2s_core.models`     UNet and DnCNN as the paper describes them
- :mod:`~n2s_core.inference`  single-pass and full J-invariant prediction
- :mod:`~n2s_core.training`   one ``train`` function and a ``TrainConfig`` for Noise2Self / Noise2Noise / Noise2Truth
- :mod:`~n2s_core.denoise`    train on one noisy image and denoise it (``python -m n2s_core denoise``)
- :mod:`~n2s_core.table2`     the paper's dataset table: every method, seeds, resumable runs
"""

from .calibration import (
    CalibrationResult,
    calibrate_denoiser,
    estimate_noise_variance,
    expand_grid,
    mix,
    mixing_weight,
    swept_parameter,
)
from .data import BUNDLED, crop_center, load_image, noisy_camera
from .datasets import (
    NoisyDataset,
    load_dataset,
    load_folder,
    make_cellnet_like,
    make_hanzi,
    make_imagenet_like,
    raw_psnr,
)
from .denoisers import METHODS, bm3d_available, get_method
from .filters import disk, donut_median, median
from .interpolation import interpolate_neighbors, neighbor_kernel
from .invariance import denoise_invariant, ground_truth_loss, loss_decomposition, self_supervised_loss
from .metrics import mse, psnr, rescale_to, ssim
from .noise import add_noise, hanzi_noise, imagenet_noise, scmos_noise
from .partitions import count_subsets, grid_labels, random_labels, subset_mask

__version__ = "0.1.0"

__all__ = [
    "BUNDLED", "METHODS", "CalibrationResult", "NoisyDataset", "add_noise", "bm3d_available", "calibrate_denoiser",
    "count_subsets", "crop_center", "denoise_invariant", "disk", "donut_median", "estimate_noise_variance",
    "expand_grid", "get_method", "grid_labels", "ground_truth_loss", "hanzi_noise", "imagenet_noise",
    "interpolate_neighbors", "load_dataset", "load_folder", "load_image", "loss_decomposition", "make_cellnet_like",
    "make_hanzi", "make_imagenet_like", "median", "mix", "mixing_weight", "mse", "neighbor_kernel", "noisy_camera",
    "psnr", "random_labels", "raw_psnr", "rescale_to", "scmos_noise", "self_supervised_loss", "ssim", "subset_mask",
    "swept_parameter",
]
