"""``python -m bench``: run the benchmarks (see :mod:`bench` and ``--help``)."""

import sys

from bench.cli import main

__all__: list[str] = []

sys.exit(main())
