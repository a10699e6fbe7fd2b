#!/usr/bin/env bash
# Create .venv-peers (python3.11) with CAREamics' Noise2Void on the CPU torch 2.13.0,
# for benchmarks/peers/careamics_n2v.py.  Idempotent: does nothing if the venv
# already imports careamics 0.3.5 on torch 2.13.0+cpu.
#
# Why it looks like this:
# * torch==2.13.0+cpu is the local CPU wheel (pip's find-links, /opt/wheels on the
#   project machines).  PyPI has no "+cpu" versions, so this pin can never pull
#   PyPI's multi-GB CUDA torch: without the local wheel the install just fails.
# * careamics 0.3.5 declares torchvision<=0.26 (torch<=2.11), and the only
#   torchvision wheels for torch 2.13 that pip can reach (0.28.0) are CUDA builds
#   whose _C.so needs libtorch_cuda.so, so `import torchvision` fails on CPU
#   torch.  careamics is therefore installed without torchvision (everything is
#   installed with --no-deps from the exact, fully pinned set below, found by
#   resolving careamics 0.3.5's own requirements minus torch/torchvision).
#   careamics_n2v.py puts a 2-name torchvision stub in sys.modules (see its
#   docstring); `pip check` reports only "careamics 0.3.5 requires torchvision".
# Run from anywhere; use OMP_NUM_THREADS=1 taskset -c 1 ... on a shared machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv-peers"
PEERS="$ROOT/benchmarks/peers"

# careamics is only importable through careamics_n2v.py's torchvision stub.
importable() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$PEERS" >/dev/null 2>&1 <<'EOF'
import sys
from importlib.metadata import version
sys.path.insert(0, sys.argv[1])
import careamics_n2v
careamics_n2v._stub_torchvision()
import careamics
from careamics import CAREamist  # noqa: F401
from careamics.config import create_advanced_n2v_config  # noqa: F401
assert version("careamics") == "0.3.5", version("careamics")
assert version("torch") == "2.13.0+cpu", version("torch")
EOF
}

show() {
    "$VENV/bin/pip" freeze 2>/dev/null | grep -i -E 'careamics|torch|lightning'
}

if importable; then
    echo "setup_peers: $VENV already has careamics importable; skipping install"
    show
    exit 0
fi

command -v python3.11 >/dev/null || { echo "setup_peers: python3.11 not found" >&2; exit 1; }

start=$(date +%s)
rm -rf "$VENV"   # a half-made venv from an interrupted run
python3.11 -m venv "$VENV"

REQ="$(mktemp)"
LOG="$(mktemp)"
trap 'rm -f "$REQ" "$LOG"' EXIT
cat >"$REQ" <<'EOF'
torch==2.13.0+cpu
setuptools==84.2.1
careamics==0.3.5
aiohappyeyeballs==2.7.1
aiohttp==3.14.5
aiosignal==1.4.0
annotated-types==0.8.0
anyio==4.16.0
attrs==26.1.0
bioimageio.core==0.11.0
bioimageio.spec==0.5.12.0
certifi==2026.10.19.post1
contourpy==1.3.3
cycler==0.12.1
distro==1.9.0
dnspython==2.9.2
donfig==0.8.1.post1
email-validator==2.4.0
exceptiongroup==1.3.2
filelock==4.3.1
fonttools==4.68.0
frozenlist==1.8.0
fsspec==2026.9.0
genericache==0.5.2
google-crc32c==1.9.0
h11==0.16.0
httpcore==1.0.9
httpx==0.29.0
idna==3.20
imagecodecs==2026.3.6
ImageIO==2.38.2
Jinja2==3.1.6
kiwisolver==1.5.1
lazy-loader==0.6
lightning==2.6.6
lightning-utilities==0.15.3
loguru==0.7.3
Markdown==3.11.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
matplotlib==3.11.2
mdurl==0.1.2
microssim==0.0.5
mpmath==1.3.0
multidict==7.2.1
networkx==3.6.1
numcodecs==0.16.6
numpy==2.4.6
packaging==26.4
pandas==3.1.1
pillow==13.0.0
platformdirs==4.14.9
propcache==0.5.4
psutil==7.2.2
pydantic==2.14.1
pydantic-settings==2.16.3
pydantic_core==2.50.1
Pygments==2.21.0
pyparsing==3.3.3
python-dateutil==4.0.0
python-dotenv==1.2.4
pytorch-lightning==2.6.6
PyYAML==6.0.3
rich==15.0.0
ruyaml==0.91.0
scikit-image==0.26.0
scipy==1.17.1
sympy==1.14.0
tifffile==2026.3.3
torchmetrics==1.8.2
tqdm==4.70.0
typing-inspection==0.4.5
typing_extensions==4.16.0
tzdata==2026.6
xarray==2026.9.0
yarl==1.25.1
zarr==3.1.6
zipp==4.1.2
EOF

if ! "$VENV/bin/pip" install --quiet --no-deps -r "$REQ" >"$LOG" 2>&1; then
    grep -v -E 'is ignored: it is neither a file nor a directory' "$LOG" >&2
    echo "setup_peers: pip install failed" >&2
    exit 1
fi

# Everything consistent except the deliberately missing torchvision?
problems="$("$VENV/bin/pip" check 2>&1 | grep -v -E '^careamics 0\.3\.5 requires torchvision' | grep -v -i '^no broken requirements' || true)"
if [ -n "$problems" ]; then
    echo "setup_peers: pip check found problems:" >&2
    echo "$problems" >&2
    exit 1
fi
"$VENV/bin/pip" freeze 2>/dev/null >"$VENV/pip-freeze.txt"

if ! importable; then
    echo "setup_peers: careamics does not import in $VENV" >&2
    exit 1
fi
echo "setup_peers: built $VENV in $(( $(date +%s) - start )) s (full freeze: $VENV/pip-freeze.txt)"
show
