"""Reproductions: one module per reproduced figure, table or rate plot.

Each module defines ``NAME`` (the name ``theorylab reproduce`` takes), ``TITLE``
and ``run(out_dir, *, budget="quick", seed=0) -> Reproduction``, which calls
the engines, writes its data (csv/npz) and PNGs under ``out_dir`` and returns
their paths with a short summary.  Experiment claims call the same ``run`` so
that the report shows the figures they stand on.  Every module also runs as a
script: ``python -m sims.<module> [--out DIR] [--budget quick|full] [--seed N]``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Reproduction:
    """What a reproduction wrote: data files, figures and a summary of numbers."""

    name: str
    data: list[Path] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    caption: str = ""

    def describe(self) -> str:
        lines = [f"{self.name}: {self.caption}".rstrip(": ")]
        lines += [f"  data:   {p}" for p in self.data]
        lines += [f"  figure: {p}" for p in self.figures]
        lines += [f"  {k} = {v}" for k, v in self.summary.items()]
        return "\n".join(lines)


def available() -> dict[str, Any]:
    """``{NAME: module}`` for every reproduction module in this package."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            found[module.NAME] = module
    return dict(sorted(found.items()))


def get(name: str) -> Any:
    """The reproduction module called ``name``."""
    mods = available()
    if name not in mods:
        import difflib

        close = difflib.get_close_matches(name, list(mods), n=3, cutoff=0.5)
        hint = f"; nearest: {', '.join(close)}" if close else f"; available: {', '.join(mods)}"
        raise ValueError(f"unknown reproduction {name!r}{hint}")
    return mods[name]


def script_main(run: Callable[..., Reproduction], argv: Sequence[str] | None = None) -> None:
    """Command line of a reproduction module run as a script."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="report/sims")
    parser.add_argument("--budget", choices=("quick", "full"), default="quick")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(run(Path(args.out), budget=args.budget, seed=args.seed).describe())
