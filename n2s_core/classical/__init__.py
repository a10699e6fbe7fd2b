"""Classical denoisers and their calibration by the self-supervised loss (NumPy, scipy, scikit-image; no torch).

- :mod:`.filters`      the median and the donut median (J-invariant by construction)
- :mod:`.denoisers`    median, wavelet, NL-means, total variation, BM3D: each with its default and its grid
- :mod:`.calibration`  pick the setting with the lowest self-supervised loss; mix the output with the noisy input
"""
