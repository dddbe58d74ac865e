r"""Small numpy bases and statistics for the TrailMix Appendix G–O checks.

Only what those claims need: the EMA-momentum and Adam bases of Appendix G run
along their own trajectories with the alignment ratio of every step, the
trust-region clip (195), the SVRG direction (243), zero-mean two-point laws
(exact expectations over the atoms), the Clopper–Pearson interval for
Monte-Carlo frequencies, and the decay order of polynomial-schedule sums.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from theorylab.problems import Problem

FloatArray = NDArray[np.float64]

#: float64 machine epsilon.
EPS = float(np.finfo(float).eps)


# --------------------------------------------------------------------------- statistics


def clopper_pearson(successes: int, trials: int, confidence: float = 0.99) -> tuple[float, float]:
    r"""Two-sided Clopper–Pearson interval for a binomial proportion.

    .. math::

        \bigl[B^{-1}(\tfrac{a}{2}; k, n - k + 1),\ B^{-1}(1 - \tfrac{a}{2}; k + 1, n - k)\bigr],
        \qquad a = 1 - \text{confidence},

    with the conventions 0 at :math:`k = 0` and 1 at :math:`k = n`.
    """
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials > 0; got {successes}, {trials}")
    tail = 0.5 * (1.0 - confidence)
    low = 0.0 if successes == 0 else float(stats.beta.ppf(tail, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(stats.beta.ppf(1.0 - tail, successes + 1, trials - successes))
    return low, high


@dataclass(frozen=True)
class TwoPointLaw:
    r"""A zero-mean two-point law: :math:`z = a` with probability :math:`q`, :math:`z = -b` otherwise.

    Zero mean fixes :math:`b = qa/(1 - q)`; :math:`q \ne 1/2` makes it asymmetric.
    """

    high: float
    prob_high: float

    @property
    def low(self) -> float:
        return -self.prob_high * self.high / (1.0 - self.prob_high)

    @property
    def atoms(self) -> FloatArray:
        return np.array([self.high, self.low])

    @property
    def probs(self) -> FloatArray:
        return np.array([self.prob_high, 1.0 - self.prob_high])

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        return np.where(rng.random(size) < self.prob_high, self.high, self.low)


# --------------------------------------------------------------------------- clip and SVRG


def clip(d: FloatArray, radius: float) -> FloatArray:
    r"""Trust-region clip (195), row-wise: :math:`d` if :math:`\|d\| \le R`, else :math:`R\,d/\|d\|`."""
    d = np.asarray(d, dtype=float)
    norms = np.linalg.norm(d, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(norms > radius, radius / norms, 1.0)
    return d * factor


def svrg_direction(
    component_grad: Callable[[FloatArray, int], FloatArray],
    x: FloatArray,
    x_ref: FloatArray,
    full_grad_ref: FloatArray,
    index: int,
) -> FloatArray:
    r"""SVRG direction (243): :math:`g(x, \xi) - g(\tilde x, \xi) + \nabla f(\tilde x)` for sample ``index``."""
    return component_grad(x, index) - component_grad(x_ref, index) + full_grad_ref


# --------------------------------------------------------------------------- momentum and Adam along their trajectories


@dataclass(frozen=True)
class AlignmentRun:
    r"""One run of a stateful base with the alignment ratio of each step.

    Attributes
    ----------
    ratios : numpy.ndarray
        :math:`r_t = \langle\nabla f(x_t), \mathbb E[d_t\mid\mathcal F_t]\rangle/\|\nabla f(x_t)\|^2`, ``(T,)``.
    rounding : numpy.ndarray
        Bound on the float error of each :math:`r_t`:
        :math:`4 d\,\varepsilon\,\|\mathbb E d_t\|/\|\nabla f(x_t)\|`.
    grad_norms : numpy.ndarray
        :math:`\|\nabla f(x_t)\|`, ``(T,)``.
    grads : numpy.ndarray
        :math:`\nabla f(x_t)`, ``(T, d)``.
    second_moment_max : float
        :math:`\max_{t,i}\hat v_{t,i}` (Adam; ``nan`` for momentum).
    second_moment_change : float
        :math:`\max_{t\ge1,i}|\hat v_{t,i} - \hat v_{t-1,i}|/\hat v_{t-1,i}` (Adam; ``nan`` for momentum).
    finite : bool
        Whether the run stayed finite.
    """

    ratios: FloatArray
    rounding: FloatArray
    grad_norms: FloatArray
    grads: FloatArray
    second_moment_max: float
    second_moment_change: float
    finite: bool


def _alignment_ratio(grad: FloatArray, expected: FloatArray) -> tuple[float, float, float]:
    norm_sq = float(grad @ grad)
    if norm_sq == 0.0:
        return math.nan, math.nan, 0.0
    ratio = float(grad @ expected) / norm_sq
    rounding = 4 * grad.size * EPS * float(np.linalg.norm(expected)) / math.sqrt(norm_sq)
    return ratio, rounding, math.sqrt(norm_sq)


def momentum_run(
    problem: Problem,
    x0: FloatArray,
    step: float,
    beta: float,
    n_steps: int,
    *,
    indexing: str,
    noise_scale: float = 0.0,
    seed: int = 0,
) -> AlignmentRun:
    r"""EMA momentum (170) along its own trajectory.

    .. math::

        g_t = \nabla f(x_t) + \xi_t,\qquad m_{t+1} = \beta m_t + (1 - \beta) g_t,\qquad m_0 = 0,

    with ``indexing="m_t"``: direction :math:`m_t` ((171): the average of
    :math:`g_0..g_{t-1}`, known at time :math:`t`, so
    :math:`\mathbb E[m_t\mid\mathcal F_t] = m_t`) and step
    :math:`x_{t+1} = x_t - \alpha m_t`; ``indexing="m_t+1"``: direction
    :math:`m_{t+1}` (includes :math:`g_t`, so
    :math:`\mathbb E[m_{t+1}\mid\mathcal F_t] = \beta m_t + (1-\beta)\nabla f(x_t)`)
    and step :math:`x_{t+1} = x_t - \alpha m_{t+1}`. Noise
    :math:`\xi_t \sim N(0, s^2 I)` from ``numpy.random.default_rng(seed)``.
    """
    if indexing not in ("m_t", "m_t+1"):
        raise ValueError(f"indexing must be 'm_t' or 'm_t+1'; got {indexing!r}")
    rng = np.random.default_rng(seed)
    x = np.array(x0, dtype=float).reshape(1, -1)
    d = x.shape[1]
    m = np.zeros(d)
    ratios, rounding, norms = (np.full(n_steps, np.nan) for _ in range(3))
    grads = np.full((n_steps, d), np.nan)
    finite = True
    with np.errstate(all="ignore"):
        for t in range(n_steps):
            grad = problem._grad(x)[0]
            if not np.all(np.isfinite(grad)):
                finite = False
                break
            g = grad + (noise_scale * rng.standard_normal(d) if noise_scale > 0 else 0.0)
            m_next = beta * m + (1.0 - beta) * g
            expected = m if indexing == "m_t" else beta * m + (1.0 - beta) * grad
            ratios[t], rounding[t], norms[t] = _alignment_ratio(grad, expected)
            grads[t] = grad
            x = x - step * (m if indexing == "m_t" else m_next)
            m = m_next
    return AlignmentRun(ratios, rounding, norms, grads, math.nan, math.nan, finite and bool(np.all(np.isfinite(x))))


def adam_direction(
    m: FloatArray, v: FloatArray, g: FloatArray, t: int, beta1: float, beta2: float, eps: float, eps_inside: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    r"""One Adam direction (Def. 8) from state :math:`(m_t, v_t)` and gradient :math:`g_t`, step :math:`t \ge 0`.

    .. math::

        m_{t+1} = \beta_1 m_t + (1-\beta_1)g_t,\quad v_{t+1} = \beta_2 v_t + (1-\beta_2)g_t^2,\quad
        \hat m = \frac{m_{t+1}}{1-\beta_1^{t+1}},\quad \hat v = \frac{v_{t+1}}{1-\beta_2^{t+1}},

    direction :math:`\hat m/\sqrt{\hat v + \varepsilon}` (``eps_inside``, Def. 8 and (181)) or
    :math:`\hat m/(\sqrt{\hat v} + \varepsilon)` (PyTorch). Returns ``(d, m_next, v_next, v_hat)``.
    """
    m_next = beta1 * m + (1.0 - beta1) * g
    v_next = beta2 * v + (1.0 - beta2) * g * g
    m_hat = m_next / (1.0 - beta1 ** (t + 1))
    v_hat = v_next / (1.0 - beta2 ** (t + 1))
    denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return m_hat / denom, m_next, v_next, v_hat


def adam_run(
    problem: Problem,
    x0: FloatArray,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    n_steps: int,
    *,
    eps_inside: bool,
    noise: TwoPointLaw | None = None,
    noise_direction: FloatArray | None = None,
    seed: int = 0,
) -> AlignmentRun:
    r"""Adam (Def. 8) along its own trajectory, :math:`x_{t+1} = x_t - \mathrm{lr}\,d_t`.

    With ``noise``, :math:`g_t = \nabla f(x_t) + z_t u` for a two-point
    zero-mean :math:`z_t` and a fixed unit vector :math:`u`; the conditional
    expectation :math:`\mathbb E[d_t\mid\mathcal F_t]` is then exact (both
    atoms evaluated from the same state) and the trajectory follows the
    sampled atom.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x0, dtype=float).reshape(1, -1)
    d = x.shape[1]
    m, v = np.zeros(d), np.zeros(d)
    ratios, rounding, norms = (np.full(n_steps, np.nan) for _ in range(3))
    grads = np.full((n_steps, d), np.nan)
    v_max, v_change, v_prev = 0.0, 0.0, None
    finite = True
    with np.errstate(all="ignore"):
        for t in range(n_steps):
            grad = problem._grad(x)[0]
            if not np.all(np.isfinite(grad)):
                finite = False
                break
            if noise is None:
                direction, m, v, v_hat = adam_direction(m, v, grad, t, beta1, beta2, eps, eps_inside)
                expected = direction
            else:
                outcomes = [adam_direction(m, v, grad + z * noise_direction, t, beta1, beta2, eps, eps_inside)
                            for z in noise.atoms]
                expected = sum(p * o[0] for p, o in zip(noise.probs, outcomes, strict=True))
                direction, m, v, v_hat = outcomes[0 if rng.random() < noise.prob_high else 1]
            ratios[t], rounding[t], norms[t] = _alignment_ratio(grad, expected)
            grads[t] = grad
            v_max = max(v_max, float(np.max(v_hat)))
            if v_prev is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    rel = np.abs(v_hat - v_prev) / v_prev
                v_change = max(v_change, float(np.max(np.where(v_prev > 0, rel, 0.0))))
            v_prev = v_hat
            x = x - lr * direction
    return AlignmentRun(ratios, rounding, norms, grads, v_max, v_change, finite and bool(np.all(np.isfinite(x))))


