"""The neural half (imports torch; ``import n2s_core`` does not import this folder).

Follow a training step from left to right:

- :mod:`.masks`         which pixels a step holds out: a grid subset or a random one (boolean masks)
- :mod:`.masking`       what replaces them (``Masker``) and the loss on them alone (``masked_mse``)
- :mod:`.unet`, :mod:`.dncnn`  the paper's two networks
- :mod:`.models`        build a net by name, seed its weights, count its parameters
- :mod:`.objectives`    the family's losses: blind spot (Noise2Self, Noise2Void, N2V2), Noise2Same, SURE
- :mod:`.subsampling`   pair sub-sampling: Neighbor2Neighbor, Zero-Shot Noise2Noise
- :mod:`.training`      one ``train`` function for every objective
- :mod:`.checkpoints`   atomic checkpoints and exact resumption
- :mod:`.inference`     single-pass, J-invariant and tiled prediction
- :mod:`.single_image`  train on one noisy image and denoise it (``python -m n2s_core denoise``)
"""

# Importing this folder leaves torch's thread count as it was: ``n2s_core.size_thread_pools()`` sizes it on request.
