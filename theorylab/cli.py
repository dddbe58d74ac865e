"""The ``theorylab`` command line.

::

    theorylab verify [--paper P ...] [--claim ID ...] [--budget quick|full] [--seed N]
                     [--workers N] [--out DIR] [--resume] [--module M ...] [--json]
    theorylab list [--paper P] [--out DIR]
    theorylab show ID [--out DIR]
    theorylab bench NAME [--full]
    theorylab reproduce NAME [--out DIR] [--budget quick|full] [--seed N] | --list
    theorylab budget compare --budget NAME [--n N] [--seed S] [--sigma FILE.npy]

Exit status: 0 when the command completed (whatever the verdicts), 2 on a usage
error (unknown claim ID or paper, bad option), with one line naming the bad
value and the nearest valid ones.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from theorylab.claims import BUDGETS, CheckResult, Claim, load_claims


class UsageError(Exception):
    """A bad value on the command line (exit status 2)."""


def _nearest(value: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(candidates), n=3, cutoff=0.5)
    return f"; nearest: {', '.join(close)}" if close else ""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = _nonnegative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a positive integer, got 0")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="theorylab", description="Executable checks of optimizer-theory claims.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    verify = sub.add_parser("verify", help="check claims and write a report")
    verify.add_argument("--paper", action="append", default=[], help="only this paper (repeatable)")
    verify.add_argument("--claim", action="append", default=[], metavar="ID", help="only this claim (repeatable)")
    verify.add_argument("--budget", choices=BUDGETS, default="quick",
                        help="quick: seconds per claim (default); full: serious searches")
    verify.add_argument("--seed", type=_nonnegative_int, default=0)
    verify.add_argument("--workers", type=_positive_int, default=None, help="worker processes (default: CPUs)")
    verify.add_argument("--out", default="report", help="report directory (default: report)")
    verify.add_argument("--resume", action="store_true", help="skip claims already finished with this seed and budget")
    verify.add_argument("--module", action="append", default=[], metavar="M",
                        help="import M to register claims of your own (repeatable)")
    verify.add_argument("--time-limit", type=_positive_float, default=None, metavar="SECONDS",
                        help="time limit per claim (default: by budget tier)")
    verify.add_argument("--json", action="store_true", help="print results.json to stdout instead of the table")

    lst = sub.add_parser("list", help="list registered claims")
    lst.add_argument("--paper", action="append", default=[])
    lst.add_argument("--out", default="report", help="report directory with the last results")
    lst.add_argument("--module", action="append", default=[], metavar="M")

    show = sub.add_parser("show", help="show one claim and its last result")
    show.add_argument("id")
    show.add_argument("--out", default="report")
    show.add_argument("--module", action="append", default=[], metavar="M")

    from theorylab.bench import BENCHES

    bench = sub.add_parser("bench", help="measure engine performance (ratios side by side in one run)")
    bench.add_argument("name", choices=sorted(BENCHES))
    bench.add_argument("--full", action="store_true", help="add the large sizes")

    reproduce = sub.add_parser("reproduce", help="run a reproduction from sims/ (data and PNGs)")
    reproduce.add_argument("name", nargs="?", help="a reproduction (see --list)")
    reproduce.add_argument("--list", action="store_true", help="list the reproductions")
    reproduce.add_argument("--out", default="report/sims")
    reproduce.add_argument("--budget", choices=BUDGETS, default="quick")
    reproduce.add_argument("--seed", type=_nonnegative_int, default=0)

    budget = sub.add_parser("budget", help="optimal optimizers of convex budget programs")
    budget_sub = budget.add_subparsers(dest="budget_command", required=True, parser_class=_Parser)
    compare = budget_sub.add_parser("compare", help="closed form against cvxpy for one budget")
    compare.add_argument("--budget", required=True, metavar="NAME", help="frobenius, spectral, lyapunov, diagonal")
    compare.add_argument("--n", type=_positive_int, default=50, help="dimension of the drawn moment matrix")
    compare.add_argument("--seed", type=_nonnegative_int, default=0)
    compare.add_argument("--sigma", metavar="FILE.npy", help="use this symmetric moment matrix instead")
    return parser


def select_claims(registry: dict[str, Claim], papers: Sequence[str], ids: Sequence[str]) -> list[str]:
    """The claim IDs named by ``--paper`` and ``--claim`` (all claims when neither is given)."""
    known_papers = sorted({c.paper for c in registry.values()})
    for p in papers:
        if p not in known_papers:
            raise UsageError(f"unknown paper {p!r}{_nearest(p, known_papers)} (papers: {', '.join(known_papers)})")
    for i in ids:
        if i not in registry:
            raise UsageError(f"unknown claim ID {i!r}{_nearest(i, registry)}")
    if not papers and not ids:
        return sorted(registry)
    chosen = {i for i, c in registry.items() if c.paper in papers} | set(ids)
    return sorted(chosen)


class ProgressBar:
    """A one-line progress bar on stderr (a line per claim when stderr is not a terminal)."""

    def __init__(self, stream: Any = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()

    def __call__(self, result: CheckResult, done: int, total: int) -> None:
        filled = int(self.width * done / max(total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.monotonic() - self.start
        line = f"[{bar}] {done}/{total} {elapsed:6.1f}s  {result.verdict:<13} {result.id}"
        if self.tty:
            self.stream.write("\r\033[K" + line)
            if done == total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def cmd_verify(args: argparse.Namespace) -> int:
    from theorylab.report import verdict_table, write_report
    from theorylab.runner import run_claims

    registry = _load(args.module)
    ids = select_claims(registry, args.paper, args.claim)
    if not ids:
        raise UsageError("no claims are registered")
    results = run_claims(ids, seed=args.seed, budget=args.budget, workers=args.workers,
                         out_dir=args.out, resume=args.resume, modules=args.module,
                         time_limit=args.time_limit, progress=ProgressBar())
    paths = write_report(results, args.out, seed=args.seed, budget=args.budget, claims=registry)
    if args.json:
        sys.stdout.write(paths["json"].read_text())
    else:
        print(verdict_table(results))
        print(f"\nreport: {paths['html']}  ({paths['md'].name}, {paths['json'].name})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from theorylab.report import load_results

    registry = _load(args.module)
    ids = select_claims(registry, args.paper, [])
    last = load_results(args.out)
    width = max((len(i) for i in ids), default=10)
    for i in ids:
        c = registry[i]
        verdict = last.get(i, {}).get("verdict", "")
        print(f"{i:<{width}}  {c.kind:<18} {verdict:<13} {c.title}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from theorylab.report import load_results

    registry = _load(args.module)
    if args.id not in registry:
        raise UsageError(f"unknown claim ID {args.id!r}{_nearest(args.id, registry)}")
    c = registry[args.id]
    print(f"{c.id}: {c.title}\n")
    print(f"source:    {c.source}\nkind:      {c.kind}\nstatement: {c.statement}\n")
    if c.procedure:
        print("procedure:\n" + "\n".join("  " + line for line in c.procedure.splitlines()) + "\n")
    last = load_results(args.out).get(c.id)
    if last is None:
        print(f"no result yet in {args.out}/ (run: theorylab verify --claim {c.id})")
    else:
        print(f"last result (seed {last.get('seed')}, budget {last.get('budget')}):")
        print(f"  verdict:      {last['verdict']}\n  message:      {last['message']}")
        for key in ("n_examples", "worst_slack", "sensitivity", "lhs", "rhs", "seconds"):
            if last.get(key) is not None:
                print(f"  {key + ':':<13} {last[key]}")
        if last.get("counterexample"):
            print("  counterexample:\n" + "\n".join(
                "    " + line for line in json.dumps(last["counterexample"], indent=1).splitlines()))
        for fig in last.get("figures") or []:
            print(f"  figure: {args.out}/{fig}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from theorylab.bench import get_bench

    print(get_bench(args.name)(args.full))
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    from pathlib import Path

    import sims

    if args.list:
        for name, module in sims.available().items():
            print(f"{name:<28} {module.TITLE}")
        return 0
    if not args.name:
        raise UsageError("reproduce needs a NAME or --list")
    module = sims.get(args.name)
    print(module.run(Path(args.out), budget=args.budget, seed=args.seed).describe())
    return 0


def cmd_budget(args: argparse.Namespace) -> int:
    import numpy as np

    from theorylab.budgets.commands import compare

    sigma = None
    if args.sigma is not None:
        try:
            sigma = np.load(args.sigma, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read --sigma {args.sigma!r}: {exc}") from None
    n = sigma.shape[0] if sigma is not None and sigma.ndim >= 1 else args.n
    print(compare(args.budget, n, args.seed, sigma))
    return 0


def _load(modules: Sequence[str]) -> dict[str, Claim]:
    try:
        return load_claims(modules)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


COMMANDS = {
    "verify": cmd_verify,
    "list": cmd_list,
    "show": cmd_show,
    "bench": cmd_bench,
    "budget": cmd_budget,
    "reproduce": cmd_reproduce,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"theorylab: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"theorylab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ntheorylab: interrupted; finished results are kept (rerun with --resume)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

