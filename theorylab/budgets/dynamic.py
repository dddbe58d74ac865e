r"""Dynamic budget programs (problem P3) over lag moments truncated to lags :math:`0..K` (Corollary 9).

A dynamic optimizer is a causal filter :math:`Q = (Q[0], Q[1], \dots)` with
:math:`\dot\theta[n] = \sum_k Q[k]g[n-k]` (eq. 6); with lag moments :math:`R[k] = E[g[n]g[n-k]^\top]`
(eq. 8) the learning power is the :math:`\mathcal{H}` inner product (eqs. 7, 9)

.. math::

    \langle Q, R\rangle_{\mathcal{H}} = \sum_{k=0}^{K}\operatorname{Tr}(Q[k]^\top R[k]),\qquad
    \|Q\|_{\mathcal{H}}^2 = \sum_{k=0}^{K}\operatorname{Tr}(Q[k]^\top Q[k]).

Lag moments are arrays of shape ``(K + 1, d, d)``; :math:`R[k]` need not be symmetric for :math:`k \ge 1`.
The budgets and the closed forms of Cor. 9 as stated:

* :class:`DynamicFrobeniusBudget` — :math:`\|Q\|_{\mathcal{H}} \le \sqrt{B}`:
  :math:`Q^\star = \sqrt{B}R/\|R\|_{\mathcal{H}}`, :math:`P^\star = \sqrt{B}\|R\|_{\mathcal{H}}` (Cor. 9(i)).
  The reading of "Q" is a parameter: ``unrestricted`` real :math:`Q[k]` (the statement), ``symmetric``
  :math:`Q[k]` (eq. 6), ``lag-psd`` :math:`Q[k] \succeq 0` (P3's :math:`Q \succeq 0`).
* :class:`DynamicLyapunovBudget` — :math:`\sum_k\operatorname{Tr}(Q[k]^\top\Sigma_0Q[k]) \le B`:
  :math:`Q^\star = \alpha\Pi_{\operatorname{supp}}` (memoryless), :math:`\alpha = (B/\sum_{\sigma_i>0}\sigma_i)^{1/2}`,
  :math:`P^\star = (B\sum_i\sigma_i)^{1/2}` with :math:`\sigma_i` the eigenvalues of :math:`\Sigma_0 = R[0]`
  (the catalogue's reading of Cor. 9(iii)).
* :class:`DynamicDiagonalBudget` — :math:`\sum_jc_j\sum_nq_j[n]^2 \le B`:
  :math:`q_j^\star[n] = (B/\sum_k\|R_{kk}\|^2/c_k)^{1/2}R_{jj}[n]/c_j`,
  :math:`P^\star = (B\sum_j\|R_{jj}\|^2/c_j)^{1/2}` (Cor. 9(iv)); ``nonneg`` selects the reading
  :math:`q_j[n] \ge 0`.
* :class:`FrequencySpectralBudget` — the per-frequency spectral budget of Cor. 9(ii), on spectral
  densities (see :func:`spectral_density`).
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
    is_psd,
    moment_scale,
    positive_scalar,
    positive_vector,
    psd_part,
    psd_tolerance,
    real_array,
    stable_norm,
    symmetric_matrix,
    zero_tolerance,
)
from theorylab.budgets.spectral import (
    spectral_dual_value,
    spectral_uniqueness,
    stated_spectral_eigenvalues,
    stated_spectral_power,
    water_filling,
)

STRUCTURES = ("unrestricted", "symmetric", "lag-psd")


def lag_moments(R: Any, name: str = "R") -> np.ndarray:
    r"""Validate lag moments :math:`R[0..K]` and return them as a float array of shape ``(K + 1, d, d)``.

    :math:`R[0] = E[g g^\top]` must be symmetric; :math:`R[k]`, :math:`k \ge 1`, may be any real matrices.

    Raises
    ------
    ValueError
        For non-numeric, complex, non-finite input, a shape other than ``(K + 1, d, d)`` or an asymmetric
        :math:`R[0]`.
    """
    array = real_array(R, name)
    if array.ndim == 2:
        raise ValueError(f"{name} must have shape (K + 1, d, d) (lags first); got a 2-D array of shape {array.shape}; "
                         f"use {name}[None] for a single lag")
    if array.ndim != 3 or array.shape[1] != array.shape[2] or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} must have shape (K + 1, d, d) with K >= 0, d >= 1; got shape {array.shape}")
    array = array.copy()
    array[0] = symmetric_matrix(array[0], f"{name}[0]")
    return array


def h_inner(Q: np.ndarray, R: np.ndarray) -> float:
    r""":math:`\langle Q, R\rangle_{\mathcal{H}} = \sum_k\operatorname{Tr}(Q[k]^\top R[k])` (eq. 7)."""
    return float(np.sum(Q * R))


def h_norm(R: np.ndarray) -> float:
    r""":math:`\|R\|_{\mathcal{H}}` (eq. 7)."""
    return stable_norm(R)


def _sym_lags(R: np.ndarray) -> np.ndarray:
    return (R + np.swapaxes(R, 1, 2)) / 2.0


def _check_structure(structure: str) -> str:
    if structure not in STRUCTURES:
        raise ValueError(f"structure must be one of {', '.join(STRUCTURES)}; got {structure!r}")
    return structure


class _LagBudget(Budget):
    """Common parts of the budgets over lag moments ``(K + 1, d, d)``."""

    structure = "unrestricted"

    def validate_moment(self, sigma: Any) -> np.ndarray:
        return lag_moments(sigma, "R")

    def power(self, Q: np.ndarray, sigma: np.ndarray) -> float:
        return h_inner(Q, sigma)

    def structure_residual(self, Q: np.ndarray) -> float:
        if self.structure == "unrestricted":
            return 0.0
        norm = float(np.linalg.norm(Q))
        return float(np.linalg.norm(Q - np.swapaxes(Q, 1, 2))) / norm if norm > 0 else 0.0

    def psd_eigenvalues(self, Q: np.ndarray) -> float | None:
        if self.structure != "lag-psd":
            return None
        return float(min(np.linalg.eigvalsh(_sym_lags(Q))[:, 0]))

    def _variables(self, K1: int, d: int) -> tuple[list[cp.Variable], list[Any]]:
        symmetric = self.structure != "unrestricted"
        variables = [cp.Variable((d, d), symmetric=symmetric) for _ in range(K1)]
        psd = [v >> 0 for v in variables] if self.structure == "lag-psd" else []
        return variables, psd


class DynamicFrobeniusBudget(_LagBudget):
    r"""Dynamic Frobenius ball :math:`\{Q : \|Q\|_{\mathcal{H}} \le \sqrt{B}\}` (Cor. 9(i), Cor. 5, 10).

    Parameters
    ----------
    B : float
        Budget on :math:`\|Q\|_{\mathcal{H}}^2`.
    structure : {"unrestricted", "symmetric", "lag-psd"}
        Which filters are allowed: real :math:`Q[k]` (the statement), symmetric :math:`Q[k]` (eq. 6), or
        :math:`Q[k] \succeq 0` (lag-wise reading of P3's :math:`Q \succeq 0`).

    Notes
    -----
    Corrected form: :math:`Q^\star = \sqrt{B}\,\Pi(R)/\|\Pi(R)\|_{\mathcal{H}}` with :math:`\Pi` the projection
    onto the allowed set (identity, :math:`\operatorname{sym}R[k]`, :math:`(\operatorname{sym}R[k])_+`); this is
    also the exact upper bound. The reduced programs are vector SOCPs over singular values
    (unrestricted) or eigenvalues of :math:`\operatorname{sym}R[k]` (symmetric: signed; lag-psd: nonnegative).
    """

    name = "dynamic-frobenius"

    def __init__(self, B: float, structure: str = "unrestricted") -> None:
        self.B = positive_scalar(B, "B (dynamic Frobenius budget on ||Q||_H^2)")
        self.structure = _check_structure(structure)
        self.requires_psd = structure == "lag-psd"

    def __repr__(self) -> str:
        return f"DynamicFrobeniusBudget(B={self.B:g}, structure={self.structure!r})"

    def normalized(self, sigma: np.ndarray) -> Normalization:
        scale = moment_scale(sigma)
        root = math.sqrt(self.B)
        return Normalization(DynamicFrobeniusBudget(1.0, self.structure), sigma / scale, root, root * scale)

    def projected(self, R: np.ndarray) -> np.ndarray:
        """The projection of ``R`` onto the allowed filters."""
        if self.structure == "unrestricted":
            return R
        sym = _sym_lags(R)
        if self.structure == "symmetric":
            return sym
        return np.stack([psd_part(block) for block in sym])

    def closed_form(self, sigma: np.ndarray) -> Formula:
        r"""Cor. 9(i) as stated: :math:`Q = \sqrt{B}R/\|R\|_{\mathcal{H}}`, :math:`P = \sqrt{B}\|R\|_{\mathcal{H}}`."""
        norm = h_norm(sigma)
        with np.errstate(invalid="ignore", divide="ignore"):
            Q = math.sqrt(self.B) * sigma / norm
        return Formula(Q=Q, stated_power=math.sqrt(self.B) * norm,
                       message="0/0 at R = 0: the stated Q is undefined" if norm == 0 else "")

    def corrected_form(self, sigma: np.ndarray) -> Formula:
        projected = self.projected(sigma)
        norm = h_norm(projected)
        Q = math.sqrt(self.B) * projected / norm if norm > 0 else np.zeros_like(sigma)
        return Formula(Q=Q, stated_power=math.sqrt(self.B) * norm)

    def full_program(self, sigma: np.ndarray) -> Program:
        K1, d, _ = sigma.shape
        variables, psd = self._variables(K1, d)
        ball = cp.sum_squares(cp.hstack([cp.vec(v, order="F") for v in variables])) <= self.B
        objective = cp.sum([cp.sum(cp.multiply(v, sigma[k])) for k, v in enumerate(variables)])
        constraints = [*psd, ball]
        problem = cp.Problem(cp.Maximize(objective), constraints)
        return Program(problem=problem, kind="sdp" if psd else "socp", size=d,
                       recover=lambda: np.stack([np.asarray(v.value, dtype=float) for v in variables]),
                       objective=objective,
                       functional=lambda W: cp.sum([cp.sum(cp.multiply(v, W[k])) for k, v in enumerate(variables)]),
                       constraints=constraints)

    def reduced_program(self, sigma: np.ndarray) -> Program:
        K1, d, _ = sigma.shape
        left, gains, right = [], [], []
        for block in (sigma if self.structure == "unrestricted" else _sym_lags(sigma)):
            if self.structure == "unrestricted":
                u, s, vt = np.linalg.svd(block)
                left.append(u)
                gains.append(s)
                right.append(vt.T)
            else:
                w, u = np.linalg.eigh(block)
                left.append(u)
                gains.append(w)
                right.append(u)
        g = np.concatenate(gains)
        q = cp.Variable(g.size)
        constraints = [cp.norm(q, 2) <= math.sqrt(self.B)]
        if self.structure != "symmetric":
            constraints.append(q >= 0)
        objective = g @ q
        problem = cp.Problem(cp.Maximize(objective), constraints)

        def recover() -> np.ndarray:
            values = np.asarray(q.value, dtype=float).reshape(K1, d)
            return np.stack([(left[k] * values[k]) @ right[k].T for k in range(K1)])

        return Program(problem=problem, kind="socp", size=g.size, recover=recover, objective=objective,
                       details=lambda: {"q": np.asarray(q.value, dtype=float).reshape(K1, d)},
                       constraints=constraints)

    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        return {"||Q||_H^2": (float(np.sum(Q * Q)), self.B)}

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        return math.sqrt(self.B) * h_norm(self.projected(sigma)), True

    def q_scale(self, sigma: np.ndarray) -> float:
        r""":math:`\sqrt{B}`, the :math:`\mathcal{H}`-radius of the ball."""
        return math.sqrt(self.B)

    def scale(self, sigma: np.ndarray) -> float:
        return math.sqrt(self.B) * h_norm(sigma)

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        projected = self.projected(sigma)
        if h_norm(projected) > EIGEN_TIE_TOL * max(h_norm(sigma), np.finfo(float).tiny):
            return True, "P* > 0: one maximizer on the (strictly convex) H-ball intersected with a convex cone"
        if self.structure == "lag-psd" and np.all(np.linalg.eigvalsh(_sym_lags(sigma))[:, -1] < 0):
            return True, "every sym R[k] < 0: Q = 0 is the only maximizer"
        return False, "P* = 0: a whole face of the ball is optimal"


class DynamicLyapunovBudget(_LagBudget):
    r"""Dynamic data-metric budget :math:`\{Q : \sum_k\operatorname{Tr}(Q[k]^\top\Sigma_0Q[k]) \le B\}` (Cor. 9(iii)).

    Parameters
    ----------
    B : float
        Budget.
    metric : array_like, optional
        :math:`\Sigma_0`, symmetric positive definite; None (default) uses :math:`R[0]` (must then be PSD).
    structure : {"unrestricted", "symmetric", "lag-psd"}
        Which filters are allowed (see :class:`DynamicFrobeniusBudget`).

    Notes
    -----
    Closed form as stated: the memoryless :math:`Q[0] = \alpha\Pi_{\operatorname{supp}(R[0])}`,
    :math:`Q[k \ge 1] = 0`, :math:`\alpha = (B/\sum_{\sigma_i>0}\sigma_i)^{1/2}`,
    :math:`P^\star = (B\sum_i\sigma_i)^{1/2}`,
    :math:`\sigma_i` the eigenvalues of :math:`\Sigma_0`. It ignores the lags :math:`k \ge 1`.

    Corrected form (:math:`\Sigma_0 \succ 0`): unrestricted filters,
    :math:`Q^\star[k] = \sqrt{B}\,\Sigma_0^{-1}R[k]/N`,
    :math:`N^2 = \sum_k\operatorname{Tr}(R[k]^\top\Sigma_0^{-1}R[k])`,
    :math:`P^\star = \sqrt{B}N` (Cauchy–Schwarz in the :math:`\Sigma_0` metric); symmetric filters,
    :math:`\Sigma_0X_k + X_k\Sigma_0 = \operatorname{sym}R[k]`, :math:`Q^\star[k] \propto X_k`,
    :math:`P^\star = (2B\sum_k\operatorname{Tr}(X_k\operatorname{sym}R[k]))^{1/2}`; lag-PSD filters: the same when every
    :math:`X_k \succeq 0`.
    """

    name = "dynamic-lyapunov"

    def __init__(self, B: float, metric: Any = None, structure: str = "unrestricted") -> None:
        self.B = positive_scalar(B, "B (dynamic data-metric budget)")
        self.structure = _check_structure(structure)
        self.requires_psd = structure == "lag-psd"
        if metric is None:
            self.metric = None
        else:
            matrix = symmetric_matrix(metric, "metric")
            values = np.linalg.eigvalsh(matrix)
            if not values[0] > zero_tolerance(values):
                raise ValueError("metric must be symmetric positive definite (smallest eigenvalue > 0); "
                                 f"got smallest eigenvalue {values[0]:.3g}")
            self.metric = matrix

    def __repr__(self) -> str:
        metric = "R[0]" if self.metric is None else f"matrix {self.metric.shape[0]}x{self.metric.shape[0]}"
        return f"DynamicLyapunovBudget(B={self.B:g}, metric={metric}, structure={self.structure!r})"

    def validate_moment(self, sigma: Any) -> np.ndarray:
        R = lag_moments(sigma, "R")
        if self.metric is not None and self.metric.shape != R.shape[1:]:
            raise ValueError(f"R has matrices of shape {R.shape[1:]} but the metric has shape {self.metric.shape}")
        return R

    def normalized(self, sigma: np.ndarray) -> Normalization:
        scale = moment_scale(sigma)
        if self.metric is None:
            factor = math.sqrt(self.B / scale)
            return Normalization(DynamicLyapunovBudget(1.0, None, self.structure), sigma / scale, factor,
                                 factor * scale)
        metric_scale = moment_scale(self.metric)
        factor = math.sqrt(self.B / metric_scale)
        return Normalization(DynamicLyapunovBudget(1.0, self.metric / metric_scale, self.structure), sigma / scale,
                             factor, factor * scale)

    def metric_of(self, R: np.ndarray) -> np.ndarray:
        """The metric :math:`\\Sigma_0` (default :math:`R[0]`)."""
        return R[0] if self.metric is None else self.metric

    def _metric_eigen(self, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values, vectors = eigh_descending(self.metric_of(R))
        if self.metric is None and not is_psd(values):
            raise NotConvexError(f"the metric R[0] must be PSD for a convex budget; its smallest eigenvalue is "
                                 f"{values[-1]:.3g}")
        return np.maximum(values, 0.0), vectors

    def _metric_is_definite(self, R: np.ndarray) -> bool:
        values = np.linalg.eigvalsh(self.metric_of(R))
        return bool(values[0] > zero_tolerance(values) and values[0] > psd_tolerance(values))

    def closed_form(self, sigma: np.ndarray) -> Formula:
        metric = self.metric_of(sigma)
        values, vectors = eigh_descending(metric)
        tol = zero_tolerance(values)
        positive_sum = float(np.sum(values[values > tol]))
        total = float(np.sum(values))
        r0_values, r0_vectors = eigh_descending(sigma[0])
        support = np.abs(r0_values) > zero_tolerance(r0_values)
        Q = np.zeros_like(sigma)
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = float(np.sqrt(self.B / positive_sum)) if positive_sum > 0 else math.inf
            Q[0] = alpha * (r0_vectors[:, support] @ r0_vectors[:, support].T)
            stated = float(np.sqrt(self.B * total)) if total >= 0 else math.nan
        message = "no positive eigenvalue of the metric: alpha = inf" if positive_sum == 0 else ""
        return Formula(Q=Q, stated_power=stated, message=message, details={"alpha": alpha})

    def corrected_form(self, sigma: np.ndarray) -> Formula:
        if not self._metric_is_definite(sigma):
            raise ValueError("the corrected dynamic data-metric form needs a positive definite metric "
                             "(with a singular metric the program can be unbounded); use method='cvxpy'")
        metric = self.metric_of(sigma)
        if self.structure == "unrestricted":
            direction = np.stack([np.linalg.solve(metric, block) for block in sigma])
            norm = math.sqrt(max(float(np.sum(direction * sigma)), 0.0))
            if norm == 0:
                return Formula(Q=np.zeros_like(sigma), stated_power=0.0)
            return Formula(Q=math.sqrt(self.B) * direction / norm, stated_power=math.sqrt(self.B) * norm)
        sym = _sym_lags(sigma)
        X = np.stack([scipy.linalg.solve_continuous_lyapunov(metric, block) for block in sym])
        X = _sym_lags(X)
        if self.structure == "lag-psd":
            smallest = min(float(np.linalg.eigvalsh(block)[0]) for block in X)
            if smallest < -psd_tolerance(np.array([np.max(np.abs(X))])):
                raise ValueError("no closed form for lag-PSD filters here: a Lyapunov solution X_k is not PSD "
                                 f"(smallest eigenvalue {smallest:.3g}); use method='cvxpy'")
        norm2 = float(sum(np.sum((x @ metric) * x) for x in X))
        if norm2 <= 0:
            return Formula(Q=np.zeros_like(sigma), stated_power=0.0)
        return Formula(Q=math.sqrt(self.B) * X / math.sqrt(norm2),
                       stated_power=math.sqrt(2.0 * self.B * float(np.sum(X * sym))))

    def full_program(self, sigma: np.ndarray) -> Program:
        r"""In the metric's eigenbasis :math:`V`: unrestricted :math:`\tilde Q_k = V^\top Q_k` (budget
        :math:`\sum s_i\tilde Q_{k,ij}^2`), symmetric :math:`\tilde Q_k = V^\top Q_kV` (weights :math:`(s_i+s_j)/2`)."""
        K1, d, _ = sigma.shape
        costs, V = self._metric_eigen(sigma)
        variables, psd = self._variables(K1, d)
        if self.structure == "unrestricted":
            weights = np.repeat(costs[:, None], d, axis=1)
            rotated = [V.T @ block for block in sigma]

            def back(x: np.ndarray) -> np.ndarray:
                return V @ x

            def rotate(W: np.ndarray) -> np.ndarray:
                return V.T @ W
        else:
            weights = (costs[:, None] + costs[None, :]) / 2.0
            rotated = [V.T @ block @ V for block in sigma]

            def back(x: np.ndarray) -> np.ndarray:
                return V @ x @ V.T

            def rotate(W: np.ndarray) -> np.ndarray:
                return V.T @ W @ V
        root = np.sqrt(weights)
        budget = cp.sum_squares(cp.hstack([cp.vec(cp.multiply(root, v), order="F") for v in variables])) <= self.B
        objective = cp.sum([cp.sum(cp.multiply(v, rotated[k])) for k, v in enumerate(variables)])
        constraints = [*psd, budget]
        problem = cp.Problem(cp.Maximize(objective), constraints)
        return Program(problem=problem, kind="sdp" if psd else "socp", size=d,
                       recover=lambda: np.stack([back(np.asarray(v.value, dtype=float)) for v in variables]),
                       objective=objective,
                       functional=lambda W: cp.sum([cp.sum(cp.multiply(v, rotate(W[k])))
                                                    for k, v in enumerate(variables)]),
                       constraints=constraints)

    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        metric = self.metric_of(sigma)
        return {"sum_k Tr(Q[k]' Sigma0 Q[k])": (float(sum(np.sum(q * (metric @ q)) for q in Q)), self.B)}

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        if not self._metric_is_definite(sigma):
            return math.inf, False
        costs, V = np.linalg.eigh(self.metric_of(sigma))
        if self.structure == "unrestricted":
            rotated = np.stack([V.T @ block for block in sigma])
            return math.sqrt(self.B * float(np.sum(rotated**2 / costs[None, :, None]))), True
        denominators = costs[:, None] + costs[None, :]
        sym = [V.T @ block @ V for block in _sym_lags(sigma)]
        plain = math.sqrt(2.0 * self.B * sum(float(np.sum(m**2 / denominators)) for m in sym))
        if self.structure == "symmetric":
            return plain, True
        positive = math.sqrt(2.0 * self.B * sum(float(np.sum(psd_part(m) ** 2 / denominators)) for m in sym))
        exact = all(is_psd(np.linalg.eigvalsh(m)) for m in sym)
        return min(plain, positive), exact

    def q_scale(self, sigma: np.ndarray) -> float:
        r""":math:`\sqrt{B/\lambda_{\max}(\Sigma_0)}` (0 if the metric is 0)."""
        top = float(np.linalg.eigvalsh(_sym_lags(self.metric_of(sigma)[None])[0])[-1])
        return math.sqrt(self.B / top) if top > 0 else 0.0

    def scale(self, sigma: np.ndarray) -> float:
        costs = np.linalg.eigvalsh(self.metric_of(sigma))
        floor = max(float(costs[-1]) * 1e-12, np.finfo(float).tiny)
        return math.sqrt(self.B * float(np.sum(sigma**2)) / max(float(costs[0]), floor))

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        if not self._metric_is_definite(sigma):
            return False, "singular metric: the budget set is unbounded along its null space"
        bound, _ = self.upper_bound(sigma)
        if bound > EIGEN_TIE_TOL * self.scale(sigma):
            return True, "P* > 0 on a strictly convex budget (positive definite metric)"
        return False, "P* = 0: a whole face is optimal"


class DynamicDiagonalBudget(_LagBudget):
    r"""Dynamic diagonal budget (Cor. 9(iv), Cor. 17–18).

    :math:`\{\operatorname{diag}(q_j[n]) : \sum_jc_j\sum_nq_j[n]^2 \le B\}`.

    Only the diagonals :math:`r_j[n] = R_{jj}[n]` enter. Solutions store :math:`Q` as the array of
    diagonals, shape ``(K + 1, d)``.

    Parameters
    ----------
    B : float
        Budget.
    c : float or array_like
        Costs :math:`c_j > 0` (scalar or one per coordinate).
    nonneg : bool
        Reading with :math:`q_j[n] \ge 0` (the budget's ":math:`\succeq 0`" and the proof's
        :math:`\max_{q_j\ge0}`); default False (sign-unrestricted, the statement).

    Notes
    -----
    Corrected form for ``nonneg=True``: the stated form applied to :math:`r_+ = \max(r, 0)`.
    """

    name = "dynamic-diagonal"

    def __init__(self, B: float, c: Any = 1.0, nonneg: bool = False) -> None:
        self.B = positive_scalar(B, "B (dynamic diagonal budget)")
        self.c = positive_vector(c, "c (coordinate costs)")
        self.nonneg = bool(nonneg)
        self.requires_psd = self.nonneg

    def __repr__(self) -> str:
        costs = f"{self.c[0]:g}" if self.c.size == 1 else f"array of {self.c.size}"
        return f"DynamicDiagonalBudget(B={self.B:g}, c={costs}, nonneg={self.nonneg})"

    def costs(self, d: int) -> np.ndarray:
        if self.c.size == 1:
            return np.full(d, float(self.c[0]))
        if self.c.size != d:
            raise ValueError(f"DynamicDiagonalBudget has {self.c.size} costs but the moments have dimension {d}")
        return self.c

    def validate_moment(self, sigma: Any) -> np.ndarray:
        R = lag_moments(sigma, "R")
        self.costs(R.shape[1])
        return R

    def normalized(self, sigma: np.ndarray) -> Normalization:
        scale = moment_scale(sigma)
        c = self.costs(sigma.shape[1])
        cost_scale = float(np.max(c))
        factor = math.sqrt(self.B / cost_scale)
        return Normalization(DynamicDiagonalBudget(1.0, c / cost_scale, self.nonneg), sigma / scale, factor,
                             factor * scale)

    @staticmethod
    def diagonals(R: np.ndarray) -> np.ndarray:
        """:math:`r_j[n] = R_{jj}[n]`, shape ``(K + 1, d)``."""
        return np.diagonal(R, axis1=1, axis2=2).copy()

    def power(self, Q: np.ndarray, sigma: np.ndarray) -> float:
        return float(np.sum(Q * self.diagonals(sigma)))

    def structure_residual(self, Q: np.ndarray) -> float:
        return 0.0

    def psd_eigenvalues(self, Q: np.ndarray) -> float | None:
        return float(np.min(Q)) if self.nonneg else None

    def _formula(self, r: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, float, float]:
        unit = moment_scale(r)  # the same expression with r scaled by max|r| (no underflow of squares)
        energy = np.sum((r / unit) ** 2 / c[None, :])
        with np.errstate(invalid="ignore", divide="ignore"):
            q = np.sqrt(self.B / energy) * (r / unit) / c[None, :]
        return q, unit * math.sqrt(self.B * float(energy)), float(energy)

    def closed_form(self, sigma: np.ndarray) -> Formula:
        r = self.diagonals(sigma)
        q, stated, energy = self._formula(r, self.costs(r.shape[1]))
        return Formula(Q=q, stated_power=stated, message="0/0: every R_jj[n] is zero" if energy == 0 else "")

    def corrected_form(self, sigma: np.ndarray) -> Formula:
        r = self.diagonals(sigma)
        if self.nonneg:
            r = np.maximum(r, 0.0)
        q, stated, energy = self._formula(r, self.costs(r.shape[1]))
        return Formula(Q=q if energy > 0 else np.zeros_like(r), stated_power=stated)

    def full_program(self, sigma: np.ndarray) -> Program:
        """The SOCP over the diagonals (the program is already a vector program)."""
        r = self.diagonals(sigma)
        c = self.costs(r.shape[1])
        q = cp.Variable(r.shape)
        budget = cp.sum_squares(cp.multiply(np.sqrt(c)[None, :], q)) <= self.B
        constraints: list[Any] = [budget]
        nonneg = None
        if self.nonneg:
            nonneg = q >= 0
            constraints.append(nonneg)
        objective = cp.sum(cp.multiply(q, r))
        problem = cp.Problem(cp.Maximize(objective), constraints)

        def dual_bound() -> float:
            z = np.zeros_like(r)
            if nonneg is not None:
                if nonneg.dual_value is None:
                    return math.inf
                z = np.maximum(np.asarray(nonneg.dual_value, dtype=float), 0.0)
            return math.sqrt(self.B * float(np.sum((r + z) ** 2 / c[None, :])))

        return Program(problem=problem, kind="socp", size=r.size, recover=lambda: np.asarray(q.value, dtype=float),
                       objective=objective, functional=lambda W: cp.sum(cp.multiply(q, W)), dual_bound=dual_bound,
                       constraints=constraints)

    reduced_program = full_program

    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        c = self.costs(Q.shape[1])
        return {"sum_j c_j sum_n q_j[n]^2": (float(np.sum(c[None, :] * Q**2)), self.B)}

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        r = self.diagonals(sigma)
        if self.nonneg:
            r = np.maximum(r, 0.0)
        return math.sqrt(self.B * float(np.sum(r**2 / self.costs(r.shape[1])[None, :]))), True

    def q_scale(self, sigma: np.ndarray) -> float:
        r""":math:`\sqrt{B/\max_j c_j}`."""
        return math.sqrt(self.B / float(np.max(self.costs(sigma.shape[1]))))

    def scale(self, sigma: np.ndarray) -> float:
        r = self.diagonals(sigma)
        return math.sqrt(self.B * float(np.sum(r**2 / self.costs(r.shape[1])[None, :])))

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        r = self.diagonals(sigma)
        tol = EIGEN_TIE_TOL * float(np.max(np.abs(r))) if r.size else 0.0
        relevant = np.maximum(r, 0.0) if self.nonneg else np.abs(r)
        if np.max(relevant) > tol:
            return True, "P* > 0 with c > 0: one maximizer on a strictly convex budget"
        if self.nonneg and np.max(r) < -tol:
            return True, "every r_j[n] < 0: q = 0 is the only maximizer"
        return False, "P* = 0: free coordinates"


# ---------------------------------------------------------------------------
# per-frequency spectral budget
# ---------------------------------------------------------------------------


def spectral_density(R: Any, n_frequencies: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Two-sided spectral density of lag moments on a uniform frequency grid.

    .. math::

        S(\omega) = \sum_{k=-K}^{K} R[k]e^{-ik\omega},\qquad R[-k] = R[k]^\top,\qquad
        \omega_m = 2\pi m/M,\ m = 0..M-1,

    Hermitian for every :math:`\omega` (PSD for the lag moments of a WSS process). Convention (a) of the
    catalogue (Engines E2).

    Parameters
    ----------
    R : array_like
        Lag moments ``(K + 1, d, d)``.
    n_frequencies : int
        Grid size :math:`M \ge 1` (use :math:`M \ge 4K`).

    Returns
    -------
    omegas : numpy.ndarray
        ``(M,)`` frequencies.
    densities : numpy.ndarray
        ``(M, d, d)`` complex Hermitian matrices.
    """
    lags = lag_moments(R, "R")
    if isinstance(n_frequencies, bool) or not isinstance(n_frequencies, (int, np.integer)) or n_frequencies < 1:
        raise ValueError(f"n_frequencies must be a positive integer; got {n_frequencies!r}")
    omegas = 2.0 * np.pi * np.arange(n_frequencies) / n_frequencies
    k = np.arange(lags.shape[0])
    phase = np.exp(-1j * np.outer(omegas, k))
    densities = np.einsum("mk,kij->mij", phase, lags)
    densities += np.einsum("mk,kji->mij", phase.conj()[:, 1:], lags[1:])
    densities = (densities + np.conj(np.swapaxes(densities, 1, 2))) / 2.0
    return omegas, densities


