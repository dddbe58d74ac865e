r"""One-step reference updates of the optimizers named in App. C (catalogue Engines §E5).

Each function returns the parameter velocity :math:`\dot\theta` (the step *added* to :math:`\theta`) for the
negative gradient :math:`g = -\nabla L`, as the original papers define the update, with the learning rate
``lr`` and without weight decay, clipping or bias tricks unless named.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _psd_power(M: np.ndarray, power: float) -> np.ndarray:
    values, vectors = np.linalg.eigh(M)
    return (vectors * values**power) @ vectors.T


def sgd(g: np.ndarray, lr: float) -> np.ndarray:
    r"""Robbins–Monro SGD: :math:`\dot\theta = \eta g`."""
    return lr * g


def newton(g: np.ndarray, hessian: np.ndarray, lr: float = 1.0) -> np.ndarray:
    r"""(Damped) Newton step :math:`\eta H^{-1}g`."""
    return lr * np.linalg.solve(hessian, g)


def lbfgs_direction(g: np.ndarray, s_pairs: Sequence[np.ndarray], y_pairs: Sequence[np.ndarray],
                    gamma: float | None = None) -> np.ndarray:
    r"""L-BFGS two-loop recursion (Nocedal 1980; Nocedal & Wright Alg. 7.4): :math:`H_k g \approx B_k^{-1}g`.

    ``s_pairs``/``y_pairs`` are ordered oldest first; the initial matrix is :math:`\gamma I` with
    :math:`\gamma = s^\top y/y^\top y` of the newest pair unless given.
    """
    q = np.array(g, dtype=float)
    rhos = [1.0 / float(y @ s) for s, y in zip(s_pairs, y_pairs, strict=True)]
    alphas = []
    for s, y, rho in reversed(list(zip(s_pairs, y_pairs, rhos, strict=True))):
        alpha = rho * float(s @ q)
        q = q - alpha * y
        alphas.append(alpha)
    if gamma is None:
        gamma = float(s_pairs[-1] @ y_pairs[-1]) / float(y_pairs[-1] @ y_pairs[-1]) if s_pairs else 1.0
    r = gamma * q
    for (s, y, rho), alpha in zip(zip(s_pairs, y_pairs, rhos, strict=True), reversed(alphas), strict=True):
        beta = rho * float(y @ r)
        r = r + s * (alpha - beta)
    return r


def lbfgs_matrix(d: int, s_pairs: Sequence[np.ndarray], y_pairs: Sequence[np.ndarray],
                 gamma: float | None = None) -> np.ndarray:
    r"""The direct BFGS matrix :math:`B_k` after the same updates from :math:`B_0 = \gamma^{-1}I`."""
    if gamma is None:
        gamma = float(s_pairs[-1] @ y_pairs[-1]) / float(y_pairs[-1] @ y_pairs[-1]) if s_pairs else 1.0
    B = np.eye(d) / gamma
    for s, y in zip(s_pairs, y_pairs, strict=True):
        Bs = B @ s
        B = B - np.outer(Bs, Bs) / float(s @ Bs) + np.outer(y, y) / float(y @ s)
    return B


def natural_gradient(g: np.ndarray, fisher: np.ndarray, lr: float) -> np.ndarray:
    r"""Amari (1998) natural gradient :math:`\eta F^{-1}g`."""
    return lr * np.linalg.solve(fisher, g)


def kfac(layer_gradients: Sequence[np.ndarray], activations_cov: Sequence[np.ndarray],
         output_grads_cov: Sequence[np.ndarray], lr: float) -> list[np.ndarray]:
    r"""Martens & Grosse (2015): layer step :math:`\eta G_\ell^{-1}W_\ell A_\ell^{-1}` for the weight-gradient
    matrix :math:`W_\ell` (:math:`= (A_\ell\otimes G_\ell)^{-1}\operatorname{vec}W_\ell` column-major)."""
    return [lr * np.linalg.solve(G, W) @ np.linalg.inv(A)
            for W, A, G in zip(layer_gradients, activations_cov, output_grads_cov, strict=True)]


def shampoo(G: np.ndarray, left: np.ndarray, right: np.ndarray, lr: float) -> np.ndarray:
    r"""Gupta et al. (2018), matrix case: :math:`\eta L^{-1/4}GR^{-1/4}`."""
    return lr * _psd_power(left, -0.25) @ G @ _psd_power(right, -0.25)


def shampoo_tensor(G: np.ndarray, mode_factors: Sequence[np.ndarray], lr: float) -> np.ndarray:
    r"""Gupta et al. (2018), order-k tensor: contract mode i with :math:`H_i^{-1/(2k)}`."""
    k = G.ndim
    out = np.array(G, dtype=float)
    for i, H in enumerate(mode_factors):
        out = np.moveaxis(np.tensordot(_psd_power(H, -1.0 / (2 * k)), out, axes=([1], [i])), 0, i)
    return lr * out


def adagrad(g_history: np.ndarray, lr: float, eps: float = 1e-8) -> np.ndarray:
    r"""Duchi et al. (2011) diagonal AdaGrad at the last step: :math:`\eta g_t/\sqrt{\epsilon+\sum_{s\le t}g_s^2}`.

    (The :math:`\epsilon` is placed inside the root, as in the paper's Cor. 17.)
    """
    return lr * g_history[-1] / np.sqrt(eps + np.sum(g_history**2, axis=0))


def rmsprop(g_history: np.ndarray, lr: float, beta2: float, v0: float = 0.0, eps: float = 0.0) -> np.ndarray:
    r"""Tieleman & Hinton (2012): :math:`v_t = \beta_2v_{t-1}+(1-\beta_2)g_t^2`, step
    :math:`\eta g_t/\sqrt{v_t+\epsilon}`."""
    v = np.full(g_history.shape[1], v0, dtype=float)
    for g in g_history:
        v = beta2 * v + (1.0 - beta2) * g**2
    return lr * g_history[-1] / np.sqrt(v + eps)


def adafactor(G_history: np.ndarray, lr: float, beta2: float, eps: float = 1e-30) -> np.ndarray:
    r"""Shazeer & Stern (2018) factored second moment without update clipping / relative step size.

    :math:`R_t = \beta_2R_{t-1}+(1-\beta_2)(G^2+\epsilon)1_n`, :math:`C_t = \beta_21_m^\top\ldots`,
    :math:`\hat V = R_tC_t/(1_m^\top R_t)`, step :math:`\eta G_t/\sqrt{\hat V}`.
    """
    m, n = G_history.shape[1:]
    rows, cols = np.zeros(m), np.zeros(n)
    for G in G_history:
        sq = G**2 + eps
        rows = beta2 * rows + (1.0 - beta2) * sq.sum(axis=1)
        cols = beta2 * cols + (1.0 - beta2) * sq.sum(axis=0)
    V = np.outer(rows, cols) / rows.sum()
    return lr * G_history[-1] / np.sqrt(V)


def sign_sgd(g: np.ndarray, lr: float) -> np.ndarray:
    r"""Bernstein et al. (2018): :math:`\eta\operatorname{sign}(g)`."""
    return lr * np.sign(g)


def lion(g_history: np.ndarray, lr: float, beta1: float, beta2: float) -> np.ndarray:
    r"""Chen et al. (2023), last step: :math:`\eta\operatorname{sign}(\beta_1m_{t-1}+(1-\beta_1)g_t)`,
    :math:`m_t = \beta_2m_{t-1}+(1-\beta_2)g_t`, :math:`m_0 = 0`."""
    m = np.zeros(g_history.shape[1])
    for g in g_history[:-1]:
        m = beta2 * m + (1.0 - beta2) * g
    return lr * np.sign(beta1 * m + (1.0 - beta1) * g_history[-1])


def lars(layer_gradients: Sequence[np.ndarray], layer_params: Sequence[np.ndarray], lr: float,
         trust: float = 1.0) -> list[np.ndarray]:
    r"""You et al. (2017) LARS without momentum/decay: layer step
    :math:`\eta\,\kappa\|\theta_\ell\|/\|g_\ell\|\,g_\ell`."""
    return [lr * trust * np.linalg.norm(w) / np.linalg.norm(g) * g
            for g, w in zip(layer_gradients, layer_params, strict=True)]


def lamb(layer_adam_directions: Sequence[np.ndarray], layer_params: Sequence[np.ndarray],
         lr: float) -> list[np.ndarray]:
    r"""You et al. (2020) LAMB without decay: layer step :math:`\eta\|\theta_\ell\|/\|r_\ell\|\,r_\ell`
    (r = Adam direction)."""
    return [lr * np.linalg.norm(w) / np.linalg.norm(r) * r
            for r, w in zip(layer_adam_directions, layer_params, strict=True)]
