r"""The coupled (x, λ) dynamics of TrailMix, integrated and tracked.

Continuous time (TrailMix App. C--D, catalogue Engines §2). With base
directions :math:`d_i(x)` (:class:`BaseDirections`) and mixture weights
:math:`\lambda \in \Delta_K`,

.. math::

    \dot x = -\sum_{i=1}^K \lambda_i\, d_i(x) \qquad (101),

and the weights follow one of

- ``"proj"``: :math:`\dot\lambda = \Pi_{T_\Delta(\lambda)}(\theta\tilde h)` (102),
- ``"rep"``: :math:`\dot\lambda_i = \theta\lambda_i(\tilde h_i - \sum_j\lambda_j\tilde h_j)`
  ((5), (31), (121); Lemma 8 Case 1),
- ``"fixed"``: :math:`\dot\lambda = 0` (fixed mixture, (97) with λ frozen),

with :math:`\tilde h = h + \kappa\nabla H(\lambda)` (entropy-regularised meta-score;
:math:`\kappa = 0` is the paper's system) and the meta-score :math:`h` of
Definition 3: ``"align"`` :math:`h_i = -\langle\nabla f, d_i\rangle` (Def. 3(1))
or ``"adv"`` :math:`h_i = \langle\nabla f, d_i\rangle - \sum_j\lambda_j
\langle\nabla f, d_j\rangle` (Def. 3(2), Alg. 1 line 7), or any user-supplied
:math:`h(x, \lambda)`. The two-timescale system (97)--(98) in fast time is
``"proj"`` with :math:`\theta = \varepsilon` (:func:`two_timescale_flow`).

:func:`integrate_flow` integrates with :func:`scipy.integrate.solve_ivp`
(dense output) in coordinates that keep λ on the simplex to round-off;
:func:`integrate_batch` is a fixed-step RK4 over a batch of trajectories for
property searches. Trackers (:class:`FunctionalTracker`,
:class:`SimplexTracker`, :class:`FinitenessTracker`) record :math:`f`,
:math:`H(\lambda)`, :math:`\mathcal V = f - \tau H` and feasibility on the
dense grid and flag increases of functionals claimed to be non-increasing.
:func:`mixture_sgd` runs the discrete recursions (3)/(94)--(95) of the rate
theorems.

Also: the selector system (221)--(222) (:func:`selector_flow`,
:func:`selector_jacobian`), the fixed-mixture flow with a piecewise-constant
λ(t) (:func:`integrate_switched_mixture`), and the inertial system
(148)--(154) of App. F.2 (:class:`InertialFlow`, :func:`integrate_inertial`,
:func:`inertial_recursion`, :func:`inertial_recursion_quadratic`,
:func:`inertial_lyapunov_rates`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import solve_ivp
from scipy.special import entr

from theorylab.problems import Problem, _as_points, _finite_array, _finite_scalar
from theorylab.simplex import (
    project_to_simplex,
    replicator_field,
    tangent_cone_projection,
    weighted_variance,
)

__all__ = [
    "BaseDirections",
    "BatchSolution",
    "CoupledFlow",
    "FinitenessTracker",
    "FlowSolution",
    "FunctionalTracker",
    "InertialFlow",
    "InertialRates",
    "InertialSolution",
    "InertialTrace",
    "LyapunovRates",
    "MOMENTUM_SIGNS",
    "SGDTrace",
    "SimplexTracker",
    "StepSchedule",
    "SwitchedMixtureSolution",
    "TrackReport",
    "Tracker",
    "custom_bases",
    "default_trackers",
    "entropy_tracker",
    "find_increases",
    "free_energy_tracker",
    "inertial_lyapunov_rates",
    "inertial_recursion",
    "inertial_recursion_quadratic",
    "integrate_batch",
    "integrate_flow",
    "integrate_inertial",
    "integrate_switched_mixture",
    "linear_meta_score",
    "lyapunov_rates",
    "mixture_sgd",
    "objective_tracker",
    "preconditioned_bases",
    "scaled_bases",
    "selector_flow",
    "selector_jacobian",
    "two_timescale_flow",
]

FloatArray = NDArray[np.float64]
DirectionMap = Callable[[FloatArray, FloatArray], FloatArray]
ScoreMap = Callable[[FloatArray, FloatArray], FloatArray]

_EPS = float(np.finfo(float).eps)
_WEIGHT_DYNAMICS = ("proj", "rep", "fixed")
_SCORES = ("align", "adv")
_SOLVE_IVP_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int ``>= minimum`` or raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _simplex_rows(lam: Any, n_bases: int, name: str = "lam") -> tuple[FloatArray, bool]:
    """Validate points of :math:`\\Delta_K` (shape ``(K,)`` or ``(N, K)``), renormalised exactly.

    Entries must be >= 0 and each row must sum to 1 within ``1e-9 * K``.
    """
    what = f"a point of the simplex of shape ({n_bases},) or a batch (N, {n_bases}) (entries >= 0, rows sum to 1)"
    arr = _finite_array(lam, name, what)
    single = arr.ndim == 1
    rows = arr.reshape(1, -1) if single else arr
    if rows.ndim != 2 or rows.shape[1] != n_bases:
        raise ValueError(f"{name} must be {what}; got shape {arr.shape}")
    if np.any(rows < 0.0):
        raise ValueError(f"{name} must be {what}; got min entry {float(rows.min())!r}")
    sums = rows.sum(axis=1)
    if np.any(np.abs(sums - 1.0) > 1e-9 * n_bases):
        worst = float(sums[np.argmax(np.abs(sums - 1.0))])
        raise ValueError(f"{name} must be {what}; got a row sum {worst!r}")
    return rows / sums[:, None], single


def _entropy_gradient_rows(lam: FloatArray) -> FloatArray:
    r"""Stable entropy gradient (Lemma 22) row-wise, :math:`-\log\max(\lambda_i, \varepsilon) - 1`.

    Same formula as :func:`theorylab.simplex.entropy_gradient`, vectorised and
    defined for the slightly negative entries an ODE stage may produce.
    """
    return -np.log(np.maximum(lam, _EPS)) - 1.0


def _entropy_rows(lam: FloatArray) -> FloatArray:
    """Shannon entropy of each row (negative round-off entries count as 0)."""
    return np.sum(entr(np.maximum(lam, 0.0)), axis=-1)


def _tangent_cone_projection_rows(v: FloatArray, lam: FloatArray) -> FloatArray:
    r"""Row-wise :math:`\Pi_{T_\Delta(\lambda)}(v)`, vectorised form of
    :func:`theorylab.simplex.tangent_cone_projection`.

    With the support :math:`I = \{\lambda_i > 0\}` and the off-support values
    sorted decreasingly :math:`b_1 \ge \dots \ge b_m`, the shift is
    :math:`\nu = (\sum_I v_i + \sum_{l \le k} b_l)/(|I| + k)` where :math:`k`
    is the number of breakpoints with
    :math:`g(b_j) = \sum_I v_i + \sum_{l<j} b_l - (|I| + j - 1) b_j < 0`;
    then :math:`u_i = v_i - \nu` on :math:`I` and :math:`\max(v_j - \nu, 0)` off it.
    """
    on = lam > 0.0
    if on.all():
        return v - v.mean(axis=1, keepdims=True)
    n_on = on.sum(axis=1)
    sum_on = np.where(on, v, 0.0).sum(axis=1)
    b = -np.sort(-np.where(on, -np.inf, v), axis=1)  # off-support values first, then -inf
    m = (~on).sum(axis=1)
    k_max = v.shape[1]
    b_fin = np.where(np.isfinite(b), b, 0.0)
    before = np.concatenate([np.zeros((v.shape[0], 1)), np.cumsum(b_fin, axis=1)[:, :-1]], axis=1)
    j = np.arange(k_max)[None, :]
    g_at_b = sum_on[:, None] + before - (n_on[:, None] + j) * b_fin
    active = (j < m[:, None]) & (g_at_b < 0.0)
    # g is decreasing in the breakpoint order, so the active ones form a prefix
    k = active.sum(axis=1)
    prefix = np.where(j < k[:, None], b_fin, 0.0).sum(axis=1)
    nu = (sum_on + prefix) / (n_on + k)
    out = v - nu[:, None]
    return np.where(on, out, np.maximum(out, 0.0))


# ---------------------------------------------------------------------------
# base directions and meta-scores
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BaseDirections:
    r"""K base directions :math:`d_i(x, g)` computed from a (stochastic) gradient.

    In the ODEs :math:`g = \nabla f(x)`; in :func:`mixture_sgd` :math:`g` is
    the stochastic gradient :math:`\nabla f(x) + \xi` shared by all bases.

    Attributes
    ----------
    name : str
        Family and parameters (``"B-SCALED"``, ``"B-SPD"``, or custom).
    n_bases : int
        :math:`K`.
    dim : int
        :math:`d`.
    alignment : numpy.ndarray or None
        Alignment constants :math:`c_i` of Assumption 7,
        :math:`\langle\nabla f, d_i\rangle \ge c_i\|\nabla f\|^2` (exact for
        B-SCALED and constant B-SPD; as supplied otherwise).
    """

    name: str
    n_bases: int
    dim: int
    _directions: DirectionMap = field(repr=False)
    alignment: FloatArray | None = None

    def __call__(self, x: ArrayLike, g: ArrayLike) -> FloatArray:
        """Directions at ``x`` for gradient ``g``: ``(K, d)`` for a point, ``(N, K, d)`` for a batch."""
        pts, single = _as_points(x, self.dim, "x")
        grads, _ = _as_points(g, self.dim, "g")
        if grads.shape != pts.shape:
            raise ValueError(f"g must have the same shape as x {pts.shape}; got {grads.shape}")
        out = self._directions(pts, grads)
        return out[0] if single else out

    def mixture_alignment(self, lam: ArrayLike) -> float:
        r"""Mixture alignment :math:`c(\lambda) = \sum_i \lambda_i c_i` (Assumption 3).

        Raises
        ------
        ValueError
            If the constants are unknown or ``lam`` is not on the simplex.
        """
        if self.alignment is None:
            raise ValueError(f"{self.name}: the alignment constants are unknown")
        rows, _ = _simplex_rows(lam, self.n_bases)
        return float(rows[0] @ self.alignment)


def scaled_bases(scales: ArrayLike, dim: int) -> BaseDirections:
    r"""B-SCALED bases :math:`d_i = c_i\,g` (alignment exactly :math:`c_i`).

    Parameters
    ----------
    scales : array_like
        :math:`c \in \mathbb{R}^K` (any sign; a negative :math:`c_i` is a
        misaligned base).
    dim : int
        Dimension :math:`d`.

    Returns
    -------
    BaseDirections
    """
    c = _finite_array(scales, "scales", "a finite non-empty 1-D vector")
    if c.ndim != 1 or c.size == 0:
        raise ValueError(f"scales must be a finite non-empty 1-D vector; got shape {c.shape}")
    d = _positive_int(dim, "dim")

    def directions(x: FloatArray, g: FloatArray) -> FloatArray:
        return c[None, :, None] * g[:, None, :]

    return BaseDirections(f"B-SCALED(c={np.array2string(c, precision=3)})", c.size, d, directions, c.copy())


def preconditioned_bases(
    preconditioners: ArrayLike | Callable[[FloatArray], FloatArray],
    *,
    dim: int | None = None,
    alignment: ArrayLike | None = None,
) -> BaseDirections:
    r"""B-SPD bases :math:`d_i = P_i(x)\,g` (Definition 5, Lemma 10).

    For constant symmetric :math:`P_i` the alignment constant is
    :math:`c_i = \lambda_{\min}(P_i)` (Lemma 10, (144)), computed exactly.

    Parameters
    ----------
    preconditioners : array_like or callable
        Constant matrices of shape ``(K, d, d)`` (symmetric), or a callable
        mapping a batch ``x`` of shape ``(N, d)`` to ``(N, K, d, d)``.
    dim : int, optional
        Dimension; required for a callable.
    alignment : array_like, optional
        Lower bounds :math:`\underline\lambda_i` on
        :math:`\lambda_{\min}(P_i(x))` for a callable (otherwise unknown).

    Returns
    -------
    BaseDirections
    """
    if callable(preconditioners):
        d = _positive_int(dim, "dim")
        fn = preconditioners
        probe = np.asarray(fn(np.zeros((1, d))), dtype=np.float64)
        if probe.ndim != 4 or probe.shape[0] != 1 or probe.shape[2:] != (d, d):
            raise ValueError(f"preconditioners(x) must return shape (N, K, {d}, {d}); got {probe.shape} for N=1")
        k = probe.shape[1]
        c = None
        if alignment is not None:
            c = _finite_array(alignment, "alignment", f"a finite vector of length {k}")
            if c.shape != (k,):
                raise ValueError(f"alignment must have shape ({k},); got {c.shape}")

        def directions(x: FloatArray, g: FloatArray) -> FloatArray:
            return np.einsum("nkij,nj->nki", fn(x), g)

        return BaseDirections(f"B-SPD(state-dependent, K={k})", k, d, directions, c)
    p = _finite_array(preconditioners, "preconditioners", "a finite (K, d, d) array of symmetric matrices")
    if p.ndim != 3 or p.shape[1] != p.shape[2] or p.shape[0] == 0 or p.shape[1] == 0:
        raise ValueError(f"preconditioners must have shape (K, d, d); got {p.shape}")
    if dim is not None and _positive_int(dim, "dim") != p.shape[1]:
        raise ValueError(f"dim={dim} does not match the preconditioners' shape {p.shape}")
    asym = float(np.max(np.abs(p - np.swapaxes(p, 1, 2))))
    if asym > 1e-12 * max(1.0, float(np.max(np.abs(p)))):
        raise ValueError(f"preconditioners must be symmetric; got max |P - P^T| = {asym:.3g}")
    p = 0.5 * (p + np.swapaxes(p, 1, 2))
    lam_min = np.linalg.eigvalsh(p)[:, 0]

    def directions(x: FloatArray, g: FloatArray) -> FloatArray:
        return np.einsum("kij,nj->nki", p, g)

    return BaseDirections(
        f"B-SPD(K={p.shape[0]}, lambda_min={np.array2string(lam_min, precision=3)})",
        p.shape[0],
        p.shape[1],
        directions,
        lam_min,
    )


def custom_bases(
    directions: DirectionMap, n_bases: int, dim: int, alignment: ArrayLike | None = None, name: str = "custom"
) -> BaseDirections:
    r"""Bases from a user map :math:`(x, g) \mapsto (d_1, \dots, d_K)`.

    Parameters
    ----------
    directions : callable
        Maps ``x`` and ``g`` of shape ``(N, d)`` to ``(N, K, d)``.
    n_bases, dim : int
        :math:`K` and :math:`d`.
    alignment : array_like, optional
        Known alignment constants.
    name : str, optional
        Name.

    Returns
    -------
    BaseDirections
    """
    k = _positive_int(n_bases, "n_bases")
    d = _positive_int(dim, "dim")
    if not callable(directions):
        raise ValueError(f"directions must be callable (x, g) -> (N, K, d); got {type(directions).__name__}")
    probe = np.asarray(directions(np.zeros((1, d)), np.ones((1, d))))
    if probe.shape != (1, k, d):
        raise ValueError(f"directions(x, g) must return shape (N, {k}, {d}); got {probe.shape} for N=1")
    c = None
    if alignment is not None:
        c = _finite_array(alignment, "alignment", f"a finite vector of length {k}")
        if c.shape != (k,):
            raise ValueError(f"alignment must have shape ({k},); got {c.shape}")
    return BaseDirections(name, k, d, directions, c)


def linear_meta_score(problem: Problem, a_matrix: ArrayLike, b_matrix: ArrayLike | None = None) -> ScoreMap:
    r"""Generic meta-score :math:`h(x, \lambda) = A\lambda + B\nabla f(x)` (batched).

    Parameters
    ----------
    problem : Problem
        Supplies :math:`\nabla f`.
    a_matrix : array_like
        :math:`A`, shape ``(K, K)``.
    b_matrix : array_like, optional
        :math:`B`, shape ``(K, d)`` (default 0).

    Returns
    -------
    callable
        ``h(x, lam)`` mapping ``(N, d)`` and ``(N, K)`` to ``(N, K)``.
    """
    a = _finite_array(a_matrix, "a_matrix", "a finite square (K, K) matrix")
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"a_matrix must be a finite square (K, K) matrix; got shape {a.shape}")
    k = a.shape[0]
    b = np.zeros((k, problem.dim)) if b_matrix is None else _finite_array(b_matrix, "b_matrix", "a finite matrix")
    if b.shape != (k, problem.dim):
        raise ValueError(f"b_matrix must have shape ({k}, {problem.dim}); got {b.shape}")

    def score(x: FloatArray, lam: FloatArray) -> FloatArray:
        return lam @ a.T + problem._grad(x) @ b.T

    return score


# ---------------------------------------------------------------------------
# the coupled flow
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CoupledFlow:
    r"""The coupled system (101) with weight dynamics (102), the replicator, or fixed λ.

    .. math::

        \dot x = -\sum_i\lambda_i d_i(x), \qquad
        \dot\lambda =
        \begin{cases}
            \Pi_{T_\Delta(\lambda)}(\theta\tilde h(x, \lambda)) & \texttt{"proj"}\ (102)\\
            \theta\,\lambda\odot(\tilde h - \langle\lambda, \tilde h\rangle\mathbf 1) & \texttt{"rep"}\ (5), (31)\\
            0 & \texttt{"fixed"}
        \end{cases}

    with :math:`\tilde h = h + \kappa\nabla H(\lambda)` (:math:`\kappa` =
    ``entropy_weight``, stable gradient of Lemma 22) and the meta-score

    .. math::

        h^{\mathrm{align}}_i = -\langle\nabla f(x), d_i(x)\rangle \ \text{(Def. 3(1))}, \qquad
        h^{\mathrm{adv}}_i = \langle\nabla f, d_i\rangle - \sum_j\lambda_j\langle\nabla f, d_j\rangle
        \ \text{(Def. 3(2))}.

    For ``"rep"`` with :math:`\kappa > 0` the weights relax towards the Gibbs
    point :math:`\lambda \propto e^{h/\kappa}` when :math:`h` is constant.
    The paper's temperature :math:`\tau` of :math:`\mathcal V = f - \tau H`
    (103) does not enter the dynamics; it is a parameter of
    :func:`free_energy_tracker` and :func:`lyapunov_rates`.

    Parameters
    ----------
    problem : Problem
        Objective :math:`f`.
    bases : BaseDirections
        Base directions (same dimension as ``problem``).
    weight_dynamics : {"rep", "proj", "fixed"}
        λ-dynamics.
    score : {"adv", "align"} or callable
        Meta-score; a callable maps ``x (N, d)``, ``lam (N, K)`` to ``(N, K)``.
    theta : float
        Coupling :math:`\theta \ge 0`.
    entropy_weight : float
        :math:`\kappa \ge 0`.
    """

    problem: Problem
    bases: BaseDirections
    weight_dynamics: str = "rep"
    score: str | ScoreMap = "adv"
    theta: float = 1.0
    entropy_weight: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.problem, Problem):
            raise ValueError(f"problem must be a Problem; got {type(self.problem).__name__}")
        if not isinstance(self.bases, BaseDirections):
            raise ValueError(f"bases must be BaseDirections; got {type(self.bases).__name__}")
        if self.bases.dim != self.problem.dim:
            raise ValueError(f"bases have dimension {self.bases.dim} but the problem has {self.problem.dim}")
        if self.weight_dynamics not in _WEIGHT_DYNAMICS:
            raise ValueError(f"weight_dynamics must be one of {_WEIGHT_DYNAMICS}; got {self.weight_dynamics!r}")
        if isinstance(self.score, str):
            if self.score not in _SCORES:
                raise ValueError(f"score must be one of {_SCORES} or a callable; got {self.score!r}")
        elif callable(self.score):
            k, d = self.bases.n_bases, self.problem.dim
            probe = np.asarray(self.score(np.zeros((1, d)), np.full((1, k), 1.0 / k)))
            if probe.shape != (1, k):
                raise ValueError(f"score(x, lam) must return shape (N, {k}); got {probe.shape} for N=1")
        else:
            raise ValueError(f"score must be one of {_SCORES} or a callable; got {type(self.score).__name__}")
        theta = _finite_scalar(self.theta, "theta")
        kappa = _finite_scalar(self.entropy_weight, "entropy_weight")
        if theta < 0.0 or kappa < 0.0:
            raise ValueError(f"theta and entropy_weight must be >= 0; got theta={theta}, entropy_weight={kappa}")
        object.__setattr__(self, "theta", theta)
        object.__setattr__(self, "entropy_weight", kappa)

    @property
    def dim(self) -> int:
        """Dimension :math:`d` of :math:`x`."""
        return self.problem.dim

    @property
    def n_bases(self) -> int:
        """Number :math:`K` of bases."""
        return self.bases.n_bases

    # -- batched internals (no validation) ---------------------------------

    def _terms(self, x: FloatArray, lam: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Return the gradient, :math:`\\dot x` and the score :math:`\\tilde h` for batches."""
        g = self.problem._grad(x)
        directions = self.bases._directions(x, g)
        xdot = -np.einsum("nk,nkd->nd", lam, directions)
        if callable(self.score):
            h = np.asarray(self.score(x, lam), dtype=np.float64)
        else:
            alignment = np.einsum("nkd,nd->nk", directions, g)
            if self.score == "align":
                h = -alignment
            else:
                h = alignment - np.sum(lam * alignment, axis=1, keepdims=True)
        if self.entropy_weight:
            h = h + self.entropy_weight * _entropy_gradient_rows(lam)
        return g, xdot, h

    def _lam_dot(self, lam: FloatArray, h: FloatArray) -> FloatArray:
        if self.weight_dynamics == "fixed":
            return np.zeros_like(lam)
        if self.weight_dynamics == "rep":
            return self.theta * lam * (h - np.sum(lam * h, axis=1, keepdims=True))
        return _tangent_cone_projection_rows(self.theta * h, lam)

    # -- public, validated --------------------------------------------------

    def scores(self, x: ArrayLike, lam: ArrayLike) -> FloatArray:
        r"""Meta-score :math:`\tilde h(x, \lambda)`, shape ``(K,)``."""
        pts, _ = _as_points(x, self.dim, "x")
        if pts.shape[0] != 1:
            raise ValueError(f"x must be a single point of shape ({self.dim},); got a batch")
        rows, _ = _simplex_rows(lam, self.n_bases)
        return self._terms(pts, rows)[2][0]

    def field(self, x: ArrayLike, lam: ArrayLike) -> tuple[FloatArray, FloatArray]:
        r"""Vector field :math:`(\dot x, \dot\lambda)` at one point.

        For ``"proj"`` the projection uses
        :func:`theorylab.simplex.tangent_cone_projection`; for ``"rep"``
        :func:`theorylab.simplex.replicator_field`.

        Returns
        -------
        xdot : numpy.ndarray
            Shape ``(d,)``.
        lamdot : numpy.ndarray
            Shape ``(K,)``.
        """
        pts, _ = _as_points(x, self.dim, "x")
        if pts.shape[0] != 1:
            raise ValueError(f"x must be a single point of shape ({self.dim},); got a batch")
        rows, _ = _simplex_rows(lam, self.n_bases)
        _, xdot, h = self._terms(pts, rows)
        if self.weight_dynamics == "fixed":
            lamdot = np.zeros(self.n_bases)
        elif self.weight_dynamics == "rep":
            lamdot = replicator_field(rows[0], h[0], self.theta)
        else:
            lamdot = tangent_cone_projection(self.theta * h[0], rows[0])
        return xdot[0], lamdot


