"""The CPU count honours affinity and cgroup quotas, the thread pools follow it, and the scale follows the GPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from n2s_core import hardware


def cgroup(tmp_path, **files):
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(("files", "expected"), [
    ({"cpu.max": "max 100000\n"}, 8),  # v2, no quota
    ({"cpu.max": "100000 100000\n"}, 1),  # v2, one CPU (Binder)
    ({"cpu.max": "150000 100000\n"}, 2),  # 1.5 CPUs round up
    ({"cpu.max": "5000 100000\n"}, 1),  # a sliver of a CPU is still one thread
    ({"cpu__cpu.cfs_quota_us": "200000\n", "cpu__cpu.cfs_period_us": "100000\n"}, 2),  # v1
    ({"cpu__cpu.cfs_quota_us": "-1\n", "cpu__cpu.cfs_period_us": "100000\n"}, 8),  # v1, no quota
    ({"cpu.max": "garbage\n"}, 8),  # unreadable: trust the affinity mask
    ({}, 8),  # no cgroup files at all
])
def test_available_cpus_is_the_affinity_capped_by_the_quota(tmp_path, files, expected):
    assert hardware.available_cpus(cgroup_root=cgroup(tmp_path, **files), affinity=set(range(8))) == expected


def test_affinity_mask_caps_the_count(tmp_path):
    root = cgroup(tmp_path, **{"cpu.max": "400000 100000"})
    assert hardware.available_cpus(cgroup_root=root, affinity={3}) == 1
    assert hardware.available_cpus(cgroup_root=root, affinity=set()) == 1


def test_thread_count_reads_the_overrides_in_order():
    assert hardware.thread_count({"N2S_THREADS": "3", "OMP_NUM_THREADS": "5"}) == 3
    assert hardware.thread_count({"OMP_NUM_THREADS": "5"}) == 5
    assert hardware.thread_count({}) == hardware.available_cpus()
    with pytest.raises(ValueError, match="N2S_THREADS must be a positive integer, got '0'"):
        hardware.thread_count({"N2S_THREADS": "0"})
    with pytest.raises(ValueError, match="OMP_NUM_THREADS must be a positive integer, got 'many'"):
        hardware.thread_count({"OMP_NUM_THREADS": "many"})


def test_size_thread_pools_sets_unset_variables_and_keeps_yours():
    environ = {"MKL_NUM_THREADS": "7", "N2S_THREADS": "2"}
    assert hardware.size_thread_pools(environ) == 2
    assert environ["MKL_NUM_THREADS"] == "7"
    assert all(environ[name] == "2" for name in hardware.THREAD_VARIABLES if name != "MKL_NUM_THREADS")


def run_fresh(code: str, **env) -> dict:
    base = {key: value for key, value in os.environ.items() if key not in hardware.THREAD_SETTINGS}
    out = subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_package_changes_no_thread_setting():
    code = "import json, os, n2s_core; print(json.dumps({'omp': os.environ.get('OMP_NUM_THREADS')}))"
    assert run_fresh(code)["omp"] is None
    assert run_fresh(code, OMP_NUM_THREADS="3")["omp"] == "3"


def test_sizing_on_request_sets_the_pools_to_the_cpus_or_to_your_setting():
    code = ("import json, os, n2s_core; n2s_core.size_thread_pools(); "
            "print(json.dumps({'omp': os.environ['OMP_NUM_THREADS'], 'cpus': n2s_core.available_cpus()}))")
    seen = run_fresh(code)
    assert seen["omp"] == str(seen["cpus"])
    assert run_fresh(code, N2S_THREADS="1")["omp"] == "1"


@pytest.mark.slow  # starts four interpreters with torch
def test_torch_keeps_your_thread_count_and_follows_a_sizing_on_request():
    """Importing n2s_core.nets used to override torch.set_num_threads called before it (issue 27): no longer."""
    pytest.importorskip("torch")
    yours = ("import json, torch; torch.set_num_threads(1); import n2s_core.nets; "
             "print(json.dumps({'torch': torch.get_num_threads()}))")
    assert run_fresh(yours, N2S_THREADS="2")["torch"] == 1
    asked = ("import json, torch, n2s_core; import n2s_core.nets; n2s_core.size_thread_pools(); "
             "print(json.dumps({'torch': torch.get_num_threads()}))")
    assert run_fresh(asked, N2S_THREADS="1")["torch"] == 1
    assert run_fresh(asked, OMP_NUM_THREADS="1")["torch"] == 1  # your own setting is kept


def test_pick_scale_follows_the_gpu_and_the_override():
    assert hardware.pick_scale({}, gpu=False) == hardware.Scale(quick=True, reason="no GPU found")
    assert hardware.pick_scale({}, gpu=True).quick is False
    assert hardware.pick_scale({"N2S_QUICK": "0"}, gpu=False).quick is False
    assert hardware.pick_scale({"N2S_QUICK": "1"}, gpu=True).quick is True
    assert hardware.pick_scale({"N2S_QUICK": " "}, gpu=False).quick is True  # blank = unset
    with pytest.raises(ValueError, match="N2S_QUICK must be 1 .* or 0 .*, got 'yes'"):
        hardware.pick_scale({"N2S_QUICK": "yes"})


def test_the_scale_says_what_was_picked_and_how_to_change_it():
    quick = str(hardware.pick_scale({}, gpu=False))
    assert quick.startswith("Scale: quick (no GPU found)") and "N2S_QUICK=0" in quick and "QUICK = False" in quick
    paper = str(hardware.pick_scale({}, gpu=True))
    assert paper.startswith("Scale: the paper's (a CUDA GPU found)") and "N2S_QUICK=1" in paper


def test_has_gpu_does_not_import_torch():
    code = "import json, sys, n2s_core; n2s_core.hardware.has_gpu(); print(json.dumps('torch' in sys.modules))"
    assert run_fresh(code) is False