def gradient_variation(grads: FloatArray, beta: float) -> FloatArray:
    r"""The variation (174), :math:`\epsilon_t = \max_{\tau\le t}\|\nabla f(x_t) - \nabla f(x_\tau)\|\beta^{t-\tau}`.

    Terms with :math:`\beta^{t-\tau} < 10^{-16}` are dropped (they cannot be the maximum of bounded gradients).
    """
    n = grads.shape[0]
    window = n if beta == 0.0 else min(n, int(math.ceil(math.log(1e-16) / math.log(beta))) + 1)
    out = np.zeros(n)
    for lag in range(1, window):
        diff = np.linalg.norm(grads[lag:] - grads[:-lag], axis=1) * beta**lag
        np.maximum(out[lag:], diff, out=out[lag:])
    return out


# --------------------------------------------------------------------------- decay orders of schedule sums


#: An order :math:`T^a(\log T)^b` as the pair ``(a, b)`` of exact rationals (lexicographic comparison).
Order = tuple[Fraction, Fraction]


def power_sum_order(q: Fraction) -> Order:
    r"""Order of :math:`S_T(q) = \sum_{n=1}^T n^{-q}` for :math:`q > 0` (integral test).

    .. math::

        \int_1^{T+1}x^{-q}\,dx \le S_T(q) \le 1 + \int_1^T x^{-q}\,dx
        \ \Rightarrow\
        S_T(q) \asymp \begin{cases} T^{1-q} & q < 1\\ \log T & q = 1\\ 1 & q > 1.\end{cases}
    """
    if q <= 0:
        raise ValueError(f"q must be > 0; got {q}")
    if q < 1:
        return (1 - q, Fraction(0))
    if q == 1:
        return (Fraction(0), Fraction(1))
    return (Fraction(0), Fraction(0))


