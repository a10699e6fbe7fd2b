"""What Binder (mybinder.org, which runs repo2docker) would build from this repository.

tests/project/test_environments.py reads binder/ as text: every runtime dependency is listed, the PyTorch CPU index
is named, postBuild is executable and pip-installs the package, runtime.txt is within requires-python. This module
asks repo2docker itself. A dry run (`repo2docker --no-build`, which needs no container engine) on a clean copy of
the tracked files says which build pack it picks and prints the Dockerfile it would build; the tests check the steps
that matter in it. Two more tests pin the facts about binder/ that decide what pip does there: PyPI stays the main
index, torch is pinned to a CPU build, and postBuild installs the package with --no-deps, so nothing is resolved
twice.

Without jupyter-repo2docker the repo2docker tests skip loudly; under CI=true they fail instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import Version

from tests.project import test_environments as environments
from tests.project.conftest import must_have

ROOT = environments.ROOT
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# mybinder.org builds as jovyan (uid 1000); naming them keeps the Dockerfile the same whoever runs the test
DRY_RUN = ["--no-build", "--debug", "--user-id", "1000", "--user-name", "jovyan"]
# the machine Binder installs on, for environment markers
BINDER_MARKERS = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.0",
                  "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
                  "os_name": "posix", "implementation_name": "cpython", "platform_python_implementation": "CPython"}
# repo2docker imports python-json-logger's old module name (repo2docker 2026.4.0, python-json-logger 3.x)
pytestmark = pytest.mark.filterwarnings("ignore:pythonjsonlogger.jsonlogger has been moved:DeprecationWarning")


def _must_have(condition: bool, reason: str) -> None:
    must_have(condition, reason, test="BINDER TEST")


@pytest.fixture(scope="module")
def repo2docker():
    try:
        import repo2docker
    except ImportError as error:  # the docker library it imports can fail as well
        _must_have(False, f"repo2docker is not importable ({error}); pip install jupyter-repo2docker")
    return repo2docker


def _copy_tracked_files(dest: Path) -> Path:
    """The working-tree version of every tracked file, copied to `dest`: what the next commit would hold, without
    untracked files (.venv, build/, results) that a local build context would otherwise pick up."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        _must_have(False, f"cannot list the tracked files with git ({error})")
    for name in listed.decode().split("\0"):
        source, target = ROOT / name, dest / name
        if not name or not (source.is_file() or source.is_symlink()):  # deleted in the working tree, or a submodule
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)  # keeps postBuild's executable bit
    return dest


