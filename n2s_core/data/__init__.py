"""The data: images that ship with our dependencies, the regenerated Hanzi set, and labelled substitutes.

- :mod:`.images`         bundled scikit-image pictures and the paper's noisy camera (paper §3)
- :mod:`.hanzi`          the shipped bank of Chinese-character glyphs (and the renderer that made it)
- :mod:`.substitutes`    clean images standing in for CellNet and ImageNet (synthetic cells, photo crops)
- :mod:`.noisy_dataset`  ``NoisyDataset``: clean images, two noisy copies, a fixed split
- :mod:`.datasets`       Table 2's three data sets and your own folder, built once and cached on disk

Nothing here downloads; nothing here imports torch.
"""
