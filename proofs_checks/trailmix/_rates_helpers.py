r"""Helpers for the TrailMix rate checks (Sections 3–6, Appendices B, C and Q).

* :func:`linear_sgd_moments` — exact first and second moments of mixture SGD
  on a quadratic with Gaussian gradient noise, in log scale (no overflow for
  large steps), with the averaged iterate of Theorem 4;
* :func:`horizon_grid`, :func:`tail_slope` — horizons and the normalised-rate
  fit of the catalogue's rate convention;
* :func:`mixture_sgd_monte_carlo` — Monte Carlo means of :math:`f` and
  :math:`\|\nabla f\|^2` for non-quadratic objectives, with standard errors;
* :func:`spd_from_rng`, :func:`rotation` — random matrices for vectorised sweeps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from theorylab.claims import NumericalFailure
from theorylab.problems import Problem
from theorylab.rates import fit_sublinear_rate

FloatArray = NDArray[np.float64]

#: Values below this are treated as exact zeros by the rate fits (far below any round-off floor of the recursions).
NEGLIGIBLE = 1e-280

#: Log of the cap applied to second-moment bounds G^2 (a larger G only enlarges the right-hand sides).
LOG_CAP = math.log(1e250)


# --------------------------------------------------------------------------- horizons and fits


def horizon_grid(t_max: int, exhaustive: int = 50, per_decade: int = 10) -> NDArray[np.int64]:
    """Horizons ``{1, ..., exhaustive} ∪ log-spaced up to t_max`` (catalogue D0), sorted and unique."""
    if t_max < 1:
        raise ValueError(f"t_max must be >= 1; got {t_max}")
    small = np.arange(1, min(exhaustive, t_max) + 1)
    n_log = max(2, int(per_decade * math.log10(max(t_max, 10))) + 1)
    large = np.unique(np.round(np.logspace(0.0, math.log10(t_max), n_log)).astype(np.int64))
    return np.unique(np.concatenate([small, large, [t_max]])).astype(np.int64)


@dataclass(frozen=True)
class TailSlope:
    """Slope of a log-quantity against log T over the last decades of the horizons."""

    slope: float
    n_points: int
    window: tuple[int, int]
    negligible: bool


def tail_slope(horizons: Sequence[int] | NDArray[np.int64], values: FloatArray | None = None, decades: float = 2.0,
               *, log_values: FloatArray | None = None) -> TailSlope:
    r"""Least-squares slope of :math:`\log v_T` against :math:`\log T` on :math:`T \in [T_{\max}10^{-k}, T_{\max}]`.

    The catalogue's rate convention: a normalised quantity that stays bounded
    has slope :math:`\le 0.05` over the last two decades. The values may be
    given as logs (``log_values``; they are shifted by their maximum on the
    window, which leaves the slope unchanged and avoids overflow). Values
    below :data:`NEGLIGIBLE` times the window's largest value (the quantity
    has decayed to an exact zero or to subnormals) end the fitted range; if
    fewer than 5 points remain, the quantity is negligible on the window and
    the slope is reported as :math:`-1` (it decays faster than the fit can
    resolve) with ``negligible=True``.
    """
    big_t = np.asarray(horizons, dtype=float)
    if log_values is None:
        with np.errstate(divide="ignore"):
            log_values = np.log(np.asarray(values, dtype=float))
    logs = np.asarray(log_values, dtype=float)
    if np.any(np.isnan(logs)) or np.any(logs == np.inf):
        raise NumericalFailure("non-finite value in a normalised rate quantity")
    lo = big_t[-1] / 10.0**decades
    idx = np.flatnonzero(big_t >= lo)
    top = float(np.max(logs[idx]))
    if not math.isfinite(top):
        return TailSlope(-1.0, 0, (int(lo), int(big_t[-1])), True)
    shifted = np.exp(logs[idx] - top)
    small = shifted <= NEGLIGIBLE
    if small.any():
        cut = int(np.argmax(small))
        idx, shifted = idx[:cut], shifted[:cut]
    if idx.size < 5:
        return TailSlope(-1.0, int(idx.size), (int(lo), int(big_t[-1])), True)
    fit = fit_sublinear_rate(big_t[idx], shifted, detect_floor=False, min_points=5)
    return TailSlope(float(fit.slope), int(fit.n_points), (int(big_t[idx[0]]), int(big_t[idx[-1]])), False)


# --------------------------------------------------------------------------- exact moments on quadratics


@dataclass(frozen=True)
class MomentTrace:
    r"""Exact moments of mixture SGD on a quadratic at recorded steps (natural logs).

    Attributes
    ----------
    steps : numpy.ndarray
        Recorded steps :math:`t`.
    log_f : numpy.ndarray
        :math:`\log\mathbb E[f(x_t) - f_*]` (``-inf`` for an exact 0).
    log_grad2 : numpy.ndarray
        :math:`\log\mathbb E\|\nabla f(x_t)\|^2`.
    log_min_grad2 : numpy.ndarray
        :math:`\log\min_{0\le s<t}\mathbb E\|\nabla f(x_s)\|^2` (``nan`` at :math:`t = 0`).
    log_dir2 : numpy.ndarray
        :math:`\log\max_{s \le t}\max_i\mathbb E\|d^{(i)}_s\|^2` (running sup of A2/A6).
    log_f_avg : numpy.ndarray or None
        :math:`\log(\mathbb E f(\bar x_t) - f_*)`, :math:`\bar x_t = \frac1t\sum_{s<t}x_s` (``nan`` at 0).
    log_dir2_total : float
        :math:`\log\sup_{0 \le s \le T}\max_i\mathbb E\|d^{(i)}_s\|^2` over the whole simulated horizon.
    """

    steps: NDArray[np.int64]
    log_f: FloatArray
    log_grad2: FloatArray
    log_min_grad2: FloatArray
    log_dir2: FloatArray
    log_f_avg: FloatArray | None
    log_dir2_total: float


def _log(x: float) -> float:
    return math.log(x) if x > 0.0 else -math.inf


def linear_sgd_moments(
    a_matrix: FloatArray,
    z0: FloatArray,
    preconditioners: FloatArray,
    lam: FloatArray,
    alphas: FloatArray,
    *,
    noise_scale: float = 0.0,
    noise: str = "gradient",
    record: Sequence[int] | NDArray[np.int64] | None = None,
    average: bool = False,
    second_moments: bool = True,
) -> MomentTrace:
    r"""Exact moments of :math:`x_{t+1} = x_t - \alpha_t\sum_i\lambda_i d^{(i)}_t` on :math:`f = \tfrac12 z^\top A z`.

    With :math:`z = x - x^*`, :math:`g = Az` and :math:`\xi_t \sim N(0, s^2 I)`
    shared by the bases (Alg. 1 line 4), the bases are

    * ``noise="gradient"`` (B-NOISY): :math:`d^{(i)} = P_i(g + \xi)`;
    * ``noise="additive"``: :math:`d^{(i)} = P_i g + \xi` (Theorem 5's :math:`d = c\nabla f + \xi`).

    The iterate is affine in the noise, so with :math:`\bar P = \sum_i\lambda_iP_i`,
    :math:`M_t = I - \alpha_t\bar PA` and :math:`N = \bar P` (resp. :math:`I`),

    .. math::

        m_{t+1} = M_t m_t, \qquad S_{t+1} = M_t S_t M_t^\top + \alpha_t^2 s^2 NN^\top,

        \mathbb E f = \tfrac12(m^\top Am + \operatorname{tr}AS), \quad
        \mathbb E\|\nabla f\|^2 = \|Am\|^2 + \operatorname{tr}(ASA), \quad
        \mathbb E\|d^{(i)}\|^2 = \|P_iAm\|^2 + \operatorname{tr}(P_iASAP_i) + s^2\operatorname{tr}(N_iN_i^\top),

    with :math:`N_i = P_i` (resp. :math:`I`). The averaged iterate
    :math:`\bar x_T = \frac1T\sum_{s<T}x_s` is tracked through the joint
    Gaussian state :math:`(z_t, \sum_{s<t}z_s)`. To follow unstable phases
    without overflow, :math:`(m, S)` are stored as :math:`e^{\ell}(\hat m\hat m^\top, \hat S)`
    with :math:`\hat{\cdot}` renormalised every step. When :math:`A` and all
    :math:`P_i` are diagonal in one orthonormal basis the recursion runs on
    vectors in that basis (exact, since the noise is isotropic).

    Parameters
    ----------
    a_matrix : numpy.ndarray
        Symmetric :math:`A`, ``(d, d)``.
    z0 : numpy.ndarray
        :math:`x_0 - x^*`, ``(d,)``.
    preconditioners : numpy.ndarray
        :math:`P_i`, ``(K, d, d)`` (symmetric).
    lam : numpy.ndarray
        Fixed mixture weights, ``(K,)``.
    alphas : numpy.ndarray
        Step sizes :math:`\alpha_0, \dots, \alpha_{T-1}`.
    noise_scale : float
        :math:`s \ge 0`.
    noise : {"gradient", "additive"}
        Where the noise enters.
    record : sequence of int, optional
        Steps :math:`0 \le t \le T` to record (default: all).
    average : bool
        Also track :math:`\mathbb E f(\bar x_t)`.
    second_moments : bool
        Evaluate the bases' second moments (``log_dir2``); only the
        vectorised diagonal path can skip them (``nan`` then).

    Returns
    -------
    MomentTrace
    """
    a = np.asarray(a_matrix, dtype=float)
    p = np.asarray(preconditioners, dtype=float)
    lam = np.asarray(lam, dtype=float)
    alphas = np.asarray(alphas, dtype=float)
    d, k, n_steps = a.shape[0], p.shape[0], alphas.size
    if noise not in ("gradient", "additive"):
        raise ValueError(f"noise must be 'gradient' or 'additive'; got {noise!r}")
    steps = np.arange(n_steps + 1) if record is None else np.unique(np.asarray(record, dtype=np.int64))
    if steps.size == 0 or steps[0] < 0 or steps[-1] > n_steps:
        raise ValueError(f"record must lie in [0, {n_steps}]")
    s2 = float(noise_scale) ** 2
    eig, q = np.linalg.eigh(a)
    eig = np.where(np.abs(eig) <= 1e-12 * max(float(np.max(np.abs(eig))), 1e-300), 0.0, eig)  # exact zeros
    p_rot = np.einsum("ji,kjl,lm->kim", q, p, q)
    off = p_rot - np.einsum("kii->ki", p_rot)[:, :, None] * np.eye(d)[None]
    diagonal = bool(np.max(np.abs(off), initial=0.0) <= 1e-13 * max(1.0, float(np.max(np.abs(p_rot)))))
    noise_trace = np.array([float(np.sum(pi * pi)) for pi in p]) if noise == "gradient" else np.full(k, float(d))
    noise_trace = s2 * noise_trace
    out = {name: np.full(steps.size, np.nan) for name in ("f", "g", "ming", "dir", "avg")}
    pbar = np.einsum("k,kij->ij", lam, p)
    pbar_eig = np.linalg.eigvalsh(pbar)
    if diagonal and not average and np.all(eig >= 0.0):
        _diagonal_closed_form(eig, q.T @ np.asarray(z0, float), np.einsum("kii->ki", p_rot), lam, alphas, s2, noise,
                              noise_trace, steps, out, need_dir=second_moments)
    elif diagonal:
        _diagonal_recursion(eig, q.T @ np.asarray(z0, float), np.einsum("kii->ki", p_rot), lam, alphas, s2, noise,
                            noise_trace, steps, average, out)
    elif pbar_eig[0] > 0.0 and _similarity_is_stable(a, pbar, alphas):
        _similarity_closed_form(a, np.asarray(z0, float), p, pbar, alphas, s2, noise, noise_trace, steps, out)
        if average:
            b, y0, q_noise = _similarity_coordinates(a, np.asarray(z0, float), pbar, s2, noise)
            avg_out = {name: np.full(steps.size, np.nan) for name in ("f", "g", "ming", "dir", "avg")}
            _diagonal_recursion(b, y0, np.ones((1, d)), np.ones(1), alphas, 1.0, "custom", np.ones(1), steps, True,
                                avg_out, noise_var=q_noise)
            out["avg"] = avg_out["avg"]
    else:
        _matrix_recursion(a, np.asarray(z0, float), p, lam, alphas, s2, noise, noise_trace, steps, average, out)
    total = out.pop("total")
    out.pop("avg_digits", None)
    return MomentTrace(steps, out["f"], out["g"], out["ming"], out["dir"], out["avg"] if average else None,
                       float(total))


def _noise_increment(alpha: float, s2: float, ell: float) -> tuple[float, float]:
    r"""Return ``(factor, ell_new)``: the state is rescaled by ``factor`` and the noise
    :math:`\alpha^2 s^2 NN^\top` enters as :math:`\alpha^2 s^2 e^{-\ell_{new}} NN^\top`.

    Re-bases the log scale on the noise when the noise dominates the state by
    more than :math:`e^{200}` (so that :math:`e^{-\ell}` cannot overflow).
    """
    if s2 <= 0.0 or alpha <= 0.0:
        return 1.0, ell
    log_noise = 2.0 * math.log(alpha) + math.log(s2)
    if log_noise > ell + 200.0:
        return math.exp(ell - log_noise), log_noise
    return 1.0, ell


def _diagonal_closed_form(eig: FloatArray, z0: FloatArray, p_diag: FloatArray, lam: FloatArray, alphas: FloatArray,
                          s2: float, noise: str, noise_trace: FloatArray, steps: NDArray[np.int64],
                          out: dict, chunk: int = 1 << 18, need_dir: bool = True) -> None:
    r"""Vectorised solution of the diagonal recursion (no averaged iterate, :math:`A \succeq 0`).

    Per coordinate, with :math:`C_t = \sum_{s<t}\log\rho_s^2`,

    .. math::

        \log m_t^2 = \log m_0^2 + C_t, \qquad
        \log v_t = C_t + \log\sum_{k<t} q_k e^{-C_{k+1}}
        \quad (q_k = \alpha_k^2 s^2 n^2),

    the sum by ``numpy.logaddexp.accumulate``, in chunks of ``chunk`` steps
    (the partial sums are carried over). An exact zero :math:`\rho_s = 0`
    (the step lands on the minimiser of that coordinate) is entered as
    :math:`\log\rho_s^2 = -10^5`, which annihilates everything before it
    exactly as :math:`\rho_s = 0` does (:math:`e^{-10^5} = 0` in float64).
    Without ``need_dir`` the second moments of the bases are not evaluated
    (``nan``), which halves the cost on long horizons.
    """
    pbar = lam @ p_diag
    n2 = pbar**2 if noise == "gradient" else np.ones_like(pbar)
    d = eig.size
    with np.errstate(divide="ignore"):
        log_z2 = np.log(z0 * z0)
        log_half_eig = np.log(0.5 * eig)
        log_eig2 = 2.0 * np.log(eig)
        per_base = np.log((p_diag**2) * (eig**2)[None, :])
        log_noise_trace = np.log(noise_trace)
        log_n2 = np.log(n2)
    cum_end = np.zeros(d)
    acc_end = np.full(d, -np.inf)
    running_min, running_max = math.inf, -math.inf
    n_steps = alphas.size
    for start in range(0, n_steps + 1, chunk):
        stop = min(start + chunk, n_steps + 1)  # states t = start .. stop - 1
        a_chunk = alphas[start:stop - 1] if stop - 1 > start else np.zeros(0)
        rho = 1.0 - a_chunk[:, None] * (pbar * eig)[None, :]
        with np.errstate(divide="ignore"):
            lr2 = np.where(rho == 0.0, -1e5, 2.0 * np.log(np.abs(rho)))
            cum = np.vstack([cum_end[None, :], cum_end[None, :] + np.cumsum(lr2, axis=0)])
            log_m2 = log_z2[None, :] + cum
            if s2 > 0.0:
                log_q = (np.log(a_chunk**2 * s2)[:, None] + log_n2[None, :]) - cum[1:]
                acc = np.logaddexp.accumulate(np.vstack([acc_end[None, :], log_q]), axis=0)
                log_second = np.logaddexp(log_m2, cum + acc)
                acc_end = acc[-1]
            else:
                log_second = log_m2
            sel = (steps >= start) & (steps < stop)
            idx = steps[sel] - start
            log_f = _logsumexp_rows(log_second[idx] + log_half_eig[None, :])
            log_g = _logsumexp_rows(log_second + log_eig2[None, :])
            if need_dir:
                log_dir = np.max(np.logaddexp(
                    np.stack([_logsumexp_rows(log_second + per_base[i][None, :]) for i in range(p_diag.shape[0])],
                             axis=1), log_noise_trace[None, :]), axis=1)
            else:
                log_dir = np.full(stop - start, np.nan)
        cum_end = cum[-1] + (np.where(1.0 - alphas[stop - 1] * pbar * eig == 0.0, -1e5,
                                      2.0 * np.log(np.abs(1.0 - alphas[stop - 1] * pbar * eig)))
                             if stop - 1 < n_steps else 0.0)
        if s2 > 0.0 and stop - 1 < n_steps:
            acc_end = np.logaddexp(acc_end, np.log(alphas[stop - 1] ** 2 * s2) + log_n2 - cum_end)
        before = np.concatenate([[running_min], np.minimum.accumulate(log_g)[:-1]])
        before = np.minimum(before, running_min)
        dir_max = np.maximum(np.maximum.accumulate(log_dir), running_max) if need_dir else log_dir
        out["f"][sel] = log_f
        out["g"][sel] = log_g[idx]
        out["ming"][sel] = np.where(steps[sel] > 0, before[idx], np.nan)
        out["dir"][sel] = dir_max[idx]
        running_min = min(running_min, float(np.min(log_g)))
        running_max = float(dir_max[-1])
    out["total"] = min(running_max, LOG_CAP) if need_dir else math.nan


def _logsumexp_rows(x: FloatArray) -> FloatArray:
    """Row-wise log-sum-exp that returns ``-inf`` for rows of ``-inf``."""
    top = np.max(x, axis=1)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.sum(np.exp(x - safe[:, None]), axis=1))


def _diagonal_recursion(eig: FloatArray, z0: FloatArray, p_diag: FloatArray, lam: FloatArray, alphas: FloatArray,
                        s2: float, noise: str, noise_trace: FloatArray, steps: NDArray[np.int64], average: bool,
                        out: dict, noise_var: FloatArray | None = None) -> None:
    r"""Scalar-loop form of :func:`linear_sgd_moments` in the common eigenbasis (with the averaged iterate).

    Every coordinate :math:`j` is independent and carries its own log scales:
    :math:`(m_j^2, v_j)` in units of :math:`e^{\ell_j}`, the running sum
    :math:`(\sum m_j)^2`, its variance in units of :math:`e^{\ell^s_j}` and
    the cross-covariance in units of :math:`e^{(\ell_j + \ell^s_j)/2}` (after
    an unstable phase one coordinate can exceed another by thousands of
    orders of magnitude, and the running sum can dominate the current
    iterate). Written with Python floats (faster than numpy for the few
    coordinates used here). If the float64 running sum cancels more than 5
    digits it is recomputed in ``mpmath`` (:func:`_average_multiprecision`).
    ``noise_var`` (with ``s2 = 1``) gives the per-coordinate noise variances
    directly (used in the coordinates of :func:`_similarity_coordinates`).
    """
    pbar = [float(v) for v in lam @ p_diag]
    if noise_var is not None:
        n2 = [float(v) for v in noise_var]
    else:
        n2 = [v * v for v in pbar] if noise == "gradient" else [1.0] * len(pbar)
    ev = [float(v) for v in eig]
    n_steps, d = alphas.size, eig.size
    alpha_list = [float(v) for v in alphas]
    coords = range(d)
    ell = [_log(float(z) ** 2) if z != 0 else 0.0 for z in z0]
    m = [1.0 if z > 0 else (-1.0 if z < 0 else 0.0) for z in z0]
    v = [0.0] * d
    ms, cxs, css = [0.0] * d, [0.0] * d, [0.0] * d
    ms_abs, css_abs = [0.0] * d, [0.0] * d
    ell_s = list(ell)
    worst_cancellation = 1.0
    log_second = np.empty((n_steps + 1, d))
    recorded = {int(t): i for i, t in enumerate(steps)} if average else {}
    for t in range(n_steps + 1):
        log_second[t] = [ell[j] + _log(m[j] * m[j] + v[j]) for j in coords]
        if t in recorded and t > 0:
            terms = [ell_s[j] + _log(0.5 * ev[j] * ((ms[j] / t) ** 2 + css[j] / (t * t))) if ev[j] > 0 else -math.inf
                     for j in coords]
            top = max(terms)
            out["avg"][recorded[t]] = top + math.log(sum(math.exp(x - top) for x in terms)) if top > -math.inf \
                else -math.inf
            for j in coords:
                if ms_abs[j] > 0.0:
                    worst_cancellation = min(worst_cancellation, abs(ms[j]) / ms_abs[j])
                if css_abs[j] > 0.0:
                    worst_cancellation = min(worst_cancellation, css[j] / css_abs[j])
        if t == n_steps:
            break
        alpha = alpha_list[t]
        for j in coords:
            rho = 1.0 - alpha * pbar[j] * ev[j]
            noise_j = alpha * alpha * s2 * n2[j]
            if noise_j > 0.0 and math.log(noise_j) > ell[j] + 200.0:
                factor = math.exp(ell[j] - math.log(noise_j))
                root = math.sqrt(factor)
                m[j], v[j], cxs[j] = m[j] * root, v[j] * factor, cxs[j] * root
                ell[j] = math.log(noise_j)
            if average:
                empty = ms[j] == 0.0 and css[j] == 0.0 and cxs[j] == 0.0
                if empty or ell[j] > ell_s[j] + 200.0:
                    shrink = 0.0 if empty else math.exp(ell_s[j] - ell[j])
                    root = math.sqrt(shrink)
                    ms[j], cxs[j], css[j] = ms[j] * root, cxs[j] * root, css[j] * shrink
                    ms_abs[j], css_abs[j] = ms_abs[j] * root, css_abs[j] * shrink
                    ell_s[j] = ell[j]
                r = math.exp(0.5 * (ell[j] - ell_s[j]))
                ms_abs[j] += r * abs(m[j])
                css_abs[j] += 2.0 * r * abs(cxs[j]) + r * r * v[j]
                css[j] += 2.0 * r * cxs[j] + r * r * v[j]
                cxs[j] = rho * (cxs[j] + r * v[j])
                ms[j] += r * m[j]
            m[j] = rho * m[j]
            v[j] = rho * rho * v[j] + (noise_j * math.exp(-ell[j]) if noise_j > 0.0 else 0.0)
            norm = max(m[j] * m[j], v[j])
            if norm > 0.0 and not (1e-100 < norm < 1e100):
                ell[j] += math.log(norm)
                root = math.sqrt(norm)
                m[j], v[j], cxs[j] = m[j] / root, v[j] / norm, cxs[j] / root
            if average:
                norm_s = max(ms[j] * ms[j], css[j])
                if norm_s > 0.0 and not (1e-100 < norm_s < 1e100):
                    ell_s[j] += math.log(norm_s)
                    root = math.sqrt(norm_s)
                    ms[j], cxs[j], css[j] = ms[j] / root, cxs[j] / root, css[j] / norm_s
                    ms_abs[j], css_abs[j] = ms_abs[j] / root, css_abs[j] / norm_s
    if average and worst_cancellation < 1e-5:
        spread = float(np.max(log_second[np.isfinite(log_second)]) - np.min(log_second[np.isfinite(log_second)]))
        digits = 30 + int(spread / 2.0 / math.log(10.0))
        out["avg"][:] = _average_multiprecision(eig, z0, pbar, n2, alphas, s2, steps, min(digits, 3000))
        out["avg_digits"] = digits
    with np.errstate(divide="ignore", invalid="ignore"):
        log_f = _logsumexp_rows(log_second + np.log(0.5 * eig)[None, :])
        log_g = _logsumexp_rows(log_second + 2.0 * np.log(np.abs(eig))[None, :])
        per_base = np.log((p_diag**2) * (eig**2)[None, :])
        log_dir = np.max(np.logaddexp(
            np.stack([_logsumexp_rows(log_second + per_base[i][None, :]) for i in range(p_diag.shape[0])], axis=1),
            np.log(noise_trace)[None, :]), axis=1)
    _fill(out, steps, log_f, log_g, log_dir)


def _average_multiprecision(eig: FloatArray, z0: FloatArray, pbar: list[float], n2: list[float], alphas: FloatArray,
                            s2: float, steps: NDArray[np.int64], digits: int) -> FloatArray:
    r""":math:`\log\mathbb E f(\bar x_t)` at the recorded steps in ``mpmath`` with ``digits`` significant digits.

    The same recursion as :func:`_diagonal_recursion` (mean and covariance of
    the running sum) without rescaling; used when the float64 running sum has
    cancelled (an unstable phase makes :math:`z_t` alternate in sign with
    large amplitude, and :math:`\sum_t z_t` is a small difference of huge terms).
    """
    import mpmath

    ctx = mpmath.mp.clone()
    ctx.dps = digits
    d = eig.size
    ev = [ctx.mpf(float(x)) for x in eig]
    pb = [ctx.mpf(x) for x in pbar]
    nn = [ctx.mpf(x) for x in n2]
    noise = ctx.mpf(s2)
    m = [ctx.mpf(float(x)) for x in z0]
    v = [ctx.mpf(0)] * d
    ms, cxs, css = [ctx.mpf(0)] * d, [ctx.mpf(0)] * d, [ctx.mpf(0)] * d
    recorded = {int(t): i for i, t in enumerate(steps)}
    result = np.full(steps.size, np.nan)
    coords = range(d)
    for t in range(alphas.size + 1):
        if t in recorded and t > 0:
            value = sum(ev[j] * ((ms[j] / t) ** 2 + css[j] / (t * t)) for j in coords) / 2
            result[recorded[t]] = float(ctx.log(value)) if value > 0 else -math.inf
        if t == alphas.size:
            break
        alpha = ctx.mpf(float(alphas[t]))
        rho = [1 - alpha * pb[j] * ev[j] for j in coords]
        css = [css[j] + 2 * cxs[j] + v[j] for j in coords]
        cxs = [rho[j] * (cxs[j] + v[j]) for j in coords]
        ms = [ms[j] + m[j] for j in coords]
        m = [rho[j] * m[j] for j in coords]
        v = [rho[j] ** 2 * v[j] + alpha**2 * noise * nn[j] for j in coords]
    return result


def _similarity_coordinates(a: FloatArray, z0: FloatArray, pbar: FloatArray, s2: float,
                            noise: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""Coordinates in which the recursion is diagonal for a non-commuting SPD :math:`\bar P`.

    With :math:`R = \bar P^{1/2}` and :math:`RAR = U\mathrm{diag}(b)U^\top`,
    :math:`z = RUy` gives :math:`y_{t+1} = (I - \alpha_t\mathrm{diag}(b))y_t - \alpha_tU^\top R^{-1}N\xi_t`
    and :math:`f = \tfrac12\sum_jb_jy_j^2`. Returns :math:`b`, :math:`y_0` and
    the diagonal of the noise covariance :math:`s^2U^\top R^{-1}NN^\top R^{-1}U`
    (the diagonal entries form a closed system for :math:`\mathbb E f` and
    :math:`\mathbb E f(\bar x)`).
    """
    w, v = np.linalg.eigh(pbar)
    root = (v * np.sqrt(w)) @ v.T
    inv_root = (v / np.sqrt(w)) @ v.T
    b, u = np.linalg.eigh(root @ a @ root)
    b = np.where(np.abs(b) <= 1e-12 * max(float(np.max(np.abs(b))), 1e-300), 0.0, b)  # exact zeros
    to_y = u.T @ inv_root
    n = pbar if noise == "gradient" else np.eye(a.shape[0])
    q_full = s2 * to_y @ n @ n.T @ to_y.T
    return b, to_y @ z0, np.diag(q_full).copy()


def _similarity_is_stable(a: FloatArray, pbar: FloatArray, alphas: FloatArray) -> bool:
    r"""Whether :math:`1 - \alpha_t b_j \ge 0` for all steps and modes (no sign alternation)."""
    w, v = np.linalg.eigh(pbar)
    if w[0] <= 0.0:
        return False
    root = (v * np.sqrt(w)) @ v.T
    b = np.linalg.eigvalsh(root @ a @ root)
    return bool(alphas.size == 0 or float(np.max(alphas)) * float(np.max(b)) <= 1.0)


def _similarity_closed_form(a: FloatArray, z0: FloatArray, p: FloatArray, pbar: FloatArray, alphas: FloatArray,
                            s2: float, noise: str, noise_trace: FloatArray, steps: NDArray[np.int64], out: dict,
                            chunk: int = 1 << 16) -> None:
    r"""Vectorised moments for non-commuting SPD bases with stable steps (:math:`0 \le 1 - \alpha_tb_j`).

    In the coordinates of :func:`_similarity_coordinates` (full noise
    covariance :math:`Q`), with :math:`C_j(t) = \sum_{s<t}\log(1 - \alpha_sb_j)`,

    .. math::

        \mathbb E[y_jy_k](t) = y_{0j}y_{0k}e^{C_j + C_k}
        + Q_{jk}e^{C_j(t) + C_k(t)}\sum_{s<t}\alpha_s^2e^{-C_j(s+1) - C_k(s+1)},

    every term of the sum having the sign of :math:`Q_{jk}` (no sign
    alternation in the stable range). Then :math:`\mathbb E f = \tfrac12\sum_jb_j\mathbb E y_j^2`,
    :math:`\mathbb E\|\nabla f\|^2 = \langle W, \mathbb E[yy^\top]\rangle` with
    :math:`W = T^\top A^2T`, :math:`\mathbb E\|P_iAz\|^2 = \langle V_i, \mathbb E[yy^\top]\rangle`
    with :math:`V_i = T^\top AP_i^2AT`, :math:`T = RU`; the signed sums are
    evaluated relative to their largest term (:class:`NumericalFailure` if they
    cancel to less than :math:`10^{-12}` of it).
    """
    d = a.shape[0]
    w, v = np.linalg.eigh(pbar)
    root = (v * np.sqrt(w)) @ v.T
    inv_root = (v / np.sqrt(w)) @ v.T
    b, u = np.linalg.eigh(root @ a @ root)
    b = np.where(np.abs(b) <= 1e-12 * max(float(np.max(np.abs(b))), 1e-300), 0.0, b)  # exact zeros
    to_z = root @ u
    to_y = u.T @ inv_root
    y0 = to_y @ z0
    n = pbar if noise == "gradient" else np.eye(d)
    q_full = s2 * to_y @ n @ n.T @ to_y.T
    w_grad = to_z.T @ a @ a @ to_z
    v_base = np.einsum("ji,kjl,lm->kim", to_z, np.einsum("ij,kjl,lm->kim", a, np.einsum("kij,kjl->kil", p, p), a),
                       to_z)
    jj, kk = np.triu_indices(d)
    mult = np.where(jj == kk, 1.0, 2.0)
    with np.errstate(divide="ignore"):
        log_mean0 = np.log(np.abs(y0[jj] * y0[kk]))
        sign_mean = np.sign(y0[jj] * y0[kk])
        log_q = np.log(np.abs(q_full[jj, kk]))
        sign_q = np.sign(q_full[jj, kk])
    cum_end = np.zeros(d)
    acc_end = np.full(jj.size, -np.inf)
    running_min, running_max = math.inf, -math.inf
    n_steps = alphas.size
    for start in range(0, n_steps + 1, chunk):
        stop = min(start + chunk, n_steps + 1)
        a_chunk = alphas[start:stop - 1] if stop - 1 > start else np.zeros(0)
        with np.errstate(divide="ignore"):
            lr = np.log(np.maximum(1.0 - a_chunk[:, None] * b[None, :], 0.0))
            lr = np.where(np.isfinite(lr), lr, -1e5)
            cum = np.vstack([cum_end[None, :], cum_end[None, :] + np.cumsum(lr, axis=0)])
            pair = cum[:, jj] + cum[:, kk]
            log_mean = log_mean0[None, :] + pair
            if s2 > 0.0:
                terms = 2.0 * np.log(np.maximum(a_chunk, 1e-300))[:, None] - pair[1:]
                acc = np.logaddexp.accumulate(np.vstack([acc_end[None, :], terms]), axis=0)
                log_noise = log_q[None, :] + pair + acc
                acc_end = acc[-1]
            else:
                log_noise = np.full_like(pair, -np.inf)
        top = np.maximum(np.max(log_mean, axis=1), np.max(log_noise, axis=1))
        top = np.where(np.isfinite(top), top, 0.0)
        second = (sign_mean[None, :] * np.exp(log_mean - top[:, None])
                  + sign_q[None, :] * np.exp(log_noise - top[:, None])) * mult[None, :]
        absolute = (np.exp(log_mean - top[:, None]) + np.exp(log_noise - top[:, None])) * mult[None, :]
        grad = second @ w_grad[jj, kk]
        grad_abs = absolute @ np.abs(w_grad[jj, kk])
        if np.any(grad < 1e-12 * grad_abs):
            raise NumericalFailure("E||grad f||^2 cancels in the similarity coordinates (ill-conditioned bases)")
        diag = jj == kk
        f_val = second[:, diag] @ (0.5 * b)
        log_g = top + np.log(grad)
        per_base = second @ v_base[:, jj, kk].T
        with np.errstate(divide="ignore"):
            log_dir = np.max(np.logaddexp(top[:, None] + np.log(np.maximum(per_base, 0.0)),
                                          np.log(noise_trace)[None, :]), axis=1)
            log_f = top + np.log(f_val)
        if stop - 1 < n_steps:
            step_lr = np.log(np.maximum(1.0 - alphas[stop - 1] * b, 0.0))
            step_lr = np.where(np.isfinite(step_lr), step_lr, -1e5)
            cum_end = cum[-1] + step_lr
            if s2 > 0.0:
                acc_end = np.logaddexp(acc_end, 2.0 * math.log(alphas[stop - 1]) - (cum_end[jj] + cum_end[kk]))
        before = np.minimum(np.concatenate([[running_min], np.minimum.accumulate(log_g)[:-1]]), running_min)
        dir_max = np.maximum(np.maximum.accumulate(log_dir), running_max)
        sel = (steps >= start) & (steps < stop)
        idx = steps[sel] - start
        out["f"][sel] = log_f[idx]
        out["g"][sel] = log_g[idx]
        out["ming"][sel] = np.where(steps[sel] > 0, before[idx], np.nan)
        out["dir"][sel] = dir_max[idx]
        running_min = min(running_min, float(np.min(log_g)))
        running_max = float(dir_max[-1])
    out["total"] = min(running_max, LOG_CAP)


def _fill(out: dict, steps: NDArray[np.int64], log_f: FloatArray, log_g: FloatArray, log_dir: FloatArray) -> None:
    """Recorded values from per-step logs: running min of the gradient term before t, running max of A6."""
    running_min = np.concatenate([[np.nan], np.minimum.accumulate(log_g)[:-1]])
    running_max = np.maximum.accumulate(log_dir)
    out["f"][:] = log_f[steps]
    out["g"][:] = log_g[steps]
    out["ming"][:] = running_min[steps]
    out["dir"][:] = running_max[steps]
    out["total"] = min(float(running_max[-1]), LOG_CAP)


def _matrix_recursion(a: FloatArray, z0: FloatArray, p: FloatArray, lam: FloatArray, alphas: FloatArray, s2: float,
                      noise: str, noise_trace: FloatArray, steps: NDArray[np.int64], average: bool,
                      out: dict) -> None:
    """Matrix form of :func:`linear_sgd_moments` (preconditioners not commuting with :math:`A`)."""
    d = a.shape[0]
    n_steps = alphas.size
    pbar = np.einsum("k,kij->ij", lam, p)
    nn = pbar @ pbar.T if noise == "gradient" else np.eye(d)
    pbar_a = pbar @ a
    scale = float(z0 @ z0)
    ell = _log(scale) if scale > 0 else 0.0
    m = z0 / math.sqrt(scale) if scale > 0 else z0.copy()
    cov = np.zeros((d, d))
    second = np.empty((n_steps + 1, d, d))
    ells = np.empty(n_steps + 1)
    recorded = set(int(t) for t in steps) if average else set()
    ell_s = ell
    ms, cxs, css = np.zeros(d), np.zeros((d, d)), np.zeros((d, d))
    eye = np.eye(d)
    for t in range(n_steps + 1):
        second[t] = np.outer(m, m) + cov
        ells[t] = ell
        if average and t in recorded and t > 0:
            mean_avg = ms / t
            out["avg"][int(np.searchsorted(steps, t))] = ell_s + _log(
                0.5 * float(mean_avg @ a @ mean_avg + np.sum(a * css) / (t * t)))
        if t == n_steps:
            break
        alpha = float(alphas[t])
        mt = eye - alpha * pbar_a
        factor, ell = _noise_increment(alpha, s2, ell)
        if factor != 1.0:
            m, cov, cxs = m * math.sqrt(factor), cov * factor, cxs * math.sqrt(factor)
        if average:
            empty = not (np.any(ms) or np.any(css) or np.any(cxs))
            if empty or ell > ell_s + 200.0:
                shrink = 0.0 if empty else math.exp(ell_s - ell)
                ms, cxs, css = ms * math.sqrt(shrink), cxs * math.sqrt(shrink), css * shrink
                ell_s = ell
            r = math.exp(0.5 * (ell - ell_s))
            # Cov(x_{t+1}, S_{t+1}) = M (C_xs + C_xx); Cov(S_{t+1}) = C_ss + C_xs + C_xs^T + C_xx
            css = css + r * (cxs + cxs.T) + r * r * cov
            cxs = mt @ (cxs + r * cov)
            ms = ms + r * m
        m = mt @ m
        cov = mt @ cov @ mt.T
        if s2 > 0.0:
            cov = cov + (alpha * alpha * s2 * math.exp(-ell)) * nn
        norm = max(float(m @ m), float(np.trace(cov)))
        if norm > 0.0 and not (1e-100 < norm < 1e100):
            ell += math.log(norm)
            m, cov = m / math.sqrt(norm), cov / norm
            if average:
                cxs = cxs / math.sqrt(norm)
        if average:
            norm_s = max(float(ms @ ms), float(np.trace(css)))
            if norm_s > 0.0 and not (1e-100 < norm_s < 1e100):
                ell_s += math.log(norm_s)
                ms, cxs, css = ms / math.sqrt(norm_s), cxs / math.sqrt(norm_s), css / norm_s
    pa = np.einsum("kij,jl->kil", p, a)
    with np.errstate(divide="ignore"):
        log_f = ells + np.log(0.5 * np.einsum("ij,tji->t", a, second))
        log_g = ells + np.log(np.einsum("ij,tjk,ki->t", a, second, a))
        per_base = np.einsum("kij,tjl,kil->tk", pa, second, pa)
        log_dir = np.max(np.logaddexp(np.log(np.maximum(per_base, 0.0)) + ells[:, None],
                                      np.log(noise_trace)[None, :]), axis=1)
    _fill(out, steps, log_f, log_g, log_dir)


# --------------------------------------------------------------------------- Monte Carlo for other objectives


@dataclass(frozen=True)
class MonteCarloTrace:
    r"""Monte Carlo means over independent runs at recorded steps.

    ``f_gap`` and ``grad2`` are means of :math:`f(x_t) - f_*` (at the
    recorded steps) and :math:`\|\nabla f(x_t)\|^2` (at every step); ``*_sem``
    their standard errors at the recorded steps;
    ``f_avg_gap`` the mean of :math:`f(\bar x_t) - f_*`; ``dir2`` the running
    maximum over steps of :math:`\max_i` of the mean of :math:`\|d^{(i)}_t\|^2`.
    """

    steps: NDArray[np.int64]
    f_gap: FloatArray
    f_gap_sem: FloatArray
    grad2: FloatArray
    grad2_sem: FloatArray
    f_avg_gap: FloatArray
    dir2: FloatArray
    finite: bool


def mixture_sgd_monte_carlo(
    problem: Problem,
    preconditioners: FloatArray,
    lam: FloatArray,
    x0: FloatArray,
    alphas: FloatArray,
    *,
    noise_scale: float,
    n_runs: int,
    seed: int,
    record: Sequence[int] | NDArray[np.int64],
    second_moments: bool = False,
) -> MonteCarloTrace:
    r"""Mixture SGD :math:`x_{t+1} = x_t - \alpha_t\bar P(\nabla f(x_t) + \xi_t)` over ``n_runs`` runs (B-NOISY).

    ``f_gap`` is ``nan`` when :math:`f_*` is unknown. The same recursion as
    :func:`theorylab.flows.mixture_sgd` with fixed weights, written out here
    because the checks need per-run values (for standard errors), the mean
    :math:`\|\nabla f\|^2` at every step (for running minima) and, with
    ``second_moments``, per-base second moments, which the engine's trace
    does not return. ``grad2`` is recorded at every step :math:`0..T`; the
    other fields at ``record``. The generator is
    ``numpy.random.default_rng([seed, n_runs])``.
    """
    f_star = problem.f_star if problem.f_star is not None and math.isfinite(problem.f_star) else math.nan
    p = np.asarray(preconditioners, float)
    pbar = np.einsum("k,kij->ij", np.asarray(lam, float), p)
    steps = np.unique(np.asarray(record, dtype=np.int64))
    d = problem.dim
    x = np.broadcast_to(np.asarray(x0, float), (n_runs, d)).copy()
    rng = np.random.default_rng([seed, n_runs])
    total = np.zeros((n_runs, d))
    n_steps = alphas.size
    grad2 = np.empty(n_steps + 1)
    rows = {name: np.full(steps.size, np.nan) for name in ("f", "fs", "gs", "avg", "dir")}
    running_dir = -math.inf
    recorded = {int(t): i for i, t in enumerate(steps)}
    s = float(noise_scale)
    sqrt_runs = math.sqrt(n_runs)
    with np.errstate(all="ignore"):
        for t in range(n_steps + 1):
            grad = problem._grad(x)
            g2 = np.einsum("nd,nd->n", grad, grad)
            grad2[t] = g2.mean()
            noisy = grad + s * rng.standard_normal((n_runs, d)) if s > 0 else grad
            if second_moments:
                directions = np.einsum("kij,nj->nki", p, noisy)
                running_dir = max(running_dir, float(np.max(np.mean(np.sum(directions**2, axis=2), axis=0))))
            j = recorded.get(t)
            if j is not None:
                gap = problem._value(x) - f_star
                rows["f"][j] = gap.mean()
                rows["fs"][j] = gap.std(ddof=1) / sqrt_runs if n_runs > 1 else 0.0
                rows["gs"][j] = g2.std(ddof=1) / sqrt_runs if n_runs > 1 else 0.0
                if t > 0:
                    rows["avg"][j] = float(np.mean(problem._value(total / t) - f_star))
                rows["dir"][j] = running_dir
            if t == n_steps:
                break
            total += x
            x = x - alphas[t] * (noisy @ pbar.T)
    finite = bool(np.all(np.isfinite(x)) and np.all(np.isfinite(grad2)))
    return MonteCarloTrace(steps, rows["f"], rows["fs"], grad2, rows["gs"], rows["avg"], rows["dir"], finite)


# --------------------------------------------------------------------------- random matrices


def rotation(rng: np.random.Generator, d: int) -> FloatArray:
    """Haar-random orthogonal matrix (sign-fixed QR)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def spd_from_rng(rng: np.random.Generator, d: int, low: float, high: float) -> FloatArray:
    """SPD matrix with log-uniform eigenvalues in ``[low, high]`` and a Haar eigenbasis, exactly symmetric."""
    q = rotation(rng, d)
    eig = np.exp(rng.uniform(math.log(low), math.log(high), size=d))
    out = (q * eig) @ q.T
    return 0.5 * (out + out.T)


# --------------------------------------------------------------------------- rate instances


#: Objective families of the rate searches (catalogue F-*), by convexity class.
NONCONVEX_FAMILIES = ("quad", "plnc", "ph", "sp", "booth", "griewank")
CONVEX_FAMILIES = ("quad", "quad-singular", "ph", "log")


@dataclass(frozen=True)
class RateInstance:
    r"""One fixed-mixture SGD instance of a rate search.

    ``a_matrix`` is set for quadratics (exact moments); otherwise the
    objective is simulated by Monte Carlo (deterministically when
    ``noise_scale == 0``). ``stable_step`` is :math:`1/(L\|\bar P\|_2)`.
    """

    family: str
    problem: Problem
    a_matrix: FloatArray | None
    preconditioners: FloatArray
    lam: FloatArray
    x0: FloatArray
    alpha0: float
    noise_scale: float
    bases: str
    stable_step: float
    redraws: int = 0
    t_max: int = 10_000

    def describe(self) -> dict:
        return {
            "family": self.family, "problem": self.problem.name, "bases": self.bases, "d": self.problem.dim,
            "K": int(self.lam.size), "alpha0": self.alpha0, "noise_scale": self.noise_scale,
            "lam": self.lam.tolist(), "x0": self.x0.tolist(),
            "alignment_constants": np.linalg.eigvalsh(self.preconditioners)[:, 0].tolist(), "t_max": self.t_max,
            "hypotheses": self.problem.hypotheses.as_dict(),
        }


def _softplus_bounded_below(rng: np.random.Generator, d: int) -> Problem:
    """A nonconvex, bounded-below F-SP objective (rejection on the engine's exact boundedness test)."""
    from theorylab.problems import softplus_sum

    for _ in range(200):
        m = int(rng.integers(d + 2, d + 5))
        w = rng.standard_normal((m, d))
        a = rng.uniform(0.5, 2.0, size=m)
        a[0] = -rng.uniform(0.1, 0.5)
        problem = softplus_sum(a, w)
        if problem.hypotheses.bounded_below and problem.hypotheses.convex is False:
            return problem
    raise NumericalFailure("no bounded-below nonconvex softplus sum found in 200 draws")


def make_problem(family: str, rng: np.random.Generator, d: int) -> tuple[Problem, FloatArray | None]:
    """The objective of a family (and its Hessian for quadratics), drawn with ``rng``."""
    from theorylab import problems as pr

    if family == "quad":
        a = spd_from_rng(rng, d, 1e-2, 1e2)
        return pr.quadratic(a), a
    if family == "quad-singular":
        eig = np.exp(rng.uniform(math.log(1e-2), math.log(1e2), size=d))
        if d > 1:
            eig[: int(rng.integers(1, d))] = 0.0
        q = rotation(rng, d)
        a = (q * eig) @ q.T
        a = 0.5 * (a + a.T)
        return pr.quadratic(a), a
    if family == "plnc":
        return pr.pl_nonconvex(d), None
    if family == "ph":
        return pr.pseudo_huber(math.exp(rng.uniform(math.log(0.1), math.log(100.0))),
                               math.exp(rng.uniform(math.log(0.1), math.log(100.0))), d), None
    if family == "log":
        return pr.logistic(rng.standard_normal(d) * math.exp(rng.uniform(math.log(0.3), math.log(3.0)))), None
    if family == "sp":
        return _softplus_bounded_below(rng, d), None
    if family == "booth":
        return pr.booth(), np.array([[10.0, 8.0], [8.0, 10.0]])  # a quadratic: exact moments
    if family == "griewank":
        return pr.griewank(), None
    raise ValueError(f"unknown family {family!r}")


def make_preconditioners(kind: str, rng: np.random.Generator, k: int, d: int) -> FloatArray:
    """B-SCALED (:math:`c_iI`, :math:`c_i` log-uniform in [0.05, 5]) or B-SPD (eigenvalues in [0.05, 5])."""
    if kind == "scaled":
        c = np.exp(rng.uniform(math.log(0.05), math.log(5.0), size=k))
        return c[:, None, None] * np.eye(d)[None]
    if kind == "spd":
        return np.stack([spd_from_rng(rng, d, 0.05, 5.0) for _ in range(k)])
    raise ValueError(f"unknown bases kind {kind!r}")


def transient_time(problem: Problem, pbar: FloatArray, x0: FloatArray, a_matrix: FloatArray | None = None,
                   t_cap: float = 1e6, algebraic: bool = True) -> float:
    r"""Time :math:`\tau^*` the deterministic flow :math:`\dot x = -\bar P\nabla f(x)` needs to leave its transient.

    * Quadratics: :math:`\tau^* = 3/r_{\min}`, :math:`r_{\min}` the smallest
      positive eigenvalue of :math:`\bar P^{1/2}A\bar P^{1/2}` (the slowest
      mode has lost 3 e-folds, 6 in :math:`f` and :math:`\|\nabla f\|^2`).
    * Otherwise the flow is integrated (``solve_ivp`` LSODA, rtol
      :math:`10^{-8}`) until :math:`\|\nabla f\|^2 \le 10^{-16}\|\nabla f(x_0)\|^2`;
      :math:`\tau^* = \tau_6 + 3/r_{\min}` with :math:`\tau_6` the time at which
      :math:`\|\nabla f\|^2` has dropped by :math:`e^{-6}` and :math:`r_{\min}` from
      the Hessian at the end point (``inf`` if it is degenerate). If the flow
      has no limit by ``t_cap`` (e.g. F-LOG, no minimiser), :math:`\tau^*` is
      the time at which :math:`f - f_* \le e^{-3}(f(x_0) - f_*)` (the
      algebraic regime; only with ``algebraic``), ``inf`` if not reached.
    """
    from scipy.integrate import solve_ivp

    w, v = np.linalg.eigh(pbar)
    root = (v * np.sqrt(np.maximum(w, 0.0))) @ v.T

    def slowest(hessian: FloatArray) -> float:
        b = np.linalg.eigvalsh(root @ hessian @ root)
        positive = b[b > 1e-12 * max(float(np.max(np.abs(b))), 1e-300)]
        if np.any(b < -1e-12 * max(float(np.max(np.abs(b))), 1e-300)) or positive.size == 0:
            return 0.0
        return float(positive[0])

    if a_matrix is not None:
        r_min = slowest(a_matrix)
        return 3.0 / r_min if r_min > 0 else math.inf
    x0 = np.asarray(x0, float)
    g0 = problem._grad(x0[None, :])[0]
    g0_sq = float(g0 @ g0)
    if g0_sq == 0.0:
        return 0.0

    def rhs(t: float, x: FloatArray) -> FloatArray:
        return -pbar @ problem._grad(x[None, :])[0]

    def grad_sq(x: FloatArray) -> float:
        g = problem._grad(x[None, :])[0]
        return float(g @ g)

    def six_folds(t: float, x: FloatArray) -> float:
        return grad_sq(x) - g0_sq * math.exp(-6.0)

    def converged(t: float, x: FloatArray) -> float:
        return grad_sq(x) - g0_sq * 1e-16

    converged.terminal = True  # type: ignore[attr-defined]
    events: list = [six_folds, converged]
    gap0 = None
    if problem.f_star is not None and math.isfinite(problem.f_star):
        gap0 = float(problem._value(x0[None, :])[0]) - problem.f_star

        def algebraic(t: float, x: FloatArray) -> float:
            return float(problem._value(x[None, :])[0]) - problem.f_star - math.exp(-3.0) * gap0

        events.append(algebraic)
    with np.errstate(all="ignore"):
        sol = solve_ivp(rhs, (0.0, t_cap), x0, method="LSODA", rtol=1e-8, atol=1e-12, events=events)
    if sol.status == 1 and sol.t_events[1].size:
        tau6 = float(sol.t_events[0][0]) if sol.t_events[0].size else float(sol.t_events[1][0])
        r_min = slowest(problem._hess(sol.y_events[1][0][None, :])[0])
        return tau6 + 3.0 / r_min if r_min > 0 else math.inf
    if algebraic and gap0 is not None and len(sol.t_events) > 2 and sol.t_events[2].size:
        return float(sol.t_events[2][0])
    return math.inf


#: Horizon caps (quick, full) of the rate searches: vectorised closed forms, and step-by-step loops (Monte
#: Carlo, averaged iterates).
HORIZON_CAPS = {"closed": (30_000, 1_000_000), "loop": (10_000, 100_000), "mc": (3_000, 20_000)}
#: Base horizons (quick, full).
HORIZON_BASE = {"closed": (10_000, 100_000), "loop": (2_000, 20_000), "mc": (1_000, 20_000)}


def rate_instances(families: Sequence[str], *, budget: str, average: bool = False,
                   alpha0_range: tuple[float, float] = (1e-3, 1.0), noise: bool = True, max_dim: int = 4,
                   max_k: int = 4):
    r"""Hypothesis strategy of :class:`RateInstance` for the fixed-mixture rate searches.

    Family, dimension, number of bases, bases kind (B-SCALED or B-SPD),
    whether there is gradient noise (B-NOISY, :math:`s \in [0.01, 1]`, or
    :math:`s = 0`), the weights (Dirichlet, with vertices) and the position
    :math:`u` of :math:`\alpha_0` in its range are drawn by hypothesis; the
    matrices and the objective's parameters come from a drawn seed.

    * Upper end: stable steps :math:`\alpha_0L\|\bar P\| \le 1`, except for
      commuting bases on quadratics without averaging (exact per coordinate
      in float64 through a growth phase), where :math:`\alpha_0` may reach
      :math:`10/(L\|\bar P\|)` (the large-step edge).
    * Horizon: a rate statement is asymptotic, and a fit window inside the
      transient gives no evidence either way. The window (last two decades)
      starts at :math:`T_w` with :math:`\sum_{t<T_w}\alpha_t \approx 2\alpha_0\sqrt{T_w} \ge \tau^*`
      (:func:`transient_time`), so :math:`T_{\max} = \max(T_{\rm base}, 100(\tau^*/2\alpha_0)^2)`,
      capped by :data:`HORIZON_CAPS` (closed forms, deterministic loops, Monte
      Carlo); :math:`\alpha_0` is log-uniform in
      :math:`[\max(10^{-3}, \tau^*/2\sqrt{T_{\rm cap}/100}), \text{upper end}]`.
    * If that range is empty the objective and bases are redrawn from the
      next seed (up to 8 times; the count is kept in ``redraws`` and counted
      by the searches): the search is conditioned on instances whose
      asymptotic regime the budget reaches. If all redraws fail the strategy
      gives ``None`` and the searches discard the example (counted).
    """
    from hypothesis import strategies as st

    from theorylab.testing.strategies import log_uniform, simplex_points

    tier = 0 if budget == "quick" else 1

    @st.composite
    def build(draw: st.DrawFn) -> RateInstance:
        family = draw(st.sampled_from(tuple(families)))
        d = 2 if family in ("booth", "griewank") else draw(st.integers(1, max_dim))
        k = draw(st.integers(1, max_k))
        bases = draw(st.sampled_from(("scaled", "spd"))) if d > 1 else "scaled"
        seed = draw(st.integers(0, 2**31 - 1))
        s = draw(st.sampled_from((0.0, 1.0))) * draw(log_uniform(1e-2, 1.0)) if noise else 0.0
        u = draw(st.floats(0.0, 1.0))
        lam = draw(simplex_points(k, allow_zeros=True)) if k > 1 else np.ones(1)
        for redraw in range(8):
            rng = np.random.default_rng([seed, redraw])
            problem, a = make_problem(family, rng, d)
            p = make_preconditioners(bases, rng, k, d)
            x0 = rng.uniform(-5.0, 5.0, size=d)
            if problem.x_star is not None and family == "booth":
                x0 = x0 + problem.x_star
            pbar = np.einsum("k,kij->ij", lam, p)
            norm_p = float(np.max(np.abs(np.linalg.eigvalsh(pbar))))
            stable = 1.0 / (float(problem.L) * norm_p)
            commuting = a is not None and bases == "scaled"
            path = "closed" if a is not None and not average else ("mc" if a is None and s > 0 else "loop")
            top = min(alpha0_range[1], stable * (10.0 if commuting and not average else 1.0))
            tau = transient_time(problem, pbar, x0, a)
            cap, base = HORIZON_CAPS[path][tier], HORIZON_BASE[path][tier]
            low = max(alpha0_range[0], tau / (2.0 * math.sqrt(cap / 100.0)))
            if low <= top:
                alpha0 = math.exp(math.log(low) + u * (math.log(top) - math.log(low)))
                t_max = int(min(cap, max(base, math.ceil(100.0 * (tau / (2.0 * alpha0)) ** 2))))
                return RateInstance(family, problem, a, p, lam, x0, float(alpha0), float(s), bases, stable, redraw,
                                    t_max)
        return None

    return build()


@dataclass(frozen=True)
class RateSeries:
    """Simulated quantities of one instance at the horizons ``horizons`` (natural units, not logs)."""

    horizons: NDArray[np.int64]
    min_grad2: FloatArray
    f_gap: FloatArray
    f_avg_gap: FloatArray | None
    dir2_sup: float
    f0_gap: float
    exact: bool


def simulate_rate(instance: RateInstance, horizons: NDArray[np.int64], *, schedule: str = "inverse-sqrt",
                  average: bool = False, n_runs: int = 200, seed: int = 0, second_moments: bool = False) -> RateSeries:
    r"""Run one instance with :math:`\alpha_t = \alpha_0/\sqrt{t+1}` (or constant) up to ``horizons[-1]``.

    Exact moments on quadratics (:func:`linear_sgd_moments`); otherwise the
    deterministic recursion (:math:`s = 0`) or a Monte Carlo mean over
    ``n_runs`` runs (:func:`mixture_sgd_monte_carlo`).
    """
    t_max = int(horizons[-1])
    steps = np.arange(t_max, dtype=float)
    alphas = instance.alpha0 / np.sqrt(steps + 1.0) if schedule == "inverse-sqrt" else np.full(t_max, instance.alpha0)
    record = np.unique(np.concatenate([[0], horizons]))
    if instance.a_matrix is not None:
        z0 = instance.x0 - (instance.problem.x_star if instance.problem.x_star is not None else 0.0)
        tr = linear_sgd_moments(instance.a_matrix, z0, instance.preconditioners, instance.lam, alphas,
                                noise_scale=instance.noise_scale, record=record, average=average,
                                second_moments=second_moments)
        pos = np.searchsorted(tr.steps, horizons)
        with np.errstate(over="ignore"):
            out = RateSeries(horizons, np.exp(tr.log_min_grad2[pos]), np.exp(tr.log_f[pos]),
                             np.exp(tr.log_f_avg[pos]) if average else None, math.exp(tr.log_dir2_total),
                             math.exp(tr.log_f[0]), True)
        return out
    runs = 1 if instance.noise_scale == 0.0 else n_runs
    record = np.unique(np.concatenate([[0], horizons]))
    mc = mixture_sgd_monte_carlo(instance.problem, instance.preconditioners, instance.lam, instance.x0, alphas,
                                 noise_scale=instance.noise_scale, n_runs=runs, seed=seed, record=record,
                                 second_moments=second_moments)
    if not mc.finite:
        raise NumericalFailure(f"the iterates of {instance.problem.name} overflowed")
    running = np.concatenate([[np.nan], np.minimum.accumulate(mc.grad2)[:-1]])
    pos = np.searchsorted(record, horizons)
    return RateSeries(horizons, running[horizons], mc.f_gap[pos], mc.f_avg_gap[pos] if average else None,
                      float(np.nanmax(mc.dir2)) if second_moments else math.nan, float(mc.f_gap[0]), runs == 1)


# --------------------------------------------------------------------------- sublinear rate searches


#: The catalogue's band on the fitted exponent of a normalised rate quantity.
SLOPE_BAND = 0.05


def normalised_series(series: RateSeries, quantity: str, exponent: float, log_power: float) -> tuple[FloatArray,
                                                                                                     FloatArray]:
    r"""Horizons :math:`T \ge 3` and :math:`q_T\,T^{p}/(\log T)^{k}` for ``quantity`` in
    ``"min_grad2"`` (:math:`\min_{t<T}\mathbb E\|\nabla f(x_t)\|^2`), ``"f_last"``
    (:math:`\mathbb E f(x_T) - f_*`) or ``"f_avg"`` (:math:`\mathbb E f(\bar x_T) - f_*`)."""
    values = {"min_grad2": series.min_grad2, "f_last": series.f_gap, "f_avg": series.f_avg_gap}[quantity]
    keep = series.horizons >= 3
    big_t = series.horizons[keep].astype(float)
    return series.horizons[keep], values[keep] * big_t**exponent / np.log(big_t) ** log_power


def run_rate_instance(instance: RateInstance, *, quantity: str, schedule: str, t_max: int, n_runs: int,
                      seed: int) -> RateSeries:
    r"""Simulate one instance for a rate search.

    ``schedule="inverse-sqrt"``: :math:`\alpha_t = \alpha_0/\sqrt{t+1}` up to
    :math:`T_{\max}`; ``"horizon-constant"``: for each horizon :math:`T` of
    the fit window (9 log-spaced :math:`T` over the last two decades) a
    separate run with the constant step :math:`\alpha_0/\sqrt T`
    (Theorem 1(2)'s "appropriate step sizes"), keeping :math:`f(x_T)`.
    """
    horizons = horizon_grid(t_max)
    if schedule == "inverse-sqrt":
        return simulate_rate(instance, horizons, average=quantity == "f_avg", n_runs=n_runs, seed=seed)
    window = np.unique(np.round(np.logspace(math.log10(max(3, t_max // 100)), math.log10(t_max), 9)).astype(np.int64))
    gaps = np.empty(window.size)
    for j, big_t in enumerate(window):
        scaled = RateInstance(instance.family, instance.problem, instance.a_matrix, instance.preconditioners,
                              instance.lam, instance.x0, instance.alpha0 / math.sqrt(big_t), instance.noise_scale,
                              instance.bases, instance.stable_step, instance.redraws, int(big_t))
        run = simulate_rate(scaled, np.array([int(big_t)]), schedule="constant", n_runs=n_runs, seed=seed)
        gaps[j] = run.f_gap[-1]
    return RateSeries(window, np.full(window.size, np.nan), gaps, None, math.nan, math.nan,
                      instance.a_matrix is not None)


def sublinear_rate_search(ctx, *, families: Sequence[str], quantity: str, exponent: float, log_power: float,
                          schedules: Sequence[str] = ("inverse-sqrt",), label: str) -> None:
    r"""Search over :func:`rate_instances`: the normalised quantity's tail slope must be :math:`\le 0.05`.

    For each instance and schedule the quantity is simulated up to the
    instance's :math:`T_{\max}` (:func:`rate_instances`; quadratics: exact
    moments; other objectives: deterministic recursion or Monte Carlo over
    100 / 500 runs), normalised by
    :math:`T^{p}/(\log T)^{k}` and fitted on the last two decades
    (:func:`tail_slope`). With several schedules (an existential "appropriate
    step sizes") the smallest slope counts. One comparison per instance:
    slope :math:`\le 0.05`, scale :math:`p` (the claimed exponent), so a
    tightening by :math:`\epsilon p` is the claim with exponent
    :math:`p(1 + \epsilon)`.
    """
    n_runs = ctx.pick(100, 500)

    def check(instance: RateInstance | None) -> None:
        if instance is None:
            ctx.event("discarded: no instance of the family reaches its asymptotic regime within the horizon cap")
            ctx.assume(False)
            return
        slopes = {}
        for schedule in schedules:
            series = run_rate_instance(instance, quantity=quantity, schedule=schedule, t_max=instance.t_max,
                                       n_runs=n_runs, seed=ctx.seed)
            if schedule == "inverse-sqrt":
                horizons, values = normalised_series(series, quantity, exponent, log_power)
            else:
                horizons = series.horizons
                values = series.f_gap * horizons.astype(float) ** exponent / np.log(horizons.astype(float)) ** log_power
            fit = tail_slope(horizons, values)
            slopes[schedule] = fit.slope
            if fit.negligible:
                ctx.event(f"{schedule}: quantity below 1e-280 on the window")
            if fit.slope <= SLOPE_BAND:
                break  # an existential choice of schedule: the first that works is enough
        best = min(slopes, key=slopes.get)
        if instance.redraws:
            ctx.event("objective redrawn (transient longer than the horizon allows)")
        ctx.event(f"{instance.family}, {instance.bases}, {'noisy' if instance.noise_scale > 0 else 'deterministic'}")
        if len(schedules) > 1:
            ctx.event(f"best schedule: {best}")
        ctx.compare(slopes[best], SLOPE_BAND, "<=", rtol=0.0, atol=0.0, scale=exponent,
                    label=f"tail slope of the normalised quantity ({best})")

    ctx.search(check, rate_instances(families, budget=ctx.budget, average=quantity == "f_avg"), label=label,
               max_examples=ctx.pick(6, 60))
