r"""Data-metric ("Lyapunov") budgets (Corollary 2(iii)) and their separate-metric generalization.

**Data metric** (the paper's :math:`\mathcal{Q}_L(B)`, metric = the moment itself):

.. math::

    \mathcal{Q}_L(B) = \{Q \succeq 0 : \operatorname{Tr}(Q^2\Sigma) \le B\},\qquad
    P_L^\star(\Sigma) = \max_{Q\in\mathcal{Q}_L(B)}\operatorname{Tr}(Q\Sigma).

Closed form as stated (Cor. 2(iii), proof B.2(iii)):

.. math::

    Q_L^\star = \alpha\,\Pi_{\operatorname{supp}(\Sigma)},\quad
    \alpha = \Big(B \Big/ \sum_{i:\sigma_i>0}\sigma_i\Big)^{1/2},\quad
    P_L^\star(\Sigma) = \Big(B\sum_i\sigma_i\Big)^{1/2}.

For :math:`\Sigma \succeq 0` it is optimal (Cauchy–Schwarz in :math:`\Sigma`'s eigenbasis,
:math:`\operatorname{Tr}(Q\Sigma) \le \operatorname{Tr}(Q\Sigma Q)^{1/2}(\operatorname{Tr}\Sigma)^{1/2}`);
at :math:`\Sigma = 0` it is :math:`\infty\cdot 0`. For indefinite :math:`\Sigma` the set is not convex,
cvxpy cannot express it (:class:`~theorylab.budgets.base.NotConvexError`), and
:math:`\sum_i\sigma_i` may be negative. In :math:`\Sigma`'s eigenbasis
(:math:`\tilde Q = U^\top QU`) the constraint is the weighted sum of squares
:math:`\sum_{ij}\tilde Q_{ij}^2(\sigma_i+\sigma_j)/2`, which is what the full program uses; the reduced
program keeps the diagonal :math:`q = \operatorname{diag}\tilde Q` (optimal for :math:`\Sigma \succeq 0`).

**Separate metric** :math:`\Sigma_0 \succ 0` (catalogue E1; the budgets of Cor. 11–16 are of this type):

.. math::

    \max\ \operatorname{Tr}(Q\Sigma)\ \text{ s.t. }\ Q \succeq 0,\ \operatorname{Tr}(Q\Sigma_0Q) \le B .

Stationarity gives the continuous Lyapunov equation :math:`\Sigma_0X + X\Sigma_0 = \Sigma`; for
:math:`\Sigma \succeq 0`, :math:`X = \int_0^\infty e^{-\Sigma_0t}\Sigma e^{-\Sigma_0t}dt \succeq 0`, and

.. math::

    Q^\star = \sqrt{B}\,X/\operatorname{Tr}(X\Sigma_0X)^{1/2},\qquad P^\star = (2B\operatorname{Tr}(X\Sigma))^{1/2}.

This form is derived (not stated in the paper). The Lagrangian bound
:math:`P^\star \le (2B\operatorname{Tr}(X_Z(\Sigma+Z)))^{1/2}` with :math:`\Sigma_0X_Z + X_Z\Sigma_0 = \Sigma + Z`
holds for every :math:`Z \succeq 0` and certifies any answer.
"""

from __future__ import annotations

import math
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.linalg

from theorylab.budgets.base import (
    EIGEN_TIE_TOL,
    Budget,
    Formula,
    Normalization,
    NotConvexError,
    Program,
    eigh_descending,
    from_eigen,
    is_psd,
    moment_scale,
    positive_scalar,
    psd_gauge,
    psd_part,
    psd_tolerance,
    stable_norm,
    symmetric_matrix,
    zero_tolerance,
)
from theorylab.budgets.frobenius import unique_on_strictly_convex_ball


