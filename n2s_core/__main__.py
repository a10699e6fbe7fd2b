"""``python -m n2s_core``: the command line lives in :mod:`n2s_core.cli`."""

import sys

from .cli import main

sys.exit(main())
