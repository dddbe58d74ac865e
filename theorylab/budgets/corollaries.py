r"""The formulas of Corollaries 10–22 (App. C, "reverse-engineered optimizers"), exactly as stated.

Each corollary has a Step-1 global optimum (``*_global``: the stated :math:`Q^C` and :math:`P^\star`) and stated
hyperparameters (``*_lr``, ``*_beta*``). These functions only evaluate the printed expressions (symbols
restored as in the claim catalogue); the programs they claim to solve are available as engines:

* memoryless quadratic budgets :math:`\operatorname{Tr}(Q[0]^\top MQ[0]) \le B` (Cor. 11–16, metric
  :math:`M = P^{-1}, H, B_k, F, \operatorname{blockdiag}F_\ell, \otimes_iG_i`):
  :class:`~theorylab.budgets.DynamicLyapunovBudget` with ``metric=M``, ``structure="unrestricted"`` and
  :math:`K = 0` (its ``corrected`` form is the Cauchy–Schwarz optimum :math:`\sqrt BM^{-1}R/N`);
* the :math:`\mathcal{H}`-ball (Cor. 10, 22): :class:`~theorylab.budgets.DynamicFrobeniusBudget`;
* weighted diagonal budgets (Cor. 17, 18): :class:`~theorylab.budgets.DynamicDiagonalBudget`;
* ray families and their restricted optima / projections: :mod:`theorylab.budgets.cones`.

The instantaneous moment is :math:`R[0] = gg^\top`, :math:`R[n] = 0` for :math:`n > 0`, unless stated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import reduce
from typing import Any

import numpy as np
import scipy.linalg

from theorylab.budgets.base import positive_scalar, positive_vector, real_array


def _vector(g: Any) -> np.ndarray:
    vector = real_array(g, "g")
    if vector.ndim != 1 or vector.size == 0:
        raise ValueError(f"g must be a non-empty 1-D gradient; got shape {vector.shape}")
    return vector


def _metric_norm(A: np.ndarray, M: np.ndarray) -> float:
    r""":math:`\|A\|_M = \operatorname{Tr}(A^\top MA)^{1/2}`."""
    return math.sqrt(max(float(np.sum(A * (M @ A))), 0.0))


def kronecker(factors: Sequence[Any]) -> np.ndarray:
    r""":math:`\otimes_i G_i` (row-major vec convention of ``numpy.kron``)."""
    return reduce(np.kron, [real_array(f, "factor") for f in factors])


def block_diagonal(blocks: Sequence[Any]) -> np.ndarray:
    r""":math:`\operatorname{blockdiag}(F_\ell)`."""
    return scipy.linalg.block_diag(*[real_array(b, "block") for b in blocks])


# ---------------------------------------------------------------------------
# Corollary 10 (SGD) and the metric family, Corollaries 11-16
# ---------------------------------------------------------------------------


def corollary10_global(R: Any, B: float) -> tuple[np.ndarray, float]:
    r"""Cor. 10 Step 1 (eq. 62).

    :math:`Q^C = \sqrt BR/\|R\|_{\mathcal{H}}`, :math:`P^\star = \sqrt B\|R\|_{\mathcal{H}}`.
    """
    lags = real_array(R, "R")
    norm = float(np.linalg.norm(lags.ravel()))
    return math.sqrt(B) * lags / norm, math.sqrt(B) * norm


def corollary10_lr(g: Any, B: float) -> float:
    r"""Cor. 10 eq. 61: :math:`\eta^\star = \sqrt B/(\sqrt d\,\|g\|_2)`."""
    vector = _vector(g)
    return math.sqrt(positive_scalar(B, "B")) / (math.sqrt(vector.size) * float(np.linalg.norm(vector)))


def metric_global(g: Any, preconditioner: Any, metric: Any, B: float) -> tuple[np.ndarray, float]:
    r"""Step 1 of Cor. 11–16.

    :math:`Q^C[0] = \sqrt B\,Pgg^\top/\|Pgg^\top\|_M`, :math:`P^\star = \sqrt B\|Pgg^\top\|_M`.

    ``preconditioner`` is the stated :math:`P` (Cor. 11: :math:`P`; Cor. 12: :math:`H^{-1}`; Cor. 13:
    :math:`B_k^{-1}`; Cor. 14: :math:`F^{-1}`; Cor. 15: :math:`\operatorname{blockdiag}(F_\ell^{-1})`; Cor. 16:
    :math:`\otimes G_i^{-1}`) and ``metric`` the budget metric :math:`M` (:math:`P^{-1}, H, B_k, F,
    \operatorname{blockdiag}F_\ell, \otimes G_i`), :math:`\|A\|_M^2 = \operatorname{Tr}(A^\top MA)`.
    """
    vector = _vector(g)
    direction = real_array(preconditioner, "preconditioner") @ np.outer(vector, vector)
    norm = _metric_norm(direction, real_array(metric, "metric"))
    return math.sqrt(B) * direction / norm, math.sqrt(B) * norm


def corollary11_global(g: Any, P: Any, B: float) -> tuple[np.ndarray, float]:
    r"""Cor. 11 eq. 71 (colored GD): :math:`Q^C[0] = \sqrt BPgg^\top/\|Pgg^\top\|_{P^{-1}}`."""
    P = real_array(P, "P")
    return metric_global(g, P, np.linalg.inv(P), B)


def corollary12_global(g: Any, H: Any, B: float) -> tuple[np.ndarray, float]:
    r"""Cor. 12 eq. 80 (Newton).

    :math:`Q^C[0] = \sqrt BH^{-1}gg^\top/\|H^{-1}gg^\top\|_H` (also Cor. 13 with :math:`B_k`).
    """
    H = real_array(H, "H")
    return metric_global(g, np.linalg.inv(H), H, B)


def corollary14_global(g: Any, F: Any, B: float) -> tuple[np.ndarray, float]:
    r"""Cor. 14 eq. 97 (NGD): :math:`Q^C = \sqrt BF^{-1}gg^\top/\|F^{-1}gg^\top\|_F` (:math:`F`-weighted norm)."""
    return corollary12_global(g, F, B)


def corollary15_global(g: Any, blocks: Sequence[Any], B: float) -> tuple[np.ndarray, float]:
    r"""Cor. 15 eq. 105 (K-FAC), reading (a): metric :math:`\operatorname{blockdiag}(F_\ell)`."""
    metric = block_diagonal(blocks)
    return metric_global(g, np.linalg.inv(metric), metric, B)


def corollary16_global(g: Any, factors: Sequence[Any], B: float) -> tuple[np.ndarray, float]:
    r"""Cor. 16 eq. 114 (Shampoo).

    :math:`Q^C = \sqrt B(\otimes G_i^{-1})gg^\top/\|(\otimes G_i^{-1})gg^\top\|_{\otimes G_i}`.
    """
    metric = kronecker(factors)
    return metric_global(g, np.linalg.inv(metric), metric, B)


def metric_lr(g: Any, preconditioner: Any, B: float) -> float:
    r"""The learning rate stated in Cor. 11–16.

    :math:`\eta^\star = \sqrt B/(\sqrt{\operatorname{Tr}(P)}\,\|g\|_2)` with :math:`P` the stated optimizer shape.

    Cor. 11 (eq. 70) uses :math:`\operatorname{Tr}(P^{-1})` with :math:`Q^\star = \eta^\star P`: pass
    ``preconditioner`` :math:`= P^{-1}` there; Cor. 12–14: :math:`H^{-1}, B_k^{-1}, F^{-1}`; Cor. 15:
    :math:`\operatorname{blockdiag}(F_\ell^{-1})` (eq. 104, :math:`\sum_\ell\operatorname{Tr}F_\ell^{-1}`); Cor. 16:
    :math:`\otimes G_i^{-1}` (eq. 113).
    """
    trace = float(np.trace(real_array(preconditioner, "preconditioner")))
    return math.sqrt(positive_scalar(B, "B")) / (math.sqrt(trace) * float(np.linalg.norm(_vector(g))))


def matrix_power_psd(M: Any, power: float) -> np.ndarray:
    r""":math:`M^p` for a symmetric positive definite :math:`M` (eigendecomposition)."""
    values, vectors = np.linalg.eigh(real_array(M, "M"))
    return (vectors * values**power) @ vectors.T


def corollary16_optimizer(factors: Sequence[Any], eta: float) -> np.ndarray:
    r"""Cor. 16 eq. 113: :math:`Q^\star = \eta\otimes_iG_i^{-1/2}`."""
    return eta * kronecker([matrix_power_psd(f, -0.5) for f in factors])


# ---------------------------------------------------------------------------
# Corollaries 17-19 (AdaGrad, RMSProp, AdaFactor)
# ---------------------------------------------------------------------------


def weighted_h_norm(r: Any, c: Any) -> float:
    r""":math:`\|R\|_{\mathcal{H}_D} = (\sum_jc_j\sum_nr_j[n]^2)^{1/2}` for diagonals ``(K + 1, d)``."""
    lags = real_array(r, "r")
    costs = positive_vector(c, "c")
    return math.sqrt(float(np.sum(costs * lags**2)))


def corollary17_global(r: Any, c: Any, B: float) -> tuple[np.ndarray, float]:
    r"""Cor. 17/18 Step 1 (eqs. 123, 131).

    :math:`Q^C = \sqrt BR/\|R\|_{\mathcal{H}_D}`, :math:`P^\star = \sqrt B\|R\|_{\mathcal{H}_D}`.
    """
    lags = real_array(r, "r")
    norm = weighted_h_norm(lags, c)
    return math.sqrt(B) * lags / norm, math.sqrt(B) * norm


def corollary17_lr(c: Any, B: float) -> float:
    r"""Cor. 17/18 (eqs. 122, 130).

    :math:`\eta^\star = \sqrt B/(\sum_j1/c_j)^{1/2}`, with :math:`Q^\star = \eta^\star\operatorname{diag}(1/c_j)`.
    """
    return math.sqrt(positive_scalar(B, "B")) / math.sqrt(float(np.sum(1.0 / positive_vector(c, "c"))))


def corollary18_beta2_objective(r0: Any, c: Any) -> float:
    r"""Cor. 18 eq. 130 objective.

    :math:`(\sum_jr_j[0]/c_j)/(\sum_j1/c_j)^{1/2}` (maximized over :math:`\beta_2` via :math:`c(\beta_2)`).
    """
    costs = positive_vector(c, "c")
    return float(np.sum(real_array(r0, "r0") / costs)) / math.sqrt(float(np.sum(1.0 / costs)))


def corollary19_lr(row_moments: Any, column_moments: Any, B: float) -> float:
    r"""Cor. 19 eq. 139: :math:`\eta^\star = \sqrt B/(\sum_i\sum_j1/(\hat r_i\hat c_j))^{1/2}`."""
    rows, columns = positive_vector(row_moments, "r_hat"), positive_vector(column_moments, "c_hat")
    return math.sqrt(positive_scalar(B, "B")) / math.sqrt(float(np.sum(1.0 / np.outer(rows, columns))))


def corollary19_beta2_objective(G: Any, row_moments: Any, column_moments: Any) -> float:
    r"""Cor. 19 eq. 139 objective.

    :math:`(\sum_{ij}G_{ij}^2/(\hat r_i\hat c_j))/(\sum_{ij}1/(\hat r_i\hat c_j))^{1/2}`.
    """
    rows, columns = positive_vector(row_moments, "r_hat"), positive_vector(column_moments, "c_hat")
    weights = 1.0 / np.outer(rows, columns)
    return float(np.sum(real_array(G, "G") ** 2 * weights)) / math.sqrt(float(np.sum(weights)))


# ---------------------------------------------------------------------------
# Corollaries 20-22 (signSGD, Lion, LARS/LAMB)
# ---------------------------------------------------------------------------


def corollary20_global(g: Any, tau: float) -> tuple[np.ndarray, float]:
    r"""Cor. 20 eq. 149.

    :math:`Q^C[0] = \tau\operatorname{diag}(\operatorname{sign}g_j)`, :math:`P^\star = \tau\|g\|_1`;
    :math:`\eta^\star = \tau`.
    """
    vector = _vector(g)
    return tau * np.diag(np.sign(vector)), tau * float(np.sum(np.abs(vector)))


def corollary21_global(r: Any, tau: float) -> tuple[np.ndarray, float]:
    r"""Cor. 21 eq. 157.

    :math:`Q^C[n] = \tau\operatorname{diag}(\operatorname{sign}R_{jj}[n])`, :math:`P^\star =
    \tau\sum_n\sum_j|R_{jj}[n]|`.

    ``r`` holds the diagonals :math:`R_{jj}[n]`, shape ``(K + 1, d)``; the result is in the same layout.
    """
    lags = real_array(r, "r")
    return tau * np.sign(lags), tau * float(np.sum(np.abs(lags)))


def corollary21_beta1_objective(traces: Any, beta1: Any) -> np.ndarray:
    r"""Cor. 21 eq. 156 objective :math:`\sum_n\beta_1^n\sum_j|\operatorname{Tr}R_j[n]|` (``traces`` ``(K + 1, d)``)."""
    curve = np.abs(real_array(traces, "traces")).sum(axis=1)
    betas = np.asarray(beta1, dtype=float)
    return sum(value * betas**n for n, value in enumerate(curve))


def corollary22_h_layer_norm(lags_per_layer: Sequence[Any], theta_norms: Any) -> float:
    r""":math:`\|R\|_{\mathcal{H}_{layer}} = (\sum_\ell\|\theta_\ell\|^2\|R_\ell\|_{\mathcal{H}}^2)^{1/2}` (eq. 166)."""
    norms = real_array(theta_norms, "theta_norms")
    return math.sqrt(sum(float(n) ** 2 * float(np.sum(real_array(R, "R_l") ** 2))
                         for n, R in zip(norms, lags_per_layer, strict=True)))


def corollary22_beta1_objective(layer_traces: Any, theta_norms: Any, beta1: Any) -> np.ndarray:
    r"""Cor. 22 eq. 165 objective :math:`\sqrt{1-\beta_1^2}\sum_n\beta_1^n\sum_\ell S_\ell[n]/\|\theta_\ell\|_2`.

    ``layer_traces`` holds :math:`S_\ell[n] = \operatorname{Tr}R_\ell[n]`, shape ``(K + 1, L)``.
    """
    curve = (real_array(layer_traces, "layer_traces") / real_array(theta_norms, "theta_norms")[None, :]).sum(axis=1)
    betas = np.asarray(beta1, dtype=float)
    return np.sqrt(1.0 - betas**2) * sum(value * betas**n for n, value in enumerate(curve))


def corollary22_lr(B: float, beta1: float, layer_sizes: Sequence[int], theta_norms: Any) -> float:
    r"""Cor. 22 eq. 165/172.

    :math:`\eta^\star = \sqrt{B(1-\beta_1^2)}/((\sum_\ell d_\ell/\|\theta_\ell\|^2)^{1/2}(1-\beta_1))`.
    """
    norms = real_array(theta_norms, "theta_norms")
    total = float(np.sum(np.asarray(layer_sizes, dtype=float) / norms**2))
    return math.sqrt(B * (1.0 - beta1**2)) / (math.sqrt(total) * (1.0 - beta1))


def corollary22_alpha(theta_norms: Any) -> np.ndarray:
    r"""Cor. 22: :math:`\alpha_\ell^\star = 1/\|\theta_\ell\|_2`."""
    return 1.0 / real_array(theta_norms, "theta_norms")