def order_sub(a: Order, b: Order) -> Order:
    """Order of a quotient of two Theta-orders."""
    return (a[0] - b[0], a[1] - b[1])


def schedule_bound_orders(p: Fraction) -> tuple[Order, Order, Order]:
    r"""Orders of the two terms of (204) and of their sum for :math:`\alpha_t = \alpha_0/(t+1)^p`.

    .. math::

        B(T;p) = \frac{C_1}{\sum_{t<T}\alpha_t} + \frac{C_2\sum_{t<T}\alpha_t^2}{\sum_{t<T}\alpha_t},
        \qquad \operatorname{ord}(X + Y) = \max(\operatorname{ord}X, \operatorname{ord}Y)
        \ \text{for } X, Y > 0,

    independent of the positive constants :math:`C_1, C_2, \alpha_0`. Returns
    ``(first term, second term, B)``.
    """
    s1, s2 = power_sum_order(p), power_sum_order(2 * p)
    first = order_sub((Fraction(0), Fraction(0)), s1)
    second = order_sub(s2, s1)
    return first, second, max(first, second)


def power_sum_exact(q: float, horizon: float) -> float:
    r""":math:`S_T(q) = \sum_{n=1}^T n^{-q}` to 30 digits, rounded once.

    .. math::

        S_T(q) = \zeta(q) - \zeta(q, T + 1)\quad (q \ne 1,\ \text{Hurwitz zeta, analytic continuation for } q < 1),
        \qquad S_T(1) = H_T .
    """
    import mpmath

    with mpmath.workdps(30):
        if q == 1:
            return float(mpmath.harmonic(int(horizon)))
        qm = mpmath.mpf(q)
        return float(mpmath.zeta(qm) - mpmath.zeta(qm, int(horizon) + 1))