def two_timescale_flow(
    problem: Problem, bases: BaseDirections, ratio: float, score: str | ScoreMap = "adv"
) -> CoupledFlow:
    r"""Two-timescale system (97)--(98) in the fast time scale.

    .. math::

        \dot x = -\sum_i\lambda_i d_i(x), \qquad
        \dot\lambda = \varepsilon\,\Pi_{T_\Delta(\lambda)}(h(x, \lambda))
        = \Pi_{T_\Delta(\lambda)}(\varepsilon h(x, \lambda)),

    the second equality because :math:`T_\Delta(\lambda)` is a cone. It is
    (101)--(102) with :math:`\theta = \varepsilon`; (98) is recovered in the
    slow time :math:`s = \varepsilon t` as :math:`\varepsilon \to 0`.

    Parameters
    ----------
    problem, bases, score
        As in :class:`CoupledFlow`.
    ratio : float
        Time-scale ratio :math:`\varepsilon > 0` (:math:`\beta_t/\alpha_t`).

    Returns
    -------
    CoupledFlow
    """
    eps = _finite_scalar(ratio, "ratio", positive=True)
    return CoupledFlow(problem, bases, weight_dynamics="proj", score=score, theta=eps)


@dataclass(frozen=True)
class LyapunovRates:
    r"""Time derivatives along the flow at one state (Lemma 8, (105)--(110)).

    Attributes
    ----------
    objective_rate : float
        :math:`\frac{d}{dt}f = \langle\nabla f, \dot x\rangle` (106).
    entropy_rate : float
        :math:`\frac{d}{dt}H = \langle\nabla H(\lambda), \dot\lambda\rangle`
        (``+inf`` if a zero weight starts to grow).
    free_energy_rate : float
        :math:`\dot{\mathcal V} = \langle\nabla f, \dot x\rangle - \tau\frac{d}{dt}H` (105).
    alignment_term : float
        :math:`-c(\lambda)\|\nabla f\|^2` (108); ``nan`` if the alignment
        constants are unknown.
    variance_term : float
        :math:`-\tau\theta\,\mathrm{Var}_\lambda(h)` with the flow's score :math:`\tilde h`.
    claimed_bound : float
        Right-hand side of (104): ``alignment_term + variance_term``.
    """

    objective_rate: float
    entropy_rate: float
    free_energy_rate: float
    alignment_term: float
    variance_term: float
    claimed_bound: float


