r"""Flow simulators and training loops for budget-designed optimizers (catalogue engine E7, Figure 2).

An optimizer :math:`Q` moves the parameters along :math:`\dot\theta = Qg`, :math:`g = -\nabla L` (eq. 1).
This module simulates that motion:

* :func:`linear_flow` — the affine flow :math:`\dot\theta = -M\theta + b` by a matrix exponential (or by
  ``scipy.integrate.solve_ivp`` at tight tolerance, as an independent reference);
* :func:`expected_quadratic_loss` — the expected loss of :math:`L = \tfrac12\theta^\top H\theta` under the
  gradient flow with a fixed :math:`Q` from :math:`\theta_0 \sim N(0, I)`,

  .. math::

      \mathbb E\,L(t) = \tfrac12\operatorname{Tr}\big(e^{-QHt\,\top} H e^{-QHt}\big),

  and :func:`expected_quadratic_loss_discrete`, its discrete-step counterpart
  :math:`\tfrac12\operatorname{Tr}\big(((I - QH)^k)^\top H (I - QH)^k\big)`;
* :func:`train` — the discrete loop :math:`\theta_{t+1} = \theta_t + Q_t g_t` where :math:`Q_t` is the closed
  form of a budget (``Budget.closed_form``, Cor. 2 as stated) evaluated on a moment estimate :math:`\Sigma_t`
  (the exact moment, an exponential moving average of :math:`gg^\top`, or the instantaneous :math:`gg^\top`);
* test objectives: :func:`rotated_quadratic` (built on :func:`theorylab.problems.quadratic`),
  :func:`rosenbrock_nd` (the chained :math:`d`-dimensional Rosenbrock function) and :func:`mlp_regression`
  (a numpy two-layer tanh network with least-squares loss).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.integrate
import scipy.linalg

from theorylab.budgets.base import Budget
from theorylab.budgets.diagonal import DiagonalBudget
from theorylab.problems import Problem, quadratic

FloatArray = np.ndarray

MOMENT_ESTIMATES = ("exact", "ema", "instant")


# --------------------------------------------------------------------------- validation


def _finite_matrix(value: Any, name: str, *, symmetric: bool = False) -> FloatArray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a square (d, d) matrix with d >= 1; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it contains NaN or inf")
    if symmetric:
        scale = max(float(np.max(np.abs(arr))), 1e-300)
        if float(np.max(np.abs(arr - arr.T))) > 1e-10 * scale:
            raise ValueError(f"{name} must be symmetric (|A - A^T| <= 1e-10 max|A|); it is not")
        arr = 0.5 * (arr + arr.T)
    return arr


def _finite_vector(value: Any, name: str, dim: int) -> FloatArray:
    arr = np.asarray(value, dtype=float)
    if arr.shape != (dim,):
        raise ValueError(f"{name} must be a vector of shape ({dim},); got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it contains NaN or inf")
    return arr


def _times(value: Any) -> FloatArray:
    t = np.atleast_1d(np.asarray(value, dtype=float))
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"times must be a non-empty 1-d array; got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("times must be finite and >= 0")
    return t


# --------------------------------------------------------------------------- linear flows


def linear_flow(M: Any, b: Any, theta0: Any, times: Any, method: str = "expm") -> FloatArray:
    r"""Solve :math:`\dot\theta = -M\theta + b`, :math:`\theta(0) = \theta_0` at the given times.

    .. math::

        \theta(t) = e^{-Mt}\theta_0 + \int_0^t e^{-M(t-s)}\,b\,ds ,

    computed as :math:`\exp\!\Big(t\begin{pmatrix}-M & b\\ 0 & 0\end{pmatrix}\Big)
    \begin{pmatrix}\theta_0\\ 1\end{pmatrix}` (valid for singular and non-symmetric :math:`M`, such as
    :math:`M = QG^\top G` or :math:`QH`).

    Parameters
    ----------
    M : array_like, shape (d, d)
    b, theta0 : array_like, shape (d,)
    times : array_like, shape (T,)
        Non-negative times.
    method : {"expm", "solve_ivp"}
        ``expm``: the augmented matrix exponential (``scipy.linalg.expm``). ``solve_ivp``: DOP853 with
        ``rtol = atol = 1e-10`` (an independent reference).

    Returns
    -------
    numpy.ndarray, shape (T, d)

    Raises
    ------
    ValueError
        For bad shapes, non-finite input, negative times, an unknown method, or a failed ODE solve.
    """
    mat = _finite_matrix(M, "M")
    d = mat.shape[0]
    drift = _finite_vector(b, "b", d)
    start = _finite_vector(theta0, "theta0", d)
    t = _times(times)
    if method == "expm":
        aug = np.zeros((d + 1, d + 1))
        aug[:d, :d] = -mat
        aug[:d, d] = drift
        props = scipy.linalg.expm(t[:, None, None] * aug[None])
        return props[:, :d, :d] @ start + props[:, :d, d]
    if method == "solve_ivp":
        order = np.argsort(t)
        sol = scipy.integrate.solve_ivp(lambda _s, y: -mat @ y + drift, (0.0, float(t.max())), start,
                                        method="DOP853", t_eval=t[order], rtol=1e-10, atol=1e-10)
        if not sol.success:
            raise ValueError(f"solve_ivp failed: {sol.message}")
        out = np.empty((t.size, d))
        out[order] = sol.y.T
        return out
    raise ValueError(f"method must be 'expm' or 'solve_ivp'; got {method!r}")


def _loss_inputs(Q: Any, H: Any) -> tuple[FloatArray, FloatArray]:
    H_arr = _finite_matrix(H, "H", symmetric=True)
    Q_arr = _finite_matrix(Q, "Q")
    if Q_arr.shape != H_arr.shape:
        raise ValueError(f"Q and H must have the same shape; got {Q_arr.shape} and {H_arr.shape}")
    return Q_arr, H_arr


def expected_quadratic_loss(Q: Any, H: Any, times: Any, method: str = "expm") -> FloatArray:
    r"""Expected loss of :math:`L = \tfrac12\theta^\top H\theta` under the flow :math:`\dot\theta = -QH\theta`.

    With :math:`\theta_0 \sim N(0, I)`, :math:`\theta(t) = e^{-QHt}\theta_0` and

    .. math::

        \mathbb E\,L(t) = \tfrac12\operatorname{Tr}\big((e^{-QHt})^\top H e^{-QHt}\big).

    For symmetric :math:`Q \succeq 0` and :math:`H \succ 0`, :math:`QH = H^{-1/2}SH^{1/2}` with
    :math:`S = H^{1/2}QH^{1/2} = V\operatorname{diag}(s)V^\top`, so

    .. math::

        \mathbb E\,L(t) = \tfrac12\sum_i e^{-2s_it}\,(V^\top HV)_{ii}

    (``method="eigen"``; an independent computation of the same quantity).

    Parameters
    ----------
    Q : array_like, shape (d, d)
        The optimizer (any real matrix for ``expm``; symmetric for ``eigen``).
    H : array_like, shape (d, d)
        Symmetric Hessian (positive definite for ``eigen``).
    times : array_like, shape (T,)
    method : {"expm", "eigen"}

    Returns
    -------
    numpy.ndarray, shape (T,)

    Raises
    ------
    ValueError
        Bad shapes, NaN/inf, non-symmetric ``H``; for ``eigen`` also a non-symmetric ``Q`` or ``H`` not
        positive definite.
    """
    Q_arr, H_arr = _loss_inputs(Q, H)
    t = _times(times)
    if method == "expm":
        props = scipy.linalg.expm(-t[:, None, None] * (Q_arr @ H_arr)[None])
        return 0.5 * np.einsum("tji,jk,tki->t", props, H_arr, props)
    if method == "eigen":
        Q_sym = _finite_matrix(Q_arr, "Q", symmetric=True)
        h_val, h_vec = np.linalg.eigh(H_arr)
        if h_val[0] <= 0:
            raise ValueError(f"method='eigen' needs H positive definite; lambda_min(H) = {h_val[0]:.3g}")
        root = (h_vec * np.sqrt(h_val)) @ h_vec.T
        s, V = np.linalg.eigh(root @ Q_sym @ root)
        weights = np.einsum("ji,jk,ki->i", V, H_arr, V)
        return 0.5 * np.exp(-2.0 * np.outer(t, s)) @ weights
    raise ValueError(f"method must be 'expm' or 'eigen'; got {method!r}")


def expected_quadratic_loss_discrete(Q: Any, H: Any, steps: Any, step_size: float = 1.0) -> FloatArray:
    r"""Expected loss after :math:`k` discrete steps :math:`\theta_{k+1} = \theta_k - \eta QH\theta_k`.

    .. math::

        \mathbb E\,L_k = \tfrac12\operatorname{Tr}\big((P^k)^\top H P^k\big), \qquad P = I - \eta QH,

    for :math:`\theta_0 \sim N(0, I)` (``numpy.linalg.matrix_power``, repeated squaring).

    Returns
    -------
    numpy.ndarray, shape (len(steps),)
    """
    Q_arr, H_arr = _loss_inputs(Q, H)
    k = np.atleast_1d(np.asarray(steps))
    if k.ndim != 1 or k.size == 0 or not np.issubdtype(k.dtype, np.integer) or np.any(k < 0):
        raise ValueError("steps must be a non-empty 1-d array of non-negative integers")
    if not (math.isfinite(step_size) and step_size > 0):
        raise ValueError(f"step_size must be finite and > 0; got {step_size}")
    d = H_arr.shape[0]
    step = np.eye(d) - step_size * Q_arr @ H_arr
    out = np.empty(k.size)
    with np.errstate(over="ignore", invalid="ignore"):
        for i, n in enumerate(k):
            power = np.linalg.matrix_power(step, int(n))
            out[i] = 0.5 * float(np.einsum("ji,jk,ki->", power, H_arr, power))
    return out


# --------------------------------------------------------------------------- objectives


@dataclass(frozen=True)
class Objective:
    r"""A differentiable training loss :math:`L(\theta)`, :math:`\theta \in \mathbb R^d` (``value``, ``grad``)."""

    name: str
    dim: int
    value_fn: Callable[[FloatArray], float] = field(repr=False)
    grad_fn: Callable[[FloatArray], FloatArray] = field(repr=False)
    f_star: float | None = None
    details: dict[str, Any] = field(default_factory=dict, repr=False)

    def _point(self, theta: Any) -> FloatArray:
        return _finite_vector(theta, "theta", self.dim)

    def value(self, theta: Any) -> float:
        """:math:`L(\\theta)`."""
        return float(self.value_fn(self._point(theta)))

    def grad(self, theta: Any) -> FloatArray:
        r""":math:`\nabla L(\theta)`, shape ``(dim,)``."""
        return np.asarray(self.grad_fn(self._point(theta)), dtype=float)


def rotated_quadratic(eigenvalues: Any, seed: int | None = 0) -> Problem:
    r"""Quadratic :math:`L = \tfrac12\theta^\top H\theta` with :math:`H = U\operatorname{diag}(h)U^\top`.

    :math:`U` is Haar-random (``seed``); ``seed=None`` gives :math:`U = I`. Built on
    :func:`theorylab.problems.quadratic` (family F-QUAD).
    """
    h = np.asarray(eigenvalues, dtype=float)
    if h.ndim != 1 or h.size == 0 or not np.all(np.isfinite(h)):
        raise ValueError(f"eigenvalues must be a finite non-empty 1-d array; got shape {h.shape}")
    if seed is None:
        H = np.diag(h)
    else:
        U = _haar_orthogonal(h.size, np.random.default_rng(seed))
        H = (U * h) @ U.T
        H = 0.5 * (H + H.T)
    return quadratic(H, name=f"rotated-quadratic(d={h.size}, h=[{h.min():.3g}, {h.max():.3g}], seed={seed})")


def _haar_orthogonal(d: int, rng: np.random.Generator) -> FloatArray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def rosenbrock_nd(dim: int, a: float = 1.0, b: float = 100.0) -> Objective:
    r"""Chained Rosenbrock function in :math:`d \ge 2` dimensions.

    .. math::

        L(\theta) = \sum_{i=1}^{d-1} b(\theta_{i+1} - \theta_i^2)^2 + (a - \theta_i)^2,

    .. math::

        \partial_i L = -4b\theta_i(\theta_{i+1} - \theta_i^2) - 2(a - \theta_i)
        + 2b(\theta_i - \theta_{i-1}^2)

    (terms present where the indices exist); :math:`L_* = 0` at :math:`\theta = a\mathbf 1` (with :math:`a = 1`).
    """
    if not isinstance(dim, (int, np.integer)) or dim < 2:
        raise ValueError(f"dim must be an integer >= 2; got {dim!r}")
    if not (math.isfinite(a) and math.isfinite(b) and b > 0):
        raise ValueError(f"a must be finite and b finite and > 0; got a={a}, b={b}")

    def value(x: FloatArray) -> float:
        return float(np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2))

    def grad(x: FloatArray) -> FloatArray:
        r = x[1:] - x[:-1] ** 2
        out = np.zeros_like(x)
        out[:-1] += -4.0 * b * x[:-1] * r - 2.0 * (a - x[:-1])
        out[1:] += 2.0 * b * r
        return out

    f_star = 0.0 if a == 1.0 else None
    return Objective(f"rosenbrock(d={dim}, a={a:g}, b={b:g})", int(dim), value, grad, f_star=f_star)


def mlp_regression(n_inputs: int = 5, n_hidden: int = 25, n_samples: int = 64, noise: float = 0.1,
                   seed: int = 0) -> Objective:
    r"""Least-squares regression with a two-layer tanh network (numpy, exact gradients).

    Parameters :math:`\theta = (W_1, b_1, w_2, b_2)`, :math:`W_1 \in \mathbb R^{h\times p}`; prediction
    :math:`f(x) = w_2^\top\tanh(W_1x + b_1) + b_2`; loss

    .. math::

        L(\theta) = \frac{1}{2n}\sum_{i=1}^n (f(x_i) - y_i)^2,

    with :math:`x_i \sim N(0, I_p)` and targets from a random teacher network of the same shape plus
    :math:`N(0, \text{noise}^2)` noise (all from ``seed``). Gradient by backpropagation:
    :math:`r = f(X) - y`, :math:`\partial_{w_2} = A^\top r/n`, :math:`\partial_{b_2} = \sum r/n`,
    :math:`\delta = (r w_2^\top)\odot(1 - A^2)`, :math:`\partial_{W_1} = \delta^\top X/n`,
    :math:`\partial_{b_1} = \sum_i\delta_i/n`, :math:`A = \tanh(XW_1^\top + b_1)`.
    ``details["theta0"]`` is a default initialization (:math:`W_1 \sim N(0, 1/p)`, :math:`w_2 \sim N(0, 1/h)`).
    """
    for name, value in (("n_inputs", n_inputs), ("n_hidden", n_hidden), ("n_samples", n_samples)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be finite and >= 0; got {noise}")
    p, h, n = int(n_inputs), int(n_hidden), int(n_samples)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    teacher_W1 = rng.standard_normal((h, p)) / math.sqrt(p)
    teacher_w2 = rng.standard_normal(h) / math.sqrt(h)
    y = np.tanh(X @ teacher_W1.T) @ teacher_w2 + noise * rng.standard_normal(n)
    dim = h * p + h + h + 1

    def unpack(theta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, float]:
        W1 = theta[: h * p].reshape(h, p)
        b1 = theta[h * p: h * p + h]
        w2 = theta[h * p + h: h * p + 2 * h]
        return W1, b1, w2, float(theta[-1])

    def value(theta: FloatArray) -> float:
        W1, b1, w2, b2 = unpack(theta)
        residual = np.tanh(X @ W1.T + b1) @ w2 + b2 - y
        return 0.5 * float(residual @ residual) / n

    def grad(theta: FloatArray) -> FloatArray:
        W1, b1, w2, b2 = unpack(theta)
        act = np.tanh(X @ W1.T + b1)
        residual = act @ w2 + b2 - y
        delta = np.outer(residual, w2) * (1.0 - act**2)
        return np.concatenate([(delta.T @ X).ravel() / n, delta.sum(axis=0) / n, act.T @ residual / n,
                               [residual.sum() / n]])

    theta0 = np.concatenate([rng.standard_normal(h * p) / math.sqrt(p), np.zeros(h),
                             rng.standard_normal(h) / math.sqrt(h), [0.0]])
    return Objective(f"mlp-regression(p={p}, h={h}, n={n}, seed={seed})", dim, value, grad,
                     details={"theta0": theta0, "X": X, "y": y})


# --------------------------------------------------------------------------- training loops

#: A rule maps the moment estimate Sigma_t and the EMA of g**2 to the optimizer Q_t.
OptimizerRule = Callable[[FloatArray, FloatArray], FloatArray]


def closed_form_rule(budget: Budget) -> OptimizerRule:
    r"""The rule :math:`Q_t = Q^\star(\Sigma_t)` of a budget's closed form as stated (``budget.closed_form``)."""
    if not isinstance(budget, Budget):
        raise ValueError(f"budget must be a Budget object; got {type(budget).__name__}")

    def rule(sigma: FloatArray, second_moment: FloatArray) -> FloatArray:
        return budget.closed_form(sigma).Q

    rule.budget = budget  # type: ignore[attr-defined]
    return rule


