"""Builders for the notebooks: figures (:mod:`.plotting`, matplotlib) and widgets (:mod:`.widgets`, ipywidgets).

Notebooks import these; these never import a notebook, the nets or the paper's experiments (they are handed
results to draw).
"""
