r"""Helpers for the Table 2–4 checks (``equalizers.py``): filters, factored searches, equal-power spectra.

* :func:`one_pole_output`, :func:`heavy_ball_steps`, :func:`nesterov_steps`, :func:`adam_steps` — the recursions
  of the reference optimizers (catalogue E5) and the causal convolution with a stated impulse response;
* :func:`factored_operator`, :func:`best_factored_power` — Kronecker-factored PSD operators
  :math:`Q = \bigoplus_b \bigotimes_i L_{b,i}L_{b,i}^\top` and a multi-start search for the largest
  budget-normalized power :math:`J(Q) = \operatorname{Tr}(Q\Sigma)/\operatorname{Tr}(Q\Sigma_0Q)^{1/2}` over them;
* :func:`equal_power_profile` — the learning power :math:`p_i = (u_i^\top Qu_i)\sigma_i` per eigendirection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import reduce

import numpy as np
import scipy.linalg
import scipy.optimize


def spd(rng: np.random.Generator, d: int, log_cond: float) -> np.ndarray:
    r"""Random SPD :math:`U\operatorname{diag}(e)U^\top`, :math:`e` log-uniform in :math:`[s, s\,10^{c}]`."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    eig = 10.0 ** rng.uniform(-1.0, 1.0) * 10.0 ** rng.uniform(0.0, log_cond, size=d)
    M = (q * eig) @ q.T
    return 0.5 * (M + M.T)


def psd_power(M: np.ndarray, power: float) -> np.ndarray:
    r""":math:`M^p` of a symmetric positive definite matrix."""
    values, vectors = np.linalg.eigh(M)
    return (vectors * values**power) @ vectors.T


# --------------------------------------------------------------------------- filters


def causal_convolution(impulse: np.ndarray, signal: np.ndarray) -> np.ndarray:
    r"""Zero-state output :math:`y[t] = \sum_{n\le t} h[n]x[t-n]` for ``impulse`` ``(T,)`` or ``(T, d)`` and
    ``signal`` ``(T, d)``."""
    T = signal.shape[0]
    h = impulse[:T] if impulse.ndim == 2 else impulse[:T, None] * np.ones((1, signal.shape[1]))
    out = np.zeros_like(signal, dtype=float)
    for t in range(T):
        out[t] = np.sum(h[: t + 1][::-1] * signal[: t + 1], axis=0)
    return out


def heavy_ball_steps(g: np.ndarray, beta: float, lr: float) -> np.ndarray:
    r"""Heavy ball (catalogue E5): :math:`v \leftarrow \beta v + g`, :math:`\dot\theta = \eta' v`, zero state."""
    v = np.zeros(g.shape[1])
    out = np.empty_like(g, dtype=float)
    for t, gt in enumerate(g):
        v = beta * v + gt
        out[t] = lr * v
    return out


def ema(g: np.ndarray, beta: float) -> np.ndarray:
    r""":math:`m \leftarrow \beta m + (1-\beta)g` from zero, every step."""
    m = np.zeros(g.shape[1])
    out = np.empty_like(g, dtype=float)
    for t, gt in enumerate(g):
        m = beta * m + (1.0 - beta) * gt
        out[t] = m
    return out


def nesterov_steps(g: np.ndarray, mu: float, lr: float, form: str = "pytorch") -> np.ndarray:
    r"""Nesterov momentum as a map from the gradient sequence to the parameter steps, zero state.

    ``pytorch``: :math:`v \leftarrow \mu v + g`, step :math:`\eta(g + \mu v)`. ``sutskever``:
    :math:`v \leftarrow \mu v + \eta g` (g taken at the look-ahead point), :math:`\theta \leftarrow \theta + v`; the
    step reported is that of the look-ahead variable :math:`\phi = \theta + \mu v`,
    :math:`\Delta\phi_t = v_t + \mu(v_t - v_{t-1})`.
    """
    v = np.zeros(g.shape[1])
    out = np.empty_like(g, dtype=float)
    for t, gt in enumerate(g):
        if form == "pytorch":
            v = mu * v + gt
            out[t] = lr * (gt + mu * v)
        elif form == "sutskever":
            previous = v
            v = mu * v + lr * gt
            out[t] = v + mu * (v - previous)
        else:
            raise ValueError(f"form must be 'pytorch' or 'sutskever'; got {form!r}")
    return out