def lyapunov_rates(flow: CoupledFlow, x: ArrayLike, lam: ArrayLike, tau: float) -> LyapunovRates:
    r"""Exact chain-rule derivatives of :math:`f`, :math:`H` and :math:`\mathcal V = f - \tau H` (103).

    .. math::

        \dot{\mathcal V} = \langle\nabla f, \dot x\rangle - \tau\langle\nabla H(\lambda), \dot\lambda\rangle,
        \qquad \nabla H(\lambda)_i = -\log\lambda_i - 1,

    with the terms of the bound (104), :math:`-c(\lambda)\|\nabla f\|^2 -
    \tau\theta\mathrm{Var}_\lambda(h)`. Coordinates with :math:`\lambda_i = 0`
    contribute 0 when :math:`\dot\lambda_i = 0` and :math:`+\infty` to
    :math:`\frac{d}{dt}H` when :math:`\dot\lambda_i > 0`.

    Parameters
    ----------
    flow : CoupledFlow
        The system.
    x : array_like
        State, shape ``(d,)``.
    lam : array_like
        Weights on :math:`\Delta_K`.
    tau : float
        Temperature :math:`\tau \ge 0`.

    Returns
    -------
    LyapunovRates
    """
    tau = _finite_scalar(tau, "tau")
    if tau < 0.0:
        raise ValueError(f"tau must be >= 0; got {tau}")
    xdot, lamdot = flow.field(x, lam)
    rows, _ = _simplex_rows(lam, flow.n_bases)
    weights = rows[0]
    g = flow.problem.grad(x)
    h = flow.scores(x, weights)
    df = float(g @ xdot)
    on = weights > 0.0
    dh = float(-np.sum(lamdot[on] * (np.log(weights[on]) + 1.0)))
    if np.any(lamdot[~on] > 0.0):
        dh = math.inf
    dv = df - tau * dh if tau > 0.0 else df
    if flow.bases.alignment is None:
        align_term = math.nan
    else:
        align_term = -float(weights @ flow.bases.alignment) * float(g @ g)
    var_term = -tau * flow.theta * weighted_variance(h, weights)
    return LyapunovRates(df, dh, dv, align_term, var_term, align_term + var_term)


# ---------------------------------------------------------------------------
# trackers
# ---------------------------------------------------------------------------


def find_increases(values: ArrayLike, rel_tol: float = 1e-9) -> tuple[NDArray[np.intp], FloatArray]:
    r"""Steps where a sequence increases beyond tolerance.

    A step :math:`k \to k+1` is a violation of "non-increasing" when

    .. math::

        v_{k+1} - v_k > \mathrm{rel\_tol}\cdot\max(1, |v_k|)

    (catalogue tolerance convention for ODE monotonicity). Non-finite values
    count as violations.

    Parameters
    ----------
    values : array_like
        1-D sequence.
    rel_tol : float, optional
        Relative tolerance.

    Returns
    -------
    indices : numpy.ndarray
        The :math:`k` of the violating steps.
    excess : numpy.ndarray
        :math:`(v_{k+1} - v_k) - \mathrm{rel\_tol}\max(1, |v_k|)` for every step
        (positive exactly at the violations; ``inf`` where non-finite).
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D; got shape {v.shape}")
    tol = _finite_scalar(rel_tol, "rel_tol")
    with np.errstate(invalid="ignore"):
        excess = np.diff(v) - tol * np.maximum(1.0, np.abs(v[:-1]))
    excess = np.where(np.isfinite(excess), excess, np.inf)
    return np.flatnonzero(excess > 0.0), excess


@dataclass(frozen=True)
class TrackReport:
    """What a tracker recorded along a trajectory.

    Attributes
    ----------
    name : str
        Tracker name.
    t : numpy.ndarray
        Times of the dense grid.
    values : numpy.ndarray
        Recorded values, ``(n,)`` or ``(n, m)``.
    claim : str or None
        What was checked (``"non-increasing"``, ``"on-simplex"``, ``"finite"``) or ``None``.
    ok : bool
        Whether the check passed (``True`` when nothing was checked).
    n_violations : int
        Number of violating steps or points.
    worst_index : int or None
        Index of the worst violation (for monotonicity: the step ``k -> k+1``).
    worst_excess : float
        Largest amount by which the check was exceeded (``<= 0`` when ``ok``).
    message : str
        One-line summary.
    """

    name: str
    t: FloatArray
    values: FloatArray
    claim: str | None
    ok: bool
    n_violations: int
    worst_index: int | None
    worst_excess: float
    message: str


class Tracker:
    """Base class of trackers (in the manner of py-pde's trackers).

    A tracker receives the dense trajectory in chunks through
    :meth:`handle` (``t`` of shape ``(n,)``, ``x`` of shape ``(n, d)``,
    ``lam`` of shape ``(n, K)``) and summarises it in :meth:`finalize`.
    """

    name = "tracker"

    def __init__(self) -> None:
        self._t: list[FloatArray] = []
        self._values: list[FloatArray] = []

    def handle(self, t: FloatArray, x: FloatArray, lam: FloatArray) -> None:
        """Record the values of a chunk of the trajectory."""
        self._t.append(np.asarray(t, dtype=np.float64))
        self._values.append(self.evaluate(x, lam))

    def evaluate(self, x: FloatArray, lam: FloatArray) -> FloatArray:
        """Values recorded at the points of a chunk."""
        raise NotImplementedError

    def _collected(self) -> tuple[FloatArray, FloatArray]:
        if not self._t:
            return np.zeros(0), np.zeros(0)
        return np.concatenate(self._t), np.concatenate(self._values)

    def finalize(self) -> TrackReport:
        """Summarise what was recorded."""
        raise NotImplementedError


class FunctionalTracker(Tracker):
    r"""Records a scalar functional :math:`F(x, \lambda)` and optionally checks monotonicity.

    Parameters
    ----------
    name : str
        Name of the functional.
    functional : callable
        Maps ``x (n, d)``, ``lam (n, K)`` to ``(n,)``.
    non_increasing : bool, optional
        Flag every step with :math:`F_{k+1} - F_k > \mathrm{rel\_tol}\max(1, |F_k|)`
        (:func:`find_increases`).
    rel_tol : float, optional
        Tolerance (catalogue: ``1e-9``).
    """

    def __init__(
        self,
        name: str,
        functional: Callable[[FloatArray, FloatArray], FloatArray],
        *,
        non_increasing: bool = False,
        rel_tol: float = 1e-9,
    ) -> None:
        super().__init__()
        if not callable(functional):
            raise ValueError(f"functional must be callable; got {type(functional).__name__}")
        self.name = name
        self.functional = functional
        self.non_increasing = bool(non_increasing)
        self.rel_tol = _finite_scalar(rel_tol, "rel_tol")

    def evaluate(self, x: FloatArray, lam: FloatArray) -> FloatArray:
        with np.errstate(all="ignore"):
            return np.asarray(self.functional(x, lam), dtype=np.float64).reshape(-1)

    def finalize(self) -> TrackReport:
        t, v = self._collected()
        if not self.non_increasing or v.size < 2:
            msg = f"{self.name}: recorded {v.size} values"
            return TrackReport(self.name, t, v, None, True, 0, None, -math.inf, msg)
        bad, excess = find_increases(v, self.rel_tol)
        worst = int(np.argmax(excess))
        ok = bad.size == 0
        if ok:
            msg = f"{self.name}: non-increasing on {v.size} points (tol {self.rel_tol:g}*max(1,|v|))"
        else:
            msg = (
                f"{self.name}: {bad.size} increases; largest {v[worst + 1] - v[worst]:.3g} "
                f"from t={t[worst]:.6g} (value {v[worst]:.6g}) to t={t[worst + 1]:.6g}"
            )
        return TrackReport(
            self.name, t, v, "non-increasing", ok, int(bad.size), worst, float(excess[worst]), msg
        )


def objective_tracker(problem: Problem, *, non_increasing: bool = False, rel_tol: float = 1e-9) -> FunctionalTracker:
    """Tracker of :math:`f(x(t))` (non-increasing along (101) by (99)/(106)--(108))."""
    return FunctionalTracker(
        "objective", lambda x, lam: problem._value(x), non_increasing=non_increasing, rel_tol=rel_tol
    )


def entropy_tracker(*, non_increasing: bool = False, rel_tol: float = 1e-9) -> FunctionalTracker:
    r"""Tracker of :math:`H(\lambda(t)) = -\sum_i\lambda_i\log\lambda_i` (27)."""
    return FunctionalTracker(
        "entropy", lambda x, lam: _entropy_rows(lam), non_increasing=non_increasing, rel_tol=rel_tol
    )


def free_energy_tracker(
    problem: Problem, tau: float, *, non_increasing: bool = True, rel_tol: float = 1e-9
) -> FunctionalTracker:
    r"""Tracker of :math:`\mathcal V = f(x) - \tau H(\lambda)` (103), checked non-increasing (Lemma 8, (110)).

    Parameters
    ----------
    problem : Problem
        Objective.
    tau : float
        Temperature :math:`\tau \ge 0`.
    non_increasing : bool, optional
        Check monotonicity (default ``True``, as Lemma 8 claims).
    rel_tol : float, optional
        Tolerance.
    """
    tau = _finite_scalar(tau, "tau")
    if tau < 0.0:
        raise ValueError(f"tau must be >= 0; got {tau}")
    return FunctionalTracker(
        "free_energy",
        lambda x, lam: problem._value(x) - tau * _entropy_rows(lam),
        non_increasing=non_increasing,
        rel_tol=rel_tol,
    )


class SimplexTracker(Tracker):
    r"""Records :math:`\sum_i\lambda_i - 1` and :math:`\min_i\lambda_i`; flags points off :math:`\Delta_K`.

    A point violates feasibility when :math:`|\sum_i\lambda_i - 1| > \mathrm{tol}`
    or :math:`\min_i\lambda_i < -\mathrm{tol}`.

    Parameters
    ----------
    tol : float, optional
        Absolute tolerance (default ``1e-12``).
    """

    name = "simplex"

    def __init__(self, tol: float = 1e-12) -> None:
        super().__init__()
        self.tol = _finite_scalar(tol, "tol")

    def evaluate(self, x: FloatArray, lam: FloatArray) -> FloatArray:
        return np.stack([np.sum(lam, axis=1) - 1.0, np.min(lam, axis=1)], axis=1)

    def finalize(self) -> TrackReport:
        t, v = self._collected()
        if v.size == 0:
            return TrackReport(self.name, t, v, "on-simplex", True, 0, None, -math.inf, "simplex: no points")
        with np.errstate(invalid="ignore"):
            excess = np.maximum(np.abs(v[:, 0]) - self.tol, -v[:, 1] - self.tol)
        excess = np.where(np.isfinite(excess), excess, np.inf)
        bad = np.flatnonzero(excess > 0.0)
        worst = int(np.argmax(excess))
        msg = (
            f"simplex: max |sum-1| = {np.max(np.abs(v[:, 0])):.3g}, min lambda = {np.min(v[:, 1]):.3g} "
            f"({bad.size} points beyond tol {self.tol:g})"
        )
        return TrackReport(
            self.name, t, v, "on-simplex", bad.size == 0, int(bad.size), worst, float(excess[worst]), msg
        )


class FinitenessTracker(Tracker):
    """Flags points where :math:`x`, :math:`\\lambda` or :math:`f(x)` is not finite.

    Parameters
    ----------
    problem : Problem
        Objective evaluated at the points.
    """

    name = "finite"

    def __init__(self, problem: Problem) -> None:
        super().__init__()
        self.problem = problem

    def evaluate(self, x: FloatArray, lam: FloatArray) -> FloatArray:
        ok = np.all(np.isfinite(x), axis=1) & np.all(np.isfinite(lam), axis=1)
        with np.errstate(all="ignore"):
            fx = np.full(x.shape[0], np.nan)
            fx[ok] = self.problem._value(x[ok])
        return (ok & np.isfinite(fx)).astype(np.float64)

    def finalize(self) -> TrackReport:
        t, v = self._collected()
        bad = np.flatnonzero(v < 1.0)
        worst = int(bad[0]) if bad.size else None
        msg = f"finite: {bad.size} non-finite points" + (f" (first at t={t[worst]:.6g})" if bad.size else "")
        return TrackReport(self.name, t, v, "finite", bad.size == 0, int(bad.size), worst,
                           1.0 if bad.size else -math.inf, msg)


def default_trackers(problem: Problem, tau: float = 0.0) -> list[Tracker]:
    r"""Objective, entropy, free energy :math:`f - \tau H` (checked non-increasing), simplex, finiteness."""
    return [
        objective_tracker(problem),
        entropy_tracker(),
        free_energy_tracker(problem, tau),
        SimplexTracker(),
        FinitenessTracker(problem),
    ]


# ---------------------------------------------------------------------------
# integration with solve_ivp
# ---------------------------------------------------------------------------


@dataclass
class _Segment:
    """One smooth phase of a trajectory: a dense solution and how to read λ from it."""

    t0: float
    t1: float
    dense: Any
    mode: str  # "fixed", "rep-log", "rep-direct", "proj"
    mask: NDArray[np.bool_]  # support (rep) or moving set (proj)
    lam_fixed: FloatArray

    def states(self, t: FloatArray, dim: int) -> tuple[FloatArray, FloatArray]:
        y = np.atleast_2d(self.dense(t).T)  # (n, state)
        x = y[:, :dim]
        lam = np.tile(self.lam_fixed, (y.shape[0], 1))
        if self.mode == "fixed":
            return x, lam
        inner = y[:, dim:]
        if self.mode == "rep-log":
            w = np.exp(inner - inner.max(axis=1, keepdims=True))
            inner = w / w.sum(axis=1, keepdims=True)
        elif self.mode == "proj":
            # resting weights are exactly 0; exactly-summing correction: orthogonal
            # projection of the moving weights onto their affine hull sum = 1
            inner = inner + (1.0 - inner.sum(axis=1, keepdims=True)) / inner.shape[1]
        lam[:, self.mask] = inner
        return x, lam


@dataclass
class FlowSolution:
    r"""Result of :func:`integrate_flow`.

    Attributes
    ----------
    t : numpy.ndarray
        Dense output grid, shape ``(n,)``.
    x : numpy.ndarray
        :math:`x(t)`, shape ``(n, d)``.
    lam : numpy.ndarray
        :math:`\lambda(t)`, shape ``(n, K)``.
    success : bool
        Whether the whole time span was integrated.
    message : str
        Solver message (first failure if any).
    nfev : int
        Right-hand-side evaluations.
    face_events : list of tuple
        ``(t, i, "hit" | "release")`` for the projected dynamics.
    tracks : dict of str to TrackReport
        Tracker reports by name.
    method, rtol, atol : str, float, float
        Solver settings.
    """

    t: FloatArray
    x: FloatArray
    lam: FloatArray
    success: bool
    message: str
    nfev: int
    face_events: list[tuple[float, int, str]]
    tracks: dict[str, TrackReport]
    method: str
    rtol: float
    atol: float
    _segments: list[_Segment] = field(repr=False, default_factory=list)
    _dim: int = 0

    def __call__(self, t: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Dense output: :math:`(x(t), \\lambda(t))` for a time or a 1-D array of times."""
        times = np.atleast_1d(_finite_array(t, "t", "a finite time or 1-D array of times")).astype(np.float64)
        if times.ndim != 1:
            raise ValueError(f"t must be a time or a 1-D array; got shape {times.shape}")
        if not self._segments:
            raise ValueError("the solution has no integrated segment")
        lo, hi = self._segments[0].t0, self._segments[-1].t1
        if np.any(times < lo) or np.any(times > hi):
            raise ValueError(f"t must lie in the integrated interval [{lo}, {hi}]")
        k = len(self._segments[0].lam_fixed)
        xs = np.empty((times.size, self._dim))
        lams = np.empty((times.size, k))
        starts = np.array([s.t0 for s in self._segments])
        which = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(self._segments) - 1)
        for j in np.unique(which):
            sel = which == j
            xs[sel], lams[sel] = self._segments[j].states(times[sel], self._dim)
        if np.ndim(t) == 0:
            return xs[0], lams[0]
        return xs, lams


