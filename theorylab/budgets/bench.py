r"""``theorylab bench budgets [--full]``: closed forms vs cvxpy, times and errors measured in one run.

For each static budget (Frobenius, spectral, data metric, diagonal) and each size
:math:`n \in \{10, 50, 100, 200\}` (plus 500 and 1000 with ``full``), on the moment
:math:`\Sigma = GG^\top/n` (seed 0), the benchmark times

* the closed form (as stated; correct on these PSD inputs),
* the eigenbasis-reduced cvxpy program (Clarabel SOCP / HiGHS LP),
* the full-matrix SDP with Clarabel (up to :data:`CLARABEL_MAX_N` or :data:`CLARABEL_MAX_N_FULL`: its memory
  grows steeply, > 20 GB at :math:`n = 200`) and with SCS (``eps_abs = eps_rel = 1e-9``, ``max_iters = 1e5``;
  up to :data:`SCS_MAX_N`, or :data:`SCS_MAX_N_FULL` with ``full``, each solve capped at :data:`SCS_TIME_LIMIT`
  seconds; at :math:`n = 1000` one SCS solve takes 5–30 minutes, so it is not part of the routine full run),

and reports the ratios and the relative objective errors against the closed form. Times are wall times of
:func:`theorylab.budgets.solve` (cvxpy: construction, compilation and solve).
"""

from __future__ import annotations

import os
import platform
from typing import Any

import cvxpy as cp
import numpy as np
import scipy

from theorylab.budgets.base import Budget, NotConvexError, SolverFailure, relative_difference
from theorylab.budgets.commands import random_moment
from theorylab.budgets.diagonal import DiagonalBudget
from theorylab.budgets.frobenius import FrobeniusBudget
from theorylab.budgets.lyapunov import LyapunovBudget
from theorylab.budgets.solve import solve
from theorylab.budgets.spectral import SpectralBudget

SIZES = (10, 50, 100, 200)
SIZES_FULL = (500, 1000)
#: Largest full SDP given to Clarabel (quick run / full run).
CLARABEL_MAX_N = 50
CLARABEL_MAX_N_FULL = 100
#: Largest full SDP given to SCS in the quick run / the full run.
SCS_MAX_N = 200
SCS_MAX_N_FULL = 500
#: Time limit of one SCS solve, seconds.
SCS_TIME_LIMIT = 1800.0


def _budgets(n: int) -> list[Budget]:
    rng = np.random.default_rng(1)
    return [
        FrobeniusBudget(1.0),
        SpectralBudget(n / 4 + 0.5, 1.0),
        LyapunovBudget(1.0),
        DiagonalBudget(1.0, np.exp(rng.uniform(np.log(0.1), np.log(10.0), n))),
    ]


def _measure(budget: Budget, sigma: np.ndarray, method: str, solver: str | None,
             options: dict[str, Any] | None = None) -> tuple[float | None, float | None, str]:
    """(seconds, power, note) of one method; a failure gives (None, None, status)."""
    try:
        result = solve(budget, sigma, method, solver, solver_options=options)
    except SolverFailure as exc:
        return None, None, f"{exc.solver}: {exc.status}"
    except NotConvexError as exc:
        return None, None, str(exc)
    return result.seconds, result.power, ""


def _blas_threads() -> str:
    """The BLAS thread count in effect (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, or the library default).

    On a shared 2-core machine multi-threaded BLAS contends with other jobs: ``numpy.linalg.eigh`` at
    n = 1000 took 0.25 s with one thread and 0.4-9 s with the default under a load of 6-16, so the
    tables in docs/budgets.md are measured with ``OPENBLAS_NUM_THREADS=1``.
    """
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(name):
            return f"{os.environ[name]} ({name})"
    return "library default"


def _cell(value: float | None, skipped: str = "skip") -> str:
    if value is None:
        return skipped
    return f"{value:.3g}"


def run(full: bool = False, sizes: tuple[int, ...] | None = None) -> str:
    """Run the benchmark and return the table as text.

    Parameters
    ----------
    full : bool
        Add :math:`n = 500, 1000`, run SCS full SDPs up to :data:`SCS_MAX_N_FULL` and Clarabel up to
        :data:`CLARABEL_MAX_N_FULL`.
    sizes : tuple of int, optional
        Override the sizes (for tests and quick looks).
    """
    sizes = sizes if sizes is not None else SIZES + (SIZES_FULL if full else ())
    clarabel_max = CLARABEL_MAX_N_FULL if full else CLARABEL_MAX_N
    scs_max = SCS_MAX_N_FULL if full else SCS_MAX_N
    header = (f"{'budget':10s} {'n':>5s} {'closed s':>9s} {'reduced s':>9s} {'Clarabel s':>10s} {'SCS s':>9s} "
              f"{'red/closed':>10s} {'SCS/red':>8s} {'err red':>9s} {'err Clar':>9s} {'err SCS':>9s}")
    lines = [
        "theorylab bench budgets" + (" --full" if full else ""),
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, cvxpy {cp.__version__}, "
        f"BLAS threads {_blas_threads()}",
        "moment Sigma = G G'/n (seed 0); budgets: Frobenius B=1; spectral tau=n/4+1/2, lambda=1; data metric B=1; "
        "diagonal B=1, c log-uniform [0.1, 10]",
        "times: wall seconds of solve() (cvxpy: build + compile + solve); err = |P - P_closed| / P_closed",
        f"full SDPs: Clarabel for n <= {clarabel_max}, SCS (eps 1e-9, max_iters 1e5, limit {SCS_TIME_LIMIT:g} s) "
        f"for n <= {scs_max}; 'skip' = not run at this size",
        "",
        header,
        "-" * len(header),
    ]
    failures = []
    for n in sizes:
        sigma = random_moment(n, 0)
        for budget in _budgets(n):
            closed = solve(budget, sigma, "closed-form")
            t_red, p_red, note = _measure(budget, sigma, "cvxpy-reduced", None)
            if note:
                failures.append(f"{budget.name} n={n} reduced: {note}")
            t_cla = p_cla = t_scs = p_scs = None
            if n <= clarabel_max:
                t_cla, p_cla, note = _measure(budget, sigma, "cvxpy", "CLARABEL")
                if note:
                    failures.append(f"{budget.name} n={n} Clarabel: {note}")
            if n <= scs_max:
                t_scs, p_scs, note = _measure(budget, sigma, "cvxpy", "SCS", {"time_limit_secs": SCS_TIME_LIMIT})
                if note:
                    failures.append(f"{budget.name} n={n} SCS: {note}")

            def err(p: float | None, reference: float = closed.power) -> str:
                return "-" if p is None else f"{relative_difference(p, reference):.1e}"

            ratio_red = None if t_red is None else t_red / max(closed.seconds, 1e-9)
            ratio_scs = None if (t_scs is None or t_red is None) else t_scs / t_red
            lines.append(
                f"{budget.name:10s} {n:>5d} {closed.seconds:>9.3g} {_cell(t_red, 'fail'):>9s} "
                f"{_cell(t_cla, 'skip' if n > clarabel_max else 'fail'):>10s} "
                f"{_cell(t_scs, 'skip' if n > scs_max else 'fail'):>9s} {_cell(ratio_red, '-'):>10s} "
                f"{_cell(ratio_scs, '-'):>8s} {err(p_red):>9s} {err(p_cla):>9s} {err(p_scs):>9s}")
    if failures:
        lines += ["", "failures (status other than optimal):", *("  " + f for f in failures)]
    return "\n".join(lines)