class LyapunovBudget(Budget):
    r"""Data-metric budget :math:`\{Q \succeq 0 : \operatorname{Tr}(Q\Sigma_0Q) \le B\}`.

    Parameters
    ----------
    B : float
        Budget :math:`B > 0`.
    metric : array_like, optional
        The metric :math:`\Sigma_0`, symmetric positive definite (positive semidefinite is accepted by the cvxpy
        methods; the program can then be unbounded). None (default) uses the moment
        :math:`\Sigma` itself, which is the paper's :math:`\mathcal{Q}_L(B) = \{Q \succeq 0 :
        \operatorname{Tr}(Q^2\Sigma) \le B\}` (Cor. 2(iii)).

    Raises
    ------
    ValueError
        If ``B`` is not positive and finite, or ``metric`` is not a nonzero symmetric PSD matrix.
    """

    name = "lyapunov"

    def __init__(self, B: float, metric: Any = None) -> None:
        self.B = positive_scalar(B, "B (data-metric budget on Tr(Q Sigma0 Q))")
        if metric is None:
            self.metric = None
        else:
            matrix = symmetric_matrix(metric, "metric")
            values = np.linalg.eigvalsh(matrix)
            if not is_psd(values) or not np.any(values > 0):
                raise ValueError(
                    "metric must be symmetric positive semidefinite and nonzero (positive definite for the closed "
                    f"form); got eigenvalues in [{values[0]:.3g}, {values[-1]:.3g}]")
            self.metric = matrix
            # a singular metric leaves the budget set unbounded along its null space
            self.metric_is_definite = bool(values[0] > zero_tolerance(values))

    def __repr__(self) -> str:
        size = None if self.metric is None else self.metric.shape[0]
        metric = "data metric (Sigma)" if size is None else f"matrix {size}x{size}"
        return f"LyapunovBudget(B={self.B:g}, metric={metric})"

    def validate_moment(self, sigma: Any) -> np.ndarray:
        matrix = symmetric_matrix(sigma, "sigma")
        if self.metric is not None and matrix.shape != self.metric.shape:
            raise ValueError(f"sigma has shape {matrix.shape} but the metric has shape {self.metric.shape}; "
                             "they must have the same size")
        return matrix

    def normalized(self, sigma: np.ndarray) -> Normalization:
        scale = moment_scale(sigma)
        if self.metric is None:
            # Tr(Q S Q) <= B  <=>  Tr(Qh (S/s) Qh) <= 1 with Q = (B/s)^(1/2) Qh
            factor = math.sqrt(self.B / scale)
            return Normalization(LyapunovBudget(1.0), sigma / scale, factor, factor * scale)
        metric_scale = moment_scale(self.metric)
        factor = math.sqrt(self.B / metric_scale)
        return Normalization(LyapunovBudget(1.0, metric=self.metric / metric_scale), sigma / scale, factor,
                             factor * scale)

    def metric_of(self, sigma: np.ndarray) -> np.ndarray:
        """The metric :math:`\\Sigma_0` used for moment ``sigma``."""
        return sigma if self.metric is None else self.metric

    # -- formulas --------------------------------------------------------
    def closed_form(self, sigma: np.ndarray) -> Formula:
        r"""Data metric: Cor. 2(iii) as stated. Separate metric: the Lyapunov-equation form (derived)."""
        if self.metric is not None:
            return self._lyapunov_form(sigma)
        values = np.linalg.eigvalsh(sigma)[::-1]
        tol = zero_tolerance(values)
        support = np.abs(values) > tol
        if np.all(support):
            projector = np.eye(sigma.shape[0])
        else:
            values, vectors = eigh_descending(sigma)
            support = np.abs(values) > tol
            projector = vectors[:, support] @ vectors[:, support].T
        positive_sum = float(np.sum(values[values > tol]))
        total = float(np.sum(values))
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = float(np.sqrt(self.B / positive_sum)) if positive_sum > 0 else math.inf
            Q = alpha * projector
            stated = float(np.sqrt(self.B * total)) if total >= 0 else math.nan
        messages = []
        if positive_sum == 0.0:
            messages.append("no positive eigenvalue: alpha = (B/0)^(1/2) = inf and the stated Q is inf*0")
        if total < 0:
            messages.append(f"sum of eigenvalues {total:.3g} < 0: the stated P* = (B sum sigma_i)^(1/2) is not real")
        return Formula(Q=Q, stated_power=stated, message="; ".join(messages),
                       details={"alpha": alpha, "rank": int(np.sum(support)), "sigma": values})

    def corrected_form(self, sigma: np.ndarray) -> Formula:
        r"""Data metric, :math:`\Sigma \succeq 0`: the stated form, with :math:`Q = 0` at :math:`\Sigma = 0`.

        Raises
        ------
        NotConvexError
            For indefinite :math:`\Sigma` (the program is not convex and no closed form is derived).
        """
        if self.metric is not None:
            return self._lyapunov_form(sigma)
        values, vectors = eigh_descending(sigma)
        self._require_psd(values, "the corrected data-metric form")
        tol = zero_tolerance(values)
        support = values > tol
        positive_sum = float(np.sum(values[support]))
        if positive_sum == 0.0:
            return Formula(Q=np.zeros_like(sigma), stated_power=0.0, message="Sigma = 0: Q = 0 is optimal")
        alpha = math.sqrt(self.B / positive_sum)
        Q = alpha * (vectors[:, support] @ vectors[:, support].T)
        return Formula(Q=Q, stated_power=math.sqrt(self.B * positive_sum), details={"alpha": alpha})

    def _lyapunov_form(self, sigma: np.ndarray) -> Formula:
        metric = self.metric
        assert metric is not None
        if not self.metric_is_definite:
            raise ValueError("the Lyapunov closed form needs a positive definite metric; this one is singular "
                             "(the program may be unbounded); use method='cvxpy'")
        X = scipy.linalg.solve_continuous_lyapunov(metric, sigma)
        X = (X + X.T) / 2.0
        values = np.linalg.eigvalsh(X)
        if values.size and values[0] < -psd_tolerance(values):
            raise ValueError(
                "the Lyapunov closed form needs a PSD solution X of Sigma0 X + X Sigma0 = Sigma (true when "
                f"Sigma >= 0); here lambda_min(X) = {values[0]:.3g}; use method='cvxpy'")
        norm2 = float(np.sum((X @ metric) * X))
        if norm2 <= 0.0:
            return Formula(Q=np.zeros_like(sigma), stated_power=0.0, message="X = 0 (Sigma = 0): Q = 0 is optimal")
        Q = math.sqrt(self.B) * X / math.sqrt(norm2)
        return Formula(Q=Q, stated_power=math.sqrt(2.0 * self.B * float(np.sum(X * sigma))),
                       message="derived form (Lyapunov equation), not a formula of the paper",
                       details={"X": X})

    # -- programs --------------------------------------------------------
    def full_program(self, sigma: np.ndarray) -> Program:
        r"""The SDP in the metric's eigenbasis: :math:`\tilde Q = V^\top QV \succeq 0`,
        :math:`\sum_{ij}\tilde Q_{ij}^2(s_i+s_j)/2 \le B`, objective :math:`\langle V^\top\Sigma V, \tilde Q\rangle`.

        This is the full-matrix program (:math:`n(n+1)/2` variables and the PSD cone) written in rotated
        coordinates, which keeps cvxpy's compiled problem sparse.
        """
        if self.metric is None:
            values, vectors = eigh_descending(sigma)
            self._require_psd(values, "the data-metric SDP")
            weights_diag = np.maximum(values, 0.0)
            rotated = np.diag(values)
        else:
            weights_diag, vectors = eigh_descending(self.metric)
            rotated = vectors.T @ sigma @ vectors
            rotated = (rotated + rotated.T) / 2.0
        n = sigma.shape[0]
        weights = (weights_diag[:, None] + weights_diag[None, :]) / 2.0
        Qt = cp.Variable((n, n), symmetric=True)
        psd = Qt >> 0
        budget = cp.sum_squares(cp.multiply(np.sqrt(weights), Qt)) <= self.B
        objective = cp.sum(cp.multiply(rotated, Qt))
        problem = cp.Problem(cp.Maximize(objective), [psd, budget])

        def recover() -> np.ndarray:
            return from_eigen_matrix(vectors, np.asarray(Qt.value, dtype=float))

        def dual_bound() -> float:
            if self.metric is None or not self.metric_is_definite or psd.dual_value is None:
                return math.inf
            Z = psd_part(np.asarray(psd.dual_value, dtype=float))
            return _lyapunov_bound(rotated + Z, weights_diag, self.B)

        return Program(problem=problem, kind="sdp", size=n, recover=recover, objective=objective,
                       functional=lambda W: cp.sum(cp.multiply(vectors.T @ W @ vectors, Qt)),
                       dual_bound=dual_bound, constraints=[psd, budget])

    def reduced_program(self, sigma: np.ndarray) -> Program:
        r"""Vector SOCP in a common eigenbasis of :math:`\Sigma` and the metric:
        :math:`\max m^\top q` s.t. :math:`q \ge 0`, :math:`\sum_i s_iq_i^2 \le B`.

        For the data metric :math:`s = m = \sigma` (coordinates with :math:`\sigma_i = 0` enter neither the
        objective nor the budget and are set to 0). For a separate metric the two matrices must commute.
        """
        if self.metric is None:
            values, vectors = eigh_descending(sigma)
            self._require_psd(values, "the reduced data-metric program")
            keep = values > zero_tolerance(values)
            gains, costs = values, values
        else:
            vectors = common_eigenbasis(sigma, self.metric)
            gains = np.einsum("ij,jk,ki->i", vectors.T, sigma, vectors)
            costs = np.einsum("ij,jk,ki->i", vectors.T, self.metric, vectors)
            keep = np.ones(gains.size, dtype=bool)
        q = cp.Variable(int(np.sum(keep)))
        nonneg = q >= 0
        # the SOC form compiles faster than sum_squares (no quad_over_lin canonicalization)
        budget = cp.norm(cp.multiply(np.sqrt(costs[keep]), q), 2) <= math.sqrt(self.B)
        objective = gains[keep] @ q
        problem = cp.Problem(cp.Maximize(objective), [nonneg, budget])

        def full_q() -> np.ndarray:
            result = np.zeros(gains.size)
            result[keep] = np.asarray(q.value, dtype=float)
            return result

        return Program(problem=problem, kind="socp", size=gains.size, recover=lambda: from_eigen(vectors, full_q()),
                       objective=objective, details=lambda: {"q": full_q()}, constraints=[nonneg, budget])

    # -- certificate -----------------------------------------------------
    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        metric = self.metric_of(sigma)
        return {"Tr(Q Sigma0 Q)": (float(np.sum((Q @ metric) * Q)), self.B)}

    def dual_program(self, sigma: np.ndarray) -> tuple[cp.Problem, str]:
        r"""Separate metric: :math:`\min_{Z \succeq 0}\,(2B\sum_{ij}(M + Z)_{ij}^2/(s_i + s_j))^{1/2}`.

        In the metric's eigenbasis (:math:`\Sigma_0 = V\operatorname{diag}(s)V^\top`, :math:`M = V^\top\Sigma V`) the
        Lagrangian bound :math:`(2B\operatorname{Tr}(X_Z(\Sigma + Z)))^{1/2}` is this weighted norm. The data
        metric has no such dual here (its metric is singular in general; the bound
        :math:`(B\operatorname{Tr}\Sigma)^{1/2}` is exact for :math:`\Sigma \succeq 0`).
        """
        if self.metric is None or not self.metric_is_definite:
            raise ValueError("no explicit dual program for the data metric or a singular metric; for the data "
                             "metric the support function (B Tr Sigma)^(1/2) is exact when Sigma >= 0")
        costs, vectors = np.linalg.eigh(self.metric)
        rotated = vectors.T @ sigma @ vectors
        rotated = (rotated + rotated.T) / 2.0
        weights = 1.0 / np.sqrt(costs[:, None] + costs[None, :])
        Z = cp.Variable(sigma.shape, symmetric=True)
        objective = math.sqrt(2.0 * self.B) * cp.norm(cp.multiply(weights, rotated + Z), "fro")
        return cp.Problem(cp.Minimize(objective), [Z >> 0]), "sdp"

    def gauge(self, Q: np.ndarray) -> float:
        r""":math:`(\operatorname{Tr}(Q\Sigma_0Q)/B)^{1/2}` for :math:`Q \succeq 0` (separate metric only)."""
        if self.metric is None:
            raise ValueError("the data-metric budget depends on the moment; use a separate metric for its gauge")
        matrix = np.asarray(Q, dtype=float)
        return psd_gauge(Q, math.sqrt(max(float(np.sum((matrix @ self.metric) * matrix)), 0.0) / self.B))

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        r"""Data metric, :math:`\Sigma \succeq 0`: :math:`(B\operatorname{Tr}\Sigma_+)^{1/2}` (exact); indefinite: none.

        Separate metric: the Lagrangian bound with :math:`Z = 0` and with :math:`Z = \Sigma_-`, the smaller
        one; exact for :math:`\Sigma \succeq 0`.
        """
        if self.metric is None:
            values = np.linalg.eigvalsh(sigma)
            if not is_psd(values):
                return math.inf, False
            return math.sqrt(self.B * float(np.sum(np.maximum(values, 0.0)))), True
        if not self.metric_is_definite:
            return math.inf, False
        costs, vectors = np.linalg.eigh(self.metric)
        rotated = vectors.T @ sigma @ vectors
        rotated = (rotated + rotated.T) / 2.0
        values = np.linalg.eigvalsh(sigma)
        bound = min(_lyapunov_bound(rotated, costs, self.B), _lyapunov_bound(psd_part(rotated), costs, self.B))
        return bound, is_psd(values)

    def lower_bound(self, sigma: np.ndarray) -> float | None:
        r"""Data metric, indefinite :math:`\Sigma`: :math:`(B\sum_i\sigma_{i+})^{1/2}`, the value of the feasible
        :math:`Q = \alpha_+\Pi_+` (:math:`\Pi_+` the projector on the positive eigenspace,
        :math:`\alpha_+ = (B/\sum_i\sigma_{i+})^{1/2}`); None otherwise."""
        if self.metric is not None:
            return None
        values = np.linalg.eigvalsh(sigma)
        if is_psd(values):
            return None
        return math.sqrt(self.B * float(np.sum(np.maximum(values, 0.0))))

    def q_scale(self, sigma: np.ndarray) -> float:
        r""":math:`\sqrt{B/\lambda_{\max}(\Sigma_0)}` (0 if the metric is 0: the set is then unbounded)."""
        top = float(np.linalg.eigvalsh(self.metric_of(sigma))[-1])
        return math.sqrt(self.B / top) if top > 0 else 0.0

    def scale(self, sigma: np.ndarray) -> float:
        if self.metric is None:
            values = np.linalg.eigvalsh(sigma)
            return math.sqrt(self.B * float(np.sum(np.abs(values))))
        costs, vectors = np.linalg.eigh(self.metric)
        if not self.metric_is_definite:
            # any positive normalization: the program may be unbounded
            return math.sqrt(self.B / float(costs[-1])) * stable_norm(sigma)
        return _lyapunov_bound(vectors.T @ sigma @ vectors, costs, self.B)

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        """Data metric: unique iff :math:`\\Sigma \\succ 0`. Separate metric: as for a strictly convex ball."""
        values = np.linalg.eigvalsh(sigma)
        if self.metric is not None:
            if not self.metric_is_definite:
                return None, "singular metric: the budget set is unbounded along its null space"
            return unique_on_strictly_convex_ball(values)
        if not is_psd(values):
            return None, "indefinite Sigma: the budget set is not convex"
        if values[0] > EIGEN_TIE_TOL * float(np.max(np.abs(values))) and values[0] > 0:
            return True, "Sigma > 0: the budget is a strictly convex quadratic"
        return False, "singular Sigma: the block of Q on null(Sigma) is free (unbounded budget set)"

    @staticmethod
    def _require_psd(values: np.ndarray, what: str) -> None:
        if not is_psd(values):
            raise NotConvexError(
                f"{what} needs Sigma >= 0: with the data metric, Tr(Q Sigma Q) <= B is not a convex set for "
                f"indefinite Sigma (smallest eigenvalue {np.min(values):.3g}); cvxpy cannot solve it. "
                "method='closed-form' evaluates the paper's formula")