def power_sums_at(q: float, horizons: ArrayLike) -> FloatArray:
    r""":math:`S_T(q)` at many ``horizons``: scipy's Hurwitz zeta for :math:`q > 1` (vectorised), else mpmath."""
    from scipy.special import zeta

    horizons = np.asarray(horizons, dtype=float)
    if q > 1.0:
        return zeta(q, 1.0) - zeta(q, horizons + 1.0)
    return np.array([power_sum_exact(q, t) for t in horizons])


def schedule_bound(p: float, horizon: float) -> tuple[float, float, float]:
    r"""The two terms of (204) and their sum for :math:`C_1 = C_2 = \alpha_0 = 1`, from exact partial sums.

    .. math::

        B(T;p) = \frac{1}{S_T(p)} + \frac{S_T(2p)}{S_T(p)} .
    """
    s1, s2 = power_sum_fast(p, horizon), power_sum_fast(2 * p, horizon)
    return 1.0 / s1, s2 / s1, (1.0 + s2) / s1


def power_sum_fast(q: float, horizon: float) -> float:
    r""":math:`S_T(q)` in float64: scipy's Hurwitz zeta (:math:`q > 1`) or digamma (:math:`q = 1`), else mpmath.

    Relative accuracy about :math:`10^{-14}`, enough for rate fits; the
    bracket checks use :func:`power_sum_exact`.
    """
    from scipy.special import digamma, zeta

    if q > 1.0:
        return float(zeta(q, 1.0) - zeta(q, horizon + 1.0))
    if q == 1.0:
        return float(digamma(horizon + 1.0) + np.euler_gamma)
    return power_sum_exact(q, horizon)
