"""Builders for the notebooks: figures (:mod:`.plotting`, matplotlib), widgets (:mod:`.widgets`, ipywidgets) and
the reveal after a prediction (:mod:`.exercises`).

Notebooks import these; these never import a notebook, the nets or the paper's experiments (they are handed
results to draw).
"""
