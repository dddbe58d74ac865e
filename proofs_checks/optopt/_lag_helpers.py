r"""Lag-moment families of the catalogue (L-IID, L-AR1, L-VAR1, L-MA1, L-VAL, L-EMP) and their strategies.

Each family returns lag moments :math:`R[0..K]` of shape ``(K + 1, d, d)`` with
:math:`R[k] = E[g[n]g[n-k]^\top]` (eq. 8); the randomness comes from a ``seed`` drawn by hypothesis, so
shrinking acts on the family, the dimension, the truncation and the budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
from hypothesis import strategies as st
from numpy.typing import NDArray

from theorylab.budgets.processes import estimate_lag_moments
from theorylab.testing.strategies import log_uniform

FloatArray = NDArray[np.float64]

LAG_FAMILIES = ("iid", "ar1", "ar1-negative", "var1", "var1-nonnormal", "ma1", "ma1-negative", "val", "emp")


def _random_transition(d: int, rng: np.random.Generator, nonnormal: bool) -> FloatArray:
    """A non-symmetric transition matrix with spectral radius in [0.1, 0.95]."""
    if nonnormal:
        A = np.triu(rng.normal(size=(d, d)) * 5.0, 1) + np.diag(rng.uniform(-0.9, 0.9, d))
        return A
    A = rng.normal(size=(d, d))
    radius = float(max(abs(np.linalg.eigvals(A))))
    return A * rng.uniform(0.1, 0.95) / max(radius, 1e-12)


def var1_lags(A: FloatArray, noise_cov: FloatArray, K: int) -> FloatArray:
    r""":math:`R[k] = A^k\Gamma`, :math:`\Gamma = A\Gamma A^\top + \Sigma_\varepsilon` (stationary VAR(1))."""
    gamma = scipy.linalg.solve_discrete_lyapunov(A, noise_cov)
    gamma = (gamma + gamma.T) / 2.0
    lags = [gamma]
    for _ in range(K):
        lags.append(A @ lags[-1])
    return np.stack(lags)


def ar1_lags(a: FloatArray, s: FloatArray, K: int) -> FloatArray:
    r""":math:`R[k] = \operatorname{diag}(s_j^2a_j^k)` (independent AR(1) coordinates)."""
    k = np.arange(K + 1)[:, None]
    diagonals = s[None, :] ** 2 * a[None, :] ** k
    return np.stack([np.diag(row) for row in diagonals])


def lag_family(family: str, d: int, K: int, seed: int) -> FloatArray:
    """Lag moments of one catalogue family (see the module docstring)."""
    rng = np.random.default_rng(seed)
    if family == "iid":
        rank = int(rng.integers(1, d + 1))
        factor = rng.normal(size=(d, rank))
        R = np.zeros((K + 1, d, d))
        R[0] = factor @ factor.T / rank
        return R
    if family in ("ar1", "ar1-negative"):
        a = rng.uniform(-0.95, 0.95, d) if family == "ar1" else -rng.uniform(0.05, 0.95, d)
        return ar1_lags(a, np.exp(rng.uniform(-1.0, 1.0, d)), K)
    if family in ("var1", "var1-nonnormal"):
        return var1_lags(_random_transition(d, rng, family == "var1-nonnormal"), np.eye(d), K)
    if family in ("ma1", "ma1-negative"):
        b = rng.uniform(-0.9, 0.9) if family == "ma1" else -rng.uniform(0.05, 0.9)
        R = np.zeros((K + 1, d, d))
        R[0] = (1.0 + b * b) * np.eye(d)
        if K >= 1:
            R[1] = b * np.eye(d)
        return R
    if family == "val":
        # g_val[n] = P g_tr[n] + independent noise, so C[k] = E[g_val[n] g_tr[n-k]^T] = P R_tr[k].
        R_tr = var1_lags(_random_transition(d, rng, False), np.eye(d), K)
        P = rng.normal(size=(d, d))
        C = np.einsum("ij,kjl->kil", P, R_tr)
        return (C + np.swapaxes(C, 1, 2)) / 2.0
    if family == "emp":
        A = _random_transition(d, rng, False)
        n_steps = 2000
        g = np.zeros((n_steps, d))
        noise = rng.normal(size=(n_steps, d))
        for n in range(1, n_steps):
            g[n] = A @ g[n - 1] + noise[n]
        R = estimate_lag_moments(g, K)
        R[0] = (R[0] + R[0].T) / 2.0
        return R
    raise ValueError(f"unknown lag family {family!r}")


def lag_cases(families: tuple[str, ...], max_d: int, lags: tuple[int, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Strategy for ``{"family", "d", "K", "seed", "B"}``; build the moments with :func:`lag_family`."""
    return st.fixed_dictionaries({
        "family": st.sampled_from(families),
        "d": st.integers(1, max_d),
        "K": st.sampled_from(lags),
        "seed": st.integers(0, 2**32 - 1),
        "B": log_uniform(1e-3, 1e3),
    })