def _check_solver_settings(method: str, rtol: float, atol: float) -> tuple[float, float]:
    if method not in _SOLVE_IVP_METHODS:
        raise ValueError(f"method must be one of {_SOLVE_IVP_METHODS}; got {method!r}")
    r = _finite_scalar(rtol, "rtol", positive=True)
    a = _finite_scalar(atol, "atol", positive=True)
    return r, a


def integrate_flow(
    flow: CoupledFlow,
    x0: ArrayLike,
    lam0: ArrayLike,
    t_final: float,
    *,
    t_start: float = 0.0,
    n_dense: int = 2001,
    t_eval: ArrayLike | None = None,
    method: str = "DOP853",
    rtol: float = 1e-10,
    atol: float = 1e-12,
    replicator_coordinates: str = "log",
    trackers: Sequence[Tracker] | None = None,
    max_phases: int = 1000,
    max_step: float = math.inf,
) -> FlowSolution:
    r"""Integrate the coupled flow with :func:`scipy.integrate.solve_ivp`.

    Simplex-preserving coordinates:

    - ``"rep"`` (default ``replicator_coordinates="log"``): on the support
      :math:`S = \{i : \lambda_i(0) > 0\}` (faces are invariant) the state is
      :math:`y_i = \log\lambda_i` with
      :math:`\dot y_i = \theta(\tilde h_i - \langle\lambda, \tilde h\rangle)` and
      :math:`\lambda = \mathrm{softmax}(y)`; positivity is exact and
      :math:`\sum\lambda_i = 1` holds to one rounding at every output. For
      constant :math:`h` the :math:`y`-equation is linear in :math:`t`, so the
      integrator reproduces the closed form (Lemma 4(1)) to round-off.
      ``"direct"`` integrates :math:`\lambda_S` itself (raw, for cross-checks).
    - ``"proj"``: the field is discontinuous where λ reaches a face, so the
      integration is split into phases with a fixed set :math:`M` of moving
      coordinates (the others are 0 and stay 0). In a phase
      :math:`\dot\lambda_M = \theta(\tilde h_M - \mathrm{mean}(\tilde h_M))`, which
      is :math:`\Pi_{T_\Delta(\lambda)}(\theta\tilde h)` while the sets do not
      change. Terminal events stop a phase when a moving coordinate reaches 0
      (it is set to exactly 0) or when a resting coordinate's projected
      velocity :math:`\theta(\tilde h_j - \mathrm{mean}(\tilde h_M))` becomes
      positive (it is released); the sets are then recomputed from
      :func:`theorylab.simplex.tangent_cone_projection`. The in-phase field
      sums to zero, so :math:`\sum\lambda` only drifts by round-off; every
      output is corrected by the orthogonal projection onto
      :math:`\sum_M\lambda_i = 1 - \sum_{i \notin M}\lambda_i`, an exactly
      summing step that does not change the dynamics.
    - ``"fixed"``: only :math:`x` is integrated.

    Parameters
    ----------
    flow : CoupledFlow
        The system.
    x0 : array_like
        Initial state, shape ``(d,)``.
    lam0 : array_like
        Initial weights on :math:`\Delta_K` (zeros allowed).
    t_final : float
        End time (``> t_start``).
    t_start : float, optional
        Start time.
    n_dense : int, optional
        Number of points of the uniform output grid (ignored if ``t_eval``).
    t_eval : array_like, optional
        Increasing output times inside ``[t_start, t_final]``.
    method : str, optional
        ``solve_ivp`` method: ``"DOP853"``, ``"RK45"``, ``"RK23"`` (non-stiff),
        ``"Radau"``, ``"BDF"``, ``"LSODA"`` (stiff).
    rtol, atol : float, optional
        Tolerances (catalogue: ``1e-10``, ``1e-12``).
    replicator_coordinates : {"log", "direct"}, optional
        Coordinates of λ for ``"rep"``.
    trackers : sequence of Tracker, optional
        Trackers fed with the dense output (default: none; see
        :func:`default_trackers`).
    max_phases : int, optional
        Maximum number of phases (face events) for ``"proj"``.
    max_step : float, optional
        Passed to ``solve_ivp``.

    Returns
    -------
    FlowSolution
        Failures (a solver error, too many phases, non-finite states) are
        reported in ``success``/``message``, never raised; the output then
        covers the integrated part only.

    Raises
    ------
    ValueError
        On invalid input.
    """
    if not isinstance(flow, CoupledFlow):
        raise ValueError(f"flow must be a CoupledFlow; got {type(flow).__name__}")
    d, k = flow.dim, flow.n_bases
    x_init, single = _as_points(x0, d, "x0")
    if not single:
        raise ValueError(f"x0 must be a single point of shape ({d},); use integrate_batch for batches")
    lam_rows, lam_single = _simplex_rows(lam0, k, "lam0")
    if not lam_single:
        raise ValueError(f"lam0 must be a single point of shape ({k},)")
    t0 = _finite_scalar(t_start, "t_start")
    t1 = _finite_scalar(t_final, "t_final")
    if not t1 > t0:
        raise ValueError(f"t_final must be > t_start; got t_start={t0}, t_final={t1}")
    rtol, atol = _check_solver_settings(method, rtol, atol)
    if replicator_coordinates not in ("log", "direct"):
        raise ValueError(f"replicator_coordinates must be 'log' or 'direct'; got {replicator_coordinates!r}")
    max_phases = _positive_int(max_phases, "max_phases")
    if t_eval is None:
        grid = np.linspace(t0, t1, _positive_int(n_dense, "n_dense", 2))
    else:
        grid = _finite_array(t_eval, "t_eval", "a finite increasing 1-D array")
        if grid.ndim != 1 or grid.size == 0 or np.any(np.diff(grid) <= 0) or grid[0] < t0 or grid[-1] > t1:
            raise ValueError(f"t_eval must be a strictly increasing 1-D array inside [{t0}, {t1}]")
    tracker_list = list(trackers or [])
    for tr in tracker_list:
        if not isinstance(tr, Tracker):
            raise ValueError(f"trackers must be Tracker instances; got {type(tr).__name__}")

    x = x_init[0].copy()
    lam = lam_rows[0].copy()
    segments: list[_Segment] = []
    events_log: list[tuple[float, int, str]] = []
    nfev = 0
    success, message = True, "integrated to t_final"
    solver_opts = {"method": method, "rtol": rtol, "atol": atol, "dense_output": True, "max_step": max_step}

    def run(rhs: Callable, y0: FloatArray, t_from: float, events: list | None = None) -> Any:
        with np.errstate(all="ignore"):
            return solve_ivp(rhs, (t_from, t1), y0, events=events, **solver_opts)

    if flow.weight_dynamics == "fixed" or (flow.weight_dynamics == "rep" and flow.theta == 0.0):
        lam_b = lam[None, :]

        def rhs_fixed(t: float, y: FloatArray) -> FloatArray:
            return flow._terms(y[None, :], lam_b)[1][0]

        sol = run(rhs_fixed, x, t0)
        nfev += sol.nfev
        segments.append(_Segment(t0, float(sol.t[-1]), sol.sol, "fixed", np.zeros(k, bool), lam.copy()))
        success, message = sol.status == 0, sol.message
    elif flow.weight_dynamics == "rep":
        support = lam > 0.0
        base = np.zeros(k)
        log_coords = replicator_coordinates == "log"

        def rhs_rep(t: float, y: FloatArray) -> FloatArray:
            inner = y[d:]
            full = base.copy()
            if log_coords:
                w = np.exp(inner - inner.max())
                full[support] = w / w.sum()
            else:
                full[support] = inner
            _, xdot, h = flow._terms(y[None, :d], full[None, :])
            hs = h[0, support]
            ws = full[support]
            centred = hs - ws @ hs
            ydot = flow.theta * centred if log_coords else flow.theta * ws * centred
            return np.concatenate([xdot[0], ydot])

        inner0 = np.log(lam[support]) if log_coords else lam[support]
        sol = run(rhs_rep, np.concatenate([x, inner0]), t0)
        nfev += sol.nfev
        mode = "rep-log" if log_coords else "rep-direct"
        segments.append(_Segment(t0, float(sol.t[-1]), sol.sol, mode, support, base.copy()))
        success, message = sol.status == 0, sol.message
    else:
        t_now = t0
        force_release: set[int] = set()
        for _ in range(max_phases):
            _, _, h_now = flow._terms(x[None, :], lam[None, :])
            u = tangent_cone_projection(flow.theta * h_now[0], lam)
            moving = (lam > 0.0) | (u > 0.0)
            for j in force_release:
                moving[j] = True
            idx_moving = np.flatnonzero(moving)
            idx_rest = np.flatnonzero(~moving)
            rest_lam = lam.copy()
            rest_lam[moving] = 0.0

            def state_of(y: FloatArray, moving: NDArray[np.bool_] = moving, rest: FloatArray = rest_lam) -> FloatArray:
                full = rest.copy()
                full[moving] = y[d:]
                return full

            def rhs_proj(t: float, y: FloatArray, moving: NDArray[np.bool_] = moving, state_of: Callable = state_of
                         ) -> FloatArray:
                _, xdot, h = flow._terms(y[None, :d], state_of(y)[None, :])
                v = flow.theta * h[0, moving]
                return np.concatenate([xdot[0], v - v.mean()])

            events: list[Callable] = []
            for pos in range(idx_moving.size):
                def hit(t: float, y: FloatArray, pos: int = pos) -> float:
                    return float(y[d + pos])
                hit.terminal = True  # type: ignore[attr-defined]
                hit.direction = -1.0  # type: ignore[attr-defined]
                events.append(hit)
            for j in idx_rest:
                def release(t: float, y: FloatArray, j: int = j, moving: NDArray[np.bool_] = moving,
                            state_of: Callable = state_of) -> float:
                    _, _, h = flow._terms(y[None, :d], state_of(y)[None, :])
                    return float(flow.theta * (h[0, j] - h[0, moving].mean()))
                release.terminal = True  # type: ignore[attr-defined]
                release.direction = 1.0  # type: ignore[attr-defined]
                events.append(release)

            sol = run(rhs_proj, np.concatenate([x, lam[moving]]), t_now, events)
            nfev += sol.nfev
            t_end = float(sol.t[-1])
            segments.append(_Segment(t_now, t_end, sol.sol, "proj", moving.copy(), rest_lam))
            if sol.status == -1:
                success, message = False, sol.message
                break
            y_end = sol.y[:, -1]
            x = y_end[:d].copy()
            lam = state_of(y_end)
            if sol.status == 0:
                break
            force_release = set()
            for e, times in enumerate(sol.t_events):
                if times.size == 0:
                    continue
                if e < idx_moving.size:
                    lam[idx_moving[e]] = 0.0
                    events_log.append((t_end, int(idx_moving[e]), "hit"))
                else:
                    j = int(idx_rest[e - idx_moving.size])
                    force_release.add(j)
                    events_log.append((t_end, j, "release"))
            lam = np.maximum(lam, 0.0)
            if not np.all(np.isfinite(lam)) or lam.sum() <= 0.0 or not np.all(np.isfinite(x)):
                success, message = False, f"non-finite state at t={t_end}"
                break
            lam = lam / lam.sum()
            t_now = t_end
        else:
            success, message = False, f"more than max_phases={max_phases} face events (chattering?)"

    t_reached = segments[-1].t1
    grid_used = grid[grid <= t_reached]
    sol_obj = FlowSolution(
        t=grid_used,
        x=np.zeros((0, d)),
        lam=np.zeros((0, k)),
        success=bool(success),
        message=str(message),
        nfev=int(nfev),
        face_events=events_log,
        tracks={},
        method=method,
        rtol=rtol,
        atol=atol,
        _segments=segments,
        _dim=d,
    )
    if grid_used.size:
        with np.errstate(all="ignore"):
            xs, lams = sol_obj(grid_used)
        sol_obj.x, sol_obj.lam = xs, lams
        if success and not (np.all(np.isfinite(xs)) and np.all(np.isfinite(lams))):
            sol_obj.success, sol_obj.message = False, "non-finite values in the dense output"
        for tr in tracker_list:
            tr.handle(grid_used, xs, lams)
    for tr in tracker_list:
        report = tr.finalize()
        sol_obj.tracks[report.name] = report
    return sol_obj


