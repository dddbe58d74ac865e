r"""Geometry, entropy and replicator dynamics on the probability simplex.

The probability simplex is

.. math::

    \Delta_K = \{\lambda \in \mathbb{R}^K : \lambda_i \ge 0,\ \textstyle\sum_i \lambda_i = 1\}.

This module is the engine behind the TrailMix appendix claims on the simplex
(``trailmix.lemma1``--``trailmix.lemma4.3``, ``trailmix.lemma21.1``,
``trailmix.lemma22``): the Euclidean projection (Algorithm 2) and an
independent bisection reference, Shannon entropy with the stable gradient of
Lemma 22, the KL divergence to the uniform point, the tangent cone of
Definition 1 and the projection onto it, the replicator field (31) with its
closed-form solution, and the multiplicative-weights step.

All functions accept sequences or numpy arrays and return ``float64`` arrays
or Python floats. Invalid input raises :class:`ValueError` with a message that
names the argument, the requirement and what was received.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import entr, xlogy

__all__ = [
    "entropy",
    "entropy_extension",
    "entropy_gradient",
    "in_tangent_cone",
    "is_vertex",
    "kl_to_uniform",
    "multiplicative_weights_step",
    "project_to_simplex",
    "project_to_simplex_bisection",
    "replicator_closed_form",
    "replicator_field",
    "tangent_cone_projection",
    "weighted_mean",
    "weighted_variance",
]

FloatArray = NDArray[np.float64]

# Coefficients c_m = (-1)^m / (m (m - 1)), m = 2..14, of the Taylor series
# (1 + d) log(1 + d) - d = sum_{m >= 2} c_m d^m, used for |d| < 0.05 where the
# direct formula cancels; the truncation error there is below 1e-19 relative.
_PHI_SERIES = np.array([(-1.0) ** m / (m * (m - 1)) for m in range(2, 15)])
_PHI_SERIES_RADIUS = 0.05


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


def _as_finite_array(
    x: Any, name: str, ndims: tuple[int, ...] = (1,), what: str | None = None
) -> FloatArray:
    """Convert ``x`` to a finite float64 array with a non-empty last axis.

    Parameters
    ----------
    x : array_like
        Input to convert.
    name : str
        Argument name used in error messages.
    ndims : tuple of int, optional
        Allowed numbers of dimensions.
    what : str, optional
        Description of the expected input used in error messages.

    Returns
    -------
    numpy.ndarray
        ``x`` as a float64 array (not copied if already float64).

    Raises
    ------
    ValueError
        If ``x`` is not real numeric, has the wrong number of dimensions, an
        empty last axis, or contains NaN or infinity.
    """
    if what is None:
        dims = " or ".join(f"{d}-D" for d in ndims)
        what = f"a {dims} finite real array"
    try:
        raw = np.asarray(x)
        is_complex = np.iscomplexobj(raw)
        arr = raw if is_complex else raw.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be {what}; got {type(x).__name__} that cannot be "
            f"converted to float64 ({exc})"
        ) from None
    if is_complex:
        raise ValueError(f"{name} must be {what}; got a complex array")
    if arr.ndim not in ndims:
        raise ValueError(f"{name} must be {what}; got shape {arr.shape}")
    if arr.ndim >= 1 and arr.shape[-1] == 0:
        raise ValueError(
            f"{name} must be {what} with a non-empty last axis; got shape {arr.shape}"
        )
    finite = np.isfinite(arr)
    if not finite.all():
        n_bad = int(arr.size - np.count_nonzero(finite))
        raise ValueError(
            f"{name} must be {what}; got {n_bad} non-finite (nan/inf) "
            f"entr{'y' if n_bad == 1 else 'ies'}"
        )
    return arr


def _as_finite_vector(x: Any, name: str) -> FloatArray:
    """Convert ``x`` to a non-empty, finite, 1-D float64 array.

    Parameters
    ----------
    x : array_like
        Input to convert.
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        ``x`` as a 1-D float64 array.

    Raises
    ------
    ValueError
        If ``x`` is not a non-empty, finite, real 1-D array.
    """
    return _as_finite_array(x, name, ndims=(1,))


def _as_finite_scalar(
    x: Any, name: str, *, positive: bool = False, nonnegative: bool = False
) -> float:
    """Convert ``x`` to a finite Python float, optionally checking its sign.

    Parameters
    ----------
    x : float
        Input to convert.
    name : str
        Argument name used in error messages.
    positive, nonnegative : bool, optional
        Require ``x > 0`` or ``x >= 0``.

    Returns
    -------
    float
        ``x`` as a float.

    Raises
    ------
    ValueError
        If ``x`` is not a finite real scalar with the requested sign.
    """
    kind = "positive " if positive else "nonnegative " if nonnegative else ""
    what = f"a finite {kind}real scalar"
    try:
        raw = np.asarray(x)
        is_complex = np.iscomplexobj(raw)
        arr = raw if is_complex else raw.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {what}; got {x!r}") from None
    if is_complex:
        raise ValueError(f"{name} must be {what}; got a complex value {x!r}")
    if arr.ndim != 0:
        raise ValueError(f"{name} must be {what}; got an array of shape {arr.shape}")
    value = float(arr)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be {what}; got {value}")
    if positive and not value > 0.0:
        raise ValueError(f"{name} must be {what}; got {value}")
    if nonnegative and not value >= 0.0:
        raise ValueError(f"{name} must be {what}; got {value}")
    return value


def _as_simplex_point(lam: Any, name: str = "lam", tol: float = 1e-9) -> FloatArray:
    r"""Validate a point of :math:`\Delta_K` and return it as a float64 array.

    The accepted set is

    .. math::

        \{\lambda \in \mathbb{R}^K \text{ finite} : \lambda_i \ge 0,\
        |\textstyle\sum_i \lambda_i - 1| \le \mathrm{tol}\cdot K\}.

    Parameters
    ----------
    lam : array_like
        Candidate point, shape ``(K,)``.
    name : str, optional
        Argument name used in error messages.
    tol : float, optional
        Allowed deviation of the sum from 1, per coordinate.

    Returns
    -------
    numpy.ndarray
        ``lam`` as a 1-D float64 array (not renormalised).

    Raises
    ------
    ValueError
        If ``lam`` is not finite and 1-D, has a negative entry, or its sum
        deviates from 1 by more than ``tol * K``.
    """
    tol = _as_finite_scalar(tol, "tol", nonnegative=True)
    what = (
        f"a 1-D finite array on the simplex (entries >= 0, sum 1 within {tol:g}*K)"
    )
    arr = _as_finite_array(lam, name, ndims=(1,), what=what)
    min_entry = float(arr.min())
    if min_entry < 0.0:
        raise ValueError(f"{name} must be {what}; got min entry {min_entry!r}")
    k = arr.size
    total = float(np.sum(arr))
    if abs(total - 1.0) > tol * k:
        raise ValueError(
            f"{name} must be {what}; got sum {total!r} (K={k}, allowed deviation "
            f"{tol * k:g})"
        )
    return arr


def _check_same_length(x: FloatArray, x_name: str, lam: FloatArray, lam_name: str) -> None:
    """Raise ``ValueError`` unless ``x`` and ``lam`` have the same length."""
    if x.shape[-1] != lam.shape[-1]:
        raise ValueError(
            f"{x_name} must have the same length as {lam_name} ({lam.shape[-1]}); "
            f"got length {x.shape[-1]}"
        )


# ---------------------------------------------------------------------------
# projection
# ---------------------------------------------------------------------------


def project_to_simplex(z: ArrayLike) -> FloatArray:
    r"""Euclidean projection onto the probability simplex (TrailMix Algorithm 2).

    .. math::

        \Pi_{\Delta}(z) = \operatorname*{argmin}_{\lambda \in \Delta_K}
        \|\lambda - z\|_2^2 = \max(z + \theta\mathbf{1}, 0).

    With :math:`u` the entries of :math:`z` sorted in decreasing order,

    .. math::

        \rho = \max\Bigl\{j : u_j + \tfrac{1}{j}\Bigl(1 - \sum_{i \le j} u_i\Bigr)
        > 0\Bigr\}, \qquad
        \theta = \tfrac{1}{\rho}\Bigl(1 - \sum_{i \le \rho} u_i\Bigr).

    The partial sums are evaluated without cancellation through the identity
    :math:`\sum_{i \le j} u_i = j u_j + s_j` with
    :math:`s_j = \sum_{l < j} l\,(u_l - u_{l+1}) \ge 0`, so that the test reads
    :math:`s_j < 1` (monotone in :math:`j`) and
    :math:`z_i + \theta = (z_i - u_\rho) + (1 - s_\rho)/\rho`. This is exact
    algebra; it only changes the rounding, which stays accurate when the
    entries of :math:`z` share a large offset.

    Parameters
    ----------
    z : array_like
        Point of shape ``(K,)``, or a batch of shape ``(N, K)`` projected row
        by row (vectorised). Entries must be finite.

    Returns
    -------
    numpy.ndarray
        Projection(s), same shape as ``z``.

    Raises
    ------
    ValueError
        If ``z`` is not a finite 1-D or 2-D array with a non-empty last axis.

    See Also
    --------
    project_to_simplex_bisection : independent reference implementation.

    Notes
    -----
    Runs in :math:`O(K \log K)` per row (``trailmix.lemma21.1``,
    ``trailmix.lemma21.2``).

    Examples
    --------
    >>> project_to_simplex([0.5, 0.3, -1.0])
    array([0.6, 0.4, 0. ])
    """
    arr = _as_finite_array(z, "z", ndims=(1, 2))
    rows = arr.reshape(-1, arr.shape[-1])
    n, k = rows.shape
    u = -np.sort(-rows, axis=1)
    gaps = u[:, :-1] - u[:, 1:]
    s = np.zeros((n, k))
    s[:, 1:] = np.cumsum(gaps * np.arange(1, k, dtype=np.float64), axis=1)
    rho = np.count_nonzero(s < 1.0, axis=1)  # >= 1 because s[:, 0] == 0
    idx = np.arange(n)
    u_rho = u[idx, rho - 1]
    shift = (1.0 - s[idx, rho - 1]) / rho
    lam = np.maximum((rows - u_rho[:, None]) + shift[:, None], 0.0)
    return lam.reshape(arr.shape)


def project_to_simplex_bisection(
    z: ArrayLike, tol: float = 1e-15, max_iter: int = 200
) -> FloatArray:
    r"""Euclidean projection onto the simplex by bisection on the threshold.

    Reference implementation independent of the sorting in
    :func:`project_to_simplex`. The projection is
    :math:`\max(z + \theta^\star, 0)` where :math:`\theta^\star` is the root of
    the nondecreasing function

    .. math::

        F(\theta) = \sum_i \max(z_i + \theta, 0) - 1,

    bracketed by :math:`F(-\max_i z_i) = -1 < 0` and
    :math:`F(1/K - \min_i z_i) \ge 0`. After bisection, the support
    :math:`S = \{i : z_i + \theta_{hi} > 0\} \supseteq S^\star` is refined
    exactly: :math:`\theta_S = (1 - \sum_{i \in S} z_i)/|S|` (evaluated as
    :math:`z_i + \theta_S = (z_i - \bar z_S) + 1/|S|`) and indices with
    :math:`z_i + \theta_S \le 0` are dropped until none is (each drop is safe
    because :math:`\theta_S \ge \theta^\star` for every superset :math:`S` of
    the true support). The result is therefore accurate to round-off even if
    the bisection stopped early.

    Parameters
    ----------
    z : array_like
        Point of shape ``(K,)``.
    tol : float, optional
        Bisection stops when the bracket width is at most
        ``tol * max(1, |theta|)``.
    max_iter : int, optional
        Maximum number of bisection steps.

    Returns
    -------
    numpy.ndarray
        Projection of ``z``, shape ``(K,)``.

    Raises
    ------
    ValueError
        If ``z`` is not a finite non-empty 1-D array, ``tol`` is not positive
        or ``max_iter`` is not a nonnegative integer.
    """
    z = _as_finite_vector(z, "z")
    tol = _as_finite_scalar(tol, "tol", positive=True)
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be a nonnegative integer; got {max_iter!r}")
    k = z.size

    def excess(theta: float) -> float:
        return float(np.sum(np.maximum(z + theta, 0.0))) - 1.0

    lo = -float(z.max())
    hi = 1.0 / k - float(z.min())
    for _ in range(int(max_iter)):
        if hi - lo <= tol * max(1.0, abs(lo), abs(hi)):
            break
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if excess(mid) < 0.0:
            lo = mid
        else:
            hi = mid

    support = z + hi > 0.0
    if not support.any():
        support = z == z.max()
    while True:
        # z_i + theta_S written as (z_i - mean_S z) + 1/|S| to avoid cancellation
        shifted = (z - np.mean(z[support])) + 1.0 / np.count_nonzero(support)
        refined = support & (shifted > 0.0)
        if np.count_nonzero(refined) in (0, np.count_nonzero(support)):
            break
        support = refined
    return np.maximum(shifted, 0.0)


# ---------------------------------------------------------------------------
# entropy
# ---------------------------------------------------------------------------


def entropy(lam: ArrayLike) -> float:
    r"""Shannon entropy of a point of the simplex.

    .. math::

        H(\lambda) = -\sum_i \lambda_i \log \lambda_i, \qquad 0 \log 0 = 0.

    Parameters
    ----------
    lam : array_like
        Point of :math:`\Delta_K` (entries >= 0, sum 1 within ``1e-9 * K``).

    Returns
    -------
    float
        :math:`H(\lambda) \in [0, \log K]` (``trailmix.lemma3.2``).

    Raises
    ------
    ValueError
        If ``lam`` is not on the simplex.
    """
    lam = _as_simplex_point(lam)
    return float(np.sum(entr(lam)))


def entropy_extension(lam: ArrayLike) -> float:
    r"""Extension of the entropy to the open positive orthant.

    .. math::

        H(\lambda) = -\sum_i \lambda_i \log \lambda_i, \qquad
        \lambda \in \mathbb{R}^K_{>0},

    with no constraint on the sum, so that partial derivatives (and finite
    differences) are defined: :math:`\partial_i H = -\log\lambda_i - 1`
    (``trailmix.lemma3.5``).

    Parameters
    ----------
    lam : array_like
        Finite vector with strictly positive entries.

    Returns
    -------
    float
        The value of the extension at ``lam``.

    Raises
    ------
    ValueError
        If ``lam`` is not a finite 1-D array with strictly positive entries.
    """
    lam = _as_finite_vector(lam, "lam")
    min_entry = float(lam.min())
    if not min_entry > 0.0:
        raise ValueError(
            "lam must have strictly positive entries (entropy_extension is defined "
            f"on R^K_>0); got min entry {min_entry!r}"
        )
    return float(-np.sum(lam * np.log(lam)))


def entropy_gradient(lam: ArrayLike, eps: float = float(np.finfo(float).eps)) -> FloatArray:
    r"""Numerically stable entropy gradient (TrailMix Lemma 22).

    .. math::

        [\nabla H(\lambda)]_i =
        \begin{cases}
            -\log \lambda_i - 1, & \lambda_i > \varepsilon,\\
            -\log \varepsilon - 1, & \lambda_i \le \varepsilon.
        \end{cases}

    The result is continuous in each :math:`\lambda_i`, non-increasing, and
    capped at :math:`-\log\varepsilon - 1` (about 35.04 for the float64
    machine epsilon), so it is finite for zeros and subnormals.

    Parameters
    ----------
    lam : array_like
        Finite vector with nonnegative entries (the sum is not checked).
    eps : float, optional
        Threshold :math:`\varepsilon > 0`; machine epsilon by default.

    Returns
    -------
    numpy.ndarray
        The gradient, same shape as ``lam``; always finite.

    Raises
    ------
    ValueError
        If ``lam`` is not finite and 1-D, has a negative entry, or ``eps`` is
        not a finite positive scalar.
    """
    lam = _as_finite_vector(lam, "lam")
    eps = _as_finite_scalar(eps, "eps", positive=True)
    min_entry = float(lam.min())
    if min_entry < 0.0:
        raise ValueError(
            f"lam must have nonnegative entries; got min entry {min_entry!r}"
        )
    return -np.log(np.maximum(lam, eps)) - 1.0


def kl_to_uniform(lam: ArrayLike) -> float:
    r"""Kullback--Leibler divergence from the uniform point.

    .. math::

        \mathrm{KL}(\lambda \,\|\, \mathbf{1}/K) = \log K - H(\lambda)
        = \sum_i \lambda_i \log(K\lambda_i)
        = \frac{1}{K}\sum_i \bigl[(1 + d_i)\log(1 + d_i) - d_i\bigr],
        \qquad d_i = K\lambda_i - 1.

    The last form uses :math:`\sum_i d_i = K(\sum_i\lambda_i - 1) = 0`; every
    term :math:`\varphi(d) = (1+d)\log(1+d) - d` is nonnegative, so the result
    is nonnegative and free of the cancellation in :math:`\log K - H`. At
    :math:`\lambda_i = 0` the term is :math:`\varphi(-1) = 1`. For
    :math:`|d_i| < 0.05` the term is evaluated from its Taylor series
    :math:`\sum_{m \ge 2} (-1)^m d^m / (m(m-1))`. Because the sum of
    ``lam`` is only checked to ``1e-9 * K``, the value differs from
    :math:`\sum_i \lambda_i\log(K\lambda_i)` by :math:`\sum_i\lambda_i - 1`.

    Parameters
    ----------
    lam : array_like
        Point of :math:`\Delta_K` (entries >= 0, sum 1 within ``1e-9 * K``).

    Returns
    -------
    float
        The divergence, in :math:`[0, \log K]`.

    Raises
    ------
    ValueError
        If ``lam`` is not on the simplex.
    """
    lam = _as_simplex_point(lam)
    k = lam.size
    u = k * lam
    d = u - 1.0
    small = np.abs(d) < _PHI_SERIES_RADIUS
    direct = xlogy(u, u) - d
    ds = np.where(small, d, 0.0)
    series = np.zeros_like(ds)
    for c in _PHI_SERIES[::-1]:
        series = series * ds + c
    series *= ds * ds
    phi = np.maximum(np.where(small, series, direct), 0.0)
    return float(np.sum(phi) / k)


# ---------------------------------------------------------------------------
# weighted moments
# ---------------------------------------------------------------------------


def weighted_mean(h: ArrayLike, lam: ArrayLike) -> float:
    r"""Mean of ``h`` under the weights ``lam``.

    .. math::

        \langle \lambda, h \rangle = \sum_i \lambda_i h_i.

    Parameters
    ----------
    h : array_like
        Finite vector of shape ``(K,)``.
    lam : array_like
        Point of :math:`\Delta_K`.

    Returns
    -------
    float
        The weighted mean.

    Raises
    ------
    ValueError
        If ``lam`` is not on the simplex or ``h`` is not a finite vector of
        the same length.
    """
    lam = _as_simplex_point(lam)
    h = _as_finite_vector(h, "h")
    _check_same_length(h, "h", lam, "lam")
    return float(np.sum(lam * h))


def weighted_variance(h: ArrayLike, lam: ArrayLike) -> float:
    r"""Variance of ``h`` under the weights ``lam``, in centred form.

    .. math::

        \mathrm{Var}_\lambda(h) = \sum_i \lambda_i (h_i - \bar h)^2, \qquad
        \bar h = \sum_j \lambda_j h_j.

    This equals :math:`\sum_i\lambda_i h_i^2 - \bar h^2` on the simplex but
    does not suffer its cancellation when :math:`|\bar h|` is large compared
    with the spread of :math:`h`.

    Parameters
    ----------
    h : array_like
        Finite vector of shape ``(K,)``.
    lam : array_like
        Point of :math:`\Delta_K`.

    Returns
    -------
    float
        The weighted variance (nonnegative).

    Raises
    ------
    ValueError
        If ``lam`` is not on the simplex or ``h`` is not a finite vector of
        the same length.
    """
    lam = _as_simplex_point(lam)
    h = _as_finite_vector(h, "h")
    _check_same_length(h, "h", lam, "lam")
    mean = np.sum(lam * h)
    return float(np.sum(lam * (h - mean) ** 2))


# ---------------------------------------------------------------------------
# tangent cone
# ---------------------------------------------------------------------------


def in_tangent_cone(u: ArrayLike, lam: ArrayLike, atol: float = 0.0) -> bool:
    r"""Membership in the tangent cone of the simplex (TrailMix Definition 1).

    .. math::

        T_\Delta(\lambda) = \Bigl\{u \in \mathbb{R}^K : \sum_i u_i = 0
        \text{ and } u_i \ge 0 \text{ whenever } \lambda_i = 0\Bigr\}.

    With :math:`s = \mathrm{atol}\cdot\max(1, \|u\|_1)`, the test is
    :math:`|\sum_i u_i| \le s` and :math:`u_i \ge -s` for every :math:`i`
    with :math:`\lambda_i = 0` (exact zero).

    Parameters
    ----------
    u : array_like
        Direction of shape ``(K,)``.
    lam : array_like
        Point of :math:`\Delta_K`.
    atol : float, optional
        Tolerance relative to ``max(1, ||u||_1)``; 0 means exact.

    Returns
    -------
    bool
        Whether ``u`` lies in :math:`T_\Delta(\lambda)` within the tolerance.

    Raises
    ------
    ValueError
        If ``lam`` is not on the simplex, ``u`` is not a finite vector of the
        same length, or ``atol`` is negative.
    """
    lam = _as_simplex_point(lam)
    u = _as_finite_vector(u, "u")
    _check_same_length(u, "u", lam, "lam")
    atol = _as_finite_scalar(atol, "atol", nonnegative=True)
    slack = atol * max(1.0, float(np.sum(np.abs(u))))
    if abs(float(np.sum(u))) > slack:
        return False
    return bool(np.all(u[lam == 0.0] >= -slack))


def tangent_cone_projection(v: ArrayLike, lam: ArrayLike) -> FloatArray:
    r"""Euclidean projection onto the tangent cone :math:`T_\Delta(\lambda)`.

    With the support :math:`I = \{i : \lambda_i > 0\}`, the KKT conditions of
    :math:`\min_{u \in T_\Delta(\lambda)} \|u - v\|^2` give

    .. math::

        u_i = v_i - \nu \ (i \in I), \qquad
        u_j = \max(v_j - \nu, 0) \ (j \notin I),

    where :math:`\nu` is the unique root of the strictly decreasing,
    piecewise-linear function

    .. math::

        g(\nu) = \sum_{i \in I} (v_i - \nu) + \sum_{j \notin I} \max(v_j - \nu, 0).

    The root is found exactly: with the breakpoints
    :math:`b_1 \ge \dots \ge b_m` (the :math:`v_j`, :math:`j \notin I`), the
    number :math:`k` of active breakpoints is the number of :math:`j` with
    :math:`g(b_j) < 0`, and :math:`\nu = (\sum_{i \in I} v_i +
    \sum_{l \le k} b_l)/(|I| + k)`. On the interior (:math:`I` is everything)
    this is :math:`v - \operatorname{mean}(v)\mathbf{1}`.

    Parameters
    ----------
    v : array_like
        Vector of shape ``(K,)``.
    lam : array_like
        Point of :math:`\Delta_K` defining the cone.

    Returns
    -------
    numpy.ndarray
        :math:`\Pi_{T_\Delta(\lambda)}(v)`, shape ``(K,)``.

    Raises
    ------
    ValueError
        If ``lam`` is not on the simplex or ``v`` is not a finite vector of
        the same length.
    """
    lam = _as_simplex_point(lam)
    v = _as_finite_vector(v, "v")
    _check_same_length(v, "v", lam, "lam")
    on = lam > 0.0
    v_on = v[on]
    n_on = v_on.size
    sum_on = np.sum(v_on)
    b = -np.sort(-v[~on])
    if b.size:
        # g(b_j) = sum_I v_i + sum_{l<j} b_l - (|I| + j - 1) b_j, j = 1..m
        before = np.concatenate(([0.0], np.cumsum(b)[:-1]))
        g_at_b = sum_on + before - (n_on + np.arange(b.size)) * b
        nonneg = g_at_b >= 0.0
        k = int(np.argmax(nonneg)) if nonneg.any() else b.size
    else:
        k = 0
    nu = (sum_on + np.sum(b[:k])) / (n_on + k)
    out = v - nu
    out[~on] = np.maximum(out[~on], 0.0)
    return out


# ---------------------------------------------------------------------------
# replicator dynamics and multiplicative weights
# ---------------------------------------------------------------------------


def replicator_field(lam: ArrayLike, h: ArrayLike, theta: float = 1.0) -> FloatArray:
    r"""Replicator vector field (TrailMix (5), (31)).

    .. math::

        F_i(\lambda) = \theta\,\lambda_i\Bigl(h_i - \sum_j \lambda_j h_j\Bigr).

    The field is defined on all of :math:`\mathbb{R}^K`; ``lam`` is only
    required to be finite, so ODE integrators whose intermediate stages leave
    the simplex by round-off can call it. On :math:`\Delta_K` it lies in the
    tangent cone (its entries sum to :math:`\theta\bar h(1 - \sum_j\lambda_j)
    = 0` and vanish where :math:`\lambda_i = 0`).

    Parameters
    ----------
    lam : array_like
        Point of shape ``(K,)`` or batch of shape ``(N, K)``.
    h : array_like
        Payoffs, same shape as ``lam``; a ``(K,)`` vector is shared by all
        rows of a batch.
    theta : float, optional
        Rate :math:`\theta`.

    Returns
    -------
    numpy.ndarray
        The field, same shape as ``lam``.

    Raises
    ------
    ValueError
        If the inputs are not finite arrays of compatible shapes or ``theta``
        is not finite.
    """
    lam = _as_finite_array(lam, "lam", ndims=(1, 2))
    h = _as_finite_array(h, "h", ndims=(1, 2))
    theta = _as_finite_scalar(theta, "theta")
    if h.shape != lam.shape and not (h.ndim == 1 and h.shape[0] == lam.shape[-1]):
        raise ValueError(
            f"h must have the same shape as lam {lam.shape} (or be a vector of "
            f"length {lam.shape[-1]}); got shape {h.shape}"
        )
    mean = np.sum(lam * h, axis=-1, keepdims=True)
    return theta * lam * (h - mean)


def _reweight(lam: FloatArray, exponents: FloatArray) -> FloatArray:
    r"""Return :math:`\lambda \odot e^{a} / \sum_j \lambda_j e^{a_j}` along the last axis.

    Computed as a softmax of :math:`\log\lambda + a` (log-sum-exp shift);
    entries with :math:`\lambda_i = 0` stay exactly 0.
    """
    if not np.all(np.isfinite(exponents)):
        raise ValueError(
            "the exponents (rate * h * time) must be finite; got overflow to inf, "
            "reduce the rate, payoffs or time"
        )
    with np.errstate(divide="ignore"):
        logits = np.log(lam) + exponents
    logits = logits - np.max(logits, axis=-1, keepdims=True)
    w = np.exp(logits)
    return w / np.sum(w, axis=-1, keepdims=True)


def replicator_closed_form(
    lam0: ArrayLike, h: ArrayLike, theta: float, t: ArrayLike
) -> FloatArray:
    r"""Exact solution of the replicator equation for constant payoffs.

    For :math:`\dot\lambda_i = \theta\lambda_i(h_i - \langle\lambda, h\rangle)`
    with constant :math:`h` (``trailmix.lemma4.1``),

    .. math::

        \lambda_i(t) = \frac{\lambda_i(0)\, e^{\theta h_i t}}
        {\sum_j \lambda_j(0)\, e^{\theta h_j t}},

    evaluated as a softmax of :math:`\log\lambda(0) + \theta h t` after
    subtracting the largest exponent. Zero entries stay zero.

    Parameters
    ----------
    lam0 : array_like
        Initial point of :math:`\Delta_K`.
    h : array_like
        Constant payoffs, shape ``(K,)``.
    theta : float
        Rate :math:`\theta`.
    t : float or array_like
        A time, or a 1-D array of times.

    Returns
    -------
    numpy.ndarray
        Shape ``(K,)`` for scalar ``t``, ``(len(t), K)`` for an array.

    Raises
    ------
    ValueError
        If ``lam0`` is not on the simplex, ``h`` is not a finite vector of
        the same length, ``theta`` or ``t`` is not finite, or
        :math:`\theta h t` overflows.
    """
    lam0 = _as_simplex_point(lam0, "lam0")
    h = _as_finite_vector(h, "h")
    _check_same_length(h, "h", lam0, "lam0")
    theta = _as_finite_scalar(theta, "theta")
    if np.ndim(t) == 0:
        time = _as_finite_scalar(t, "t")
        with np.errstate(over="ignore"):
            return _reweight(lam0, theta * time * h)
    times = _as_finite_array(t, "t", ndims=(1,), what="a finite scalar or 1-D finite array")
    with np.errstate(over="ignore"):
        return _reweight(lam0[None, :], theta * times[:, None] * h[None, :])


def multiplicative_weights_step(lam: ArrayLike, h: ArrayLike, eta: float) -> FloatArray:
    r"""One multiplicative-weights (entropic mirror ascent) step.

    .. math::

        \lambda^+_i = \frac{\lambda_i e^{\eta h_i}}{\sum_j \lambda_j e^{\eta h_j}},

    computed with the log-sum-exp shift. It equals the replicator closed form
    at :math:`\theta t = \eta`.

    Parameters
    ----------
    lam : array_like
        Point of :math:`\Delta_K`.
    h : array_like
        Payoffs, shape ``(K,)``.
    eta : float
        Step size.

    Returns
    -------
    numpy.ndarray
        The updated point, shape ``(K,)``.

    Raises
    ------
    ValueError
        If ``lam`` is not on the simplex, ``h`` is not a finite vector of the
        same length, ``eta`` is not finite, or :math:`\eta h` overflows.
    """
    lam = _as_simplex_point(lam)
    h = _as_finite_vector(h, "h")
    _check_same_length(h, "h", lam, "lam")
    eta = _as_finite_scalar(eta, "eta")
    with np.errstate(over="ignore"):
        return _reweight(lam, eta * h)


def is_vertex(lam: ArrayLike) -> bool:
    r"""Whether ``lam`` is a vertex :math:`e_i` of the simplex (exact test).

    Parameters
    ----------
    lam : array_like
        Finite 1-D vector.

    Returns
    -------
    bool
        True iff exactly one entry equals 1 and all others equal 0.

    Raises
    ------
    ValueError
        If ``lam`` is not a finite non-empty 1-D array.
    """
    lam = _as_finite_vector(lam, "lam")
    n_one = np.count_nonzero(lam == 1.0)
    n_zero = np.count_nonzero(lam == 0.0)
    return bool(n_one == 1 and n_zero == lam.size - 1)
