"""What the machine offers: the CPUs this process may really use, whether a GPU is there, and the scale it picks.

Thread pools. torch, OpenMP and the BLAS libraries size their pools from the host's cores, not from what a container
may use: on Binder (1 CPU of a many-core host) or a shared CI machine that means many threads fighting over one core.
On a loaded 2-core machine a Noise2Self training with two threads took 472 s where one thread took 63 s. So the
package counts the CPUs it may use once, from the affinity mask and the cgroup CPU quota, and sizes every pool to
that when asked: :func:`size_thread_pools`, which the command line, the notebooks and the tests call first, and which
a script calls itself (importing the package changes no setting). ``N2S_THREADS`` or ``OMP_NUM_THREADS`` set by you
overrides the count, and any thread variable you set is kept.

Scale. A notebook opened from a badge runs at the scale :func:`pick_scale` chooses: quick on a CPU, the paper's on a
GPU, unless ``N2S_QUICK=1`` or ``N2S_QUICK=0`` says otherwise.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# The variables OpenMP and the BLAS/LAPACK builds read when their pools start (numpy, scipy, torch).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
THREAD_SETTINGS = (*THREAD_VARIABLES, "N2S_THREADS")  # every variable that can decide the count: unset all to measure


def available_cpus(*, cgroup_root: str | Path = "/sys/fs/cgroup", affinity: set[int] | None = None) -> int:
    """How many CPUs this process may use: the affinity mask, capped by a cgroup CPU quota (v2 or v1), at least 1.

    A quota of 1.5 CPUs counts as 2, as the container runtimes round it.

    Examples
    --------
    >>> available_cpus() >= 1
    True
    """
    if affinity is None:
        affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set(range(os.cpu_count() or 1))
    count = max(1, len(affinity))
    quota = _cgroup_quota(Path(cgroup_root))
    return min(count, max(1, math.ceil(quota))) if quota is not None else count


def _cgroup_quota(root: Path) -> float | None:
    """CPUs allowed by the cgroup's quota (``cpu.max`` in v2; ``cfs_quota_us / cfs_period_us`` in v1), or None."""
    try:
        if (root / "cpu.max").is_file():
            quota, period = (root / "cpu.max").read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        for folder in (root / "cpu", root / "cpu,cpuacct", root):
            if (folder / "cpu.cfs_quota_us").is_file():
                quota = int((folder / "cpu.cfs_quota_us").read_text())
                period = int((folder / "cpu.cfs_period_us").read_text())
                return None if quota <= 0 or period <= 0 else quota / period
    except (OSError, ValueError):  # unreadable or malformed: no quota we can trust
        return None
    return None


def thread_count(environ=None) -> int:
    """Threads for every pool: ``N2S_THREADS``, else ``OMP_NUM_THREADS``, else :func:`available_cpus`.

    Examples
    --------
    >>> thread_count({"N2S_THREADS": "3", "OMP_NUM_THREADS": "8"})
    3
    >>> thread_count({"OMP_NUM_THREADS": "1"})
    1
    """
    environ = os.environ if environ is None else environ
    for name in ("N2S_THREADS", "OMP_NUM_THREADS"):
        value = environ.get(name, "").strip()
        if value:
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
            return int(value)
    return available_cpus()


def size_thread_pools(environ=None) -> int:
    """Set every thread variable you have not set yourself to :func:`thread_count`; return that count.

    The variables reach OpenMP and BLAS pools that have not started yet (torch reads ``OMP_NUM_THREADS`` when it is
    imported). Pools already running are resized: numpy's with ``threadpoolctl`` when it is installed, torch's with
    ``torch.set_num_threads`` when torch is imported. Nothing calls this on import; call it before heavy work (the
    command line and the notebooks do). Safe to call more than once.

    Examples
    --------
    >>> environ = {"N2S_THREADS": "2", "MKL_NUM_THREADS": "7"}
    >>> size_thread_pools(environ), environ["OMP_NUM_THREADS"], environ["MKL_NUM_THREADS"]
    (2, '2', '7')
    """
    environ = os.environ if environ is None else environ
    count = thread_count(environ)
    for name in THREAD_VARIABLES:
        environ.setdefault(name, str(count))
    if environ is not os.environ:
        return count
    if "numpy" in sys.modules:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            pass
        else:
            threadpool_limits(limits=count)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(count)
    return count


def has_gpu() -> bool:
    """Whether a CUDA GPU is visible, without importing torch (it asks torch only when torch is already loaded)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        return bool(torch.cuda.is_available())
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    gpus = Path("/proc/driver/nvidia/gpus")
    return (gpus.is_dir() and any(gpus.iterdir())) or Path("/dev/nvidia0").exists()


@dataclass(frozen=True)
class Scale:
    """The scale a notebook runs at, and why it was picked."""

    quick: bool  # small crops and short trainings (about a minute on a laptop CPU) instead of the paper's sizes
    reason: str  # what decided it, e.g. "no GPU found"

    def __str__(self) -> str:
        if self.quick:
            return (f"Scale: quick ({self.reason}): small crops and short trainings, about a minute on a laptop "
                    "CPU. For the paper's scale set QUICK = False in this cell, or start Jupyter with N2S_QUICK=0.")
        return (f"Scale: the paper's ({self.reason}): full images and full trainings, minutes on a GPU. For the "
                "quick mode set QUICK = True in this cell, or start Jupyter with N2S_QUICK=1.")


def pick_scale(environ=None, *, gpu: bool | None = None) -> Scale:
    """Quick on a CPU, the paper's scale on a GPU; ``N2S_QUICK=1`` or ``N2S_QUICK=0`` overrides either.

    Examples
    --------
    >>> pick_scale({"N2S_QUICK": "1"}).quick
    True
    >>> pick_scale({}, gpu=True)
    Scale(quick=False, reason='a CUDA GPU found')
    """
    environ = os.environ if environ is None else environ
    value = environ.get("N2S_QUICK", "").strip()
    if value in ("0", "1"):
        return Scale(quick=value == "1", reason=f"N2S_QUICK={value} is set")
    if value:
        raise ValueError(f"N2S_QUICK must be 1 (quick) or 0 (the paper's scale), got {value!r}; unset it to let "
                         "the hardware decide")
    gpu = has_gpu() if gpu is None else gpu
    return Scale(quick=not gpu, reason="a CUDA GPU found" if gpu else "no GPU found")
