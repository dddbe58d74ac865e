r"""Test objectives with value, gradient, Hessian and known constants.

Every objective is a :class:`Problem`: a smooth :math:`f : \mathbb{R}^d \to
\mathbb{R}` evaluated on a point of shape ``(d,)`` or on a batch of shape
``(N, d)``, together with the constants the TrailMix theory uses and the
hypotheses (:class:`Hypotheses`) the objective satisfies *globally* on
:math:`\mathbb{R}^d`:

- :math:`L`, the global smoothness constant of Assumptions 1 and 5,
  :math:`\|\nabla f(x) - \nabla f(y)\| \le L\|x - y\|` (50);
- :math:`\mu`, the Polyak--Łojasiewicz constant of (85),
  :math:`\|\nabla f(x)\|^2 \ge 2\mu(f(x) - f_*)`;
- :math:`f_* = \inf f` and a minimiser :math:`x^*` where one exists;
- :math:`\sup_x \|\nabla f(x)\|` where it is finite.

The families are those of the TrailMix claim catalogue (``claims-trailmix.md``,
header "Objective families"): F-QUAD (:func:`quadratic`,
:func:`random_quadratic`), F-PLNC (:func:`pl_nonconvex`), F-PH
(:func:`pseudo_huber`), F-LOG (:func:`logistic`), F-SP (:func:`softplus_sum`)
and F-SURF, the App. R.5 surfaces (:func:`rosenbrock`, :func:`booth`,
:func:`griewank`, :func:`himmelblau`, :func:`three_hump_camel`,
:func:`surfaces`). :func:`estimate_smoothness_constant`,
:func:`estimate_pl_constant` and :func:`estimate_gradient_bound` measure the
local constants on a set of points (for the boxes that contain trajectories).

A hypothesis flag is ``True`` (holds, with the constant given where there is
one), ``False`` (fails; the docstring of the constructor says why) or ``None``
(not established).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

__all__ = [
    "Hypotheses",
    "Problem",
    "booth",
    "estimate_gradient_bound",
    "estimate_pl_constant",
    "estimate_smoothness_constant",
    "griewank",
    "himmelblau",
    "logistic",
    "pl_nonconvex",
    "pseudo_huber",
    "quadratic",
    "random_quadratic",
    "rosenbrock",
    "softplus_sum",
    "surfaces",
    "three_hump_camel",
]

FloatArray = NDArray[np.float64]
BatchFunction = Callable[[FloatArray], FloatArray]


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


def _finite_array(value: Any, name: str, what: str) -> FloatArray:
    """Return ``value`` as a finite float64 array or raise ``ValueError``."""
    if np.iscomplexobj(value):
        raise ValueError(f"{name} must be {what}; got a complex array")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {what}; got {type(value).__name__} that is not numeric") from None
    if not np.all(np.isfinite(arr)):
        n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be {what}; got {n_bad} non-finite (nan/inf) entries")
    return arr


def _finite_scalar(value: Any, name: str, *, positive: bool = False) -> float:
    """Return ``value`` as a finite float (optionally > 0) or raise ``ValueError``."""
    what = "a finite positive real scalar" if positive else "a finite real scalar"
    arr = _finite_array(value, name, what)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be {what}; got an array of shape {arr.shape}")
    out = float(arr)
    if positive and not out > 0.0:
        raise ValueError(f"{name} must be {what}; got {out!r}")
    return out


def _as_points(x: Any, dim: int, name: str = "x") -> tuple[FloatArray, bool]:
    """Return ``x`` as a batch ``(N, dim)`` and whether the input was a single point.

    A single point has shape ``(dim,)`` (or is a scalar when ``dim == 1``).
    """
    what = f"a finite point of shape ({dim},) or a batch of shape (N, {dim})"
    arr = _finite_array(x, name, what)
    if arr.ndim == 0 and dim == 1:
        return arr.reshape(1, 1), True
    if arr.ndim == 1 and arr.shape[0] == dim:
        return arr.reshape(1, dim), True
    if arr.ndim == 2 and arr.shape[1] == dim:
        return arr, False
    raise ValueError(f"{name} must be {what}; got shape {arr.shape}")


def _symmetric_matrix(a: Any, name: str) -> FloatArray:
    """Return ``a`` as a finite symmetric square matrix or raise ``ValueError``."""
    what = "a finite symmetric square matrix"
    arr = _finite_array(a, name, what)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{name} must be {what}; got shape {arr.shape}")
    asym = float(np.max(np.abs(arr - arr.T)))
    if asym > 1e-12 * max(1.0, float(np.max(np.abs(arr)))):
        raise ValueError(f"{name} must be {what}; got max |A - A^T| = {asym:.3g}")
    return 0.5 * (arr + arr.T)


# ---------------------------------------------------------------------------
# the common interface
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hypotheses:
    r"""Which global hypotheses of the TrailMix theory an objective satisfies.

    Each flag is ``True``, ``False`` or ``None`` (not established).

    Attributes
    ----------
    l_smooth : bool or None
        :math:`\nabla f` is globally :math:`L`-Lipschitz (Assumptions 1, 5).
    bounded_below : bool or None
        :math:`f_* = \inf f > -\infty`.
    coercive : bool or None
        :math:`f(x) \to \infty` as :math:`\|x\| \to \infty` (bounded sublevel sets).
    pl : bool or None
        Global Polyak--Łojasiewicz inequality (85) with some :math:`\mu > 0`.
    convex : bool or None
        :math:`f` is convex.
    bounded_gradient : bool or None
        :math:`\sup_x \|\nabla f(x)\| < \infty`.
    """

    l_smooth: bool | None
    bounded_below: bool | None
    coercive: bool | None
    pl: bool | None
    convex: bool | None
    bounded_gradient: bool | None

    def as_dict(self) -> dict[str, bool | None]:
        """Return the flags as a plain dictionary (for reports)."""
        return {
            "l_smooth": self.l_smooth,
            "bounded_below": self.bounded_below,
            "coercive": self.coercive,
            "pl": self.pl,
            "convex": self.convex,
            "bounded_gradient": self.bounded_gradient,
        }


@dataclass(frozen=True, eq=False)
class Problem:
    r"""A smooth objective with its derivatives and known constants.

    ``value``, ``grad`` and ``hess`` accept a point of shape ``(dim,)`` (a
    scalar when ``dim == 1``) or a batch of shape ``(N, dim)`` and return a
    float / ``(N,)``, ``(dim,)`` / ``(N, dim)`` and ``(dim, dim)`` /
    ``(N, dim, dim)`` respectively. Input that is not finite or has the wrong
    shape raises :class:`ValueError`.

    Attributes
    ----------
    name : str
        Human-readable name with the parameters.
    family : str
        Catalogue family: ``"F-QUAD"``, ``"F-PLNC"``, ``"F-PH"``, ``"F-LOG"``,
        ``"F-SP"`` or ``"F-SURF"``.
    dim : int
        Dimension :math:`d`.
    hypotheses : Hypotheses
        Global hypotheses that hold.
    L : float or None
        A global smoothness constant (``None`` if :math:`\nabla f` is not
        globally Lipschitz). Tight unless ``notes`` says it is a bound.
    mu : float or None
        A global PL constant (85) (``None`` if none is known or none exists).
    f_star : float or None
        :math:`\inf f` (``-inf`` if unbounded below, ``None`` if unknown).
    x_star : numpy.ndarray or None
        A minimiser (``None`` if the infimum is not attained or unknown).
    minimizers : tuple of numpy.ndarray
        All global minimisers when there are finitely many and they are known
        (empty otherwise).
    gradient_bound : float or None
        An upper bound on :math:`\sup_x\|\nabla f(x)\|` (``None`` if unbounded).
    notes : str
        Where the constants come from.
    """

    name: str
    family: str
    dim: int
    _value: BatchFunction = field(repr=False)
    _grad: BatchFunction = field(repr=False)
    _hess: BatchFunction = field(repr=False)
    hypotheses: Hypotheses
    L: float | None = None
    mu: float | None = None
    f_star: float | None = None
    x_star: FloatArray | None = None
    minimizers: tuple[FloatArray, ...] = ()
    gradient_bound: float | None = None
    notes: str = ""

    def value(self, x: ArrayLike) -> float | FloatArray:
        """Objective value :math:`f(x)`; a float for one point, ``(N,)`` for a batch."""
        pts, single = _as_points(x, self.dim)
        out = self._value(pts)
        return float(out[0]) if single else out

    def grad(self, x: ArrayLike) -> FloatArray:
        r"""Gradient :math:`\nabla f(x)`; shape ``(dim,)`` or ``(N, dim)``."""
        pts, single = _as_points(x, self.dim)
        out = self._grad(pts)
        return out[0] if single else out

    def hess(self, x: ArrayLike) -> FloatArray:
        r"""Hessian :math:`\nabla^2 f(x)`; shape ``(dim, dim)`` or ``(N, dim, dim)``."""
        pts, single = _as_points(x, self.dim)
        out = self._hess(pts)
        return out[0] if single else out

    def gap(self, x: ArrayLike) -> float | FloatArray:
        r"""Optimality gap :math:`f(x) - f_*`.

        Raises
        ------
        ValueError
            If :math:`f_*` is unknown or :math:`-\infty`.
        """
        if self.f_star is None or not np.isfinite(self.f_star):
            raise ValueError(f"{self.name}: f_star is {self.f_star}; the optimality gap is undefined")
        return self.value(x) - self.f_star


def _broadcast_matrix(matrix: FloatArray, n: int) -> FloatArray:
    """Return ``n`` copies of ``matrix`` stacked on a new leading axis."""
    return np.broadcast_to(matrix, (n, *matrix.shape)).copy()


# ---------------------------------------------------------------------------
# F-QUAD
# ---------------------------------------------------------------------------


def quadratic(a: ArrayLike, x_star: ArrayLike | None = None, name: str | None = None) -> Problem:
    r"""Quadratic objective (family F-QUAD).

    .. math::

        f(x) = \tfrac12 (x - x^*)^\top A (x - x^*), \qquad
        \nabla f = A(x - x^*), \qquad \nabla^2 f = A.

    With the eigenvalues :math:`\lambda_1 \le \dots \le \lambda_d` of the
    symmetric matrix :math:`A` (an eigenvalue is treated as zero when
    :math:`|\lambda| \le 10^{-12}\max_j|\lambda_j|`):

    - :math:`A \succ 0`: :math:`\mu = \lambda_1` (strong convexity, hence PL),
      :math:`L = \lambda_d`, coercive, :math:`f_* = 0` at :math:`x^*`;
    - :math:`A \succeq 0` singular: convex, not coercive (flat along
      :math:`\ker A`), PL with :math:`\mu` = the smallest *positive*
      eigenvalue (:math:`\|A z\|^2 \ge \lambda^+_{\min} z^\top A z`),
      :math:`f_* = 0` attained on :math:`x^* + \ker A`;
    - :math:`A` indefinite: unbounded below (:math:`f_* = -\infty`),
      :math:`L = \max_j|\lambda_j|`.

    Parameters
    ----------
    a : array_like
        Symmetric matrix :math:`A`, shape ``(d, d)``, not zero.
    x_star : array_like, optional
        Centre :math:`x^*` (default 0).
    name : str, optional
        Name of the problem.

    Returns
    -------
    Problem

    Raises
    ------
    ValueError
        If ``a`` is not a finite symmetric nonzero matrix or ``x_star`` has the
        wrong shape.
    """
    mat = _symmetric_matrix(a, "a")
    d = mat.shape[0]
    centre = np.zeros(d) if x_star is None else _finite_array(x_star, "x_star", f"a finite vector of shape ({d},)")
    if centre.shape != (d,):
        raise ValueError(f"x_star must be a finite vector of shape ({d},); got shape {centre.shape}")
    eig = np.linalg.eigvalsh(mat)
    scale = float(np.max(np.abs(eig)))
    if scale == 0.0:
        raise ValueError("a must not be the zero matrix (f would be constant)")
    zero = np.abs(eig) <= 1e-12 * scale
    eig_min, eig_max = float(eig[0]), float(eig[-1])
    if eig_min < 0.0 and not zero[0]:
        kind = "indefinite"
        hyp = Hypotheses(True, False, False, False, False, False)
        mu, f_star, xs, mins = None, -math.inf, None, ()
    elif zero.any():
        kind = "PSD-singular"
        hyp = Hypotheses(True, True, False, True, True, False)
        mu, f_star, xs, mins = float(np.min(eig[~zero])), 0.0, centre.copy(), ()
    else:
        kind = "SPD"
        hyp = Hypotheses(True, True, True, True, True, False)
        mu, f_star, xs, mins = eig_min, 0.0, centre.copy(), (centre.copy(),)

    def value(x: FloatArray) -> FloatArray:
        z = x - centre
        return 0.5 * np.einsum("ni,ij,nj->n", z, mat, z)

    def grad(x: FloatArray) -> FloatArray:
        return (x - centre) @ mat

    def hess(x: FloatArray) -> FloatArray:
        return _broadcast_matrix(mat, x.shape[0])

    return Problem(
        name=name or f"quadratic-{kind}(d={d}, eig=[{eig_min:.3g}, {eig_max:.3g}])",
        family="F-QUAD",
        dim=d,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=hyp,
        L=scale,
        mu=mu,
        f_star=f_star,
        x_star=xs,
        minimizers=mins,
        gradient_bound=None,
        notes=f"{kind}; eigenvalues {np.array2string(eig, precision=4)}; mu = smallest positive eigenvalue, "
        "L = largest |eigenvalue| (both exact)",
    )


def random_quadratic(
    rng: np.random.Generator,
    dim: int,
    eig_low: float = 1e-2,
    eig_high: float = 1e2,
    n_zero: int = 0,
    x_star: ArrayLike | None = None,
) -> Problem:
    r"""Random F-QUAD problem with a Haar-random eigenbasis.

    .. math::

        A = Q\,\mathrm{diag}(\lambda)\,Q^\top, \qquad
        \log\lambda_j \sim U[\log a, \log b], \qquad Q \sim \mathrm{Haar}(O(d)),

    with the first ``n_zero`` eigenvalues set to zero (PSD-singular case).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    dim : int
        Dimension :math:`d \ge 1`.
    eig_low, eig_high : float, optional
        Range :math:`[a, b]` of the positive eigenvalues, :math:`0 < a \le b`.
    n_zero : int, optional
        Number of zero eigenvalues, :math:`0 \le n_0 < d`.
    x_star : array_like, optional
        Centre (default 0).

    Returns
    -------
    Problem

    Raises
    ------
    ValueError
        On a bad dimension, eigenvalue range or number of zeros.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be a positive integer; got {dim!r}")
    lo = _finite_scalar(eig_low, "eig_low", positive=True)
    hi = _finite_scalar(eig_high, "eig_high", positive=True)
    if hi < lo:
        raise ValueError(f"eig_high must be >= eig_low; got eig_low={lo}, eig_high={hi}")
    if isinstance(n_zero, bool) or not isinstance(n_zero, (int, np.integer)) or not 0 <= n_zero < dim:
        raise ValueError(f"n_zero must be an integer in [0, dim); got {n_zero!r} (dim={dim})")
    eig = np.exp(rng.uniform(np.log(lo), np.log(hi), size=dim))
    eig[:n_zero] = 0.0
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    q = q * np.sign(np.diag(r))
    return quadratic((q * eig) @ q.T, x_star=x_star)


