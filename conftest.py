"""Repository-wide pytest set-up.

- notebooks/*.py are the jupytext twins of the notebooks: never import them as test modules or doctests
  (nbval runs the .ipynb instead); benchmarks/*.py are scripts, run by `make bench`.
- Tests marked `gpu` are skipped when torch sees no CUDA device.
- Under ``CI=true`` a skipped test is a failure, whatever skipped it (a missing optional package, font, fetched
  file or compiler), because CI installs and fetches everything: only the `gpu` tests may skip there, on a machine
  without a GPU, and, in a run of the NumPy half alone on other Pythons (``N2S_WITHOUT_TORCH=1``, ``--numpy-only`` of
  tools/test_pythons.py), a test that skips because torch is not installed. A skip outside CI still says what to
  install.
"""

import os

import pytest

collect_ignore_glob = ["notebooks/*.py", "benchmarks/*.py", "binder/*", "**/.ipynb_checkpoints/*"]
GPU_SKIP = "needs a CUDA device (torch.cuda.is_available() is False)"


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    import torch  # only imported when a gpu test was collected

    if not torch.cuda.is_available():
        skip = pytest.mark.skip(reason=GPU_SKIP)
        for item in gpu_items:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped or item.get_closest_marker("gpu"):
        return
    if hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if os.environ.get("N2S_WITHOUT_TORCH") == "1" and "torch" in reason:
        return
    report.outcome = "failed"
    report.longrepr = f"skipped under CI=true, where nothing may be missing: {reason}"
