r"""The weighted diagonal budget of Corollary 2(iv).

.. math::

    \mathcal{Q}_D(B,c) = \{Q = \operatorname{diag}(q) \succeq 0 : \textstyle\sum_j c_jq_j^2 \le B\},\qquad c_j > 0.


Program (CP-D), with :math:`s_j = \Sigma_{jj}`:

.. math::

    P_D^\star(\Sigma) = \max_{q \ge 0,\ \sum_j c_jq_j^2 \le B} \sum_j q_j s_j .

Closed form as stated (Cor. 2(iv), proof B.2(iv)):

.. math::

    q_j^\star = \Big(\frac{B}{\sum_k s_k^2/c_k}\Big)^{1/2}\frac{s_j}{c_j},\qquad
    P_D^\star(\Sigma) = \Big(B\sum_j s_j^2/c_j\Big)^{1/2}.

It is optimal when :math:`s \ge 0` (always for :math:`\Sigma \succeq 0`) and :math:`s \ne 0`; a negative
:math:`s_j` gives :math:`q_j^\star < 0` (infeasible) and :math:`s = 0` gives :math:`0/0`. The corrected form
uses :math:`s_+ = \max(s, 0)`. Dual bound: :math:`P_D^\star \le \sqrt{B}\,\|(s + z)/\sqrt{c}\|_2` for every
:math:`z \ge 0`, exact at :math:`z = s_-`.
"""

from __future__ import annotations

import math
from typing import Any

import cvxpy as cp
import numpy as np

from theorylab.budgets.base import (
    EIGEN_TIE_TOL,
    Budget,
    Formula,
    Normalization,
    Program,
    moment_scale,
    positive_scalar,
    positive_vector,
    psd_part,
    stable_norm,
    symmetric_matrix,
)


