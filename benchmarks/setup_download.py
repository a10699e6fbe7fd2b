"""What `make setup` downloads on a machine without a GPU, against the CUDA build a plain install would fetch.

Both sides run in one run, each into an empty folder with pip's cache off, for this checkout's extras
`.[test,notebooks,docs]`:

- **cpu**: torch as `make setup` installs it: the Makefile's TORCH pin from its TORCH_CPU_INDEX (PyTorch's CPU
  index), falling back to pip's own index where that one cannot be reached, as the Makefile does; then the rest,
  with that torch wheel already there.
- **unpinned**: the same extras with torch left to pip's own index, as `pip install -e .` alone would resolve it
  (on Linux, PyPI's torch is the CUDA build, with its CUDA libraries and triton).

It prints the files, MiB and seconds of each side and the ratio of their sizes, and writes them as JSON. The
times say how fast this machine's indexes served the files, not how fast a laptop's network is. It needs the
network (or a local index) and is never run by the tests.

    .venv/bin/python benchmarks/setup_download.py [--out results/setup_download.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ".[test,notebooks,docs]"
CUDA_PREFIXES = ("nvidia", "triton", "cuda")  # what the CUDA build of torch brings with it


def makefile_default(name: str) -> str:
    """A variable's default in the Makefile (``NAME ?= value``), so the benchmark follows `make setup`."""
    match = re.search(rf"^{name} \?= (\S+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        raise SystemExit(f"the Makefile has no default for {name}")
    return match.group(1)


def pip_download(folder: Path, *args: str) -> bool:
    done = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-cache-dir", "-d", str(folder),
                           *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "pip download failed", file=sys.stderr)
    return done.returncode == 0


def measure(folder: Path, seconds: float) -> dict:
    wheels = sorted(folder.iterdir())
    torch = [p.name for p in wheels if p.name.startswith("torch-")]
    cuda = [p for p in wheels if p.name.lower().startswith(CUDA_PREFIXES)]
    return {"files": len(wheels), "mib": round(sum(p.stat().st_size for p in wheels) / 2**20, 1),
            "seconds": round(seconds, 1), "torch_wheel": torch[0] if torch else None,
            "torch_mib": round(sum(p.stat().st_size for p in wheels if p.name.startswith("torch-")) / 2**20, 1),
            "cuda_libraries_mib": round(sum(p.stat().st_size for p in cuda) / 2**20, 1)}


def cpu_side(folder: Path) -> dict:
    torch, index = makefile_default("TORCH"), makefile_default("TORCH_CPU_INDEX")
    start = time.perf_counter()
    from_cpu_index = pip_download(folder, "--index-url", index, "--retries", "2", torch)  # as the Makefile does
    if not from_cpu_index:
        pip_download(folder, torch)
    if not pip_download(folder, "--find-links", str(folder), EXTRAS, torch):
        raise SystemExit("pip could not download the extras")
    return {**measure(folder, time.perf_counter() - start), "torch_pin": torch, "cpu_index": index,
            "fell_back_to_pip_index": not from_cpu_index}


def unpinned_side(folder: Path) -> dict:
    start = time.perf_counter()
    if not pip_download(folder, EXTRAS):
        raise SystemExit("pip could not download the unpinned extras")
    return measure(folder, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the measurements as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cpu_dir, tempfile.TemporaryDirectory() as unpinned_dir:
        cpu = cpu_side(Path(cpu_dir))
        unpinned = unpinned_side(Path(unpinned_dir))
    result = {"extras": EXTRAS, "python": platform.python_version(), "platform": platform.platform(),
              "cpu": cpu, "unpinned": unpinned, "ratio": round(unpinned["mib"] / cpu["mib"], 2)}
    for side in ("cpu", "unpinned"):
        r = result[side]
        print(f"{side:9s} {r['files']:4d} files {r['mib']:8.1f} MiB in {r['seconds']:6.1f} s  "
              f"(torch: {r['torch_wheel']}, {r['torch_mib']:.0f} MiB; "
              f"CUDA libraries {r['cuda_libraries_mib']:.0f} MiB)")
    print(f"unpinned / cpu download: {result['ratio']:.2f}x")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
