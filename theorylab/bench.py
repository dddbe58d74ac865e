"""``theorylab bench NAME``: performance measured side by side in one run.

Each benchmark is a function ``run(full: bool) -> str`` in its engine's package,
returning the table it measured; ``full`` adds the large sizes.  Ratios are
measured in one process, one after the other, so that they compare like with
like on whatever machine runs them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

#: Benchmark name -> "module:function".
BENCHES = {
    "budgets": "theorylab.budgets.bench:run",
    "dynamics": "theorylab.fokker_planck.bench:run",
}


def get_bench(name: str) -> Callable[[bool], str]:
    """The benchmark function registered as ``name``."""
    if name not in BENCHES:
        raise ValueError(f"unknown benchmark {name!r}; available: {', '.join(sorted(BENCHES))}")
    module, func = BENCHES[name].split(":")
    return getattr(importlib.import_module(module), func)