class DiagonalBudget(Budget):
    r"""Weighted diagonal budget :math:`\mathcal{Q}_D(B,c)` (Cor. 2(iv)).

    :math:`\{\operatorname{diag}(q) \succeq 0 : \sum_j c_jq_j^2 \le B\}`.

    Parameters
    ----------
    B : float
        Budget :math:`B > 0`.
    c : float or array_like
        Costs :math:`c_j > 0`: a scalar (the same cost for every coordinate) or one per coordinate.

    Raises
    ------
    ValueError
        If ``B`` is not positive and finite or a cost is not positive and finite; at solve time, if the
        number of costs differs from the size of the moment.
    """

    name = "diagonal"

    def __init__(self, B: float, c: Any = 1.0) -> None:
        self.B = positive_scalar(B, "B (diagonal budget on sum_j c_j q_j^2)")
        self.c = positive_vector(c, "c (coordinate costs)")

    def __repr__(self) -> str:
        costs = f"{self.c[0]:g}" if self.c.size == 1 else f"array of {self.c.size}"
        return f"DiagonalBudget(B={self.B:g}, c={costs})"

    def costs(self, n: int) -> np.ndarray:
        """The cost vector for dimension ``n`` (a scalar cost is broadcast)."""
        if self.c.size == 1:
            return np.full(n, float(self.c[0]))
        if self.c.size != n:
            raise ValueError(f"DiagonalBudget has {self.c.size} costs but the moment has size {n}; "
                             "give one cost per coordinate (or a scalar)")
        return self.c

    def validate_moment(self, sigma: Any) -> np.ndarray:
        matrix = symmetric_matrix(sigma, "sigma")
        self.costs(matrix.shape[0])
        return matrix

    def normalized(self, sigma: np.ndarray) -> Normalization:
        scale = moment_scale(sigma)
        c = self.costs(sigma.shape[0])
        cost_scale = float(np.max(c))
        factor = math.sqrt(self.B / cost_scale)
        return Normalization(DiagonalBudget(1.0, c / cost_scale), sigma / scale, factor, factor * scale)

    # -- formulas --------------------------------------------------------
    def closed_form(self, sigma: np.ndarray) -> Formula:
        r"""Cor. 2(iv) as stated.

        :math:`q_j = (B/\sum_k s_k^2/c_k)^{1/2} s_j/c_j`, :math:`P = (B\sum_j s_j^2/c_j)^{1/2}`.
        """
        c = self.costs(sigma.shape[0])
        s = np.diag(sigma).copy()
        # evaluated with s scaled by max|s_j| (the same expression; squares cannot underflow)
        unit = moment_scale(s)
        energy = np.sum((s / unit) ** 2 / c)
        with np.errstate(invalid="ignore", divide="ignore"):
            q = np.sqrt(self.B / energy) * (s / unit) / c
        message = "0/0: the diagonal of Sigma is zero" if energy == 0.0 else ""
        return Formula(Q=np.diag(q), stated_power=unit * math.sqrt(self.B * float(energy)), message=message,
                       details={"q": q})

    def corrected_form(self, sigma: np.ndarray) -> Formula:
        r"""Corrected: the stated form applied to :math:`s_+ = \max(\operatorname{diag}\Sigma, 0)`.

        :math:`q = 0` if :math:`s_+ = 0`.
        """
        c = self.costs(sigma.shape[0])
        s = np.maximum(np.diag(sigma), 0.0)
        unit = moment_scale(s)
        energy = float(np.sum((s / unit) ** 2 / c))
        q = math.sqrt(self.B / energy) * (s / unit) / c if energy > 0 else np.zeros_like(s)
        return Formula(Q=np.diag(q), stated_power=unit * math.sqrt(self.B * energy), details={"q": q})

    # -- programs --------------------------------------------------------
    def full_program(self, sigma: np.ndarray) -> Program:
        r"""Matrix form: :math:`Q` symmetric, :math:`Q \succeq 0`, off-diagonal entries 0.

        Budget :math:`\sum_j c_jQ_{jj}^2 \le B`.
        """
        n = sigma.shape[0]
        c = self.costs(n)
        Q = cp.Variable((n, n), symmetric=True)
        psd = Q >> 0
        off_diagonal = np.ones((n, n)) - np.eye(n)
        constraints = [psd, cp.multiply(off_diagonal, Q) == 0,
                       cp.sum_squares(cp.multiply(np.sqrt(c), cp.diag(Q))) <= self.B]
        objective = cp.sum(cp.multiply(Q, sigma))
        problem = cp.Problem(cp.Maximize(objective), constraints)
        s = np.diag(sigma)

        def dual_bound() -> float:
            if psd.dual_value is None:
                return math.inf
            z = np.diag(psd_part(np.asarray(psd.dual_value, dtype=float)))
            return math.sqrt(self.B) * float(np.linalg.norm((s + np.maximum(z, 0.0)) / np.sqrt(c)))

        return Program(problem=problem, kind="sdp", size=n, recover=lambda: _sym(Q.value), objective=objective,
                       functional=lambda W: cp.sum(cp.multiply(Q, W)), dual_bound=dual_bound,
                       constraints=constraints)

    def reduced_program(self, sigma: np.ndarray) -> Program:
        r"""CP-D vector SOCP: :math:`\max s^\top q` s.t. :math:`q \ge 0`, :math:`\sum_j c_jq_j^2 \le B`."""
        n = sigma.shape[0]
        c = self.costs(n)
        s = np.diag(sigma).copy()
        q = cp.Variable(n)
        nonneg = q >= 0
        budget = cp.sum_squares(cp.multiply(np.sqrt(c), q)) <= self.B
        objective = s @ q
        problem = cp.Problem(cp.Maximize(objective), [nonneg, budget])

        def dual_bound() -> float:
            if nonneg.dual_value is None:
                return math.inf
            z = np.maximum(np.asarray(nonneg.dual_value, dtype=float), 0.0)
            return math.sqrt(self.B) * float(np.linalg.norm((s + z) / np.sqrt(c)))

        return Program(problem=problem, kind="socp", size=n, recover=lambda: np.diag(np.asarray(q.value, dtype=float)),
                       objective=objective, dual_bound=dual_bound,
                       details=lambda: {"q": np.asarray(q.value, dtype=float)}, constraints=[nonneg, budget])

    # -- certificate -----------------------------------------------------
    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        c = self.costs(sigma.shape[0])
        return {"sum_j c_j q_j^2": (float(np.sum(c * np.diag(Q) ** 2)), self.B)}

    def structure_residual(self, Q: np.ndarray) -> float:
        """Off-diagonal mass relative to :math:`\\|Q\\|_F`."""
        norm = float(np.linalg.norm(Q))
        return float(np.linalg.norm(Q - np.diag(np.diag(Q)))) / norm if norm > 0 else 0.0

    def dual_program(self, sigma: np.ndarray) -> tuple[cp.Problem, str]:
        r"""Dual of CP-D: :math:`\min_{z \ge 0}\sqrt{B}\,\|(\operatorname{diag}\Sigma + z)/\sqrt{c}\|_2`."""
        c = self.costs(sigma.shape[0])
        z = cp.Variable(sigma.shape[0], nonneg=True)
        objective = math.sqrt(self.B) * cp.norm(cp.multiply(1.0 / np.sqrt(c), np.diag(sigma) + z), 2)
        return cp.Problem(cp.Minimize(objective)), "socp"

    def gauge(self, Q: np.ndarray) -> float:
        r""":math:`(\sum_jc_jq_j^2/B)^{1/2}` for diagonal :math:`Q` with :math:`q \ge 0`, ``inf`` otherwise."""
        matrix = np.asarray(Q, dtype=float)
        q = np.diag(matrix)
        scale = max(float(np.max(np.abs(matrix))), 1e-300)
        if float(np.max(np.abs(matrix - np.diag(q)), initial=0.0)) > 1e-9 * scale or np.min(q) < -1e-9 * scale:
            return math.inf
        c = self.costs(q.size)
        return math.sqrt(float(np.sum(c * np.maximum(q, 0.0) ** 2)) / self.B)

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        r""":math:`\sqrt{B}\,\|s_+/\sqrt{c}\|_2` (dual point :math:`z = s_-`), exact."""
        c = self.costs(sigma.shape[0])
        s = np.maximum(np.diag(sigma), 0.0)
        return math.sqrt(self.B) * stable_norm(s / np.sqrt(c)), True

    def q_scale(self, sigma: np.ndarray) -> float:
        r""":math:`\sqrt{B/\max_j c_j}`, the smallest single-coordinate boundary point."""
        return math.sqrt(self.B / float(np.max(self.costs(sigma.shape[0]))))

    def scale(self, sigma: np.ndarray) -> float:
        c = self.costs(sigma.shape[0])
        return math.sqrt(self.B) * stable_norm(np.diag(sigma) / np.sqrt(c))

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        """Unique iff some :math:`s_j > 0` (strictly convex budget, :math:`P^\\star > 0`) or all :math:`s_j < 0`."""
        s = np.diag(sigma)
        tol = EIGEN_TIE_TOL * float(np.max(np.abs(s))) if s.size else 0.0
        if np.max(s) > tol:
            return True, "P* > 0 with c > 0: one maximizer on a strictly convex budget"
        if np.max(s) < -tol:
            return True, "all diagonal entries negative: q = 0 is the only maximizer"
        return False, "P* = 0 with zero diagonal entries: q_j is free where Sigma_jj = 0"


def _sym(value: np.ndarray | None) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    return (array + array.T) / 2.0
