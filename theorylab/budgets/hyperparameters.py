r"""Optimal SGD+Momentum and Adam hyperparameters (Corollaries 5, 6) and Algorithms 1, 2 (Appendix E).

**Corollary 5** (budget :math:`\|Q\|_{\mathcal{H}} \le \sqrt{B}`, cone of isotropic one-pole filters
:math:`Q_{\eta,\beta}[n] = \eta(1-\beta)\beta^nI`, :math:`S[n] = \operatorname{Tr}R[n]`), eq. 12:

.. math::

    \beta^\star = \arg\max_{0<\beta<1}\sqrt{1-\beta^2}\sum_{n\ge0}S[n]\beta^n,\qquad
    \eta^\star = \frac{\sqrt{B(1-\beta^{\star2})}}{\sqrt d\,(1-\beta^\star)} .

The budget norm is :math:`\|Q_{\eta,\beta}\|^2_{\mathcal{H}} = \eta^2(1-\beta)^2d/(1-\beta^2)` (eq. 44).

**Corollary 6** (diagonal budget with costs :math:`c_j = v_j[t]^{1/2}`, cone
:math:`Q_{\eta,\beta_1}[n] = \operatorname{diag}(\eta(1-\beta_1)\beta_1^n/c_j)`), eq. 15:

.. math::

    (\beta_1^\star, \beta_2^\star) = \arg\max a(\beta_1,\beta_2)\sum_n\beta_1^nT_t[n;\beta_2],\qquad
    \eta^\star = \frac{\sqrt B\,a(\beta_1^\star,\beta_2^\star)}{1-\beta_1^\star},

with :math:`W_t(\beta_2) = \sum_j1/c_j`, :math:`T_t[n;\beta_2] = \sum_jr_j[n]/c_j`,
:math:`a = ((1-\beta_1^2)/W_t(\beta_2))^{1/2}`; :math:`\beta_2` enters only through the costs.

**Algorithms 1 and 2** estimate these from a gradient history (EMA-centred gradients, a ring buffer of the
last :math:`T` of them, lag curves up to :math:`K`). They are implemented as printed; in Algorithm 2 the
objective :math:`J(\beta_1, \beta_2)` does not depend on :math:`\beta_2` (the costs use :math:`\rho`), which
the result reports.

All one-dimensional searches use a dense grid on :math:`[10^{-6}, 1-10^{-6}]` (denser near both ends)
followed by ``scipy.optimize.minimize_scalar(method="bounded")`` around the best grid point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.optimize

from theorylab.budgets.base import positive_scalar, positive_vector, real_array
from theorylab.claims import NumericalFailure

BETA_BOUNDS = (1e-6, 1.0 - 1e-6)


def beta_grid(n_points: int = 2001) -> np.ndarray:
    r"""Search grid on :math:`[10^{-6}, 1-10^{-6}]`: uniform plus log-spaced points near 0 and near 1."""
    low, high = BETA_BOUNDS
    uniform = np.linspace(low, high, n_points)
    near_zero = np.logspace(math.log10(low), -1, n_points // 4)
    near_one = 1.0 - np.logspace(math.log10(1 - high), -1, n_points // 4)
    return np.unique(np.concatenate([uniform, near_zero, near_one]))


def _power_series(curve: np.ndarray, beta: np.ndarray) -> np.ndarray:
    r""":math:`\sum_n \text{curve}[n]\beta^n` for an array of :math:`\beta` (Horner, stable for :math:`\beta \to 1`)."""
    total = np.zeros_like(beta, dtype=float)
    for value in curve[::-1]:
        total = total * beta + value
    return total


def _maximize(objective: Callable[[np.ndarray], np.ndarray], grid: np.ndarray) -> tuple[float, float, np.ndarray]:
    values = objective(grid)
    if not np.all(np.isfinite(values)):
        raise NumericalFailure("the hyperparameter objective is not finite on the search grid")
    best = int(np.argmax(values))
    lo = grid[max(best - 1, 0)]
    hi = grid[min(best + 1, grid.size - 1)]
    beta, value = float(grid[best]), float(values[best])
    if hi > lo:
        result = scipy.optimize.minimize_scalar(lambda b: -float(objective(np.array([b]))[0]), bounds=(lo, hi),
                                                method="bounded", options={"xatol": 1e-12})
        if result.success and -result.fun >= value:
            beta, value = float(result.x), float(-result.fun)
    return beta, value, values


def _curve(S: Any, name: str) -> np.ndarray:
    curve = np.atleast_1d(real_array(S, name)).astype(float)
    if curve.ndim != 1:
        raise ValueError(f"{name} must be a 1-D lag curve (n = 0..K); got shape {curve.shape}")
    return curve


def _dimension(d: Any) -> int:
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d (parameter dimension) must be a positive integer; got {d!r}")
    return int(d)


def _beta(beta: Any, name: str = "beta") -> float:
    value = float(beta)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie in (0, 1); got {beta!r}")
    return value


# ---------------------------------------------------------------------------
# Corollary 5
# ---------------------------------------------------------------------------


def momentum_objective(S: Any, beta: Any, d: int | None = None) -> np.ndarray:
    r"""Eq. 12 objective :math:`\sqrt{1-\beta^2}\sum_nS[n]\beta^n`.

    Divided by :math:`\sqrt d` if ``d`` is given (eq. 48).

    Parameters
    ----------
    S : array_like
        Trace lag curve :math:`S[n] = \operatorname{Tr}R[n]`, :math:`n = 0..K`.
    beta : float or array_like
        Momentum values in :math:`(0, 1)`.
    d : int, optional
        Parameter dimension.
    """
    curve = _curve(S, "S")
    betas = np.asarray(beta, dtype=float)
    values = np.sqrt(1.0 - betas**2) * _power_series(curve, betas)
    return values / math.sqrt(_dimension(d)) if d is not None else values


def momentum_learning_rate(beta: float, B: float, d: int) -> float:
    r"""Eq. 12: :math:`\eta^\star = \sqrt{B(1-\beta^2)}/(\sqrt d(1-\beta))`.

    It saturates :math:`\|Q_{\eta,\beta}\|_{\mathcal{H}} = \sqrt B`.
    """
    b = _beta(beta)
    return math.sqrt(positive_scalar(B, "B") * (1.0 - b * b)) / (math.sqrt(_dimension(d)) * (1.0 - b))


def one_pole_h_norm_squared(eta: float, beta: float, d: int) -> float:
    r"""Eq. 44: :math:`\|Q_{\eta,\beta}\|_{\mathcal{H}}^2 = \eta^2(1-\beta)^2d/(1-\beta^2)` (infinite filter)."""
    b = _beta(beta)
    return eta * eta * (1.0 - b) ** 2 * _dimension(d) / (1.0 - b * b)


def one_pole_impulse_response(eta: float, beta: float, K: int) -> np.ndarray:
    r"""Impulse response :math:`\eta(1-\beta)\beta^n`, :math:`n = 0..K`.

    The scalar factor of :math:`Q_{\eta,\beta}[n]`.
    """
    b = _beta(beta)
    return eta * (1.0 - b) * b ** np.arange(int(K) + 1)


def optimal_momentum(S: Any, B: float, d: int, *, grid: np.ndarray | None = None) -> dict[str, Any]:
    r"""Corollary 5: :math:`(\beta^\star, \eta^\star)` of eq. 12 for a trace lag curve :math:`S`.

    Returns
    -------
    dict
        ``beta``, ``eta``, ``objective`` (eq. 12 value at ``beta``), ``interior`` (the maximizer is not at an
        end of the search interval), ``grid``, ``grid_values``.
    """
    curve = _curve(S, "S")
    d = _dimension(d)
    B = positive_scalar(B, "B")
    grid = beta_grid() if grid is None else np.asarray(grid, dtype=float)
    beta, value, values = _maximize(lambda b: momentum_objective(curve, b), grid)
    interior = bool(grid[0] < beta < grid[-1] and np.argmax(values) not in (0, grid.size - 1))
    return {"beta": beta, "eta": momentum_learning_rate(beta, B, d), "objective": value, "interior": interior,
            "grid": grid, "grid_values": values}


# ---------------------------------------------------------------------------
# Corollary 6
# ---------------------------------------------------------------------------


def _diagonal_curves(r: Any, c: Any) -> tuple[np.ndarray, np.ndarray]:
    lags = real_array(r, "r")
    if lags.ndim == 1:
        lags = lags[:, None]
    if lags.ndim != 2:
        raise ValueError(f"r must have shape (K + 1, d) (diagonal lag moments r_j[n]); got {lags.shape}")
    costs = positive_vector(c, "c (costs c_j = v_j^(1/2))")
    if costs.size == 1:
        costs = np.full(lags.shape[1], float(costs[0]))
    if costs.size != lags.shape[1]:
        raise ValueError(f"c has {costs.size} entries but r has {lags.shape[1]} coordinates")
    return lags, costs


def adam_objective(r: Any, c: Any, beta1: Any) -> np.ndarray:
    r"""Eq. 15 objective :math:`a(\beta_1)\sum_n\beta_1^nT[n]`.

    :math:`T[n] = \sum_jr_j[n]/c_j`, :math:`a = ((1-\beta_1^2)/\sum_j1/c_j)^{1/2}`.
    """
    lags, costs = _diagonal_curves(r, c)
    curve = (lags / costs[None, :]).sum(axis=1)
    weight = float(np.sum(1.0 / costs))
    betas = np.asarray(beta1, dtype=float)
    return np.sqrt((1.0 - betas**2) / weight) * _power_series(curve, betas)


def adam_learning_rate(beta1: float, c: Any, B: float) -> float:
    r"""Eq. 15: :math:`\eta^\star = \sqrt B\,a(\beta_1)/(1-\beta_1) = \sqrt B((1-\beta_1)^2W/(1-\beta_1^2))^{-1/2}`."""
    b = _beta(beta1, "beta1")
    costs = positive_vector(c, "c")
    weight = float(np.sum(1.0 / costs))
    return math.sqrt(positive_scalar(B, "B")) * math.sqrt((1.0 - b * b) / weight) / (1.0 - b)


def optimal_adam_beta1(r: Any, c: Any, B: float, *, grid: np.ndarray | None = None) -> dict[str, Any]:
    r"""Corollary 6 for fixed costs: :math:`\beta_1^\star` and :math:`\eta^\star` of eq. 15."""
    lags, costs = _diagonal_curves(r, c)
    grid = beta_grid() if grid is None else np.asarray(grid, dtype=float)
    beta, value, values = _maximize(lambda b: adam_objective(lags, costs, b), grid)
    return {"beta1": beta, "eta": adam_learning_rate(beta, costs, B), "objective": value,
            "interior": bool(np.argmax(values) not in (0, grid.size - 1)), "grid": grid, "grid_values": values}


def optimal_adam(
    r: Any,
    costs_for_beta2: Callable[[float], Any],
    B: float,
    beta2_grid: Sequence[float],
    *,
    grid: np.ndarray | None = None,
) -> dict[str, Any]:
    r"""Corollary 6, eq. 15: joint :math:`(\beta_1^\star, \beta_2^\star)` with costs depending on :math:`\beta_2`.

    Parameters
    ----------
    r : array_like
        Diagonal lag moments :math:`r_j[n]`, shape ``(K + 1, d)``.
    costs_for_beta2 : callable
        :math:`\beta_2 \mapsto c(\beta_2) = v[t](\beta_2)^{1/2}` (e.g. from :func:`ema_second_moment`).
    B : float
        Budget.
    beta2_grid : sequence of float
        Candidate :math:`\beta_2` values in :math:`(0, 1)`.

    Returns
    -------
    dict
        ``beta1``, ``beta2``, ``eta``, ``objective``, ``table`` (per :math:`\beta_2`: best :math:`\beta_1` and value).
    """
    table = []
    for beta2 in beta2_grid:
        result = optimal_adam_beta1(r, costs_for_beta2(_beta(beta2, "beta2")), B, grid=grid)
        table.append((float(beta2), result["beta1"], result["objective"], result["eta"]))
    best = max(table, key=lambda row: row[2])
    return {"beta1": best[1], "beta2": best[0], "eta": best[3], "objective": best[2], "table": table}


def ema_second_moment(g: Any, beta2: float, v0: float = 0.0) -> np.ndarray:
    r"""Final :math:`v_j[t]` of :math:`v_j[t] = \beta_2v_j[t-1] + (1-\beta_2)g_j[t]^2` over a history ``(N, d)``."""
    history = real_array(g, "g")
    if history.ndim == 1:
        history = history[:, None]
    b = float(beta2)
    v = np.full(history.shape[1], float(v0))
    for row in history:
        v = b * v + (1.0 - b) * row * row
    return v


# ---------------------------------------------------------------------------
# Algorithms 1 and 2 (Appendix E)
# ---------------------------------------------------------------------------


def _algorithm_inputs(gradients: Any, window: int, max_lag: int, rho: float) -> tuple[np.ndarray, int, int, float]:
    history = real_array(gradients, "gradients")
    if history.ndim == 1:
        history = history[:, None]
    if history.ndim != 2 or history.shape[0] == 0:
        raise ValueError(f"gradients must have shape (steps, d); got {history.shape}")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window T must be a positive integer; got {window!r}")
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or not 0 <= max_lag <= window - 1:
        raise ValueError(f"max_lag K must be an integer with 0 <= K <= T - 1 = {window - 1}; got {max_lag!r}")
    rho = float(rho)
    if not 0.0 < rho < 1.0:
        raise ValueError(f"rho must lie in (0, 1); got {rho!r}")
    return history, int(window), int(max_lag), rho


def _centred_stream(history: np.ndarray, rho: float):
    """Yield (t, centred gradient) with the EMA mean of lines 4-5."""
    mu = np.zeros(history.shape[1])
    for t, g in enumerate(history):
        mu = rho * mu + (1.0 - rho) * g
        yield t, g - mu


def algorithm1_optimal_momentum(
    gradients: Any, B: float, *, window: int = 64, max_lag: int = 50, rho: float = 0.99,
    grid: np.ndarray | None = None,
) -> dict[str, Any]:
    r"""Algorithm 1: optimal SGD+Momentum :math:`(\beta^\star, \eta^\star)` from a gradient history.

    For each step: :math:`\mu \leftarrow \rho\mu + (1-\rho)g_t`, :math:`\tilde g_t = g_t - \mu`, push
    :math:`\tilde g_t` (keep the last :math:`T`), and for :math:`n = 0..K` with :math:`t-n` in the buffer
    :math:`S[n] \leftarrow \rho S[n] + (1-\rho)\langle\tilde g_t, \tilde g_{t-n}\rangle`; then
    :math:`J(\beta) = ((1-\beta^2)/d)^{1/2}\sum_{n\le K}\beta^nS[n]`, :math:`\beta^\star = \arg\max J`,
    :math:`\eta^\star = \sqrt{B(1-\beta^{\star2})}/(\sqrt d(1-\beta^\star))`. The algorithm recomputes
    :math:`(\beta^\star, \eta^\star)` at every step and returns the last; this function evaluates them once,
    after the last step (the same value).

    Parameters
    ----------
    gradients : array_like
        ``(steps, d)`` gradient history (calibration steps).
    B : float
        Budget.
    window, max_lag, rho : int, int, float
        :math:`T`, :math:`K \le T - 1`, :math:`\rho \in (0, 1)`.

    Returns
    -------
    dict
        ``beta``, ``eta``, ``S`` (the lag curve), ``objective``, ``interior``.
    """
    history, window, max_lag, rho = _algorithm_inputs(gradients, window, max_lag, rho)
    d = history.shape[1]
    buffer = np.zeros((window, d))
    S = np.zeros(max_lag + 1)
    for t, centred in _centred_stream(history, rho):
        buffer[t % window] = centred
        available = min(max_lag, t)
        lags = np.arange(available + 1)
        dots = buffer[(t - lags) % window] @ centred
        S[: available + 1] = rho * S[: available + 1] + (1.0 - rho) * dots
    result = optimal_momentum(S, B, d, grid=grid)
    return {"beta": result["beta"], "eta": result["eta"], "S": S,
            "objective": result["objective"] / math.sqrt(d), "interior": result["interior"]}


def algorithm2_optimal_adam(
    gradients: Any, B: float, *, window: int = 64, max_lag: int = 50, rho: float = 0.99,
    beta2_grid: Sequence[float] | None = None, grid: np.ndarray | None = None,
) -> dict[str, Any]:
    r"""Algorithm 2: optimal Adam :math:`(\beta_1^\star, \beta_2^\star, \eta^\star)` from a gradient history.

    Per step: EMA centring as in Algorithm 1; :math:`v_j \leftarrow \rho v_j + (1-\rho)\tilde g_{t,j}^2`,
    :math:`c_j = \sqrt{v_j}`; :math:`T_t[n] = \sum_j\tilde g_{t,j}\tilde g_{t-n,j}/c_j` (the current step only,
    no EMA); :math:`W_t = \sum_j1/c_j`;
    :math:`J(\beta_1,\beta_2) = ((1-\beta_1^2)/W_t)^{1/2}\sum_{n\le K}\beta_1^nT_t[n]`;
    a 2-D search; :math:`\eta^\star = \sqrt B\,a(\beta_1^\star,\beta_2^\star)/(1-\beta_1^\star)`.

    As printed, :math:`J` does not depend on :math:`\beta_2`, so the 2-D search cannot determine it: the grid
    search returns the first :math:`\beta_2` of ``beta2_grid`` among the maximizers, and the result reports
    ``beta2_spread`` (max − min of :math:`J` over :math:`\beta_2` at :math:`\beta_1^\star`, 0 here) and
    ``beta2_determined``.

    Raises
    ------
    NumericalFailure
        If a cost :math:`c_j` is zero at the last step (a coordinate whose centred gradients all vanish).
    """
    history, window, max_lag, rho = _algorithm_inputs(gradients, window, max_lag, rho)
    d = history.shape[1]
    beta2_values = np.array([0.9, 0.99, 0.999] if beta2_grid is None else list(beta2_grid), dtype=float)
    buffer = np.zeros((window, d))
    v = np.zeros(d)
    T = np.zeros(max_lag + 1)
    costs = np.zeros(d)
    for t, centred in _centred_stream(history, rho):
        buffer[t % window] = centred
        v = rho * v + (1.0 - rho) * centred**2
        costs = np.sqrt(v)
        if np.any(costs == 0):
            continue
        available = min(max_lag, t)
        lags = np.arange(available + 1)
        T = np.zeros(max_lag + 1)
        T[: available + 1] = buffer[(t - lags) % window] @ (centred / costs)
    if np.any(costs == 0):
        raise NumericalFailure(f"Algorithm 2: cost c_j = 0 for coordinates {np.flatnonzero(costs == 0)[:5].tolist()} "
                               "(their centred gradients vanish); W_t and T_t are undefined")
    weight = float(np.sum(1.0 / costs))
    grid = beta_grid() if grid is None else np.asarray(grid, dtype=float)

    def objective(beta1: np.ndarray, beta2: float) -> np.ndarray:
        # line 15: a(beta1, beta2) = sqrt((1 - beta1^2)/W_t); beta2 does not enter
        return np.sqrt((1.0 - beta1**2) / weight) * _power_series(T, beta1)

    table = np.stack([objective(grid, b2) for b2 in beta2_values])
    row, column = np.unravel_index(int(np.argmax(table)), table.shape)
    beta1, value, _ = _maximize(lambda b: objective(b, float(beta2_values[row])), grid)
    spread = float(np.max(table[:, column]) - np.min(table[:, column]))
    a = math.sqrt((1.0 - beta1 * beta1) / weight)
    eta = math.sqrt(positive_scalar(B, "B")) * a / (1.0 - beta1)
    return {"beta1": beta1, "beta2": float(beta2_values[row]), "eta": eta,
            "objective": value, "T": T, "costs": costs, "W": weight, "beta2_spread": spread,
            "beta2_determined": spread > 0.0}