def one_sided_transform(R: Any, n_frequencies: int) -> tuple[np.ndarray, np.ndarray]:
    r"""One-sided transform :math:`\Psi_R(e^{i\omega}) = \sum_{k\ge0}R[k]e^{-ik\omega}` (not Hermitian in general)."""
    lags = lag_moments(R, "R")
    omegas = 2.0 * np.pi * np.arange(n_frequencies) / n_frequencies
    phase = np.exp(-1j * np.outer(omegas, np.arange(lags.shape[0])))
    return omegas, np.einsum("mk,kij->mij", phase, lags)


def _bisect_level(total: Any, target: float, low: float, high: float, iterations: int = 200) -> float:
    """Bisection for a nondecreasing function ``total(mu)`` reaching ``target`` on ``[low, high]``."""
    for _ in range(iterations):
        mid = (low + high) / 2.0
        if total(mid) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


def frequency_eigenvalues(sigma_desc: np.ndarray, tau: float, lam: float, reading: str) -> tuple[np.ndarray, str]:
    r"""The per-frequency eigenvalues :math:`q_i^\star` of Cor. 9(ii) under one reading, and a note.

    ``"proof"``: greedy top-:math:`k` of B.9(ii) (the static formula). ``"difference"``:
    :math:`q_i = \min\{\lambda, \max\{0, \mu - \sigma_i\}\}`. ``"product"``: :math:`q_i = \min\{\lambda,
    \max\{0, \mu\sigma_i\}\}`. For the last two :math:`\mu` solves :math:`\sum_i q_i = \tau` (bisection); when no
    :math:`\mu` does, the values are NaN and the note says why. For the product reading a :math:`\mu \ge 0` is
    used when one exists, otherwise a :math:`\mu < 0`.
    """
    d = sigma_desc.size
    if reading == "proof":
        return stated_spectral_eigenvalues(tau, lam, d)[0], ""
    if reading == "difference":
        if tau > d * lam:
            return np.full(d, np.nan), f"no mu: sum_i q_i <= d*lambda = {d * lam:.6g} < tau"

        def q_of(mu: float) -> np.ndarray:
            return np.minimum(lam, np.maximum(0.0, mu - sigma_desc))

        low, high = float(np.min(sigma_desc)), float(np.max(sigma_desc)) + lam
        mu = _bisect_level(lambda m: float(np.sum(q_of(m))), tau, low, high)
        return q_of(mu), ""
    if reading == "product":
        positive, negative = int(np.sum(sigma_desc > 0)), int(np.sum(sigma_desc < 0))

        def q_of(mu: float) -> np.ndarray:
            return np.minimum(lam, np.maximum(0.0, mu * sigma_desc))

        if tau <= positive * lam:
            high = lam / float(np.min(sigma_desc[sigma_desc > 0])) * (1 + 1e-12) + 1.0
            return q_of(_bisect_level(lambda m: float(np.sum(q_of(m))), tau, 0.0, high)), ""
        if tau <= negative * lam:
            high = lam / float(np.min(-sigma_desc[sigma_desc < 0])) * (1 + 1e-12) + 1.0
            mu = -_bisect_level(lambda m: float(np.sum(q_of(-m))), tau, 0.0, high)
            return q_of(mu), "mu < 0 (no mu >= 0 reaches tau)"
        return np.full(d, np.nan), (f"no mu: sum_i q_i is at most lambda * max(#positive, #negative) = "
                                    f"{lam * max(positive, negative):.6g} < tau")
    raise ValueError(f"reading must be 'proof', 'difference' or 'product'; got {reading!r}")


