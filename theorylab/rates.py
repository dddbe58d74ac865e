r"""Convergence-rate fits with confidence bands and round-off-floor detection.

Two regressions, in the manner of the order tests of diffrax (a least-squares
line through log-errors, restricted to the points above the floor):

- linear (geometric) rates, :math:`e_t \approx C e^{-ct}` or
  :math:`C(1 - \gamma)^t` (Theorem 1(3), Theorems 5, 8):
  :math:`\log e_t = \log C + s\,t` with slope :math:`s = -c = \log(1-\gamma)`
  (:func:`fit_linear_rate`);
- sublinear (power) rates, :math:`e_T \approx C T^{-p}` (Theorem 1(1)--(2),
  Theorems 3, 4): :math:`\log e_T = \log C + s\log T` with :math:`s = -p`
  (:func:`fit_sublinear_rate`).

The slope gets a two-sided Student-t confidence interval from the ordinary
least-squares standard error,

.. math::

    \hat s \pm t_{n-2,(1+q)/2}\,\sqrt{\frac{\mathrm{SSE}/(n-2)}{\sum_j (u_j - \bar u)^2}},

with :math:`u` the abscissa (:math:`t` or :math:`\log T`).

Floor. A decaying error stops decreasing once it reaches round-off (or a
Monte-Carlo noise floor). A known floor level ``floor`` excludes every point
with :math:`e \le \texttt{floor\_margin}\cdot\texttt{floor}`. Otherwise a
plateau is detected by a continuous hinge regression
:math:`\log e = a + b\min(u - u_k, 0)` scanned over the knee :math:`u_k`: a
floor is declared when the best hinge (i) has a decreasing first part, (ii) a
plateau of at least three points, (iii) halves the residual sum of squares of
the straight line, and (iv) the plateau lies at least ``floor_gap`` (a factor)
above the extrapolated trend at the last point. The plateau points and every
point within ``floor_margin`` of the plateau level :math:`e^a` are then
excluded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from scipy.optimize import least_squares
from scipy.special import expit

__all__ = ["RateFit", "fit_linear_rate", "fit_sublinear_rate"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RateFit:
    r"""Result of a rate fit.

    Attributes
    ----------
    kind : str
        ``"linear"`` (abscissa :math:`t`) or ``"sublinear"`` (abscissa :math:`\log T`).
    slope : float
        Fitted slope :math:`\hat s` of :math:`\log e` against the abscissa
        (:math:`-c` for :math:`e^{-ct}`, :math:`-p` for :math:`T^{-p}`).
    intercept : float
        Fitted :math:`\log C`.
    stderr : float
        Standard error of the slope.
    band : tuple of float
        Confidence interval ``(low, high)`` for the slope.
    confidence : float
        Confidence level of ``band``.
    n_points : int
        Number of points used in the regression.
    used : numpy.ndarray
        Boolean mask over the input points: which were used.
    floor_detected : bool
        Whether points were excluded as being at (or near) a floor.
    floor_level : float or None
        Error level of the floor (given or detected), ``None`` if none.
    residual_std : float
        Residual standard deviation (log units).
    """

    kind: str
    slope: float
    intercept: float
    stderr: float
    band: tuple[float, float]
    confidence: float
    n_points: int
    used: NDArray[np.bool_]
    floor_detected: bool
    floor_level: float | None
    residual_std: float

    def contains(self, slope: float) -> bool:
        """Whether ``slope`` lies in the confidence band."""
        return bool(self.band[0] <= slope <= self.band[1])


def _positive_scalar(value: Any, name: str, minimum_exclusive: float = 0.0) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite real number > {minimum_exclusive:g}; got {value!r}") from None
    if not math.isfinite(out) or not out > minimum_exclusive:
        raise ValueError(f"{name} must be a finite real number > {minimum_exclusive:g}; got {value!r}")
    return out


def _as_series(abscissa: Any, errors: Any, abscissa_name: str) -> tuple[FloatArray, FloatArray]:
    try:
        u = np.asarray(abscissa, dtype=np.float64)
        e = np.asarray(errors, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{abscissa_name} and errors must be numeric 1-D arrays") from None
    if u.ndim != 1 or e.ndim != 1 or u.shape != e.shape:
        raise ValueError(f"{abscissa_name} and errors must be 1-D arrays of the same length; got {u.shape}, {e.shape}")
    if not np.all(np.isfinite(u)):
        raise ValueError(f"{abscissa_name} must be finite")
    if np.any(np.diff(u) <= 0):
        raise ValueError(f"{abscissa_name} must be strictly increasing")
    if np.any(np.isnan(e)) or np.any(e < 0) or np.any(np.isinf(e)):
        raise ValueError("errors must be finite and >= 0 (got nan, inf or negative entries)")
    return u, e


def _hinge_start(u: FloatArray, ell: FloatArray, min_points: int) -> tuple[int, float, float] | None:
    """Best continuous hinge ``ell = a + b min(u - u_k, 0)`` over the knee index ``k`` (prefix sums)."""
    n = u.size
    min_plateau = 3
    if n < min_points + min_plateau:
        return None
    # prefix sums over j < k of (u_j, u_j^2, ell_j, u_j ell_j); u is centred by the caller
    c1 = np.concatenate([[0.0], np.cumsum(u)])
    c2 = np.concatenate([[0.0], np.cumsum(u * u)])
    cl = np.concatenate([[0.0], np.cumsum(ell)])
    cul = np.concatenate([[0.0], np.cumsum(u * ell)])
    ks = np.arange(min_points, n - min_plateau + 1)
    sk = u[ks]
    s_m = c1[ks] - ks * sk
    s_mm = c2[ks] - 2.0 * sk * c1[ks] + ks * sk * sk
    s_y = cl[-1]
    s_my = cul[ks] - sk * cl[ks]
    det = n * s_mm - s_m * s_m
    with np.errstate(divide="ignore", invalid="ignore"):
        b = (n * s_my - s_m * s_y) / det
        a = (s_y - b * s_m) / n
        sse = np.sum(ell * ell) - a * s_y - b * s_my
    sse = np.where(np.isfinite(sse), sse, np.inf)
    best = int(np.argmin(sse))
    return int(ks[best]), float(a[best]), float(b[best])


def _detect_floor(
    u: FloatArray, ell: FloatArray, min_points: int, floor_gap: float, floor_margin: float
) -> tuple[NDArray[np.bool_], float] | None:
    r"""Detect a plateau; return the points to exclude and the floor level, or ``None``.

    Fits :math:`\log e = \log(e^{\alpha + \beta u} + e^{\gamma})` (trend plus
    floor) from a hinge start and compares it with the straight line.
    """
    uc = u - u.mean()
    start = _hinge_start(uc, ell, min_points)
    if start is None:
        return None
    k, a_k, b_k = start
    if not b_k < 0.0:
        return None

    def resid(p: FloatArray) -> FloatArray:
        return np.logaddexp(p[0] + p[1] * uc, p[2]) - ell

    def jac(p: FloatArray) -> FloatArray:
        w = expit(p[0] + p[1] * uc - p[2])
        return np.stack([w, w * uc, 1.0 - w], axis=1)

    p0 = np.array([a_k - b_k * uc[k], b_k, a_k])
    fit = least_squares(resid, p0, jac=jac, method="lm")
    alpha, beta, gamma = (float(v) for v in fit.x)
    sse_model = float(fit.fun @ fit.fun)
    slope, intercept = np.polyfit(uc, ell, 1)
    line = ell - (intercept + slope * uc)
    sse_line = float(line @ line)
    trend = alpha + beta * uc
    dominated = np.count_nonzero(trend < gamma)
    if (
        fit.success
        and beta < 0.0
        and sse_model < 0.5 * sse_line
        and gamma - trend[-1] > math.log(floor_gap)
        and dominated >= 3
    ):
        return trend < gamma + math.log(floor_margin), math.exp(gamma)
    return None


def _fit(
    kind: str,
    u: FloatArray,
    e: FloatArray,
    keep_window: NDArray[np.bool_],
    confidence: float,
    floor: float | None,
    floor_margin: float,
    floor_gap: float,
    detect_floor: bool,
    min_points: int,
) -> RateFit:
    confidence = _positive_scalar(confidence, "confidence")
    if not confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1); got {confidence}")
    floor_margin = _positive_scalar(floor_margin, "floor_margin")
    floor_gap = _positive_scalar(floor_gap, "floor_gap", 1.0)
    if isinstance(min_points, bool) or not isinstance(min_points, (int, np.integer)) or min_points < 3:
        raise ValueError(f"min_points must be an integer >= 3; got {min_points!r}")
    used = keep_window.copy()
    floor_detected = False
    floor_level: float | None = None
    zero = used & (e == 0.0)
    if zero.any():
        # an exact zero is below any floor: it and everything after it are excluded
        first_zero = int(np.flatnonzero(zero)[0])
        used[first_zero:] = False
        floor_detected, floor_level = True, 0.0
    if floor is not None:
        level = _positive_scalar(floor, "floor")
        near = used & (e <= floor_margin * level)
        if near.any():
            floor_detected = True
            used &= ~near
        floor_level = level
    if detect_floor and np.count_nonzero(used) >= min_points + 3:
        idx = np.flatnonzero(used)
        found = _detect_floor(u[idx], np.log(e[idx]), min_points, floor_gap, floor_margin)
        if found is not None:
            near, level = found
            used[idx[near]] = False
            floor_detected, floor_level = True, level
    n = int(np.count_nonzero(used))
    if n < min_points:
        raise ValueError(
            f"only {n} points remain above the floor (need min_points={min_points}); "
            "extend the data before the floor or lower floor_margin"
        )
    x = u[used]
    y = np.log(e[used])
    xm = x.mean()
    sxx = float(np.sum((x - xm) ** 2))
    slope = float(np.sum((x - xm) * (y - y.mean())) / sxx)
    intercept = float(y.mean() - slope * xm)
    resid = y - (intercept + slope * x)
    dof = n - 2
    sigma2 = float(resid @ resid) / dof
    stderr = math.sqrt(sigma2 / sxx)
    q = float(stats.t.ppf(0.5 * (1.0 + confidence), dof))
    band = (slope - q * stderr, slope + q * stderr)
    return RateFit(kind, slope, intercept, stderr, band, confidence, n, used, floor_detected, floor_level,
                   math.sqrt(sigma2))


def _window_mask(u: FloatArray, window: tuple[float, float] | None, name: str) -> NDArray[np.bool_]:
    if window is None:
        return np.ones(u.size, dtype=bool)
    try:
        lo, hi = (float(w) for w in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be a pair (low, high) of {name} values; got {window!r}") from None
    if not lo < hi:
        raise ValueError(f"window must satisfy low < high; got {window!r}")
    return (u >= lo) & (u <= hi)


def fit_linear_rate(
    t: ArrayLike,
    errors: ArrayLike,
    *,
    confidence: float = 0.95,
    window: tuple[float, float] | None = None,
    floor: float | None = None,
    floor_margin: float = 100.0,
    floor_gap: float = 2.0,
    detect_floor: bool = True,
    min_points: int = 5,
) -> RateFit:
    r"""Fit a linear (geometric) rate, :math:`\log e_t = \log C + s\,t`.

    For :math:`e_t = C e^{-ct}` the slope is :math:`s = -c`; for
    :math:`C(1-\gamma)^t` it is :math:`\log(1 - \gamma)`.

    Parameters
    ----------
    t : array_like
        Strictly increasing times or iteration counts.
    errors : array_like
        Errors :math:`e_t \ge 0` (e.g. :math:`f(x_t) - f_*`).
    confidence : float, optional
        Level of the t-interval on the slope.
    window : tuple of float, optional
        Only use ``window[0] <= t <= window[1]``.
    floor : float, optional
        Known floor level; points with ``e <= floor_margin * floor`` are excluded.
    floor_margin : float, optional
        Factor above a floor below which points are excluded.
    floor_gap : float, optional
        Factor by which a detected plateau must exceed the extrapolated trend.
    detect_floor : bool, optional
        Detect a plateau automatically (see the module docstring).
    min_points : int, optional
        Minimum number of points in the regression (>= 3).

    Returns
    -------
    RateFit

    Raises
    ------
    ValueError
        On invalid input, or when fewer than ``min_points`` points remain.
    """
    u, e = _as_series(t, errors, "t")
    mask = _window_mask(u, window, "t")
    return _fit("linear", u, e, mask, confidence, floor, floor_margin, floor_gap, detect_floor, min_points)


def fit_sublinear_rate(
    horizons: ArrayLike,
    errors: ArrayLike,
    *,
    confidence: float = 0.95,
    window: tuple[float, float] | None = None,
    floor: float | None = None,
    floor_margin: float = 100.0,
    floor_gap: float = 2.0,
    detect_floor: bool = True,
    min_points: int = 5,
) -> RateFit:
    r"""Fit a sublinear (power) rate, :math:`\log e_T = \log C + s\log T`.

    For :math:`e_T = C T^{-p}` the slope is :math:`s = -p` (e.g. :math:`-1/2`
    for :math:`O(1/\sqrt T)`). A normalised quantity such as
    :math:`e_T\sqrt T/\log T` that stays bounded has slope :math:`\le 0`.

    Parameters
    ----------
    horizons : array_like
        Strictly increasing positive horizons :math:`T`.
    errors : array_like
        Errors :math:`e_T \ge 0`.
    confidence, window, floor, floor_margin, floor_gap, detect_floor, min_points
        As in :func:`fit_linear_rate`; ``window`` is in units of :math:`T`.

    Returns
    -------
    RateFit
    """
    big_t, e = _as_series(horizons, errors, "horizons")
    if np.any(big_t <= 0):
        raise ValueError("horizons must be positive")
    mask = _window_mask(big_t, window, "horizons")
    return _fit("sublinear", np.log(big_t), e, mask, confidence, floor, floor_margin, floor_gap, detect_floor,
                min_points)
