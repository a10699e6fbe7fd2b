"""The paper's experiments, one module each: they compute the numbers and write the files of ``results/``.

- :mod:`.figure2`   Figure 2: the median against the donut median, both losses by radius (camera)
- :mod:`.table1`    Table 1: classical denoisers calibrated by the self-supervised loss (camera)
- :mod:`.table1_report`  Table 1's files; rows that need an absent extra are carried over
- :mod:`.table2`    Table 2: what the dataset table holds (rows, the paper's numbers, presets); no torch
- :mod:`.table2_runs`    train and score every row, resumably, once per seed (imports torch)
- :mod:`.table2_report`  the table's files, and one overview of the three data sets
- :mod:`.ledger`    every reproduced number beside the paper's and the authors' notebook's
- :mod:`.report`    the writers they share: atomic CSV, Markdown, JSON, PNG, and the run metadata

Figures 3, 4 and 5 will each get a module here (``figure3.py`` ...). This folder sits on top: it may import
everything below it (``nets``, ``classical``, ``data``, ``teach`` and the method), and nothing below imports it.
"""