def adaptive_diagonal_rule(B: float, eps: float = 1e-8) -> OptimizerRule:
    r"""Diagonal budget (Cor. 2(iv) closed form) with costs :math:`c_j = \sqrt{v_j} + \epsilon`.

    Here :math:`v = \mathrm{EMA}(g^2)`; the closed form gives :math:`q_j \propto \Sigma_{jj}/c_j`; ``eps`` keeps the
    costs strictly positive.
    """
    if not (math.isfinite(B) and B > 0 and math.isfinite(eps) and eps > 0):
        raise ValueError(f"B and eps must be finite and > 0; got B={B}, eps={eps}")

    def rule(sigma: FloatArray, second_moment: FloatArray) -> FloatArray:
        return DiagonalBudget(B, np.sqrt(second_moment) + eps).closed_form(sigma).Q

    return rule


@dataclass
class TrainingRun:
    """Losses of one discrete training run (``losses[t]`` before step ``t``; ``nan`` after divergence)."""

    losses: FloatArray
    theta: FloatArray
    diverged: bool
    diverged_at: int | None = None
    reason: str = ""

    @property
    def final_loss(self) -> float:
        """The last loss, ``inf`` for a diverged run."""
        return math.inf if self.diverged else float(self.losses[-1])

    @property
    def area(self) -> float:
        """Mean loss over the run (area under the curve / steps), ``inf`` for a diverged run."""
        return math.inf if self.diverged else float(np.mean(self.losses))


