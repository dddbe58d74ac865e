r"""Cone-restricted programs and projections (catalogue E3; Lemma 4, Cor. 5, 6, 10–22).

Restricted families are rays :math:`\{\eta U_\varphi : \eta \ge 0\}` with shape parameters :math:`\varphi`
(momentum :math:`\beta`, layer scales, ...). For a quadratic budget :math:`N(Q) \le b` (a norm) and fixed
:math:`\varphi`, the objective :math:`\langle \eta U_\varphi, R\rangle` is linear in :math:`\eta`, so

.. math::

    \eta^\star(\varphi) = \frac{b}{N(U_\varphi)}\ \text{if}\ A(\varphi) = \langle U_\varphi, R\rangle > 0,
    \ \text{else}\ 0,\qquad
    J(\varphi) = \frac{\max(A(\varphi), 0)}{N(U_\varphi)},\qquad \varphi^\star = \arg\max J .

Projections (metric projection in the inner product :math:`\langle X, Y\rangle_W = \sum W\odot X\odot Y`, the
plain :math:`\mathcal{H}` metric for :math:`W = 1`): onto a ray,
:math:`t = \max(0, \langle Y,U\rangle_W)/\langle U,U\rangle_W`; onto the segment ray :math:`\cap` budget,
:math:`t` clipped to :math:`[0, t_{\max}]`; onto a union of rays,
the nearest over :math:`\varphi` (a grid, then a bounded refinement; ties are reported).

The one-pole families of Cor. 5 and Cor. 6 are :func:`one_pole_family` (isotropic) and its cost-weighted
variant, stored as diagonals ``(K + 1, d)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.optimize

from theorylab.budgets.base import positive_vector, real_array


def weighted_inner(X: np.ndarray, Y: np.ndarray, weights: np.ndarray | float | None = None) -> float:
    r""":math:`\langle X, Y\rangle_W = \sum W\odot X\odot Y` (``weights`` broadcast against the arrays; None = 1)."""
    if weights is None:
        return float(np.sum(X * Y))
    return float(np.sum(weights * X * Y))


def project_onto_ray(Y: Any, U: Any, weights: Any = None) -> tuple[float, np.ndarray]:
    r"""Metric projection of :math:`Y` onto the ray :math:`\{tU : t \ge 0\}`.

    Returns
    -------
    t : float
        :math:`\max(0, \langle Y, U\rangle_W)/\langle U, U\rangle_W`.
    projection : numpy.ndarray
        :math:`tU`.
    """
    Y, U = real_array(Y, "Y"), real_array(U, "U")
    norm2 = weighted_inner(U, U, weights)
    if norm2 <= 0:
        raise ValueError("the ray direction U must be nonzero")
    t = max(0.0, weighted_inner(Y, U, weights)) / norm2
    return t, t * U


def project_onto_segment(Y: Any, U: Any, t_max: float, weights: Any = None) -> tuple[float, np.ndarray]:
    r"""Metric projection onto :math:`\{tU : 0 \le t \le t_{\max}\}` (ray :math:`\cap` budget): :math:`t` clipped."""
    t, _ = project_onto_ray(Y, U, weights)
    t = min(t, float(t_max))
    return t, t * real_array(U, "U")


def one_pole_family(beta: float, K: int, d: int, costs: Any = None) -> np.ndarray:
    r"""Diagonals of the one-pole shape :math:`U_\beta[n] = (1-\beta)\beta^n\operatorname{diag}(1/c_j)`, ``(K + 1, d)``.

    ``costs=None`` gives the isotropic family of Cor. 5 (eq. 11, :math:`c_j = 1`); costs give the Adam family
    of Cor. 6 (eq. 14).
    """
    b = float(beta)
    if not 0.0 < b < 1.0:
        raise ValueError(f"beta must lie in (0, 1); got {beta!r}")
    scale = np.ones(int(d)) if costs is None else 1.0 / positive_vector(costs, "costs")
    return (1.0 - b) * b ** np.arange(int(K) + 1)[:, None] * scale[None, :]


def restricted_optimum(
    shape: Callable[[float], np.ndarray],
    R: Any,
    budget_norm: Callable[[np.ndarray], float],
    budget: float,
    *,
    bounds: tuple[float, float] = (1e-6, 1.0 - 1e-6),
    n_grid: int = 2001,
) -> dict[str, Any]:
    r"""Optimum over a one-parameter ray family :math:`\{\eta U_\varphi\}` under :math:`N(Q) \le b`.

    Parameters
    ----------
    shape : callable
        :math:`\varphi \mapsto U_\varphi` (same shape as ``R``).
    R : array_like
        The moment in the same representation (e.g. lag diagonals ``(K + 1, d)``).
    budget_norm : callable
        The norm :math:`N` of the budget (e.g. ``lambda U: np.sqrt(np.sum(U**2))`` for the H-ball).
    budget : float
        :math:`b` (e.g. :math:`\sqrt B`).
    bounds, n_grid
        Search interval and grid size (a bounded refinement follows the grid).

    Returns
    -------
    dict
        ``phi``, ``eta``, ``gain`` :math:`J(\varphi^\star)`, ``power`` :math:`= b\,J(\varphi^\star)`, ``grid``,
        ``gains``.
    """
    moment = real_array(R, "R")

    def gain(phi: float) -> float:
        U = shape(phi)
        return max(float(np.sum(U * moment)), 0.0) / budget_norm(U)

    grid = np.linspace(bounds[0], bounds[1], n_grid)
    gains = np.array([gain(p) for p in grid])
    best = int(np.argmax(gains))
    phi, value = float(grid[best]), float(gains[best])
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    if hi > lo:
        result = scipy.optimize.minimize_scalar(lambda p: -gain(p), bounds=(lo, hi), method="bounded",
                                                options={"xatol": 1e-12})
        if result.success and -result.fun >= value:
            phi, value = float(result.x), float(-result.fun)
    U = shape(phi)
    eta = budget / budget_norm(U) if value > 0 else 0.0
    return {"phi": phi, "eta": eta, "gain": value, "power": budget * value, "grid": grid, "gains": gains}


def project_onto_ray_family(
    Y: Any,
    shape: Callable[[float], np.ndarray],
    *,
    weights: Any = None,
    t_max: Callable[[float], float] | None = None,
    bounds: tuple[float, float] = (1e-6, 1.0 - 1e-6),
    n_grid: int = 2001,
    tie_tol: float = 1e-9,
) -> dict[str, Any]:
    r"""Metric projection onto a union of rays (or segments) :math:`\bigcup_\varphi\{tU_\varphi\}`.

    For each :math:`\varphi` the nearest point of the ray is :math:`t_\varphi U_\varphi` (clipped to
    :math:`t_{\max}(\varphi)` if given), at squared distance
    :math:`\|Y\|_W^2 - 2t\langle Y,U\rangle_W + t^2\|U\|_W^2`; the projection minimizes this over :math:`\varphi`
    (grid, then bounded refinement). The projection can be set-valued: grid points whose distance is within
    ``tie_tol`` (relative) of the minimum are returned as ``ties``.

    Returns
    -------
    dict
        ``phi``, ``t``, ``projection``, ``distance``, ``ties`` (list of :math:`\varphi`), ``grid``, ``distances``.
    """
    target = real_array(Y, "Y")
    y2 = weighted_inner(target, target, weights)

    def nearest(phi: float) -> tuple[float, float]:
        U = shape(phi)
        if t_max is None:
            t, _ = project_onto_ray(target, U, weights)
        else:
            t, _ = project_onto_segment(target, U, t_max(phi), weights)
        d2 = y2 - 2 * t * weighted_inner(target, U, weights) + t * t * weighted_inner(U, U, weights)
        return t, max(d2, 0.0)

    grid = np.linspace(bounds[0], bounds[1], n_grid)
    distances = np.array([nearest(p)[1] for p in grid])
    best = int(np.argmin(distances))
    phi, value = float(grid[best]), float(distances[best])
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    if hi > lo:
        result = scipy.optimize.minimize_scalar(lambda p: nearest(p)[1], bounds=(lo, hi), method="bounded",
                                                options={"xatol": 1e-12})
        if result.success and result.fun <= value:
            phi, value = float(result.x), float(result.fun)
    t, _ = nearest(phi)
    scale = max(y2, np.finfo(float).tiny)
    ties = [float(p) for p, dist in zip(grid, distances, strict=True)
            if dist - value <= tie_tol * scale and abs(p - phi) > 2 * (grid[1] - grid[0])]
    return {"phi": phi, "t": t, "projection": t * shape(phi), "distance": math.sqrt(value), "ties": ties,
            "grid": grid, "distances": np.sqrt(distances)}