def _dry_run(repo: Path, workdir: Path) -> str:
    """The Dockerfile repo2docker would build for `repo`. It runs from an empty `workdir`, because repo2docker
    reads a repo2docker_config.py from its working directory, which Binder's would not have."""
    workdir.mkdir(exist_ok=True)
    result = subprocess.run([sys.executable, "-m", "repo2docker", *DRY_RUN, str(repo)], cwd=workdir,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"repo2docker failed:\n{result.stderr}"
    assert "FROM " in result.stdout, f"repo2docker printed no Dockerfile:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _picked_build_pack(repo: Path) -> tuple[type, str]:
    """(class, Python version) of the build pack repo2docker picks for `repo`: the first of its ordered list whose
    detect() accepts the repository, as Repo2Docker.build does (the dry run prints the Dockerfile, not the pick)."""
    from repo2docker.app import Repo2Docker

    app = Repo2Docker()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(repo)  # build packs read runtime.txt, environment.yml, ... relative to the working directory
        for build_pack_class in app.buildpacks:
            build_pack = build_pack_class(base_image=app.base_image)
            if build_pack.detect():
                return build_pack_class, build_pack.python_version
    pytest.fail(f"no repo2docker build pack accepts {repo}")


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) of each Dockerfile instruction, continuation lines joined, comments and blanks dropped."""
    instructions, pending = [], []
    for line in dockerfile.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pending.append(line.rstrip())
        if pending[-1].endswith("\\"):
            pending[-1] = pending[-1][:-1]
            continue
        keyword, _, arguments = "\n".join(pending).strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = []
    return instructions


def _first(instructions: list[tuple[str, str]], keyword: str, pattern: str) -> int | None:
    """Index of the first `keyword` instruction whose arguments match `pattern`, or None."""
    return next((i for i, (kw, arguments) in enumerate(instructions)
                 if kw == keyword and re.search(pattern, arguments)), None)


def _copies_whole_repository(arguments: str) -> bool:
    """A COPY of the whole build-context repository (repo2docker puts it at src/ of its context)."""
    sources = [word for word in arguments.split() if not word.startswith("--")][:-1]
    return any(source.rstrip("/") == "src" for source in sources)


def _build_problems(dockerfile: str) -> list[str]:
    """What is wrong with a Binder Dockerfile for this repository: binder/requirements.txt must be pip-installed, then
    binder/postBuild run (after the repository is copied in: it installs it), and nothing may come from
    environment.yml or be pip-installed by another step (which would resolve dependencies again)."""
    instructions = _instructions(dockerfile)
    requirements = _first(instructions, "RUN", r"\bpip\s+install\b.*\s-r\s+[\"']?binder/requirements\.txt\b")
    # the step that runs it, not `chmod +x binder/postBuild`
    post_build = _first(instructions, "RUN", r"(?:^|&&|;)\s*(?:\./)?binder/postBuild[\"']?\s*(?:$|&&|;)")
    repository = next((i for i, (kw, arguments) in enumerate(instructions)
                       if kw == "COPY" and _copies_whole_repository(arguments)), None)
    problems = []
    if requirements is None:
        problems.append("no RUN pip-installs binder/requirements.txt")
    if post_build is None:
        problems.append("no RUN runs binder/postBuild")
    if None not in (requirements, post_build) and requirements > post_build:
        problems.append("binder/postBuild runs before binder/requirements.txt is installed")
    if post_build is not None and (repository is None or repository > post_build):
        problems.append("binder/postBuild runs before the repository is copied into the image")
    problems += [f"{kw} uses environment.yml: {arguments}" for kw, arguments in instructions
                 if re.search(r"\benvironment\.ya?ml\b|\benv\s+(?:update|create)\b", arguments)]
    problems += [f"another pip install: {arguments}" for i, (kw, arguments) in enumerate(instructions)
                 if kw == "RUN" and i != requirements and re.search(r"\bpip\s+install\b", arguments)]
    return problems


@pytest.fixture(scope="module")
def tracked(repo2docker, tmp_path_factory) -> Path:
    return _copy_tracked_files(tmp_path_factory.mktemp("binder") / "repository")


@pytest.fixture(scope="module")
def dockerfile(tracked) -> str:
    return _dry_run(tracked, tracked.parent / "cwd")


def test_repo2docker_picks_the_python_build_pack_from_binder(tracked):
    """binder/ exists, so repo2docker ignores the root environment.yml, and binder/runtime.txt says python-3.11."""
    from repo2docker.buildpacks import PythonBuildPack

    build_pack, python = _picked_build_pack(tracked)
    # PythonBuildPack subclasses CondaBuildPack (conda only installs the base Python), hence `is`, not issubclass
    assert build_pack is PythonBuildPack, f"repo2docker picked {build_pack.__name__}"
    runtime = (tracked / "binder" / "runtime.txt").read_text().strip()
    assert python == runtime.removeprefix("python-") == "3.11"


def test_binder_build_installs_requirements_then_runs_post_build(dockerfile):
    assert not _build_problems(dockerfile), "\n".join(_build_problems(dockerfile))
    instructions = _instructions(dockerfile)
    requirements = _first(instructions, "RUN", r"\s-r\s+[\"']?binder/requirements\.txt\b")
    repository = next(i for i, (kw, arguments) in enumerate(instructions)
                      if kw == "COPY" and _copies_whole_repository(arguments))
    # requirements.txt names no local path, so it is installed from its own copy before the repository is copied
    # in: a later commit that changes only notebooks reuses the cached layer with torch in it
    assert requirements < repository


# a broken copy -> (the build pack repo2docker picks, problems the checks must report, all of them or some of them)
BROKEN = {
    "remove binder/": ("CondaBuildPack", {"no RUN pip-installs binder/requirements.txt",
                                          "no RUN runs binder/postBuild"}, "some"),  # + environment.yml lines
    "add binder/environment.yml": ("CondaBuildPack", {"no RUN pip-installs binder/requirements.txt"}, "some"),
    "remove binder/postBuild": ("PythonBuildPack", {"no RUN runs binder/postBuild"}, "all"),
}


@pytest.mark.parametrize("change", BROKEN)
def test_build_checks_catch_a_broken_binder_folder(tracked, change):
    """The checks above are live: on a broken copy repo2docker builds something else and they say so. Without
    binder/ it falls back on the root environment.yml; a conda file in binder/ wins over requirements.txt."""
    broken = tracked.parent / re.sub(r"\W+", "-", change).strip("-")
    shutil.copytree(tracked, broken, symlinks=True)
    if change == "remove binder/":
        shutil.rmtree(broken / "binder")
    elif change == "add binder/environment.yml":
        shutil.copy2(broken / "environment.yml", broken / "binder" / "environment.yml")
    else:
        (broken / "binder" / "postBuild").unlink()
    build_pack, expected, how = BROKEN[change]
    assert _picked_build_pack(broken)[0].__name__ == build_pack
    problems = _build_problems(_dry_run(broken, broken.parent / f"cwd-{broken.name}"))
    if how == "all":
        assert problems == sorted(expected)
    else:
        assert expected <= set(problems), problems
        assert any("environment.yml" in problem for problem in problems), problems


def _requirements_problems(text: str) -> list[str]:
    """What in a binder/requirements.txt text could make pip on Binder install something else than intended."""
    pyproject = environments.tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {}  # normalised name -> SpecifierSet, from [project] dependencies and the notebooks extra
    for line in pyproject["project"]["dependencies"] + pyproject["project"]["optional-dependencies"]["notebooks"]:
        requirement = Requirement(line)
        declared[environments._normalise(requirement.name)] = requirement.specifier
    problems, torch = [], None
    for line in text.splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):  # an option: only the extra CPU index, so that PyPI stays the main index
            if line.split() != ["--extra-index-url", CPU_INDEX]:
                problems.append(f"option {line!r}: only `--extra-index-url {CPU_INDEX}` is expected")
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            problems.append(f"{line!r} is not a requirement: {error}")
            continue
        name = environments._normalise(requirement.name)
        if requirement.url:
            problems.append(f"{line!r} installs from a URL")
        if requirement.marker and not requirement.marker.evaluate(BINDER_MARKERS):
            problems.append(f"{line!r} is skipped on Binder (Python 3.11, Linux x86_64)")
        for specifier in requirement.specifier:  # a pin or lower bound pyproject.toml would refuse
            if specifier.operator in ("==", "===", ">=", "~=") and name in declared:
                if not declared[name].contains(specifier.version.removesuffix(".*"), prereleases=True):
                    problems.append(f"{line!r} asks for a version pyproject.toml excludes ({declared[name]})")
        if name == "torch":
            torch = requirement
    if torch is None:
        problems.append("torch is not listed")
    else:  # with `==`, pip takes the CPU index's 2.x.y+cpu over PyPI's CUDA 2.x.y (local labels sort higher)
        pins = [specifier for specifier in torch.specifier if specifier.operator == "=="]
        if len(pins) != 1 or "*" in pins[0].version:
            problems.append(f"torch must be pinned to one version with ==, got {str(torch.specifier)!r}")
        elif Version(pins[0].version).local not in (None, "cpu"):
            problems.append(f"torch is pinned to a non-CPU build {pins[0].version}")
    return problems


def _post_build_problems(text: str) -> list[str]:
    """What in a binder/postBuild text could stop it from failing loudly or make it resolve dependencies again."""
    commands = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    problems = []
    if not commands or not re.match(r"set\s+-[a-z]*e", commands[0]):
        problems.append("postBuild must start with `set -e`")
    installs = [command for command in commands if re.search(r"\bpip\s+install\b", command)]
    if not installs:
        problems.append("postBuild installs nothing")
    problems += [f"{command!r} lacks --no-deps" for command in installs if not re.search(r"\s--no-deps\b", command)]
    problems += [f"{command!r} installs a requirements file" for command in installs if re.search(r"\s-r\s", command)]
    problems += [f"{command!r} calls conda" for command in commands if re.search(r"\b(?:conda|mamba)\b", command)]
    return problems


def test_binder_requirements_keep_pypi_and_pin_a_cpu_torch():
    """Extends test_environments.py's checks of binder/requirements.txt (listed names, the CPU index is named)."""
    problems = _requirements_problems((ROOT / "binder" / "requirements.txt").read_text())
    assert not problems, "\n".join(problems)