def _lyapunov_bound(rotated: np.ndarray, costs: np.ndarray, B: float) -> float:
    r""":math:`(2B\operatorname{Tr}(XM))^{1/2}` with :math:`X_{ij} = M_{ij}/(s_i+s_j)` in the metric's eigenbasis."""
    rotated = (rotated + rotated.T) / 2.0
    total = float(np.sum(rotated**2 / (costs[:, None] + costs[None, :])))
    return math.sqrt(2.0 * B * max(total, 0.0))


def from_eigen_matrix(vectors: np.ndarray, rotated: np.ndarray) -> np.ndarray:
    r""":math:`V\tilde QV^\top`, exactly symmetric."""
    matrix = vectors @ rotated @ vectors.T
    return (matrix + matrix.T) / 2.0


def common_eigenbasis(a: np.ndarray, b: np.ndarray, rtol: float = 1e-9) -> np.ndarray:
    r"""An orthonormal basis diagonalizing both symmetric matrices.

    Raises
    ------
    ValueError
        If the matrices do not commute (then no common eigenbasis exists).
    """
    scale = float(np.linalg.norm(a)) * float(np.linalg.norm(b))
    if float(np.linalg.norm(a @ b - b @ a)) > rtol * max(scale, np.finfo(float).tiny):
        raise ValueError("the reduced form with a separate metric needs Sigma and the metric to commute "
                         "(a common eigenbasis); they do not; use method='cvxpy'")
    ratio = float(np.linalg.norm(b)) / max(float(np.linalg.norm(a)), np.finfo(float).tiny)
    # an irrational mixing weight separates eigenvalues that tie in one matrix but not in the other
    _, vectors = np.linalg.eigh(b + (math.sqrt(2.0) - 1.0 / math.pi) * ratio * a)
    for matrix in (a, b):
        rotated = vectors.T @ matrix @ vectors
        off = rotated - np.diag(np.diag(rotated))
        if float(np.linalg.norm(off)) > 1e-7 * max(float(np.linalg.norm(matrix)), np.finfo(float).tiny):
            raise ValueError("could not find a common eigenbasis of Sigma and the metric; use method='cvxpy'")
    return vectors