# ---------------------------------------------------------------------------
# F-PLNC, F-PH, F-LOG, F-SP
# ---------------------------------------------------------------------------


def pl_nonconvex(dim: int = 1) -> Problem:
    r"""Nonconvex PL objective (family F-PLNC; Karimi, Nutini and Schmidt 2016).

    .. math::

        f(x) = \sum_{j=1}^d \bigl(x_j^2 + 3\sin^2 x_j\bigr), \qquad
        \partial_j f = 2x_j + 3\sin 2x_j, \qquad
        \partial_{jj} f = 2 + 6\cos 2x_j.

    :math:`L = 8 = \sup|2 + 6\cos 2x|`, :math:`f_* = 0` at :math:`x^* = 0`
    (the only stationary point), :math:`\mu = 1/32` as in Karimi et al. (the
    value the catalogue prescribes; the sharp constant
    :math:`\inf_x f'(x)^2/(2f(x)) \approx 0.1755`, attained near
    :math:`x \approx 2.20`, is larger, so :math:`1/32` is valid). A separable
    sum keeps :math:`L` and :math:`\mu`. Not convex (:math:`f'' < 0` near
    :math:`x = \pi/2`).

    Parameters
    ----------
    dim : int, optional
        Dimension (the catalogue uses 1).

    Returns
    -------
    Problem
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be a positive integer; got {dim!r}")

    def value(x: FloatArray) -> FloatArray:
        return np.sum(x**2 + 3.0 * np.sin(x) ** 2, axis=1)

    def grad(x: FloatArray) -> FloatArray:
        return 2.0 * x + 3.0 * np.sin(2.0 * x)

    def hess(x: FloatArray) -> FloatArray:
        n = x.shape[0]
        out = np.zeros((n, dim, dim))
        idx = np.arange(dim)
        out[:, idx, idx] = 2.0 + 6.0 * np.cos(2.0 * x)
        return out

    return Problem(
        name=f"pl-nonconvex(d={dim})",
        family="F-PLNC",
        dim=dim,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=Hypotheses(True, True, True, True, False, False),
        L=8.0,
        mu=1.0 / 32.0,
        f_star=0.0,
        x_star=np.zeros(dim),
        minimizers=(np.zeros(dim),),
        gradient_bound=None,
        notes="mu = 1/32 (Karimi et al. 2016, catalogue); sharp PL constant ~0.17553 (grid); L = 8 exact",
    )


def pseudo_huber(scale: float, width: float, dim: int = 1) -> Problem:
    r"""Pseudo-Huber objective (family F-PH).

    .. math::

        f(x) = B\bigl(\sqrt{w^2 + \|x\|^2} - w\bigr), \qquad
        \nabla f = \frac{B x}{s}, \qquad
        \nabla^2 f = \frac{B}{s}\Bigl(I - \frac{x x^\top}{s^2}\Bigr), \quad
        s = \sqrt{w^2 + \|x\|^2}.

    Convex and coercive with :math:`f_* = 0` at 0; :math:`L = B/w` (the
    Hessian norm at 0); :math:`\|\nabla f\| < B` (bounded gradient, the sup
    :math:`B` is not attained). Not globally PL: :math:`\|\nabla f\|^2 \to B^2`
    while :math:`f \to \infty`. The value is evaluated as
    :math:`B\|x\|^2/(s + w)` (no cancellation for small :math:`x`).

    Parameters
    ----------
    scale : float
        :math:`B > 0`.
    width : float
        :math:`w > 0`.
    dim : int, optional
        Dimension.

    Returns
    -------
    Problem
    """
    b = _finite_scalar(scale, "scale", positive=True)
    w = _finite_scalar(width, "width", positive=True)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be a positive integer; got {dim!r}")

    def value(x: FloatArray) -> FloatArray:
        r2 = np.sum(x * x, axis=1)
        return b * r2 / (np.sqrt(w * w + r2) + w)

    def grad(x: FloatArray) -> FloatArray:
        s = np.sqrt(w * w + np.sum(x * x, axis=1))
        return b * x / s[:, None]

    def hess(x: FloatArray) -> FloatArray:
        s = np.sqrt(w * w + np.sum(x * x, axis=1))
        outer = x[:, :, None] * x[:, None, :] / (s**2)[:, None, None]
        return (b / s)[:, None, None] * (np.eye(dim)[None] - outer)

    return Problem(
        name=f"pseudo-huber(B={b:g}, w={w:g}, d={dim})",
        family="F-PH",
        dim=dim,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=Hypotheses(True, True, True, False, True, True),
        L=b / w,
        mu=None,
        f_star=0.0,
        x_star=np.zeros(dim),
        minimizers=(np.zeros(dim),),
        gradient_bound=b,
        notes="L = B/w exact (Hessian norm at 0); sup ||grad f|| = B not attained",
    )


def logistic(direction: ArrayLike) -> Problem:
    r"""Logistic loss of one example (family F-LOG).

    .. math::

        f(x) = \log\bigl(1 + e^{-a^\top x}\bigr), \qquad
        \nabla f = -\sigma(-a^\top x)\,a, \qquad
        \nabla^2 f = \sigma(a^\top x)\sigma(-a^\top x)\,a a^\top,

    with :math:`\sigma` the logistic function. Convex, :math:`L = \|a\|^2/4`,
    :math:`\|\nabla f\| < \|a\|`, :math:`f_* = 0` *not attained* (no
    minimiser), not coercive, not PL (:math:`\|\nabla f\|^2/f \to 0` as
    :math:`a^\top x \to \infty`). Evaluated with ``logaddexp`` / ``expit``
    (no overflow).

    Parameters
    ----------
    direction : array_like
        The vector :math:`a \ne 0`, shape ``(d,)``.

    Returns
    -------
    Problem
    """
    a = _finite_array(direction, "direction", "a finite nonzero vector")
    if a.ndim != 1 or a.size == 0 or not np.any(a != 0.0):
        raise ValueError(f"direction must be a finite nonzero 1-D vector; got {a!r}")
    d = a.size
    norm2 = float(a @ a)

    def value(x: FloatArray) -> FloatArray:
        return np.logaddexp(0.0, -(x @ a))

    def grad(x: FloatArray) -> FloatArray:
        return -expit(-(x @ a))[:, None] * a[None, :]

    def hess(x: FloatArray) -> FloatArray:
        z = x @ a
        weight = expit(z) * expit(-z)
        return weight[:, None, None] * np.outer(a, a)[None]

    return Problem(
        name=f"logistic(|a|={math.sqrt(norm2):.3g}, d={d})",
        family="F-LOG",
        dim=d,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=Hypotheses(True, True, False, False, True, True),
        L=norm2 / 4.0,
        mu=None,
        f_star=0.0,
        x_star=None,
        minimizers=(),
        gradient_bound=math.sqrt(norm2),
        notes="L = |a|^2/4 exact; infimum 0 not attained",
    )


def _relu_combination_min(weights: FloatArray, directions: FloatArray) -> float | None:
    r"""Minimum of :math:`\varphi(u) = \sum_k a_k\max(w_k^\top u, 0)` over :math:`\|u\|_\infty = 1`.

    :math:`\varphi` is linear on each cell of the hyperplane arrangement
    :math:`\{w_k^\top u = 0\}`, so on each facet :math:`u_j = \pm1` of the
    cube its minimum is attained at a vertex of the arrangement restricted to
    that facet: a point where :math:`d - 1` independent constraints among
    :math:`w_k^\top u = 0` and :math:`u_i = \pm 1` are active. All such
    vertices are enumerated. Returns ``None`` when there are too many.
    """
    m, d = directions.shape
    pool_size = m + 2 * (d - 1)
    if 2 * d * math.comb(pool_size, d - 1) > 200_000:
        return None
    best = math.inf
    for j in range(d):
        free = [i for i in range(d) if i != j]
        for sign in (1.0, -1.0):
            if d == 1:
                u = np.array([[sign]])
            else:
                # rows: hyperplanes w_k[F].u_F = -w_k[j] s, then box u_i = +-1
                rows = [directions[:, free]]
                rhs = [-directions[:, j] * sign]
                eye = np.eye(d - 1)
                rows += [eye, eye]
                rhs += [np.ones(d - 1), -np.ones(d - 1)]
                mat = np.concatenate(rows)
                vec = np.concatenate(rhs)
                combos = np.array(list(itertools.combinations(range(pool_size), d - 1)))
                systems = mat[combos]
                det = np.linalg.det(systems)
                ok = np.abs(det) > 1e-12 * np.max(np.abs(systems), axis=(1, 2)) ** (d - 1)
                if not np.any(ok):
                    continue
                sol = np.linalg.solve(systems[ok], vec[combos[ok]][..., None])[..., 0]
                sol = sol[np.all(np.abs(sol) <= 1.0 + 1e-12, axis=1)]
                if sol.size == 0:
                    continue
                u = np.empty((sol.shape[0], d))
                u[:, free] = np.clip(sol, -1.0, 1.0)
                u[:, j] = sign
            phi = np.maximum(u @ directions.T, 0.0) @ weights
            best = min(best, float(np.min(phi)))
    return best


def softplus_sum(weights: ArrayLike, directions: ArrayLike) -> Problem:
    r"""Softplus sum (family F-SP), nonconvex when some weights are negative.

    .. math::

        f(x) = \sum_{k=1}^m a_k\,\mathrm{softplus}(w_k^\top x), \qquad
        \nabla f = \sum_k a_k\,\sigma(w_k^\top x)\,w_k, \qquad
        \nabla^2 f = \sum_k a_k\,\sigma(w_k^\top x)\sigma(-w_k^\top x)\,w_k w_k^\top.

    Constants: :math:`L = \sum_k|a_k|\|w_k\|^2/4` and
    :math:`\|\nabla f\| \le \sum_k|a_k|\|w_k\|` are valid *bounds* (not
    necessarily tight). Since :math:`0 < \mathrm{softplus}(z) - \max(z, 0) \le
    \log 2`, :math:`f(ru) = r\varphi(u) + O(1)` with the positively
    homogeneous :math:`\varphi(u) = \sum_k a_k\max(w_k^\top u, 0)`: :math:`f`
    is bounded below iff :math:`\min_{\|u\|_\infty = 1}\varphi \ge 0` and
    coercive iff it is :math:`> 0`. That minimum is computed exactly by
    enumerating the vertices of the hyperplane arrangement on the cube facets
    (at most 200 000 candidates, e.g. :math:`m \le 40` for :math:`d \le 4`);
    the flags are ``None`` when the enumeration is too large, or when the
    minimum is within :math:`10^{-9}\sum_k|a_k|\|w_k\|` of 0 with weights of
    both signs. Convex if all
    :math:`a_k \ge 0`; otherwise ``False`` when a negative Hessian eigenvalue
    is found at probe points (an exact certificate), else ``None``.
    :math:`f_*`, :math:`x^*` and :math:`\mu` are not known in closed form.

    Parameters
    ----------
    weights : array_like
        :math:`a \in \mathbb{R}^m`, nonzero entries, both signs allowed.
    directions : array_like
        :math:`W` with rows :math:`w_k`, shape ``(m, d)``, nonzero rows.

    Returns
    -------
    Problem
    """
    a = _finite_array(weights, "weights", "a finite 1-D vector of nonzero weights")
    w = _finite_array(directions, "directions", "a finite (m, d) matrix with nonzero rows")
    if a.ndim != 1 or a.size == 0 or np.any(a == 0.0):
        raise ValueError(f"weights must be a finite 1-D vector of nonzero weights; got {a!r}")
    if w.ndim != 2 or w.shape[0] != a.size or w.shape[1] == 0:
        raise ValueError(f"directions must have shape ({a.size}, d); got {w.shape}")
    row_norm2 = np.sum(w * w, axis=1)
    if np.any(row_norm2 == 0.0):
        raise ValueError("directions must have nonzero rows")
    m, d = w.shape
    grad_bound = float(np.sum(np.abs(a) * np.sqrt(row_norm2)))

    def value(x: FloatArray) -> FloatArray:
        return np.logaddexp(0.0, x @ w.T) @ a

    def grad(x: FloatArray) -> FloatArray:
        return (expit(x @ w.T) * a) @ w

    def hess(x: FloatArray) -> FloatArray:
        z = x @ w.T
        c = expit(z) * expit(-z) * a
        return np.einsum("nk,ki,kj->nij", c, w, w)

    tol = 1e-9 * grad_bound
    phi_min = _relu_combination_min(a, w)
    if np.all(a > 0):
        bounded = True
        coercive = None if phi_min is None else bool(phi_min > tol)
    elif phi_min is None or abs(phi_min) <= tol:
        bounded = coercive = None
    else:
        bounded = coercive = bool(phi_min > 0.0)
    if np.all(a > 0):
        convex: bool | None = True
    else:
        probe_rng = np.random.default_rng(0)
        scale = 1.0 / math.sqrt(float(np.min(row_norm2)))
        probes = probe_rng.uniform(-4.0 * scale, 4.0 * scale, size=(512, d))
        min_eig = float(np.min(np.linalg.eigvalsh(hess(probes))))
        convex = False if min_eig < -1e-12 * grad_bound * scale else None
    hyp = Hypotheses(True, bounded, coercive, None, convex, True)
    return Problem(
        name=f"softplus-sum(m={m}, d={d})",
        family="F-SP",
        dim=d,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=hyp,
        L=float(np.sum(np.abs(a) * row_norm2) / 4.0),
        mu=None,
        f_star=None if bounded is not False else -math.inf,
        x_star=None,
        minimizers=(),
        gradient_bound=grad_bound,
        notes="L and gradient_bound are upper bounds; "
        f"min over |u|_inf=1 of sum a_k max(w_k.u, 0) = {phi_min}",
    )


# ---------------------------------------------------------------------------
# F-SURF: App. R.5 surfaces
# ---------------------------------------------------------------------------


def _newton_refine(grad: BatchFunction, hess: BatchFunction, x0: Sequence[float], steps: int = 8) -> FloatArray:
    """Refine a nondegenerate stationary point by Newton's method."""
    x = np.array(x0, dtype=np.float64)[None, :]
    for _ in range(steps):
        x = x - np.linalg.solve(hess(x)[0], grad(x)[0])[None, :]
    return x[0]


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Problem:
    r"""Rosenbrock surface (App. R.5, ``RosenbrockModel2D``; a = 1, b = 100).

    .. math::

        f(x, y) = (a - x)^2 + b(y - x^2)^2, \qquad
        \nabla f = \begin{pmatrix} -2(a - x) - 4bx(y - x^2) \\ 2b(y - x^2)\end{pmatrix},
        \qquad
        \nabla^2 f = \begin{pmatrix} 2 - 4by + 12bx^2 & -4bx \\ -4bx & 2b\end{pmatrix}.

    :math:`f_* = 0` at :math:`(a, a^2)`; coercive, nonconvex; not globally
    :math:`L`-smooth (the Hessian grows like :math:`12bx^2`); unbounded
    gradient; global PL not established (``None``).
    """
    a = _finite_scalar(a, "a")
    b = _finite_scalar(b, "b", positive=True)

    def value(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        r = y - x * x
        return np.stack([-2.0 * (a - x) - 4.0 * b * x * r, 2.0 * b * r], axis=1)

    def hess(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        out = np.empty((p.shape[0], 2, 2))
        out[:, 0, 0] = 2.0 - 4.0 * b * y + 12.0 * b * x * x
        out[:, 0, 1] = out[:, 1, 0] = -4.0 * b * x
        out[:, 1, 1] = 2.0 * b
        return out

    xs = np.array([a, a * a])
    return Problem(
        name=f"rosenbrock(a={a:g}, b={b:g})",
        family="F-SURF",
        dim=2,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=Hypotheses(False, True, True, None, False, False),
        L=None,
        mu=None,
        f_star=0.0,
        x_star=xs,
        minimizers=(xs.copy(),),
        gradient_bound=None,
        notes="Hessian unbounded; local L on a box via estimate_smoothness_constant",
    )


def booth() -> Problem:
    r"""Booth surface (App. R.5, ``BoothModel2D``).

    .. math::

        f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2, \qquad
        \nabla^2 f = \begin{pmatrix} 10 & 8 \\ 8 & 10 \end{pmatrix}.

    A strongly convex quadratic: :math:`\mu = 2`, :math:`L = 18` (Hessian
    eigenvalues), :math:`f_* = 0` at :math:`(1, 3)`.
    """
    hessian = np.array([[10.0, 8.0], [8.0, 10.0]])

    def value(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2

    def grad(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        u, v = x + 2.0 * y - 7.0, 2.0 * x + y - 5.0
        return np.stack([2.0 * u + 4.0 * v, 4.0 * u + 2.0 * v], axis=1)

    def hess(p: FloatArray) -> FloatArray:
        return _broadcast_matrix(hessian, p.shape[0])

    xs = np.array([1.0, 3.0])
    return Problem(
        name="booth",
        family="F-SURF",
        dim=2,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=Hypotheses(True, True, True, True, True, False),
        L=18.0,
        mu=2.0,
        f_star=0.0,
        x_star=xs,
        minimizers=(xs.copy(),),
        gradient_bound=None,
        notes="quadratic; Hessian eigenvalues 2 and 18 (exact)",
    )


def griewank() -> Problem:
    r"""Two-dimensional Griewank surface (App. R.5, ``GriewankModel2D``).

    .. math::

        f(x, y) = \frac{x^2 + y^2}{4000} - \cos x\cos\frac{y}{\sqrt2} + 1.

    :math:`f_* = 0` at the origin; coercive; many local minima, hence neither
    convex nor PL (PL makes every stationary point global). The Hessian is
    :math:`\tfrac{1}{2000}I + M` with
    :math:`M = \begin{pmatrix} p & -q/\sqrt2 \\ -q/\sqrt2 & p/2\end{pmatrix}`,
    :math:`p = \cos x\cos(y/\sqrt2)`, :math:`q = \sin x\sin(y/\sqrt2)`. Since
    :math:`p \pm q = \cos(x \mp y/\sqrt2)`, :math:`(p, q)` ranges over the
    diamond :math:`|p| + |q| \le 1`, on which the largest :math:`|\text{eigenvalue}|`
    of :math:`M`, the convex function :math:`\tfrac34|p| + (p^2/16 + q^2/2)^{1/2}`,
    peaks at the vertices :math:`p = \pm1` with value 1. Hence
    :math:`L = 1 + 1/2000` (attained at the origin).
    """
    root2 = math.sqrt(2.0)

    def value(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        return (x * x + y * y) / 4000.0 - np.cos(x) * np.cos(y / root2) + 1.0

    def grad(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        gx = x / 2000.0 + np.sin(x) * np.cos(y / root2)
        gy = y / 2000.0 + np.cos(x) * np.sin(y / root2) / root2
        return np.stack([gx, gy], axis=1)

    def hess(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        cc = np.cos(x) * np.cos(y / root2)
        out = np.empty((p.shape[0], 2, 2))
        out[:, 0, 0] = 1.0 / 2000.0 + cc
        out[:, 1, 1] = 1.0 / 2000.0 + 0.5 * cc
        out[:, 0, 1] = out[:, 1, 0] = -np.sin(x) * np.sin(y / root2) / root2
        return out

    xs = np.zeros(2)
    return Problem(
        name="griewank-2d",
        family="F-SURF",
        dim=2,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=Hypotheses(True, True, True, False, False, False),
        L=1.0 + 1.0 / 2000.0,
        mu=None,
        f_star=0.0,
        x_star=xs,
        minimizers=(xs.copy(),),
        gradient_bound=None,
        notes="L = 1 + 1/2000 exact (see docstring); gradient grows like |x|/2000",
    )


def himmelblau() -> Problem:
    r"""Himmelblau surface (App. R.5, ``HimmelblauModel2D``).

    .. math::

        f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2.

    Four global minimisers with :math:`f_* = 0`; ``x_star`` is :math:`(3, 2)`,
    the point returned by ``minimizer()`` in App. R.5 (distances in Fig. 4).
    Coercive; a local maximum and saddles make it nonconvex and not PL; not
    globally :math:`L`-smooth (quartic).
    """

    def value(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2

    def grad(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        u, v = x * x + y - 11.0, x + y * y - 7.0
        return np.stack([4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v], axis=1)

    def hess(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        u, v = x * x + y - 11.0, x + y * y - 7.0
        out = np.empty((p.shape[0], 2, 2))
        out[:, 0, 0] = 4.0 * u + 8.0 * x * x + 2.0
        out[:, 1, 1] = 4.0 * v + 8.0 * y * y + 2.0
        out[:, 0, 1] = out[:, 1, 0] = 4.0 * (x + y)
        return out

    starts = [(3.0, 2.0), (-2.805118, 3.131313), (-3.779310, -3.283186), (3.584428, -1.848127)]
    mins = tuple(_newton_refine(grad, hess, s) for s in starts)
    return Problem(
        name="himmelblau",
        family="F-SURF",
        dim=2,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=Hypotheses(False, True, True, False, False, False),
        L=None,
        mu=None,
        f_star=0.0,
        x_star=mins[0].copy(),
        minimizers=mins,
        gradient_bound=None,
        notes="four global minima (Newton-refined); x_star = (3, 2) as in App. R.5",
    )


def three_hump_camel() -> Problem:
    r"""Three-hump camel surface (App. R.5, ``ThreeHumpCamelModel2D``).

    .. math::

        f(x, y) = 2x^2 - 1.05x^4 + \tfrac16 x^6 + xy + y^2.

    :math:`f_* = 0` at the origin; local minima near
    :math:`\pm(1.7476, -0.8738)` with :math:`f \approx 0.2986` make it
    nonconvex and not PL; coercive; not globally :math:`L`-smooth (sextic).
    """

    def value(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        return 2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y * y

    def grad(p: FloatArray) -> FloatArray:
        x, y = p[:, 0], p[:, 1]
        return np.stack([4.0 * x - 4.2 * x**3 + x**5 + y, x + 2.0 * y], axis=1)

    def hess(p: FloatArray) -> FloatArray:
        x = p[:, 0]
        out = np.empty((p.shape[0], 2, 2))
        out[:, 0, 0] = 4.0 - 12.6 * x**2 + 5.0 * x**4
        out[:, 0, 1] = out[:, 1, 0] = 1.0
        out[:, 1, 1] = 2.0
        return out

    xs = np.zeros(2)
    return Problem(
        name="three-hump-camel",
        family="F-SURF",
        dim=2,
        _value=value,
        _grad=grad,
        _hess=hess,
        hypotheses=Hypotheses(False, True, True, False, False, False),
        L=None,
        mu=None,
        f_star=0.0,
        x_star=xs,
        minimizers=(xs.copy(),),
        gradient_bound=None,
        notes="local minima near +-(1.7476, -0.8738), f ~ 0.2986",
    )


def surfaces() -> dict[str, Problem]:
    """The App. R.5 surfaces (F-SURF) by name.

    "Quadratic" of Fig. 4 is not defined in the paper and is not included.

    Returns
    -------
    dict
        ``{"rosenbrock", "booth", "griewank", "himmelblau", "three_hump_camel"}``
        mapped to their :class:`Problem`.
    """
    return {
        "rosenbrock": rosenbrock(),
        "booth": booth(),
        "griewank": griewank(),
        "himmelblau": himmelblau(),
        "three_hump_camel": three_hump_camel(),
    }


# ---------------------------------------------------------------------------
# local constants
# ---------------------------------------------------------------------------


def estimate_smoothness_constant(problem: Problem, points: ArrayLike) -> float:
    r"""Largest Hessian spectral norm over ``points``: a lower estimate of :math:`L`.

    .. math::

        \hat L = \max_{x \in \text{points}} \|\nabla^2 f(x)\|_2
        \le \sup_{x} \|\nabla^2 f(x)\|_2 = L.

    Parameters
    ----------
    problem : Problem
        The objective.
    points : array_like
        Batch of shape ``(N, dim)``.

    Returns
    -------
    float
    """
    pts, _ = _as_points(points, problem.dim, "points")
    eig = np.linalg.eigvalsh(problem._hess(pts))
    return float(np.max(np.abs(eig)))


def estimate_pl_constant(problem: Problem, points: ArrayLike, f_star: float | None = None) -> float:
    r"""Smallest PL ratio over ``points``: an upper estimate of the best :math:`\mu`.

    .. math::

        \hat\mu = \min_{x \in \text{points},\ f(x) > f_*}
        \frac{\|\nabla f(x)\|^2}{2(f(x) - f_*)}.

    Parameters
    ----------
    problem : Problem
        The objective.
    points : array_like
        Batch of shape ``(N, dim)``.
    f_star : float, optional
        Infimum to use (default ``problem.f_star``).

    Returns
    -------
    float
        ``inf`` if every point has :math:`f(x) = f_*`.

    Raises
    ------
    ValueError
        If no finite :math:`f_*` is available.
    """
    level = problem.f_star if f_star is None else _finite_scalar(f_star, "f_star")
    if level is None or not np.isfinite(level):
        raise ValueError(f"{problem.name}: a finite f_star is needed; got {level}")
    pts, _ = _as_points(points, problem.dim, "points")
    gap = problem._value(pts) - level
    g2 = np.sum(problem._grad(pts) ** 2, axis=1)
    keep = gap > 0.0
    if not np.any(keep):
        return math.inf
    return float(np.min(g2[keep] / (2.0 * gap[keep])))


def estimate_gradient_bound(problem: Problem, points: ArrayLike) -> float:
    r"""Largest gradient norm over ``points``, :math:`\max\|\nabla f(x)\|`.

    Parameters
    ----------
    problem : Problem
        The objective.
    points : array_like
        Batch of shape ``(N, dim)``.

    Returns
    -------
    float
    """
    pts, _ = _as_points(points, problem.dim, "points")
    return float(np.max(np.linalg.norm(problem._grad(pts), axis=1)))
