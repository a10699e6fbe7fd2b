"""n2s_core: the Noise2Self workbook's package (Batson & Royer, ICML 2019).

Follow the data from a noisy image to a denoised one. The method itself sits at the top, NumPy only:

- :mod:`~n2s_core.noise`          add Gaussian, Poisson and Bernoulli noise (and the paper's data-set recipes)
- :mod:`~n2s_core.partitions`     split the pixels into subsets J (grid or random)
- :mod:`~n2s_core.interpolation`  what replaces the held-out pixels (a mean of neighbours)
- :mod:`~n2s_core.invariance`     make any denoiser J-invariant; self-supervised and ground-truth losses
- :mod:`~n2s_core.metrics`        MSE, PSNR, SSIM
- :mod:`~n2s_core.diagnostics`    a checkerboard in a residual; noise correlated between neighbouring pixels

Beside it, :mod:`~n2s_core.hardware` counts the CPUs this process may use (``n2s.size_thread_pools()`` sizes every
thread pool to them, when called: importing the package changes no setting) and picks the notebooks' scale (quick
on a CPU, the paper's on a GPU).

Everything else lives in a folder named for what it holds (``docs/architecture.md`` draws the map):

- :mod:`~n2s_core.classical`  the median and donut median, classical denoisers, calibration by the loss
- :mod:`~n2s_core.data`       bundled images, the noisy camera, the Hanzi glyphs, substitutes, Table 2's data sets
- :mod:`~n2s_core.nets`       torch: maskers, UNet and DnCNN, training, inference, one-image denoising
- :mod:`~n2s_core.paper`      the paper's experiments (Figure 2, Tables 1 and 2) and the files they write
- :mod:`~n2s_core.teach`      figures and widgets for the notebooks
- :mod:`~n2s_core.cli`        ``python -m n2s_core reproduce | calibrate | denoise``

``import n2s_core`` brings the method, the classical half and the data, and never imports torch: import
``n2s_core.nets`` modules explicitly for the neural half.
"""

__version__ = "0.1.0"  # the one place: pyproject.toml reads it; CITATION.cff and the Colab cell are tested against it

from .classical.calibration import (
    CalibrationResult,
    calibrate_denoiser,
    estimate_noise_variance,
    expand_grid,
    mix,
    mixing_weight,
    swept_parameter,
)
from .classical.denoisers import METHODS, bm3d_available, get_method
from .classical.filters import disk, donut_median, median
from .data.datasets import (
    NoisyDataset,
    load_dataset,
    load_folder,
    make_cellnet_like,
    make_hanzi,
    make_imagenet_like,
)
from .data.images import BUNDLED, crop_center, describe_camera, load_image, noisy_camera, pick_camera
from .data.noisy_dataset import raw_psnr
from .diagnostics import checkerboard_ratio, correlated_axis, noise_autocorrelation, stripe_ratio
from .hardware import Scale, available_cpus, pick_scale, size_thread_pools
from .interpolation import interpolate_neighbors, neighbor_kernel
from .invariance import denoise_invariant, ground_truth_loss, loss_decomposition, self_supervised_loss
from .metrics import mse, psnr, rescale_to, ssim
from .noise import add_noise, hanzi_noise, imagenet_noise, scmos_noise, streak_noise
from .partitions import count_subsets, grid_labels, random_labels, subset_mask

__all__ = [
    "BUNDLED", "CalibrationResult", "METHODS", "NoisyDataset", "Scale", "add_noise", "available_cpus",
    "bm3d_available", "calibrate_denoiser", "checkerboard_ratio", "correlated_axis", "count_subsets", "crop_center",
    "denoise_invariant", "describe_camera", "disk", "donut_median", "estimate_noise_variance", "expand_grid",
    "get_method", "grid_labels", "ground_truth_loss", "hanzi_noise", "imagenet_noise", "interpolate_neighbors",
    "load_dataset", "load_folder", "load_image", "loss_decomposition", "make_cellnet_like", "make_hanzi",
    "make_imagenet_like", "median", "mix", "mixing_weight", "mse", "neighbor_kernel", "noise_autocorrelation",
    "noisy_camera", "pick_camera", "pick_scale", "psnr", "random_labels", "raw_psnr", "rescale_to", "scmos_noise",
    "self_supervised_loss", "size_thread_pools", "streak_noise", "ssim", "stripe_ratio", "subset_mask",
    "swept_parameter",
]