def train(
    objective: Any,
    theta0: Any,
    rule: OptimizerRule,
    steps: int,
    *,
    moment: str = "ema",
    decay: float = 0.9,
    exact_moment: Any = None,
    divergence_factor: float = 1e8,
) -> TrainingRun:
    r"""Run :math:`\theta_{t+1} = \theta_t + Q_tg_t` with :math:`Q_t = \text{rule}(\Sigma_t, v_t)`.

    Here :math:`g_t = -\nabla L(\theta_t)`.

    Moment estimates (``moment``):

    * ``"exact"``: :math:`\Sigma_t = ` ``exact_moment`` (fixed);
    * ``"ema"``: :math:`\Sigma_t = \beta\Sigma_{t-1} + (1-\beta)g_tg_t^\top`, :math:`\Sigma_0 = g_0g_0^\top`;
    * ``"instant"``: :math:`\Sigma_t = g_tg_t^\top`.

    :math:`v_t` is the EMA of :math:`g_t^2` with the same decay (:math:`v_0 = g_0^2`). A run *diverges* when
    the loss or the step :math:`Q_tg_t` becomes non-finite (including a closed form that is undefined, such as
    :math:`\Sigma/\|\Sigma\|_F` at :math:`\Sigma_t = 0`; ``reason`` says which) or the loss exceeds
    ``divergence_factor`` times :math:`\max(|L(\theta_0)|, 1)`; it is then stopped, recorded as diverged, and its
    remaining losses are NaN.

    Parameters
    ----------
    objective : object with ``value(theta)`` and ``grad(theta)``
        A :class:`theorylab.problems.Problem` or an :class:`Objective`.
    theta0 : array_like, shape (d,)
    rule : callable
        ``rule(sigma, second_moment) -> Q``, e.g. :func:`closed_form_rule`.
    steps : int
    moment : {"exact", "ema", "instant"}
    decay : float in (0, 1)
    exact_moment : array_like, shape (d, d), required for ``moment="exact"``
    divergence_factor : float

    Returns
    -------
    TrainingRun
    """
    dim = int(objective.dim)
    theta = _finite_vector(theta0, "theta0", dim).copy()
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer; got {steps!r}")
    if moment not in MOMENT_ESTIMATES:
        raise ValueError(f"moment must be one of {MOMENT_ESTIMATES}; got {moment!r}")
    if not (0.0 < decay < 1.0):
        raise ValueError(f"decay must lie in (0, 1); got {decay}")
    fixed = None
    if moment == "exact":
        if exact_moment is None:
            raise ValueError("moment='exact' needs exact_moment, a symmetric (d, d) matrix")
        fixed = _finite_matrix(exact_moment, "exact_moment", symmetric=True)
        if fixed.shape != (dim, dim):
            raise ValueError(f"exact_moment must have shape ({dim}, {dim}); got {fixed.shape}")
    losses = np.full(steps + 1, np.nan)
    losses[0] = objective.value(theta)
    limit = divergence_factor * max(abs(losses[0]), 1.0)
    sigma = second = None
    for t in range(steps):
        g = -objective.grad(theta)
        if moment == "ema" and sigma is not None:
            sigma = decay * sigma + (1.0 - decay) * np.outer(g, g)
            second = decay * second + (1.0 - decay) * g * g
        else:
            sigma = fixed if moment == "exact" else np.outer(g, g)
            second = g * g if second is None or moment == "instant" else decay * second + (1.0 - decay) * g * g
        with np.errstate(all="ignore"):
            Q = rule(sigma, second)
            step = Q @ g
        if not np.all(np.isfinite(step)):
            return TrainingRun(losses, theta, True, t, "non-finite optimizer step")
        theta = theta + step
        with np.errstate(all="ignore"):
            value = objective.value(theta) if np.all(np.isfinite(theta)) else math.inf
        if not math.isfinite(value) or abs(value) > limit:
            return TrainingRun(losses, theta, True, t + 1, f"loss {value:.3g} beyond {limit:.3g}")
        losses[t + 1] = value
    return TrainingRun(losses, theta, False)