def adam_steps(g: np.ndarray, beta1: float, lr: float, v: np.ndarray, eps: float,
               beta2: float | None = None) -> np.ndarray:
    r"""Adam without bias correction, :math:`\eta m_t/(\sqrt{v}+\epsilon)`, :math:`m` an EMA of :math:`g`.

    ``beta2=None`` keeps :math:`v` frozen at the given vector; otherwise :math:`v \leftarrow \beta_2v +
    (1-\beta_2)g^2` is updated from the given start.
    """
    m = np.zeros(g.shape[1])
    second = np.array(v, dtype=float)
    out = np.empty_like(g, dtype=float)
    for t, gt in enumerate(g):
        m = beta1 * m + (1.0 - beta1) * gt
        if beta2 is not None:
            second = beta2 * second + (1.0 - beta2) * gt**2
        out[t] = lr * m / (np.sqrt(second) + eps)
    return out


def fit_lead_lag(impulse: np.ndarray) -> tuple[float, float, float]:
    r"""Exact three-tap fit of :math:`h[0] = \eta(1-\beta)`, :math:`h[n] = \eta(1-\beta)\beta^{n-1}(\beta+\gamma)`.

    Returns :math:`(\eta, \beta, \gamma)` from :math:`h[0], h[1], h[2]` (:math:`\beta = h[2]/h[1]`).
    """
    h0, h1, h2 = (float(x) for x in impulse[:3])
    beta = h2 / h1
    gamma = h1 / h0 - beta
    return h0 / (1.0 - beta), beta, gamma


def lead_lag_impulse(eta: float, beta: float, gamma: float, n: int) -> np.ndarray:
    r"""Impulse response of :math:`\eta(1-\beta)/(1-\beta z^{-1})\cdot(1+\gamma z^{-1})`, ``n`` taps."""
    base = eta * (1.0 - beta) * beta ** np.arange(n)
    out = base.copy()
    out[1:] += gamma * base[:-1]
    return out


# --------------------------------------------------------------------------- factored operators


def factored_operator(factors: Sequence[Sequence[np.ndarray]]) -> np.ndarray:
    r""":math:`\bigoplus_b\bigotimes_i X_{b,i}` (``numpy.kron``, row-major vec convention)."""
    return scipy.linalg.block_diag(*[reduce(np.kron, block) for block in factors])


def normalized_power(Q: np.ndarray, sigma: np.ndarray, metric: np.ndarray) -> float:
    r""":math:`J(Q) = \operatorname{Tr}(Q\Sigma)/\operatorname{Tr}(Q\Sigma_0Q)^{1/2}` (power of the saturated
    :math:`\eta Q` under :math:`\operatorname{Tr}(Q\Sigma_0Q) \le 1`)."""
    norm2 = float(np.sum(Q * (metric @ Q)))
    if norm2 <= 0:
        return 0.0
    return float(np.sum(Q * sigma)) / math.sqrt(norm2)


def _unpack(params: np.ndarray, shapes: Sequence[Sequence[int]]) -> list[list[np.ndarray]]:
    factors, k = [], 0
    for block in shapes:
        mats = []
        for n in block:
            L = np.zeros((n, n))
            idx = np.tril_indices(n)
            L[idx] = params[k:k + idx[0].size]
            k += idx[0].size
            mats.append(L @ L.T)
        factors.append(mats)
    return factors


def _pack(factors: Sequence[Sequence[np.ndarray]]) -> np.ndarray:
    out = []
    for block in factors:
        for X in block:
            n = X.shape[0]
            L = np.linalg.cholesky(0.5 * (X + X.T) + 1e-300 * np.eye(n))
            out.append(L[np.tril_indices(n)])
    return np.concatenate(out)


