"""What the command line does for a user's own image (``python -m n2s_core calibrate | denoise``).

- :mod:`.image_files`  read and write the user's image without losing its bit depth or range, nor any other file
- :mod:`.selection`    pick the best denoiser for one image by the self-supervised loss, within a time budget

Nothing here imports torch at import time; :mod:`.selection` trains a net (torch) only when one is a candidate.
"""
