r"""Convex budget programs of "Optimizing optimizers for fast gradient-based learning".

The learning power of an optimizer :math:`Q` on a moment :math:`\Sigma` is :math:`\operatorname{Tr}(Q\Sigma)`
(eq. 4); the paper designs optimizers by maximizing it over a convex budget set (problem P2, Theorem 1,
Corollary 2) and lifts this to filters over lag moments (problem P3, Theorem 3, Corollary 9).

Budgets (one class per family; ``solve(budget, moment, method)`` runs them):

* :class:`FrobeniusBudget`, :class:`SpectralBudget`, :class:`LyapunovBudget`, :class:`DiagonalBudget` —
  the static budgets of Cor. 2 (the data-metric budget with a separate metric too);
* :class:`DynamicFrobeniusBudget`, :class:`DynamicLyapunovBudget`, :class:`DynamicDiagonalBudget`,
  :class:`FrequencySpectralBudget` — their dynamic lifts (Cor. 9);
* velocity-space trust regions of App. C eq. 59 in :mod:`theorylab.budgets.velocity`.

Methods: ``closed-form`` (the paper's formula as stated), ``corrected`` (derived, valid on every input),
``cvxpy`` (full-matrix program), ``cvxpy-reduced`` (eigenbasis-reduced vector program). Every answer carries a
solver-independent :class:`Certificate`. Solver trouble raises :class:`SolverFailure`, a
:class:`theorylab.claims.NumericalFailure`.

Also: synthetic gradient processes and lag-moment estimators (:mod:`theorylab.budgets.processes`), the
hyperparameter formulas of Cor. 5, 6 and Algorithms 1, 2 (:mod:`theorylab.budgets.hyperparameters`),
``compare`` (:mod:`theorylab.budgets.commands`), the benchmark (:mod:`theorylab.budgets.bench`), and the flow
simulators and training loops of the paper's Figure 2 and Proposition 8 (:mod:`theorylab.budgets.training`).
"""

from __future__ import annotations

from theorylab.budgets import training
from theorylab.budgets.base import (
    Budget,
    BudgetSolution,
    Certificate,
    NotConvexError,
    SolverFailure,
    solve_to_optimality,
)
from theorylab.budgets.diagonal import DiagonalBudget
from theorylab.budgets.dynamic import (
    DynamicDiagonalBudget,
    DynamicFrobeniusBudget,
    DynamicLyapunovBudget,
    FrequencySpectralBudget,
    h_inner,
    h_norm,
    lag_moments,
    spectral_density,
)
from theorylab.budgets.frobenius import FrobeniusBudget
from theorylab.budgets.lyapunov import LyapunovBudget
from theorylab.budgets.solve import face_test, solve, solve_dual
from theorylab.budgets.spectral import SpectralBudget

__all__ = [
    "Budget",
    "BudgetSolution",
    "Certificate",
    "DiagonalBudget",
    "DynamicDiagonalBudget",
    "DynamicFrobeniusBudget",
    "DynamicLyapunovBudget",
    "FrequencySpectralBudget",
    "FrobeniusBudget",
    "LyapunovBudget",
    "NotConvexError",
    "SolverFailure",
    "SpectralBudget",
    "face_test",
    "h_inner",
    "h_norm",
    "lag_moments",
    "solve",
    "solve_dual",
    "solve_to_optimality",
    "spectral_density",
    "training",
]