def _objective_and_gradient(params: np.ndarray, shapes: Sequence[Sequence[int]], sigma: np.ndarray,
                            metric: np.ndarray) -> tuple[float, np.ndarray]:
    r""":math:`-J` and its gradient in the Cholesky-type parameters.

    With :math:`t = \operatorname{Tr}(Q\Sigma)`, :math:`n = \operatorname{Tr}(Q\Sigma_0Q)`:
    :math:`\partial J/\partial Q = \Sigma/\sqrt n - t(\Sigma_0Q + Q\Sigma_0)/(2n^{3/2})`; a Kronecker block
    :math:`\otimes_iX_i` passes it to :math:`X_i` by contracting the other modes, and :math:`X = LL^\top` gives
    :math:`\partial/\partial L = (G_X + G_X^\top)L`.
    """
    factors, lowers, k = [], [], 0
    for block in shapes:
        mats, ls = [], []
        for n in block:
            L = np.zeros((n, n))
            idx = np.tril_indices(n)
            L[idx] = params[k:k + idx[0].size]
            k += idx[0].size
            mats.append(L @ L.T)
            ls.append(L)
        factors.append(mats)
        lowers.append(ls)
    Q = factored_operator(factors)
    t = float(np.sum(Q * sigma))
    MQ = metric @ Q
    n2 = float(np.sum(Q * MQ))
    if n2 <= 0:
        return 0.0, np.zeros_like(params)
    root = math.sqrt(n2)
    grad_Q = sigma / root - t * (MQ + MQ.T) / (2 * n2 * root)
    grads, start = [], 0
    letters = "abcdefgh"
    for block, mats, ls in zip(shapes, factors, lowers, strict=True):
        size = int(np.prod(block))
        G = grad_Q[start:start + size, start:start + size].reshape(*block, *block)
        start += size
        m = len(block)
        rows, cols = letters[:m], letters[m:2 * m].upper()
        for i, (X, L) in enumerate(zip(mats, ls, strict=True)):
            operands, subscripts = [G], [rows + cols]
            for j, Y in enumerate(mats):
                if j != i:
                    operands.append(Y)
                    subscripts.append(rows[j] + cols[j])
            grad_X = np.einsum(",".join(subscripts) + "->" + rows[i] + cols[i], *operands)
            grad_L = (grad_X + grad_X.T) @ L
            grads.append(grad_L[np.tril_indices(X.shape[0])])
    return -t / root, -np.concatenate(grads)


def best_factored_power(sigma: np.ndarray, metric: np.ndarray, shapes: Sequence[Sequence[int]],
                        starts: Sequence[Sequence[Sequence[np.ndarray]]], rng: np.random.Generator,
                        n_random: int = 2, max_iter: int = 500,
                        stop_above: float | None = None) -> tuple[float, np.ndarray]:
    r"""Largest :math:`J(Q)` found over :math:`Q = \bigoplus_b\bigotimes_iL_{b,i}L_{b,i}^\top` (PSD by construction).

    Multi-start L-BFGS (analytic gradient) on the Cholesky-type parameters from each of ``starts`` (factor lists,
    e.g. the identity and the stated preconditioner) and ``n_random`` random starts. The returned value is
    re-evaluated exactly at the returned :math:`Q`, an explicit feasible point once saturated: it is a lower bound of
    the factored optimum. With ``stop_above``, a start whose value already exceeds it is returned without
    optimizing (it is already a feasible point beating that value).
    """
    initial = [_pack(s) for s in starts]
    if stop_above is not None:
        for x0 in initial:
            Q = factored_operator(_unpack(x0, shapes))
            value = normalized_power(Q, sigma, metric)
            if value > stop_above:
                return value, Q
    size = initial[0].size if initial else sum(n * (n + 1) // 2 for block in shapes for n in block)
    initial += [rng.standard_normal(size) for _ in range(n_random)]
    best_value, best_Q = -math.inf, None
    for x0 in initial:
        start_value = -_objective_and_gradient(x0, shapes, sigma, metric)[0]
        result = scipy.optimize.minimize(_objective_and_gradient, x0, args=(shapes, sigma, metric), jac=True,
                                         method="L-BFGS-B", options={"maxiter": max_iter})
        x = result.x if -result.fun >= start_value else x0
        Q = factored_operator(_unpack(x, shapes))
        value = normalized_power(Q, sigma, metric)
        if value > best_value:
            best_value, best_Q = value, Q
    assert best_Q is not None
    return best_value, best_Q


def equal_power_profile(Q: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Eigenvalues :math:`\sigma_i` of :math:`\Sigma` and the powers :math:`p_i = (u_i^\top Qu_i)\sigma_i`."""
    values, vectors = np.linalg.eigh(sigma)
    return values, np.einsum("ji,jk,ki->i", vectors, Q, vectors) * values


def matrix_cosine(A: np.ndarray, B: np.ndarray) -> float:
    r""":math:`\langle A,B\rangle/(\|A\|_F\|B\|_F)`."""
    na, nb = float(np.linalg.norm(A)), float(np.linalg.norm(B))
    if na == 0 or nb == 0:
        return 1.0 if na == nb else 0.0
    return float(np.sum(A * B)) / (na * nb)
