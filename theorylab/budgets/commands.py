r"""``theorylab budget compare``: one budget program solved by its closed form and by cvxpy, side by side.

:func:`compare` draws a seeded moment (or takes one), solves the program by the paper's closed form, the
corrected form, the eigenbasis-reduced cvxpy program and (for :math:`n \le 200`) the full-matrix SDP, and
returns a printable report: the powers, their relative agreement, the agreement of the maximizers where the
maximizer is unique, the times, the solver statuses and the certificates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from theorylab.budgets.base import (
    Budget,
    BudgetSolution,
    NotConvexError,
    SolverFailure,
    relative_difference,
    symmetric_matrix,
)
from theorylab.budgets.diagonal import DiagonalBudget
from theorylab.budgets.frobenius import FrobeniusBudget
from theorylab.budgets.lyapunov import LyapunovBudget
from theorylab.budgets.solve import solve
from theorylab.budgets.spectral import SpectralBudget

#: Largest size for which the full-matrix SDP is run by :func:`compare`.
FULL_SDP_MAX_N = 200


def _frobenius(n: int, rng: np.random.Generator) -> Budget:
    return FrobeniusBudget(1.0)


def _spectral(n: int, rng: np.random.Generator) -> Budget:
    return SpectralBudget(n / 4 + 0.5, 1.0)


def _lyapunov(n: int, rng: np.random.Generator) -> Budget:
    return LyapunovBudget(1.0)


def _lyapunov_metric(n: int, rng: np.random.Generator) -> Budget:
    H = rng.standard_normal((n, n))
    return LyapunovBudget(1.0, metric=H @ H.T / n + 0.1 * np.eye(n))


def _diagonal(n: int, rng: np.random.Generator) -> Budget:
    return DiagonalBudget(1.0, np.exp(rng.uniform(np.log(0.1), np.log(10.0), n)))


#: Budget name -> (constructor from (n, rng), description of the parameters).
BUDGETS: dict[str, tuple[Callable[[int, np.random.Generator], Budget], str]] = {
    "frobenius": (_frobenius, "B = 1"),
    "spectral": (_spectral, "tau = n/4 + 1/2, lambda = 1"),
    "lyapunov": (_lyapunov, "B = 1, data metric (Tr(Q Sigma Q) <= B)"),
    "lyapunov-metric": (_lyapunov_metric, "B = 1, metric Sigma0 = H H'/n + 0.1 I (H seeded standard normal)"),
    "diagonal": (_diagonal, "B = 1, costs c_j log-uniform in [0.1, 10] (seeded)"),
}


def random_moment(n: int, seed: int) -> np.ndarray:
    r"""The seeded moment of :func:`compare`: :math:`\Sigma = GG^\top/n` (PSD).

    :math:`G \in \mathbb{R}^{n\times n}` has independent standard normal entries.
    """
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n, n))
    sigma = G @ G.T / n
    return (sigma + sigma.T) / 2.0


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def compare(budget_name: str, n: int, seed: int, sigma: np.ndarray | None = None) -> str:
    r"""Solve one budget program by every method and report the answers side by side.

    Parameters
    ----------
    budget_name : str
        One of ``frobenius``, ``spectral``, ``lyapunov`` (data metric), ``lyapunov-metric`` (separate
        metric), ``diagonal``.
    n : int
        Size of the drawn moment (>= 1). Ignored, with a note in the report, when ``sigma`` is given.
    seed : int
        Seed (>= 0) of the drawn moment and of the budget's random parameters (costs, metric).
    sigma : numpy.ndarray, optional
        A symmetric moment to use instead of the drawn one (need not be PSD).

    Returns
    -------
    str
        The report.

    Raises
    ------
    ValueError
        For an unknown budget name (the message lists the valid ones), ``n < 1``, a negative seed, or a
        ``sigma`` that is not a finite symmetric square matrix.

    Examples
    --------
    >>> print(compare("frobenius", 4, seed=0).splitlines()[0])
    budget compare: frobenius  FrobeniusBudget(B=1)  n=4  seed=0
    """
    if budget_name not in BUDGETS:
        raise ValueError(f"unknown budget {budget_name!r}; valid budgets: {', '.join(BUDGETS)}")
    seed = _check_int(seed, "seed", 0)
    notes = []
    if sigma is None:
        n = _check_int(n, "n", 1)
        moment = random_moment(n, seed)
        origin = f"drawn: G G'/n with G standard normal {n}x{n} (seed {seed})"
    else:
        moment = symmetric_matrix(sigma, "sigma")
        if n is not None and n != moment.shape[0]:
            notes.append(f"n = {moment.shape[0]} taken from sigma; the n argument ({n}) is ignored")
        n = moment.shape[0]
        origin = "given"
    constructor, parameters = BUDGETS[budget_name]
    budget = constructor(n, np.random.default_rng(seed + 1))
    methods: list[tuple[str, str | None]] = [("closed-form", None), ("corrected", None), ("cvxpy-reduced", None)]
    if n <= FULL_SDP_MAX_N:
        methods.append(("cvxpy", None))
    else:
        notes.append(f"full-matrix SDP skipped: n = {n} > {FULL_SDP_MAX_N}")
    results: dict[str, BudgetSolution] = {}
    failures: dict[str, str] = {}
    for method, solver in methods:
        try:
            results[method] = solve(budget, moment, method, solver)
        except (SolverFailure, NotConvexError, ValueError) as exc:
            failures[method] = f"{type(exc).__name__}: {exc}"

    values = np.linalg.eigvalsh(moment)
    lines = [
        f"budget compare: {budget_name}  {budget!r}  n={n}  seed={seed}",
        f"parameters: {parameters}",
        f"sigma: {origin}; eigenvalues in [{values[0]:.6g}, {values[-1]:.6g}]; "
        f"{'PSD' if values[0] >= -1e-12 * max(1.0, abs(values[-1])) else 'indefinite'}",
        "",
        f"{'method':14s} {'solver':9s} {'status':10s} {'power Tr(Q Sigma)':>22s} {'stated P*':>22s} "
        f"{'seconds':>9s} {'feasible':>8s} {'rel.gap':>10s} {'optimal':>7s}",
    ]
    for method, _ in methods:
        if method in failures:
            lines.append(f"{method:14s} failed: {failures[method]}")
            continue
        r = results[method]
        c = r.certificate
        stated = "-" if r.stated_power is None else f"{r.stated_power:.15g}"
        lines.append(
            f"{method:14s} {r.solver or '-':9s} {r.status:10s} {r.power:>22.15g} {stated:>22s} "
            f"{r.seconds:>9.4f} {str(c.feasible):>8s} {c.relative_gap:>10.2e} {str(c.optimal):>7s}")
        if c.lower_bound is not None:
            lines.append(f"{'':14s} an explicit feasible point reaches {c.lower_bound:.15g}")
    lines.append("")
    lines.append("agreement of the powers, |a - b| / max(|a|, |b|):")
    names = [m for m, _ in methods if m in results]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            diff = relative_difference(results[a].power, results[b].power)
            lines.append(f"  {a} vs {b}: {diff:.3e}")
    reference = next(iter(results.values()), None)
    if reference is not None:
        unique, reason = reference.certificate.unique, reference.certificate.uniqueness_reason
        lines.append(f"uniqueness of the maximizer: {unique} ({reason})")
        if unique:
            lines.append("agreement of the maximizers, ||Q_a - Q_b||_F / max(||Q_a||_F, ||Q_b||_F):")
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    qa, qb = results[a].Q, results[b].Q
                    if not (np.all(np.isfinite(qa)) and np.all(np.isfinite(qb))):
                        lines.append(f"  {a} vs {b}: not comparable (non-finite entries)")
                        continue
                    denominator = max(float(np.linalg.norm(qa)), float(np.linalg.norm(qb)))
                    diff = float(np.linalg.norm(qa - qb)) / denominator if denominator > 0 else 0.0
                    lines.append(f"  {a} vs {b}: {diff:.3e}")
        else:
            state = "not unique" if unique is False else "uniqueness unknown"
            lines.append(f"maximizers not compared ({state}); only the powers are")
    lines.append("certificates:")
    for method in names:
        r = results[method]
        lines.append(f"  {method}: {r.certificate.summary()}")
        if r.message:
            lines.append(f"    note: {r.message}")
    if notes:
        lines.append("notes: " + "; ".join(notes))
    return "\n".join(lines)
