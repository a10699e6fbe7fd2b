"""Repository-wide pytest set-up.

- notebooks/*.py are the jupytext twins of the notebooks: never import them as test modules or doctests
  (nbval runs the .ipynb instead); benchmarks/*.py are scripts, run by `make bench`.
- Tests marked `gpu` are skipped when torch sees no CUDA device.
"""

import pytest

collect_ignore_glob = ["notebooks/*.py", "benchmarks/*.py", "binder/*", "**/.ipynb_checkpoints/*"]


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    import torch  # only imported when a gpu test was collected

    if not torch.cuda.is_available():
        skip = pytest.mark.skip(reason="needs a CUDA device (torch.cuda.is_available() is False)")
        for item in gpu_items:
            item.add_marker(skip)