class FrequencySpectralBudget(Budget):
    r"""Per-frequency spectral budget of Cor. 9(ii) on a frequency grid.

    .. math::

        \max\ \frac1M\sum_{m}\operatorname{Re}\operatorname{Tr}(Q(\omega_m)S(\omega_m))\quad\text{s.t.}\quad
        0 \preceq Q(\omega_m) \preceq \lambda_mI,\ \operatorname{Tr}Q(\omega_m) \le \tau_m,

    with Hermitian :math:`Q(\omega_m)` and the spectral densities :math:`S(\omega_m)` of :func:`spectral_density`
    (two-sided convention; the average over the grid is the quadrature of :math:`\frac1{2\pi}\int_0^{2\pi}`).
    This is the per-frequency (non-causal) problem: :math:`Q(\omega)` is not required to be the transform of
    a causal filter.

    Parameters
    ----------
    tau, lam : float or array_like
        Caps :math:`\tau(\omega_m), \lambda(\omega_m) > 0`: scalars or one per grid frequency.
    reading : {"proof", "difference", "product"}
        Which closed form ``method="closed-form"`` evaluates: the proof's greedy top-:math:`k` with
        :math:`P^\star = \frac1{2\pi}\int[\lambda\sum_{i\le k}\sigma_i + (\tau - k\lambda)\sigma_{k+1}]d\omega`
        (B.9(ii)); or the statement's :math:`q_i = \min\{\lambda, \max\{0, \mu\circ\sigma_i\}\}` with the lost
        operator read as :math:`\mu - \sigma_i` or :math:`\mu\sigma_i` (these have no separate power formula).

    Notes
    -----
    Moments for :func:`~theorylab.budgets.solve` are the densities, shape ``(M, d, d)`` (Hermitian).
    Solutions store :math:`Q` as ``(M, d, d)`` complex. The corrected form is the water-filling of positive
    eigenvalues at each frequency; ``cvxpy-reduced`` solves all eigenvalue LPs at once; ``cvxpy`` solves the
    Hermitian SDPs (one per frequency, in one problem).
    """

    name = "frequency-spectral"

    def __init__(self, tau: Any, lam: Any, reading: str = "proof") -> None:
        self.tau = positive_vector(tau, "tau (per-frequency trace cap)")
        self.lam = positive_vector(lam, "lam (per-frequency operator-norm cap)")
        if reading not in ("proof", "difference", "product"):
            raise ValueError(f"reading must be 'proof', 'difference' or 'product'; got {reading!r}")
        self.reading = reading

    def __repr__(self) -> str:
        return f"FrequencySpectralBudget(tau={_short(self.tau)}, lam={_short(self.lam)}, reading={self.reading!r})"

    def caps(self, M: int) -> tuple[np.ndarray, np.ndarray]:
        result = []
        for name, value in (("tau", self.tau), ("lam", self.lam)):
            if value.size == 1:
                result.append(np.full(M, float(value[0])))
            elif value.size == M:
                result.append(value)
            else:
                raise ValueError(f"{name} has {value.size} values but the grid has {M} frequencies")
        return result[0], result[1]

    def validate_moment(self, sigma: Any) -> np.ndarray:
        array = np.asarray(sigma)
        if array.ndim != 3 or array.shape[1] != array.shape[2] or 0 in array.shape:
            raise ValueError(f"spectral densities must have shape (M, d, d); got shape {array.shape}")
        array = array.astype(np.complex128)
        if not np.all(np.isfinite(array)):
            raise ValueError("spectral densities must be finite")
        scale = float(np.max(np.abs(array)))
        asymmetry = float(np.max(np.abs(array - np.conj(np.swapaxes(array, 1, 2)))))
        if asymmetry > 1e-10 * scale:
            raise ValueError(
                f"spectral densities must be Hermitian at every frequency; max |S - S^H| = {asymmetry:.3g}")
        self.caps(array.shape[0])
        return (array + np.conj(np.swapaxes(array, 1, 2))) / 2.0

    def power(self, Q: np.ndarray, sigma: np.ndarray) -> float:
        return float(np.mean(np.real(np.einsum("mij,mji->m", Q, sigma))))

    def structure_residual(self, Q: np.ndarray) -> float:
        norm = float(np.linalg.norm(Q))
        return float(np.linalg.norm(Q - np.conj(np.swapaxes(Q, 1, 2)))) / norm if norm > 0 else 0.0

    def psd_eigenvalues(self, Q: np.ndarray) -> float | None:
        return float(np.min(np.linalg.eigvalsh((Q + np.conj(np.swapaxes(Q, 1, 2))) / 2.0)))

    def _per_frequency(self, sigma: np.ndarray, eigenvalues: Any) -> tuple[np.ndarray, list[np.ndarray], list[str]]:
        taus, lams = self.caps(sigma.shape[0])
        Q = np.zeros_like(sigma)
        qs, notes = [], []
        for m, S in enumerate(sigma):
            values, vectors = np.linalg.eigh(S)
            values, vectors = values[::-1], vectors[:, ::-1]
            q, note = eigenvalues(values, taus[m], lams[m])
            Q[m] = (vectors * q) @ np.conj(vectors.T)
            qs.append(q)
            if note:
                notes.append(f"omega index {m}: {note}")
        return Q, qs, notes

    def closed_form(self, sigma: np.ndarray) -> Formula:
        Q, _, notes = self._per_frequency(sigma, lambda v, t, lam: frequency_eigenvalues(v, t, lam, self.reading))
        stated = None
        if self.reading == "proof":
            taus, lams = self.caps(sigma.shape[0])
            stated = float(np.mean([stated_spectral_power(np.linalg.eigvalsh(S)[::-1], taus[m], lams[m])
                                    for m, S in enumerate(sigma)]))
        return Formula(Q=Q, stated_power=stated, message="; ".join(notes[:3]))

    def corrected_form(self, sigma: np.ndarray) -> Formula:
        Q, qs, _ = self._per_frequency(sigma, lambda v, t, lam: (water_filling(v, t, lam), ""))
        return Formula(Q=Q, stated_power=self.power(Q, sigma))

    def full_program(self, sigma: np.ndarray) -> Program:
        M, d, _ = sigma.shape
        taus, lams = self.caps(M)
        variables = [cp.Variable((d, d), hermitian=True) for _ in range(M)]
        constraints: list[Any] = []
        for m, v in enumerate(variables):
            constraints += [v >> 0, cp.real(cp.trace(v)) <= taus[m], v << lams[m] * np.eye(d)]
        objective = cp.sum([cp.real(cp.trace(v @ sigma[m])) for m, v in enumerate(variables)]) / M
        problem = cp.Problem(cp.Maximize(objective), constraints)
        return Program(problem=problem, kind="sdp", size=2 * d,
                       recover=lambda: np.stack([np.asarray(v.value, dtype=complex) for v in variables]),
                       objective=objective,
                       functional=lambda W: cp.sum([cp.real(cp.trace(v @ W[m])) for m, v in enumerate(variables)]),
                       constraints=constraints)

    def reduced_program(self, sigma: np.ndarray) -> Program:
        M, d, _ = sigma.shape
        taus, lams = self.caps(M)
        pairs = [np.linalg.eigh(S) for S in sigma]
        gains = np.stack([values for values, _ in pairs])
        q = cp.Variable((M, d))
        constraints = [q >= 0, q <= lams[:, None] * np.ones((1, d)), cp.sum(q, axis=1) <= taus]
        objective = cp.sum(cp.multiply(q, gains)) / M
        problem = cp.Problem(cp.Maximize(objective), constraints)

        def recover() -> np.ndarray:
            values = np.asarray(q.value, dtype=float)
            return np.stack([(vectors * values[m]) @ np.conj(vectors.T) for m, (_, vectors) in enumerate(pairs)])

        return Program(problem=problem, kind="lp", size=M * d, recover=recover, objective=objective,
                       constraints=constraints)

    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        taus, lams = self.caps(Q.shape[0])
        herm = (Q + np.conj(np.swapaxes(Q, 1, 2))) / 2.0
        traces = np.real(np.trace(herm, axis1=1, axis2=2))
        tops = np.linalg.eigvalsh(herm)[:, -1]
        return {"max_m Tr Q(w_m)/tau_m": (float(np.max(traces / taus)), 1.0),
                "max_m lambda_max(Q(w_m))/lam_m": (float(np.max(tops / lams)), 1.0)}

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        taus, lams = self.caps(sigma.shape[0])
        return float(np.mean([spectral_dual_value(np.linalg.eigvalsh(S), taus[m], lams[m])
                              for m, S in enumerate(sigma)])), True

    def q_scale(self, sigma: np.ndarray) -> float:
        r""":math:`\min_m \min(\tau_m, \lambda_m)`."""
        taus, lams = self.caps(sigma.shape[0])
        return float(np.min(np.minimum(taus, lams)))

    def scale(self, sigma: np.ndarray) -> float:
        taus, lams = self.caps(sigma.shape[0])
        d = sigma.shape[1]
        return float(np.mean([min(taus[m], d * lams[m]) * float(np.max(np.abs(np.linalg.eigvalsh(S))))
                              for m, S in enumerate(sigma)]))

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        taus, lams = self.caps(sigma.shape[0])
        for m, S in enumerate(sigma):
            unique, reason = spectral_uniqueness(np.linalg.eigvalsh(S)[::-1], taus[m], lams[m])
            if not unique:
                return False, f"frequency index {m}: {reason}"
        return True, "unique at every frequency of the grid"


def _short(values: np.ndarray) -> str:
    return f"{values[0]:g}" if values.size == 1 else f"array of {values.size}"
