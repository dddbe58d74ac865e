r"""Helpers shared by the TrailMix appendix checks (Appendix A and Appendix P).

Exact and solver references for the Euclidean projection onto the simplex,
its KKT residual, the hypothesis strategy of projection inputs, and the
float64 constants the tolerances are written in.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from theorylab.claims import NumericalFailure
from theorylab.testing.strategies import log_uniform, simplex_points

#: float64 machine epsilon.
EPS = float(np.finfo(float).eps)


# --------------------------------------------------------------------------- exact projection


def exact_projection(z: Any) -> list[Fraction]:
    r"""Exact Euclidean projection of ``z`` onto :math:`\Delta_K` in rational arithmetic.

    Every float64 entry is converted exactly to a :class:`~fractions.Fraction`
    and the projection is computed by Michelot's support-reduction algorithm,
    which does not sort: start from :math:`S = \{1..K\}`, set
    :math:`\theta_S = (1 - \sum_{i\in S} z_i)/|S|` and drop every :math:`i`
    with :math:`z_i + \theta_S \le 0` until none is dropped. The result
    :math:`\max(z + \theta_S, 0)` is then certified by the exact KKT
    conditions (:func:`exact_kkt_holds`), so a bug here cannot pass silently.

    Parameters
    ----------
    z : array_like
        Finite float vector of length ``K >= 1``.

    Returns
    -------
    list of Fraction
        The projection, exactly.
    """
    zq = [Fraction(float(v)) for v in np.asarray(z, dtype=float).ravel()]
    support = list(range(len(zq)))
    while True:
        theta = (1 - sum((zq[i] for i in support), Fraction(0))) / len(support)
        kept = [i for i in support if zq[i] + theta > 0]
        if len(kept) == len(support):
            break
        support = kept
    return [max(v + theta, Fraction(0)) for v in zq]


def exact_kkt_holds(lam: list[Fraction], z: Any) -> bool:
    r"""Whether ``lam`` satisfies the KKT conditions of :math:`\min_{\Delta_K}\|\lambda - z\|^2` exactly.

    .. math::

        \lambda \ge 0,\quad \textstyle\sum_i\lambda_i = 1,\quad
        \lambda_i - z_i = \theta \ (\lambda_i > 0),\quad z_j + \theta \le 0 \ (\lambda_j = 0).

    These are necessary and sufficient for the strictly convex problem.
    """
    zq = [Fraction(float(v)) for v in np.asarray(z, dtype=float).ravel()]
    if any(v < 0 for v in lam) or sum(lam, Fraction(0)) != 1:
        return False
    shifts = {lam[i] - zq[i] for i in range(len(lam)) if lam[i] > 0}
    if len(shifts) != 1:
        return False
    theta = shifts.pop()
    return all(zq[j] + theta <= 0 for j in range(len(lam)) if lam[j] == 0)


# --------------------------------------------------------------------------- float residuals


def projection_kkt_residual(lam: np.ndarray, z: np.ndarray) -> float:
    r"""Largest violation of the projection KKT conditions by a float candidate.

    With the support :math:`S = \{i : \lambda_i > 0\}` and
    :math:`\hat\theta = \operatorname{mean}_{i\in S}(\lambda_i - z_i)`, the
    residual is the maximum of :math:`|\sum_i\lambda_i - 1|`,
    :math:`\max_i(-\lambda_i)`, :math:`\max_{i\in S}|\lambda_i - z_i - \hat\theta|`
    and :math:`\max_{j\notin S}(z_j + \hat\theta)^+`.
    """
    lam = np.asarray(lam, dtype=float)
    z = np.asarray(z, dtype=float)
    on = lam > 0
    if not on.any():
        return math.inf
    shift = lam[on] - z[on]
    theta = float(np.mean(shift))
    parts = [abs(math.fsum(lam) - 1.0), float(np.max(-lam, initial=0.0)),
             float(np.max(np.abs(shift - theta)))]
    if (~on).any():
        parts.append(max(float(np.max(z[~on] + theta)), 0.0))
    return max(parts)


def variational_gap(lam: np.ndarray, z: np.ndarray) -> float:
    r"""Smallest first-order optimality gap of ``lam`` over the vertices of :math:`\Delta_K`.

    .. math::

        \min_j \langle e_j - \lambda, \lambda - z\rangle
        = \min_j (\lambda - z)_j - \langle\lambda, \lambda - z\rangle .

    It is :math:`\ge 0` iff :math:`\lambda` minimises :math:`\|\cdot - z\|^2`
    over :math:`\Delta_K` (the variational inequality is linear in the
    competitor, so the vertices suffice), and then every feasible
    :math:`\lambda'` satisfies
    :math:`\|\lambda' - z\|^2 \ge \|\lambda - z\|^2 + \|\lambda' - \lambda\|^2`.
    """
    residual = np.asarray(lam, dtype=float) - np.asarray(z, dtype=float)
    return float(np.min(residual)) - math.fsum(np.asarray(lam, dtype=float) * residual)


# --------------------------------------------------------------------------- QP reference

_QP_CACHE: dict[int, tuple[Any, Any, Any]] = {}

#: Gap/feasibility tolerances tried in turn for the projection QP (Clarabel's default is 1e-8).
CLARABEL_TOLERANCES = (1e-14, 1e-12, 1e-10)


def solve_projection_qp(z: np.ndarray) -> tuple[np.ndarray, float]:
    r"""Projection onto :math:`\Delta_K` by a generic QP solver (cvxpy + Clarabel).

    Two exact reductions make the QP well scaled for every input:

    * shift invariance: :math:`\Pi(z + c\mathbf 1) = \Pi(z)` (the term
      :math:`c\sum_i\lambda_i = c` is constant on the simplex), so
      :math:`z' = z - \max_i z_i \le 0`;
    * coordinates with :math:`z'_j \le -1` vanish: every projection has
      :math:`\lambda_i = (z_i + \theta)^+` with :math:`\theta \le 1 - \max_i z_i`
      (because :math:`\lambda_{\max} \le 1`), hence
      :math:`z_j + \theta \le z'_j + 1 \le 0`.

    The remaining QP :math:`\min \tfrac12\|\lambda\|^2 - \langle z', \lambda\rangle`,
    :math:`\sum\lambda = 1, \lambda \ge 0`, has data in :math:`(-1, 0]`.
    Only the status ``optimal`` is accepted. The gap and feasibility
    tolerances :data:`CLARABEL_TOLERANCES` are tried in turn: near-degenerate
    inputs (a vertex with entries of size 1e-12 beside it) can end
    ``optimal_inaccurate`` at 1e-14 and ``optimal`` at a looser setting.

    Returns
    -------
    projection : numpy.ndarray
        The QP solution, padded with the zeros of the dropped coordinates.
    tolerance : float
        The gap/feasibility tolerance at which the status was ``optimal``.

    Raises
    ------
    NumericalFailure
        If the solver status is anything but ``optimal`` or the solution is not finite.
    """
    import cvxpy as cp

    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z)
    keep = shifted > -1.0
    reduced = shifted[keep]
    k = reduced.size
    if k not in _QP_CACHE:
        param, var = cp.Parameter(k), cp.Variable(k)
        problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(var) - param @ var), [cp.sum(var) == 1, var >= 0])
        _QP_CACHE[k] = (problem, param, var)
    problem, param, var = _QP_CACHE[k]
    param.value = reduced
    statuses = []
    for tol in CLARABEL_TOLERANCES:
        settings = {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol, "tol_ktratio": min(1e-6, 1e4 * tol)}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the status is checked below
                problem.solve(solver="CLARABEL", **settings)
        except Exception as exc:  # cvxpy raises SolverError and friends
            statuses.append(f"{tol:g}: {type(exc).__name__}")
            continue
        statuses.append(f"{tol:g}: {problem.status}")
        if problem.status == "optimal":
            value = np.asarray(var.value, dtype=float)
            if not np.all(np.isfinite(value)):
                raise NumericalFailure(f"Clarabel returned a non-finite projection (K={z.size})")
            full = np.zeros_like(z)
            full[keep] = value
            return full, tol
    raise NumericalFailure(f"Clarabel did not reach status optimal on the projection QP (K={z.size}): "
                           + ", ".join(statuses))


def reduced_objective_difference(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> float:
    r"""Cancellation-free :math:`g(a) - g(b)` for :math:`g(\lambda) = \tfrac12\|\lambda - z\|^2`.

    .. math::

        g(a) - g(b) = \langle a - b, \tfrac12(a + b) - z\rangle ,

    evaluated with :math:`z - \max_i z_i` in place of :math:`z` (the same
    difference on :math:`\Delta_K`, where :math:`\sum a = \sum b = 1`).
    """
    a, b, z = (np.asarray(v, dtype=float) for v in (a, b, z))
    return math.fsum((a - b) * (0.5 * (a + b) - (z - np.max(z))))


# --------------------------------------------------------------------------- strategies


@st.composite
def projection_inputs(draw: st.DrawFn, min_k: int = 1, max_k: int = 50) -> np.ndarray:
    r"""Vectors :math:`z` to project: scales :math:`10^{-6}..10^{6}`, ties, offsets, simplex points.

    Kinds: a scaled box vector :math:`s\,v` with :math:`v\in[-1,1]^K`,
    :math:`s` log-uniform in :math:`[10^{-6}, 10^6]`; the same with exact ties
    (entries copied from a smaller pool); the same plus a common offset
    :math:`c\mathbf 1` (:math:`|c|` up to :math:`10^6`, the projection is
    invariant under it); a point of :math:`\Delta_K` (projection = identity,
    incl. faces and vertices); a simplex point plus a small perturbation
    (straddling faces).
    """
    k = draw(st.integers(min_k, max_k))
    kind = draw(st.sampled_from(("scaled", "ties", "offset", "simplex", "near-simplex")))
    if kind in ("simplex", "near-simplex"):
        z = draw(simplex_points(k, allow_zeros=True))
        if kind == "near-simplex":
            noise = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=k, max_size=k)))
            z = z + draw(log_uniform(1e-12, 1e-1)) * noise
        return z
    scale = draw(log_uniform(1e-6, 1e6))
    if kind == "ties":
        pool = draw(st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=k))
        v = np.array(draw(st.lists(st.sampled_from(pool), min_size=k, max_size=k)))
    else:
        v = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=k, max_size=k)))
    z = scale * v
    if kind == "offset":
        z = z + draw(st.sampled_from((1.0, -1.0))) * draw(log_uniform(1e-3, 1e6))
    return z


@st.composite
def large_projection_inputs(draw: st.DrawFn, sizes: tuple[int, ...]) -> np.ndarray:
    """Large random :math:`z` (too large for hypothesis' own buffers): a drawn seed feeds numpy.

    Kinds as in :func:`projection_inputs`: Gaussian entries times a
    log-uniform scale, the same rounded to a few distinct values (ties), or
    plus a large common offset.
    """
    k = draw(st.sampled_from(sizes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(log_uniform(1e-6, 1e6))
    kind = draw(st.sampled_from(("scaled", "ties", "offset")))
    v = rng.standard_normal(k)
    if kind == "ties":
        v = np.round(v * 4.0) / 4.0
    z = scale * v
    if kind == "offset":
        z = z + float(rng.choice([-1.0, 1.0])) * 10.0 ** rng.uniform(-3, 6)
    return z