# ---------------------------------------------------------------------------
# fixed-step batch integrator
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchSolution:
    r"""Result of :func:`integrate_batch`.

    Attributes
    ----------
    t : numpy.ndarray
        Recorded times, ``(n_rec,)``.
    x : numpy.ndarray
        ``(n_rec, N, d)``.
    lam : numpy.ndarray
        ``(n_rec, N, K)``.
    finite : numpy.ndarray
        ``(N,)``, whether each trajectory stayed finite.
    """

    t: FloatArray
    x: FloatArray
    lam: FloatArray
    finite: NDArray[np.bool_]


def _softmax_rows(y: FloatArray) -> FloatArray:
    w = np.exp(y - np.max(y, axis=1, keepdims=True))
    return w / np.sum(w, axis=1, keepdims=True)


def integrate_batch(
    flow: CoupledFlow,
    x0: ArrayLike,
    lam0: ArrayLike,
    t_final: float,
    n_steps: int,
    *,
    t_start: float = 0.0,
    record_every: int = 1,
) -> BatchSolution:
    r"""Classical RK4 with a fixed step over a batch of trajectories.

    Every trajectory uses the step :math:`\Delta t = (t_1 - t_0)/n`.

    - ``"rep"``: RK4 in log-coordinates :math:`y = \log\lambda`
      (:math:`\dot y_i = \theta(\tilde h_i - \langle\lambda, \tilde h\rangle)`,
      :math:`\lambda = \mathrm{softmax}(y)`, zero weights kept at
      :math:`y_i = -\infty`): fourth order, exactly on the simplex.
    - ``"proj"``: projected RK4: stages evaluate the field at
      :math:`\Pi_\Delta` of the stage point and the step result is projected
      with :func:`theorylab.simplex.project_to_simplex`. In the interior the
      projection only removes round-off (fourth order); a step in which a
      weight reaches a face is first-order accurate.
    - ``"fixed"``: RK4 on :math:`x`.

    Parameters
    ----------
    flow : CoupledFlow
        The system.
    x0 : array_like
        ``(N, d)`` (or ``(d,)`` broadcast to the batch size of ``lam0``).
    lam0 : array_like
        ``(N, K)`` on the simplex (or ``(K,)``).
    t_final : float
        End time.
    n_steps : int
        Number of steps.
    t_start : float, optional
        Start time.
    record_every : int, optional
        Record every ``record_every`` steps (the last step is always recorded).

    Returns
    -------
    BatchSolution
    """
    if not isinstance(flow, CoupledFlow):
        raise ValueError(f"flow must be a CoupledFlow; got {type(flow).__name__}")
    d, k = flow.dim, flow.n_bases
    xs, _ = _as_points(x0, d, "x0")
    lams, _ = _simplex_rows(lam0, k, "lam0")
    n = max(xs.shape[0], lams.shape[0])
    if xs.shape[0] not in (1, n) or lams.shape[0] not in (1, n):
        raise ValueError(f"x0 and lam0 batch sizes differ: {xs.shape[0]} and {lams.shape[0]}")
    xs = np.broadcast_to(xs, (n, d)).copy()
    lams = np.broadcast_to(lams, (n, k)).copy()
    t0 = _finite_scalar(t_start, "t_start")
    t1 = _finite_scalar(t_final, "t_final")
    if not t1 > t0:
        raise ValueError(f"t_final must be > t_start; got t_start={t0}, t_final={t1}")
    steps = _positive_int(n_steps, "n_steps")
    every = _positive_int(record_every, "record_every")
    dt = (t1 - t0) / steps
    mode = flow.weight_dynamics if not (flow.weight_dynamics == "rep" and flow.theta == 0.0) else "fixed"
    support = lams > 0.0

    def field_rep(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        lam = _softmax_rows(y)
        _, xdot, h = flow._terms(x, lam)
        h = np.where(support, h, 0.0)
        ydot = flow.theta * (h - np.sum(lam * h, axis=1, keepdims=True))
        return xdot, np.where(support, ydot, 0.0)

    def field_proj(x: FloatArray, lam: FloatArray) -> tuple[FloatArray, FloatArray]:
        lam_p = project_to_simplex(lam) if np.all(np.isfinite(lam)) else lam
        _, xdot, h = flow._terms(x, lam_p)
        return xdot, _tangent_cone_projection_rows(flow.theta * h, lam_p)

    def field_fixed(x: FloatArray, lam: FloatArray) -> tuple[FloatArray, FloatArray]:
        return flow._terms(x, lams)[1], np.zeros_like(lam)

    field_fn = {"rep": field_rep, "proj": field_proj, "fixed": field_fixed}[mode]
    with np.errstate(divide="ignore"):
        w = np.log(lams) if mode == "rep" else lams.copy()
    x = xs
    rec_t, rec_x, rec_lam = [t0], [x.copy()], [lams.copy()]
    finite = np.ones(n, dtype=bool)
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            k1x, k1w = field_fn(x, w)
            k2x, k2w = field_fn(x + 0.5 * dt * k1x, w + 0.5 * dt * k1w)
            k3x, k3w = field_fn(x + 0.5 * dt * k2x, w + 0.5 * dt * k2w)
            k4x, k4w = field_fn(x + dt * k3x, w + dt * k3w)
            x = x + dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
            w = w + dt / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
            if mode == "rep":
                w = np.where(support, w - np.max(w, axis=1, keepdims=True), -np.inf)
            elif mode == "proj":
                ok_rows = np.all(np.isfinite(w), axis=1)
                w[ok_rows] = project_to_simplex(w[ok_rows]) if ok_rows.any() else w[ok_rows]
            finite &= np.all(np.isfinite(x), axis=1)
            if step % every == 0 or step == steps:
                lam_now = _softmax_rows(w) if mode == "rep" else (w if mode == "proj" else lams)
                rec_t.append(t0 + step * dt)
                rec_x.append(x.copy())
                rec_lam.append(np.array(lam_now, copy=True))
    lam_all = np.array(rec_lam)
    finite &= np.all(np.isfinite(lam_all), axis=(0, 2))
    return BatchSolution(np.array(rec_t), np.array(rec_x), lam_all, finite)


# ---------------------------------------------------------------------------
# discrete recursions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepSchedule:
    r"""Step-size schedule :math:`\alpha_t`, :math:`t = 0, 1, \dots`.

    .. math::

        \text{constant: } \alpha_0, \qquad
        \text{inverse-sqrt: } \frac{\alpha_0}{\sqrt{t + 1}}\ \text{(Theorem 3)}, \qquad
        \text{inverse: } \frac{\alpha_0}{t + 1}, \qquad
        \text{polynomial: } \frac{\alpha_0}{(t + 1)^p}\ (200).

    Parameters
    ----------
    kind : {"constant", "inverse-sqrt", "inverse", "polynomial"}
        Schedule family.
    alpha0 : float
        :math:`\alpha_0 > 0`.
    power : float, optional
        :math:`p > 0` for ``"polynomial"``.
    """

    kind: str
    alpha0: float
    power: float = 0.5

    def __post_init__(self) -> None:
        kinds = ("constant", "inverse-sqrt", "inverse", "polynomial")
        if self.kind not in kinds:
            raise ValueError(f"kind must be one of {kinds}; got {self.kind!r}")
        object.__setattr__(self, "alpha0", _finite_scalar(self.alpha0, "alpha0", positive=True))
        object.__setattr__(self, "power", _finite_scalar(self.power, "power", positive=True))

    def __call__(self, t: ArrayLike) -> FloatArray:
        """Step sizes at the (integer, >= 0) times ``t``."""
        times = np.asarray(t, dtype=np.float64)
        if np.any(times < 0) or not np.all(np.isfinite(times)):
            raise ValueError("t must be finite and >= 0")
        exponent = {"constant": 0.0, "inverse-sqrt": 0.5, "inverse": 1.0, "polynomial": self.power}[self.kind]
        return self.alpha0 / (times + 1.0) ** exponent


@dataclass(frozen=True)
class SGDTrace:
    r"""Result of :func:`mixture_sgd` over ``N`` independent runs.

    Attributes
    ----------
    steps : numpy.ndarray
        Recorded iteration indices :math:`t`, ``(n_rec,)``.
    x : numpy.ndarray
        Iterates :math:`x_t`, ``(n_rec, N, d)``.
    lam : numpy.ndarray
        Weights :math:`\lambda_t`, ``(n_rec, N, K)``.
    x_average : numpy.ndarray
        :math:`\bar x_t = \frac1t\sum_{s<t} x_s` (Theorem 4; :math:`x_0` at
        :math:`t = 0`), ``(n_rec, N, d)``.
    f_mean : numpy.ndarray
        :math:`\frac1N\sum_{\text{runs}} f(x_t)` for every :math:`t = 0..T`.
    grad_sq_mean : numpy.ndarray
        :math:`\frac1N\sum_{\text{runs}}\|\nabla f(x_t)\|^2` for every :math:`t`.
    step_sizes : numpy.ndarray
        :math:`\alpha_t`, ``(T,)``.
    finite : numpy.ndarray
        ``(N,)``, whether each run stayed finite.
    """

    steps: NDArray[np.intp]
    x: FloatArray
    lam: FloatArray
    x_average: FloatArray
    f_mean: FloatArray
    grad_sq_mean: FloatArray
    step_sizes: FloatArray
    finite: NDArray[np.bool_]


def mixture_sgd(
    problem: Problem,
    bases: BaseDirections,
    lam: ArrayLike,
    x0: ArrayLike,
    n_steps: int,
    schedule: StepSchedule,
    *,
    noise_scale: float = 0.0,
    noise: Callable[[np.random.Generator, tuple[int, int]], FloatArray] | None = None,
    n_runs: int = 1,
    seed: int = 0,
    meta_schedule: StepSchedule | None = None,
    score: str | ScoreMap = "adv",
    record_every: int = 1,
) -> SGDTrace:
    r"""Mixture SGD: the recursion (2)--(4), fixed mixture by default.

    .. math::

        g_t = \nabla f(x_t) + \xi_t, \qquad
        x_{t+1} = x_t - \alpha_t\sum_i\lambda_{i,t}\,d_i(x_t, g_t) \quad (3),

        \lambda_{t+1} = \lambda_t \ \text{(fixed)} \quad\text{or}\quad
        \lambda_{t+1} = \Pi_\Delta(\lambda_t + \beta_t h_t) \quad (4), (95),

    with :math:`h_{t,i} = -\langle g_t, d_i\rangle` (``"align"``) or
    :math:`\langle g_t, d_i\rangle - \sum_j\lambda_j\langle g_t, d_j\rangle`
    (``"adv"``) from the same stochastic gradient, or a callable
    :math:`h(x, \lambda)`. All bases see the same noise :math:`\xi_t`
    (Alg. 1 line 4). Runs are independent and vectorised; the generator is
    ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    problem : Problem
        Objective.
    bases : BaseDirections
        Bases.
    lam : array_like
        Initial weights, ``(K,)`` or ``(N, K)``.
    x0 : array_like
        Initial point, ``(d,)`` or ``(N, d)``.
    n_steps : int
        Number of iterations :math:`T`.
    schedule : StepSchedule
        :math:`\alpha_t`.
    noise_scale : float, optional
        :math:`s` in :math:`\xi \sim N(0, s^2 I)`.
    noise : callable, optional
        ``noise(rng, (N, d))`` returning zero-mean noise; overrides ``noise_scale``.
    n_runs : int, optional
        Number :math:`N` of runs (must match the batch axes of ``x0``/``lam``).
    seed : int, optional
        Seed.
    meta_schedule : StepSchedule, optional
        :math:`\beta_t`; ``None`` keeps the mixture fixed.
    score : {"adv", "align"} or callable, optional
        Meta-score for the λ-update.
    record_every : int, optional
        Record :math:`x_t, \lambda_t, \bar x_t` every ``record_every`` steps (and at :math:`T`).

    Returns
    -------
    SGDTrace
    """
    if not isinstance(problem, Problem) or not isinstance(bases, BaseDirections):
        raise ValueError("problem must be a Problem and bases BaseDirections")
    if bases.dim != problem.dim:
        raise ValueError(f"bases have dimension {bases.dim} but the problem has {problem.dim}")
    if not isinstance(schedule, StepSchedule):
        raise ValueError(f"schedule must be a StepSchedule; got {type(schedule).__name__}")
    if meta_schedule is not None and not isinstance(meta_schedule, StepSchedule):
        raise ValueError(f"meta_schedule must be a StepSchedule or None; got {type(meta_schedule).__name__}")
    if not (callable(score) or score in _SCORES):
        raise ValueError(f"score must be one of {_SCORES} or a callable; got {score!r}")
    d, k = problem.dim, bases.n_bases
    runs = _positive_int(n_runs, "n_runs")
    steps = _positive_int(n_steps, "n_steps")
    every = _positive_int(record_every, "record_every")
    s = _finite_scalar(noise_scale, "noise_scale")
    if s < 0.0:
        raise ValueError(f"noise_scale must be >= 0; got {s}")
    if noise is not None and not callable(noise):
        raise ValueError("noise must be callable (rng, shape) -> array")
    xs, _ = _as_points(x0, d, "x0")
    lams, _ = _simplex_rows(lam, k, "lam")
    for arr, nm in ((xs, "x0"), (lams, "lam")):
        if arr.shape[0] not in (1, runs):
            raise ValueError(f"{nm} has batch size {arr.shape[0]} but n_runs={runs}")
    x = np.broadcast_to(xs, (runs, d)).copy()
    w = np.broadcast_to(lams, (runs, k)).copy()
    rng = np.random.default_rng(seed)
    alphas = schedule(np.arange(steps))
    betas = meta_schedule(np.arange(steps)) if meta_schedule is not None else None
    f_mean = np.empty(steps + 1)
    g2_mean = np.empty(steps + 1)
    rec_steps, rec_x, rec_lam, rec_avg = [0], [x.copy()], [w.copy()], [x.copy()]
    running_sum = np.zeros((runs, d))
    with np.errstate(all="ignore"):
        for t in range(steps):
            grad = problem._grad(x)
            f_mean[t] = float(np.mean(problem._value(x)))
            g2_mean[t] = float(np.mean(np.sum(grad * grad, axis=1)))
            if noise is not None:
                xi = np.asarray(noise(rng, (runs, d)), dtype=np.float64)
                if xi.shape != (runs, d):
                    raise ValueError(f"noise must return shape {(runs, d)}; got {xi.shape}")
            elif s > 0.0:
                xi = s * rng.standard_normal((runs, d))
            else:
                xi = 0.0
            g = grad + xi
            directions = bases._directions(x, g)
            running_sum += x
            x_next = x - alphas[t] * np.einsum("nk,nkd->nd", w, directions)
            if betas is not None:
                if callable(score):
                    h = np.asarray(score(x, w), dtype=np.float64)
                else:
                    a = np.einsum("nkd,nd->nk", directions, g)
                    h = -a if score == "align" else a - np.sum(w * a, axis=1, keepdims=True)
                z = w + betas[t] * h
                ok_rows = np.all(np.isfinite(z), axis=1)
                w = z.copy()
                if ok_rows.any():
                    w[ok_rows] = project_to_simplex(z[ok_rows])
            x = x_next
            if (t + 1) % every == 0 or t + 1 == steps:
                rec_steps.append(t + 1)
                rec_x.append(x.copy())
                rec_lam.append(w.copy())
                rec_avg.append(running_sum / (t + 1))
        grad = problem._grad(x)
        f_mean[steps] = float(np.mean(problem._value(x)))
        g2_mean[steps] = float(np.mean(np.sum(grad * grad, axis=1)))
    x_all = np.array(rec_x)
    finite = np.all(np.isfinite(x_all), axis=(0, 2)) & np.all(np.isfinite(np.array(rec_lam)), axis=(0, 2))
    return SGDTrace(
        steps=np.array(rec_steps),
        x=x_all,
        lam=np.array(rec_lam),
        x_average=np.array(rec_avg),
        f_mean=f_mean,
        grad_sq_mean=g2_mean,
        step_sizes=alphas,
        finite=finite,
    )


# ---------------------------------------------------------------------------
# selector system (221)-(222)
# ---------------------------------------------------------------------------


def selector_flow(problem: Problem, bases: BaseDirections, theta: float = 1.0) -> CoupledFlow:
    r"""The selector system (221)--(222) of TrailMix App. L (catalogue Engines §2 (F)).

    .. math::

        \dot x = -\sum_j\lambda_j d_j(x), \qquad
        \dot\lambda_j = \theta\lambda_j\bigl(h_j - \textstyle\sum_l\lambda_lh_l\bigr), \qquad
        h_j = -\langle\nabla f(x), d_j(x)\rangle,

    i.e. the replicator form (C) with the Def. 3(1) score. Every vertex
    :math:`e_i` is invariant, and so is :math:`\{x^*\}\times\Delta_K` at a
    critical point :math:`x^*` (there :math:`d_j = 0` and :math:`h = 0`).

    Parameters
    ----------
    problem : Problem
        Objective :math:`f`.
    bases : BaseDirections
        Base directions :math:`d_j`.
    theta : float, optional
        Replicator rate :math:`\theta \ge 0`.

    Returns
    -------
    CoupledFlow
        ``weight_dynamics="rep"``, ``score="align"``.
    """
    return CoupledFlow(problem, bases, weight_dynamics="rep", score="align", theta=theta)


def selector_jacobian(flow: CoupledFlow, x_star: ArrayLike, vertex: int, *, step: float = 1e-6) -> FloatArray:
    r"""Jacobian of a replicator flow at :math:`(x^*, e_i)` in reduced simplex coordinates.

    Coordinates :math:`(x, (\lambda_j)_{j\ne i})` with
    :math:`\lambda_i = 1 - \sum_{j\ne i}\lambda_j`; the derivative is taken
    by central differences with step ``step`` (relative to
    :math:`\max(1, |x^*_k|)` in :math:`x`), one-sided (forward) in the
    :math:`\lambda_j`, which must stay :math:`\ge 0`. The field is evaluated
    through the batched internals, so points slightly off the simplex are
    not rejected. The error is :math:`O(\text{step}^2)` in :math:`x` and
    :math:`O(\text{step})` in :math:`\lambda` for smooth fields.

    Parameters
    ----------
    flow : CoupledFlow
        A ``"rep"`` flow (for example :func:`selector_flow`).
    x_star : array_like
        Point :math:`x^*`, shape ``(d,)``.
    vertex : int
        Index :math:`i` of the vertex :math:`e_i`.
    step : float, optional
        Finite-difference step (``> 0``).

    Returns
    -------
    numpy.ndarray
        Shape ``(d + K - 1, d + K - 1)``.
    """
    if not isinstance(flow, CoupledFlow) or flow.weight_dynamics != "rep":
        raise ValueError("flow must be a CoupledFlow with weight_dynamics='rep'")
    d, k = flow.dim, flow.n_bases
    pts, single = _as_points(x_star, d, "x_star")
    if not single:
        raise ValueError(f"x_star must be a single point of shape ({d},)")
    i = _positive_int(vertex, "vertex", 0)
    if i >= k:
        raise ValueError(f"vertex must be in 0..{k - 1}; got {vertex}")
    h_step = _finite_scalar(step, "step", positive=True)
    others = [j for j in range(k) if j != i]

    def reduced_field(z: FloatArray) -> FloatArray:
        x = z[None, :d]
        lam = np.zeros((1, k))
        lam[0, others] = z[d:]
        lam[0, i] = 1.0 - float(np.sum(z[d:]))
        _, xdot, h = flow._terms(x, lam)
        lamdot = flow.theta * lam * (h - np.sum(lam * h, axis=1, keepdims=True))
        return np.concatenate([xdot[0], lamdot[0, others]])

    z0 = np.concatenate([pts[0], np.zeros(k - 1)])
    n = z0.size
    jac = np.empty((n, n))
    f0 = reduced_field(z0)
    for col in range(n):
        e = np.zeros(n)
        if col < d:
            e[col] = h_step * max(1.0, abs(z0[col]))
            jac[:, col] = (reduced_field(z0 + e) - reduced_field(z0 - e)) / (2 * e[col])
        else:
            e[col] = h_step
            jac[:, col] = (reduced_field(z0 + e) - f0) / h_step
    return jac


# ---------------------------------------------------------------------------
# piecewise-constant ("switching") mixtures
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SwitchedMixtureSolution:
    r"""Result of :func:`integrate_switched_mixture`.

    Attributes
    ----------
    t : numpy.ndarray
        Output times, ``(n,)``.
    x : numpy.ndarray
        :math:`x(t)`, ``(n, d)`` (NaN after a failure).
    lam : numpy.ndarray
        :math:`\lambda(t)` (right-continuous), ``(n, K)``.
    success : bool
        Whether every piece was integrated and the states are finite.
    message : str
        Solver message (first failure if any).
    """

    t: FloatArray
    x: FloatArray
    lam: FloatArray
    success: bool
    message: str


def integrate_switched_mixture(
    problem: Problem,
    bases: BaseDirections,
    weights: ArrayLike,
    switch_times: ArrayLike,
    x0: ArrayLike,
    t_eval: ArrayLike,
    *,
    method: str = "LSODA",
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> SwitchedMixtureSolution:
    r"""The fixed-mixture flow (A) with a piecewise-constant mixture :math:`\lambda(t)`.

    .. math::

        \dot x = -\sum_i\lambda_i(t)\,d_i(x), \qquad
        \lambda(t) = \lambda^{(m)} \ \text{on}\ [s_m, s_{m+1}),

    with :math:`s_0 = t_0` (``t_eval[0]``) and the last piece ending at
    ``t_eval[-1]``: an "adversarial" λ(t) for bounds that must hold for any
    weight path (Theorem 8). Each piece is integrated with ``solve_ivp``
    (dense output) from the end state of the previous one.

    Parameters
    ----------
    problem : Problem
        Objective.
    bases : BaseDirections
        Base directions.
    weights : array_like
        :math:`\lambda^{(0)}, \dots, \lambda^{(M)}` on :math:`\Delta_K`, shape ``(M + 1, K)``.
    switch_times : array_like
        :math:`s_1 \le \dots \le s_M` inside ``[t_eval[0], t_eval[-1]]``, shape ``(M,)``.
    x0 : array_like
        :math:`x(t_0)`, shape ``(d,)``.
    t_eval : array_like
        Increasing output times.
    method, rtol, atol
        ``solve_ivp`` settings (catalogue: ``1e-10``, ``1e-12``).

    Returns
    -------
    SwitchedMixtureSolution
        Failures are reported in ``success``/``message``, never raised.
    """
    if not isinstance(problem, Problem) or not isinstance(bases, BaseDirections):
        raise ValueError("problem must be a Problem and bases BaseDirections")
    if bases.dim != problem.dim:
        raise ValueError(f"bases have dimension {bases.dim} but the problem has {problem.dim}")
    d, k = problem.dim, bases.n_bases
    lam_rows, _ = _simplex_rows(weights, k, "weights")
    switches = np.atleast_1d(_finite_array(switch_times, "switch_times", "a finite non-decreasing 1-D array"))
    if switches.ndim != 1 or switches.size != lam_rows.shape[0] - 1:
        raise ValueError(f"switch_times must have shape ({lam_rows.shape[0] - 1},) for {lam_rows.shape[0]} "
                         f"weight vectors; got {switches.shape}")
    times = _finite_array(t_eval, "t_eval", "a finite strictly increasing 1-D array")
    if times.ndim != 1 or times.size < 2 or np.any(np.diff(times) <= 0):
        raise ValueError("t_eval must be a strictly increasing 1-D array with at least 2 times")
    if np.any(np.diff(switches) < 0) or np.any(switches < times[0]) or np.any(switches > times[-1]):
        raise ValueError(f"switch_times must be non-decreasing inside [{times[0]}, {times[-1]}]")
    x_init, single = _as_points(x0, d, "x0")
    if not single:
        raise ValueError(f"x0 must be a single point of shape ({d},)")
    rtol, atol = _check_solver_settings(method, rtol, atol)
    edges = np.concatenate([[times[0]], switches, [times[-1]]])
    out = np.full((times.size, d), np.nan)
    piece = np.clip(np.searchsorted(switches, times, side="right"), 0, lam_rows.shape[0] - 1)
    x = x_init[0].copy()
    success, message = True, "integrated to t_eval[-1]"
    for m in range(edges.size - 1):
        t0, t1 = float(edges[m]), float(edges[m + 1])
        if t1 <= t0:
            continue
        lam = lam_rows[m][None, :]

        def rhs(t: float, y: FloatArray, lam: FloatArray = lam) -> FloatArray:
            pts = y[None, :]
            return -np.einsum("nk,nkd->nd", lam, bases._directions(pts, problem._grad(pts)))[0]

        with np.errstate(all="ignore"):
            sol = solve_ivp(rhs, (t0, t1), x, method=method, rtol=rtol, atol=atol, dense_output=True)
        if sol.status != 0 or not np.all(np.isfinite(sol.y)):
            success, message = False, f"piece {m} on [{t0:g}, {t1:g}]: {sol.message}"
            break
        last = m == edges.size - 2
        sel = (times >= t0) & ((times < t1) | last)
        if sel.any():
            out[sel] = sol.sol(times[sel]).T
        x = sol.y[:, -1]
    if success and not np.all(np.isfinite(out)):
        success, message = False, "non-finite state along the switching trajectory"
    return SwitchedMixtureSolution(times, out, lam_rows[piece], success, message)


# ---------------------------------------------------------------------------
# inertial system (148)-(154)
# ---------------------------------------------------------------------------

#: Momentum signs of (148)/(152): ``"minus"`` as printed, ``"plus"`` the flipped reading.
MOMENTUM_SIGNS = {"minus": -1.0, "plus": 1.0}


@dataclass(frozen=True, eq=False)
class InertialFlow:
    r"""The inertial mixed system of TrailMix App. F.2 (Def. 6, Lemma 11; catalogue Engines §2 (E)).

    Continuous time (152)--(154):

    .. math::

        \dot x = -\bar P\nabla f(x) + s\,\beta v, \qquad
        \dot v = -\gamma v - \bar P\nabla f(x), \qquad
        \dot\lambda_i = \theta\lambda_i\bigl(h_i - \textstyle\sum_j\lambda_jh_j\bigr),

    with :math:`\bar P = \sum_i\lambda_iP_i`, the momentum sign :math:`s = -1`
    as printed or :math:`s = +1`, and the Def. 3 scores of the directions
    :math:`d_i = P_i\nabla f` (``"align"``: :math:`h_i = -\langle\nabla f, P_i\nabla f\rangle`;
    ``"adv"``: :math:`h_i = \langle\nabla f, P_i\nabla f\rangle - \sum_j\lambda_j\langle\nabla f, P_j\nabla f\rangle`).
    Discrete time (148)--(149) with a constant step :math:`\alpha` and fixed weights:

    .. math::

        x_{t+1} = x_t - \alpha\bigl(\bar P\nabla f(x_t) - s\,\beta v_t\bigr), \qquad
        v_{t+1} = (1 - \gamma)v_t - \bar P\nabla f(x_t).

    The phase-space function of Lemma 11 is
    :math:`\mathcal W = f + \tfrac\beta2\|v\|^2 - \tau H(\lambda)` (150)
    (:func:`inertial_lyapunov_rates`).

    Parameters
    ----------
    problem : Problem
        Objective :math:`f`.
    preconditioners : array_like
        Constant symmetric positive definite :math:`P_i`, shape ``(K, d, d)``.
    beta : float
        Momentum coupling :math:`\beta > 0`.
    gamma : float
        Damping :math:`\gamma \in (0, 1]`.
    momentum_sign : float, optional
        :math:`s \in \{-1, +1\}` (see :data:`MOMENTUM_SIGNS`).
    theta : float, optional
        Replicator rate :math:`\theta \ge 0` (0: fixed weights).
    score : {"align", "adv"}, optional
        Meta-score (Definition 3).
    """

    problem: Problem
    preconditioners: FloatArray
    beta: float
    gamma: float
    momentum_sign: float = -1.0
    theta: float = 0.0
    score: str = "align"

    def __post_init__(self) -> None:
        if not isinstance(self.problem, Problem):
            raise ValueError(f"problem must be a Problem; got {type(self.problem).__name__}")
        d = self.problem.dim
        what = f"a finite (K, {d}, {d}) array of symmetric positive definite matrices"
        p = _finite_array(self.preconditioners, "preconditioners", what)
        if p.ndim != 3 or p.shape[0] == 0 or p.shape[1:] != (d, d):
            raise ValueError(f"preconditioners must be {what}; got shape {p.shape}")
        asym = float(np.max(np.abs(p - np.swapaxes(p, 1, 2))))
        if asym > 1e-12 * max(1.0, float(np.max(np.abs(p)))):
            raise ValueError(f"preconditioners must be symmetric; got max |P - P^T| = {asym:.3g}")
        p = 0.5 * (p + np.swapaxes(p, 1, 2))
        lam_min = np.linalg.eigvalsh(p)[:, 0]
        if np.any(lam_min <= 0.0):
            raise ValueError(f"preconditioners must be positive definite; got lambda_min = {lam_min.min():.3g}")
        beta = _finite_scalar(self.beta, "beta", positive=True)
        gamma = _finite_scalar(self.gamma, "gamma", positive=True)
        if gamma > 1.0:
            raise ValueError(f"gamma must be in (0, 1]; got {gamma}")
        if self.momentum_sign not in (-1.0, 1.0):
            raise ValueError(f"momentum_sign must be -1 or +1; got {self.momentum_sign!r}")
        theta = _finite_scalar(self.theta, "theta")
        if theta < 0.0:
            raise ValueError(f"theta must be >= 0; got {theta}")
        if self.score not in _SCORES:
            raise ValueError(f"score must be one of {_SCORES}; got {self.score!r}")
        object.__setattr__(self, "preconditioners", p)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "gamma", gamma)
        object.__setattr__(self, "momentum_sign", float(self.momentum_sign))
        object.__setattr__(self, "theta", theta)
        object.__setattr__(self, "_alignment", lam_min)

    @property
    def dim(self) -> int:
        """Dimension :math:`d` of :math:`x` and :math:`v`."""
        return self.problem.dim

    @property
    def n_bases(self) -> int:
        """Number :math:`K` of preconditioners."""
        return self.preconditioners.shape[0]

    @property
    def alignment(self) -> FloatArray:
        r"""Alignment constants :math:`c_i = \lambda_{\min}(P_i)` (Lemma 10)."""
        return self._alignment

    def mixture(self, lam: ArrayLike) -> FloatArray:
        r"""Mixed preconditioner :math:`\bar P = \sum_i\lambda_iP_i`, shape ``(d, d)``."""
        return np.einsum("k,kij->ij", np.asarray(lam, dtype=np.float64), self.preconditioners)

    def scores(self, g: ArrayLike, lam: ArrayLike) -> FloatArray:
        r"""Definition 3 scores of :math:`d_i = P_ig` for the gradient ``g``, shape ``(K,)``."""
        g = np.asarray(g, dtype=np.float64)
        a = np.einsum("i,kij,j->k", g, self.preconditioners, g)
        return -a if self.score == "align" else a - float(np.asarray(lam, dtype=np.float64) @ a)

    def field(self, x: ArrayLike, v: ArrayLike, lam: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        r"""Vector field :math:`(\dot x, \dot v, \dot\lambda)` of (152)--(154) at one state (no validation)."""
        lam = np.asarray(lam, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        g = self.problem.grad(x)
        pg = self.mixture(lam) @ g
        xdot = -pg + self.momentum_sign * self.beta * v
        vdot = -self.gamma * v - pg
        h = self.scores(g, lam)
        lamdot = self.theta * lam * (h - float(lam @ h))
        return xdot, vdot, lamdot

    def describe(self) -> dict[str, Any]:
        """Parameters for reports."""
        return {"beta": self.beta, "gamma": self.gamma, "momentum_sign": self.momentum_sign, "theta": self.theta,
                "score": self.score, "c_i": self.alignment.round(6).tolist(), "objective": self.problem.name}


def _inertial_state(flow: InertialFlow, x: ArrayLike, v: ArrayLike, lam: ArrayLike,
                    interior: bool) -> tuple[FloatArray, FloatArray, FloatArray]:
    d, k = flow.dim, flow.n_bases
    pts, single = _as_points(x, d, "x")
    vel, single_v = _as_points(v, d, "v")
    if not (single and single_v):
        raise ValueError(f"x and v must be single points of shape ({d},)")
    rows, lam_single = _simplex_rows(lam, k)
    if not lam_single:
        raise ValueError(f"lam must be a single point of shape ({k},)")
    if interior and np.any(rows[0] <= 0.0):
        raise ValueError("lam must be in the interior of the simplex (all entries > 0) when tau > 0")
    return pts[0], vel[0], rows[0]


@dataclass(frozen=True)
class InertialRates:
    r"""Time derivative of :math:`\mathcal W` (150) at one state and the terms of (151).

    Attributes
    ----------
    phase_space_rate : float
        :math:`\dot{\mathcal W} = \langle\nabla f, \dot x\rangle + \beta\langle v, \dot v\rangle
        - \tau\langle\nabla H(\lambda), \dot\lambda\rangle` (chain rule).
    alignment_term : float
        :math:`-c(\lambda)\|\nabla f\|^2`, :math:`c(\lambda) = \sum_i\lambda_i\lambda_{\min}(P_i)`.
    damping_term : float
        :math:`-(\gamma - \beta)\|v\|^2`.
    variance_term : float
        :math:`-\tau\theta\,\mathrm{Var}_\lambda(h)`.
    claimed_bound : float
        Right-hand side of (151), the sum of the three terms.
    resolution : float
        Rounding bound of these sums: :math:`64(d + K)d\varepsilon` times the
        sum of the absolute values of the products involved.
    """

    phase_space_rate: float
    alignment_term: float
    damping_term: float
    variance_term: float
    claimed_bound: float
    resolution: float


def inertial_lyapunov_rates(flow: InertialFlow, x: ArrayLike, v: ArrayLike, lam: ArrayLike,
                            tau: float) -> InertialRates:
    r"""Exact :math:`\dot{\mathcal W}` along (152)--(154) by the chain rule, and the right-hand side of (151).

    .. math::

        \dot{\mathcal W} = \langle\nabla f, \dot x\rangle + \beta\langle v, \dot v\rangle
        - \tau\langle\nabla H(\lambda), \dot\lambda\rangle, \qquad \nabla H = -(\log\lambda_i + 1)_i,

        \text{(151): } -c(\lambda)\|\nabla f\|^2 - (\gamma - \beta)\|v\|^2 - \tau\theta\,\mathrm{Var}_\lambda(h).

    Parameters
    ----------
    flow : InertialFlow
        The system.
    x, v : array_like
        State, shape ``(d,)`` each.
    lam : array_like
        Weights on :math:`\Delta_K` (interior when ``tau > 0``).
    tau : float
        Temperature :math:`\tau \ge 0`.

    Returns
    -------
    InertialRates
    """
    if not isinstance(flow, InertialFlow):
        raise ValueError(f"flow must be an InertialFlow; got {type(flow).__name__}")
    tau = _finite_scalar(tau, "tau")
    if tau < 0.0:
        raise ValueError(f"tau must be >= 0; got {tau}")
    x, v, lam = _inertial_state(flow, x, v, lam, interior=tau > 0.0)
    xdot, vdot, lamdot = flow.field(x, v, lam)
    g = flow.problem.grad(x)
    h = flow.scores(g, lam)
    grad_entropy = -(np.log(lam) + 1.0) if tau > 0 else np.zeros_like(lam)
    rate = math.fsum([float(g @ xdot), flow.beta * float(v @ vdot), -tau * float(grad_entropy @ lamdot)])
    variance = float(lam @ (h - float(lam @ h)) ** 2)
    c_lam = float(lam @ flow.alignment)
    alignment_term = -c_lam * float(g @ g)
    damping_term = -(flow.gamma - flow.beta) * float(v @ v)
    variance_term = -tau * flow.theta * variance
    p_norm = float(np.linalg.norm(flow.mixture(lam), 2))
    magnitude = (p_norm * float(g @ g) + flow.beta * (1 + p_norm) * float(np.linalg.norm(g) * np.linalg.norm(v))
                 + flow.beta * float(v @ v) + tau * float(np.abs(grad_entropy) @ np.abs(lamdot))
                 + tau * flow.theta * float(lam @ h**2) + c_lam * float(g @ g))
    resolution = 64 * (x.size + lam.size) * x.size * _EPS * magnitude
    return InertialRates(rate, alignment_term, damping_term, variance_term,
                         math.fsum([alignment_term, damping_term, variance_term]), resolution)


@dataclass(frozen=True)
class InertialSolution:
    r"""Result of :func:`integrate_inertial`.

    Attributes
    ----------
    t : numpy.ndarray
        Output times, ``(n,)``.
    x, v : numpy.ndarray
        :math:`x(t)`, :math:`v(t)`, ``(n, d)`` each (the integrated part only after a failure).
    lam : numpy.ndarray
        :math:`\lambda(t)`, ``(n, K)``.
    success : bool
        Whether the whole span was integrated with finite states.
    message : str
        Solver message.
    """

    t: FloatArray
    x: FloatArray
    v: FloatArray
    lam: FloatArray
    success: bool
    message: str


def integrate_inertial(
    flow: InertialFlow,
    x0: ArrayLike,
    v0: ArrayLike,
    lam0: ArrayLike,
    t_eval: ArrayLike,
    *,
    method: str = "LSODA",
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> InertialSolution:
    r"""Integrate (152)--(154) with :func:`scipy.integrate.solve_ivp` from ``t_eval[0]``.

    The weights are integrated in log-coordinates on their support
    (:math:`y_i = \log\lambda_i`, :math:`\dot y_i = \theta(h_i - \sum_j\lambda_jh_j)`,
    :math:`\lambda = \mathrm{softmax}(y)`), so they stay on the simplex
    to round-off; zero weights stay zero.

    Parameters
    ----------
    flow : InertialFlow
        The system.
    x0, v0 : array_like
        Initial state, shape ``(d,)`` each.
    lam0 : array_like
        Initial weights on :math:`\Delta_K` (zeros allowed).
    t_eval : array_like
        Strictly increasing output times; the integration starts at ``t_eval[0]``.
    method, rtol, atol
        ``solve_ivp`` settings (catalogue: ``1e-10``, ``1e-12``).

    Returns
    -------
    InertialSolution
        Failures are reported in ``success``/``message``, never raised.
    """
    if not isinstance(flow, InertialFlow):
        raise ValueError(f"flow must be an InertialFlow; got {type(flow).__name__}")
    x_init, v_init, lam_init = _inertial_state(flow, x0, v0, lam0, interior=False)
    times = _finite_array(t_eval, "t_eval", "a finite strictly increasing 1-D array")
    if times.ndim != 1 or times.size < 2 or np.any(np.diff(times) <= 0):
        raise ValueError("t_eval must be a strictly increasing 1-D array with at least 2 times")
    rtol, atol = _check_solver_settings(method, rtol, atol)
    d, k = flow.dim, flow.n_bases
    support = lam_init > 0

    def weights(y: FloatArray) -> FloatArray:
        lam = np.zeros(k)
        w = np.exp(y - y.max())
        lam[support] = w / w.sum()
        return lam

    def rhs(t: float, state: FloatArray) -> FloatArray:
        x, v, y = state[:d], state[d:2 * d], state[2 * d:]
        lam = weights(y)
        g = flow.problem._grad(x[None, :])[0]
        pg = flow.mixture(lam) @ g
        h = flow.scores(g, lam)[support]
        ydot = flow.theta * (h - float(lam[support] @ h))
        return np.concatenate([-pg + flow.momentum_sign * flow.beta * v, -flow.gamma * v - pg, ydot])

    y0 = np.concatenate([x_init, v_init, np.log(lam_init[support])])
    with np.errstate(all="ignore"):
        sol = solve_ivp(rhs, (float(times[0]), float(times[-1])), y0, method=method, t_eval=times, rtol=rtol,
                        atol=atol)
    ok = sol.status == 0 and sol.y.shape[1] == times.size and bool(np.all(np.isfinite(sol.y)))
    message = sol.message if ok else f"solve_ivp failed or produced non-finite states: {sol.message}"
    lam = np.array([weights(y) for y in sol.y[2 * d:].T]).reshape(-1, k)
    return InertialSolution(sol.t, sol.y[:d].T, sol.y[d:2 * d].T, lam, ok, message)


@dataclass(frozen=True)
class InertialTrace:
    r"""Iterates of the inertial recursion (148)--(149).

    Attributes
    ----------
    steps : numpy.ndarray
        Recorded iteration indices, ``(n,)``.
    x, v : numpy.ndarray
        :math:`x_t`, :math:`v_t` at those indices, ``(n, d)`` each.
    finite : bool
        Whether every recorded iterate is finite.
    """

    steps: NDArray[np.intp]
    x: FloatArray
    v: FloatArray
    finite: bool


def _recursion_inputs(flow: InertialFlow, x0: ArrayLike, v0: ArrayLike, lam: ArrayLike,
                      step_size: float) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    if not isinstance(flow, InertialFlow):
        raise ValueError(f"flow must be an InertialFlow; got {type(flow).__name__}")
    x, v, weights = _inertial_state(flow, x0, v0, lam, interior=False)
    return x, v, weights, _finite_scalar(step_size, "step_size", positive=True)


def inertial_recursion(flow: InertialFlow, x0: ArrayLike, v0: ArrayLike, lam: ArrayLike, step_size: float,
                       n_steps: int, record: ArrayLike | None = None) -> InertialTrace:
    r"""The recursion (148)--(149) with fixed weights and a constant step, step by step.

    .. math::

        x_{t+1} = x_t - \alpha\bigl(\bar P\nabla f(x_t) - s\,\beta v_t\bigr), \qquad
        v_{t+1} = (1 - \gamma)v_t - \bar P\nabla f(x_t).

    Parameters
    ----------
    flow : InertialFlow
        The system (``theta`` is not used: the weights are fixed).
    x0, v0 : array_like
        :math:`x_0`, :math:`v_0`, shape ``(d,)`` each.
    lam : array_like
        Fixed weights on :math:`\Delta_K`.
    step_size : float
        :math:`\alpha > 0`.
    n_steps : int
        Number of steps :math:`n \ge 0`.
    record : array_like of int, optional
        Iteration indices in ``0..n_steps`` to return (default: all).

    Returns
    -------
    InertialTrace
        A diverging recursion is reported by ``finite = False``.
    """
    x, v, weights, alpha = _recursion_inputs(flow, x0, v0, lam, step_size)
    n = _positive_int(n_steps, "n_steps", 0)
    wanted = np.arange(n + 1) if record is None else np.asarray(record, dtype=np.intp)
    if wanted.ndim != 1 or np.any(wanted < 0) or np.any(wanted > n):
        raise ValueError(f"record must be a 1-D array of iteration indices in 0..{n}")
    p_bar = flow.mixture(weights)
    keep = {int(i) for i in wanted}
    xs: dict[int, FloatArray] = {}
    vs: dict[int, FloatArray] = {}
    if 0 in keep:
        xs[0], vs[0] = x.copy(), v.copy()
    sign_beta = flow.momentum_sign * flow.beta
    with np.errstate(all="ignore"):
        for step in range(1, n + 1):
            pg = p_bar @ flow.problem._grad(x[None, :])[0]
            x, v = x - alpha * (pg - sign_beta * v), (1.0 - flow.gamma) * v - pg
            if step in keep:
                xs[step], vs[step] = x.copy(), v.copy()
            if not np.all(np.isfinite(x)):
                break
    x_out = np.array([xs.get(int(i), np.full(flow.dim, np.nan)) for i in wanted]).reshape(-1, flow.dim)
    v_out = np.array([vs.get(int(i), np.full(flow.dim, np.nan)) for i in wanted]).reshape(-1, flow.dim)
    finite = bool(np.all(np.isfinite(x_out)) and np.all(np.isfinite(v_out)))
    return InertialTrace(wanted, x_out, v_out, finite)


def inertial_recursion_quadratic(flow: InertialFlow, x0: ArrayLike, v0: ArrayLike, lam: ArrayLike,
                                 step_size: float, steps: ArrayLike) -> InertialTrace:
    r"""(148)--(149) for a quadratic :math:`f = \tfrac12(x - x^*)^\top A(x - x^*)` by matrix powers.

    With :math:`B = \bar PA` and :math:`z = (x - x^*, v)` the recursion is
    linear, :math:`z_{t+1} = Mz_t`,

    .. math::

        M = \begin{pmatrix} I - \alpha B & s\alpha\beta I \\ -B & (1 - \gamma)I \end{pmatrix},

    so :math:`z_n = M^nz_0` (``numpy.linalg.matrix_power``, :math:`O(\log n)`
    products) gives the iterates at any :math:`n` as :func:`inertial_recursion`
    would, up to rounding.

    Parameters
    ----------
    flow : InertialFlow
        The system; its objective must be quadratic.
    x0, v0, lam, step_size
        As in :func:`inertial_recursion`.
    steps : array_like of int
        Iteration indices :math:`n \ge 0` to return.

    Returns
    -------
    InertialTrace

    Raises
    ------
    ValueError
        If the objective is not a quadratic (its Hessian varies).
    """
    x, v, weights, alpha = _recursion_inputs(flow, x0, v0, lam, step_size)
    wanted = np.asarray(steps)
    if wanted.ndim != 1 or not np.issubdtype(wanted.dtype, np.integer) or np.any(wanted < 0):
        raise ValueError("steps must be a 1-D array of non-negative integers")
    problem = flow.problem
    d = problem.dim
    hessians = problem.hess(np.random.default_rng(0).standard_normal((3, d)))
    a = hessians[0]
    if not np.allclose(hessians, a[None], rtol=1e-12, atol=0.0):
        raise ValueError(f"{problem.name} is not quadratic; use inertial_recursion")
    centre = np.zeros(d) if problem.x_star is None else np.asarray(problem.x_star, dtype=np.float64)
    b = flow.mixture(weights) @ a
    eye = np.eye(d)
    m = np.block([[eye - alpha * b, flow.momentum_sign * alpha * flow.beta * eye],
                  [-b, (1.0 - flow.gamma) * eye]])
    z0 = np.concatenate([x - centre, v])
    with np.errstate(all="ignore"):
        states = np.array([np.linalg.matrix_power(m, int(n)) @ z0 for n in wanted]).reshape(-1, 2 * d)
    return InertialTrace(wanted.astype(np.intp), states[:, :d] + centre, states[:, d:],
                         bool(np.all(np.isfinite(states))))
