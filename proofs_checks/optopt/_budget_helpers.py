r"""Hypothesis strategies for the moment families of the optopt catalogue (static and lag moments).

Static families (catalogue "Default sampling domains"): M-PSD, M-IND, M-SING, M-TIE, M-ISO, M-ILL and M-VAL
(validation moments :math:`\Sigma_{val} = \tfrac12(C + C^\top)` built from train/validation gradient pairs).
Lag families: L-IID, L-AR1, L-VAR1, L-MA1 with exact lag moments :math:`R[k] = E[g[n]g[n-k]^\top]`.
Every strategy returns ``(family, array)`` so that claims can record which family was hit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from scipy.linalg import solve_discrete_lyapunov

STATIC_FAMILIES = ("psd", "psd-lowrank", "ind", "rank-one", "zero", "tie", "iso", "ill", "val")
TRAIN_FAMILIES = ("psd", "psd-lowrank", "rank-one", "zero", "tie", "iso", "ill")
LAG_FAMILIES = ("iid", "ar1", "var1", "ma1")


def _rng(draw: st.DrawFn) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _orthogonal(rng: np.random.Generator, d: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))


def symmetrize(a: np.ndarray) -> np.ndarray:
    return 0.5 * (a + a.T)


def validation_moment(rng: np.random.Generator, d: int) -> np.ndarray:
    r"""M-VAL (c): paired samples :math:`g_{val} = A g_{tr} + \varepsilon`, :math:`\Sigma_{val} = \mathrm{sym}(C)`,
    :math:`C = \frac1N\sum_i g_{tr,i}g_{val,i}^\top`, with :math:`A` a random, rotation-like or negative-definite map
    (or (a): independent draws, :math:`C = \bar g_{tr}\bar g_{val}^\top`)."""
    kind = rng.integers(0, 4)
    if kind == 3:  # population, independent train/val draws: C = E[g_tr] E[g_val]^T
        return symmetrize(np.outer(rng.standard_normal(d), rng.standard_normal(d)))
    n = int(rng.choice([max(1, d // 2), d, 10 * d]))
    scales = np.exp(rng.uniform(-1.5, 1.5, d))
    g_tr = rng.standard_normal((n, d)) * scales
    if kind == 0:
        a = rng.standard_normal((d, d))
    elif kind == 1:
        a = _orthogonal(rng, d)
    else:
        a = -np.eye(d) + 0.3 * rng.standard_normal((d, d))
    g_val = g_tr @ a.T + 0.5 * rng.standard_normal((n, d))
    return symmetrize(g_tr.T @ g_val / n)


def static_moment(rng: np.random.Generator, family: str, d: int) -> np.ndarray:
    """One moment of the named static family, entries of order 1 (scaled by a log-uniform factor by callers)."""
    if family == "psd":
        a = rng.standard_normal((d, d))
        return symmetrize(a @ a.T / d)
    if family == "psd-lowrank":
        r = int(rng.integers(1, max(2, d)))
        a = rng.standard_normal((d, r))
        return symmetrize(a @ a.T / r)
    if family == "ind":
        a = rng.standard_normal((d, d))
        return symmetrize(a)
    if family == "rank-one":
        g = rng.standard_normal(d)
        return np.outer(g, g)
    if family == "zero":
        return np.zeros((d, d))
    if family == "tie":
        pool = np.exp(rng.uniform(-2, 2, max(1, d // 2)))
        values = rng.choice(pool, size=d)
        u = _orthogonal(rng, d)
        return symmetrize(u @ np.diag(values) @ u.T)
    if family == "iso":
        return float(np.exp(rng.uniform(-3, 3))) * np.eye(d)
    if family == "ill":
        values = np.logspace(0, -float(rng.uniform(2, 8)), d)
        u = _orthogonal(rng, d)
        return symmetrize(u @ np.diag(values) @ u.T)
    if family == "val":
        return validation_moment(rng, d)
    raise ValueError(f"unknown static family {family!r}")


@st.composite
def static_moments(draw: st.DrawFn, families: tuple[str, ...] = STATIC_FAMILIES, min_d: int = 1,
                   max_d: int = 8, log_scale: float = 3.0) -> tuple[str, np.ndarray]:
    r"""``(family, Σ)`` with :math:`d` in ``[min_d, max_d]`` and an overall factor log-uniform in
    :math:`[10^{-s}, 10^{s}]`."""
    family = draw(st.sampled_from(families))
    d = draw(st.integers(min_d, max_d))
    rng = _rng(draw)
    factor = 10.0 ** draw(st.floats(-log_scale, log_scale))
    return family, factor * static_moment(rng, family, d)


def lag_moment(rng: np.random.Generator, family: str, d: int, lags: int) -> np.ndarray:
    """Exact lag moments ``R`` of shape ``(lags + 1, d, d)`` of the named process family."""
    R = np.zeros((lags + 1, d, d))
    if family == "iid":
        a = rng.standard_normal((d, d))
        R[0] = symmetrize(a @ a.T / d)
    elif family == "ar1":
        a = rng.uniform(-0.95, 0.95, d)
        s2 = np.exp(rng.uniform(-2, 2, d))
        for k in range(lags + 1):
            R[k] = np.diag(s2 * a**k)
    elif family == "var1":
        a = rng.standard_normal((d, d))
        a *= rng.uniform(0.1, 0.9) / max(np.max(np.abs(np.linalg.eigvals(a))), 1e-12)
        gamma = symmetrize(solve_discrete_lyapunov(a, np.eye(d)))
        power = np.eye(d)
        for k in range(lags + 1):
            R[k] = power @ gamma
            power = a @ power
    elif family == "ma1":
        b = rng.uniform(-0.9, 0.9)
        R[0] = (1 + b * b) * np.eye(d)
        if lags >= 1:
            R[1] = b * np.eye(d)
    else:
        raise ValueError(f"unknown lag family {family!r}")
    return R


@st.composite
def lag_moments(draw: st.DrawFn, families: tuple[str, ...] = LAG_FAMILIES, min_d: int = 1, max_d: int = 4,
                lags: int = 20) -> tuple[str, np.ndarray]:
    """``(family, R)`` with exact lag moments up to ``lags``."""
    family = draw(st.sampled_from(families))
    d = draw(st.integers(min_d, max_d))
    return family, lag_moment(_rng(draw), family, d, lags)


def describe(array: Any) -> dict[str, Any]:
    """Small JSON-able summary of a moment for counterexample reports."""
    a = np.asarray(array, dtype=float)
    out: dict[str, Any] = {"array": a.tolist()}
    if a.ndim == 2:
        out["eigenvalues"] = np.linalg.eigvalsh(a).tolist()
    return out