def test_binder_post_build_installs_without_resolving():
    """Extends test_binder_postbuild_installs_the_package: `set -e` first, and the install does not touch the
    dependencies requirements.txt installed."""
    problems = _post_build_problems((ROOT / "binder" / "postBuild").read_text())
    assert not problems, "\n".join(problems)


def test_binder_file_checks_catch_broken_files():
    requirements = (ROOT / "binder" / "requirements.txt").read_text()
    assert _requirements_problems(requirements.replace("--extra-index-url", "--index-url")) == [
        f"option '--index-url {CPU_INDEX}': only `--extra-index-url {CPU_INDEX}` is expected"]
    unpinned = re.sub(r"(?m)^torch==\S+", "torch>=2.1", requirements)
    assert unpinned != requirements
    assert _requirements_problems(unpinned) == ["torch must be pinned to one version with ==, got '>=2.1'"]
    assert _requirements_problems(re.sub(r"(?m)^torch==\S+", "torch==2.0.1", requirements)) == [
        "'torch==2.0.1' asks for a version pyproject.toml excludes (>=2.1)"]
    assert len(_requirements_problems(requirements + "pywin32>=306 ; sys_platform == 'win32'\n")) == 1
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert _post_build_problems(post_build.replace(" --no-deps", "")) == ["'pip install -e .' lacks --no-deps"]
    assert _post_build_problems(re.sub(r"(?m)^set -e\n", "", post_build)) == ["postBuild must start with `set -e`"]


def test_each_lesson_is_listed_once_in_jupyterlab():
    """Binder's postBuild and `make lab` hide the jupytext twins (NN_topic.py), and nothing else of ours."""
    import ast
    import fnmatch

    postbuild = (ROOT / "binder" / "postBuild").read_text()
    makefile = (ROOT / "Makefile").read_text()
    binder_globs = ast.literal_eval(re.search(r"hide_globs = (\[.*\])", postbuild).group(1))
    lab_globs = ast.literal_eval(re.search(r"hide_globs='(\[.*\])'", makefile).group(1))
    assert binder_globs == lab_globs

    def hidden(path):
        return any(fnmatch.fnmatch(path.name, glob) for glob in binder_globs)

    assert all(hidden(p) for p in (ROOT / "notebooks").glob("*.py"))
    assert not any(hidden(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert not any(hidden(p) for p in (ROOT / "n2s_core").rglob("*.py"))
