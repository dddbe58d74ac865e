r"""Hypothesis strategies for the objects the papers reason about.

Every strategy is built from :func:`hypothesis.strategies.floats`,
:func:`~hypothesis.strategies.integers`, booleans and
:func:`hypothesis.extra.numpy.arrays`, so that failing examples shrink towards
simple values (uniform or vertex simplex points, identity eigenbases, zero
numerators). Arrays are ``float64``.

Strategies
----------
log_uniform
    Floats whose logarithm is uniform on :math:`[\log a, \log b]`.
dimensions
    Dimensions :math:`K`.
simplex_points
    Points of :math:`\Delta_K`, optionally with exact zeros and vertices.
box_vectors
    Vectors in a box :math:`[a, b]^n`.
spd_matrices, spd_with_spectrum
    Symmetric positive definite matrices with a controlled spectrum.
psd_moment_matrices
    Second-moment matrices :math:`\frac1m\sum_k g_k g_k^\top`.
symmetric_indefinite
    Symmetric matrices with eigenvalues of both signs.
rational_vectors
    Lists of :class:`fractions.Fraction` with frequent zeros and ties.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

__all__ = [
    "box_vectors",
    "dimensions",
    "log_uniform",
    "psd_moment_matrices",
    "rational_vectors",
    "simplex_points",
    "spd_matrices",
    "spd_with_spectrum",
    "symmetric_indefinite",
]

FloatArray = NDArray[np.float64]
IntOrStrategy = int | st.SearchStrategy[int]

_SIMPLEX_KINDS_INTERIOR = ("interior", "uniform")


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------


def _check_int(value: object, name: str, minimum: int) -> int:
    """Return ``value`` if it is an integer ``>= minimum``, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def _check_size_arg(n: IntOrStrategy, name: str, minimum: int) -> None:
    """Validate ``n`` eagerly when it is an int; strategies are checked when drawn."""
    if not isinstance(n, st.SearchStrategy):
        _check_int(n, name, minimum)


def _draw_size(draw: st.DrawFn, n: IntOrStrategy, name: str, minimum: int) -> int:
    """Draw ``n`` if it is a strategy and validate the resulting integer."""
    value = draw(n) if isinstance(n, st.SearchStrategy) else n
    return _check_int(value, name, minimum)


def _check_finite_range(low: float, high: float, what: str, positive: bool = False) -> None:
    """Raise ``ValueError`` unless ``low <= high`` are finite (and positive)."""
    ok = (
        isinstance(low, (int, float, np.floating, np.integer))
        and isinstance(high, (int, float, np.floating, np.integer))
        and math.isfinite(low)
        and math.isfinite(high)
        and low <= high
        and (not positive or low > 0)
    )
    if not ok:
        sign = "0 < " if positive else ""
        raise ValueError(
            f"{what} bounds must be finite reals with {sign}low <= high; "
            f"got low={low!r}, high={high!r}"
        )


# ---------------------------------------------------------------------------
# scalars and dimensions
# ---------------------------------------------------------------------------


def log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    r"""Floats spread uniformly on a logarithmic scale.

    Draws :math:`e` with :func:`~hypothesis.strategies.floats` in
    :math:`[\log a, \log b]` and returns :math:`\min(\max(e^{e}, a), b)`.

    Parameters
    ----------
    low, high : float
        Bounds :math:`0 < a \le b`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float
        Values in ``[low, high]``.

    Raises
    ------
    ValueError
        If the bounds are not finite with ``0 < low <= high``.
    """
    _check_finite_range(low, high, "log_uniform", positive=True)
    low, high = float(low), float(high)
    return st.floats(math.log(low), math.log(high)).map(
        lambda e: min(max(math.exp(e), low), high)
    )


def dimensions(min_k: int = 2, max_k: int = 6) -> st.SearchStrategy[int]:
    """Dimensions :math:`K` in ``[min_k, max_k]`` (shrinking towards ``min_k``).

    Parameters
    ----------
    min_k, max_k : int
        Inclusive bounds, ``1 <= min_k <= max_k``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of int

    Raises
    ------
    ValueError
        If the bounds are not integers with ``1 <= min_k <= max_k``.
    """
    _check_int(min_k, "min_k", 1)
    _check_int(max_k, "max_k", min_k)
    return st.integers(min_k, max_k)


# ---------------------------------------------------------------------------
# simplex points
# ---------------------------------------------------------------------------


def _unit_exponentials(k: int) -> st.SearchStrategy[FloatArray]:
    """Arrays of ``-log(u_i)`` with ``u_i`` in the open interval (0, 1): positive, finite."""
    return hnp.arrays(
        np.float64,
        k,
        elements=st.floats(0.0, 1.0, exclude_min=True, exclude_max=True),
    ).map(lambda u: -np.log(u))


def _normalize(x: FloatArray, min_entry: float) -> FloatArray:
    r"""Map nonnegative ``x`` (nonzero) to the simplex, floored at ``min_entry``.

    Computes :math:`\lambda = m + (1 - Km)\,x/\sum_j x_j`, then moves the
    largest entry by :math:`1 - \operatorname{fsum}(\lambda)` when that keeps
    it :math:`\ge m`, so the sum is 1 to within a few ulps.
    """
    k = x.size
    lam = x / np.sum(x)
    if min_entry > 0.0:
        lam = min_entry + max(0.0, 1.0 - k * min_entry) * lam
    i = int(np.argmax(lam))
    corrected = lam[i] + (1.0 - math.fsum(lam))
    if corrected >= min_entry:
        lam[i] = corrected
    return lam


@st.composite
def _simplex_points(
    draw: st.DrawFn,
    k: IntOrStrategy,
    kinds: tuple[str, ...],
    min_entry: float,
    min_support: int,
) -> FloatArray:
    size = _draw_size(draw, k, "k", 1)
    if min_entry * size > 1.0:
        raise ValueError(
            f"min_entry * K must be <= 1 for points of the simplex; got min_entry="
            f"{min_entry!r} with K={size}"
        )
    kind = draw(st.sampled_from(kinds))
    if kind == "uniform":
        return np.full(size, max(1.0 / size, min_entry))
    if kind == "vertex":
        lam = np.zeros(size)
        lam[draw(st.integers(0, size - 1))] = 1.0
        return lam
    x = draw(_unit_exponentials(size))
    if kind == "masked":
        keep = draw(hnp.arrays(np.bool_, size))
        required = min(min_support, size)
        if not keep.any():
            keep[draw(st.integers(0, size - 1))] = True
        for i in np.flatnonzero(~keep)[: max(0, required - np.count_nonzero(keep))]:
            keep[i] = True
        x = np.where(keep, x, 0.0)
    return _normalize(x, min_entry)


def simplex_points(
    k: IntOrStrategy | None = None,
    *,
    min_k: int = 2,
    max_k: int = 6,
    allow_zeros: bool = False,
    include_vertices: bool = True,
    min_entry: float = 0.0,
) -> st.SearchStrategy[FloatArray]:
    r"""Points of the probability simplex :math:`\Delta_K`.

    Interior points are Dirichlet(1) samples built as
    :math:`x_i = -\log u_i` with :math:`u_i \in (0, 1)` drawn by
    :func:`~hypothesis.strategies.floats`, normalised by their sum; the exact
    uniform point :math:`\mathbf{1}/K` (as ``1/K`` in float64) is drawn too.
    With ``allow_zeros``, a drawn boolean mask sets some entries to exactly 0
    (at least one stays positive), and with ``include_vertices`` exact
    vertices :math:`e_i` are drawn as well. With ``include_vertices=False``
    at least two entries stay positive, so no vertex is produced for
    :math:`K \ge 2` (for :math:`K = 1` the only point is the vertex 1).

    Guarantees: entries are exactly nonnegative, and the sum of the entries
    is 1 to within a few ulps (the largest entry is corrected by
    :math:`1 - \operatorname{fsum}(\lambda)`). Without ``allow_zeros`` every
    entry is strictly positive.

    Parameters
    ----------
    k : int or SearchStrategy of int, optional
        Dimension; drawn from ``[min_k, max_k]`` if None.
    min_k, max_k : int, optional
        Range of ``k`` when it is None.
    allow_zeros : bool, optional
        Whether points on the relative boundary (exact zeros) may appear.
    include_vertices : bool, optional
        Whether exact vertices may appear (only relevant with
        ``allow_zeros``; interior points are never vertices for K >= 2).
    min_entry : float, optional
        Floor :math:`m \ge 0` with :math:`mK \le 1`. Points are mapped by
        :math:`\lambda \mapsto m + (1 - Km)\lambda`, so every entry is
        exactly :math:`\ge m` in floating point (the floor is attained, not
        approximated by clipping and renormalising). Incompatible with
        ``allow_zeros``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of numpy.ndarray
        1-D float64 arrays of length ``k``.

    Raises
    ------
    ValueError
        If the dimension arguments are invalid, ``min_entry`` is negative,
        not finite, too large for the dimension, or positive together with
        ``allow_zeros``.
    """
    if not (isinstance(min_entry, (int, float)) and math.isfinite(min_entry)) or min_entry < 0:
        raise ValueError(f"min_entry must be a finite float >= 0; got {min_entry!r}")
    min_entry = float(min_entry)
    if min_entry > 0.0 and allow_zeros:
        raise ValueError(
            "min_entry > 0 is incompatible with allow_zeros=True (zeros would violate "
            f"the floor); got min_entry={min_entry!r}"
        )
    if k is None:
        k = dimensions(min_k, max_k)
        largest = max_k
    else:
        _check_size_arg(k, "k", 1)
        largest = None if isinstance(k, st.SearchStrategy) else int(k)
    if largest is not None and min_entry * largest > 1.0:
        raise ValueError(
            f"min_entry * K must be <= 1 for every K drawn; got min_entry={min_entry!r} "
            f"with K up to {largest}"
        )
    kinds = _SIMPLEX_KINDS_INTERIOR
    if allow_zeros:
        kinds = kinds + ("masked",) + (("vertex",) if include_vertices else ())
    return _simplex_points(k, kinds, min_entry, 1 if include_vertices else 2)


# ---------------------------------------------------------------------------
# vectors and matrices
# ---------------------------------------------------------------------------


def box_vectors(
    dim: IntOrStrategy, low: float = -5.0, high: float = 5.0
) -> st.SearchStrategy[FloatArray]:
    """Vectors in the box ``[low, high]^dim``.

    Parameters
    ----------
    dim : int or SearchStrategy of int
        Length of the vectors (>= 1).
    low, high : float, optional
        Finite bounds with ``low <= high``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of numpy.ndarray
        1-D float64 arrays with entries in ``[low, high]``.

    Raises
    ------
    ValueError
        If ``dim`` is not an integer >= 1 or the bounds are invalid.
    """
    _check_size_arg(dim, "dim", 1)
    _check_finite_range(low, high, "box_vectors")
    shape = dim if isinstance(dim, st.SearchStrategy) else int(dim)
    return hnp.arrays(np.float64, shape, elements=st.floats(float(low), float(high)))


@st.composite
def _orthogonal_matrices(draw: st.DrawFn, n: int) -> FloatArray:
    r"""Orthogonal :math:`Q` from the sign-fixed QR of a drawn matrix in :math:`[-1, 1]^{n\times n}`.

    The signs are fixed so that :math:`R` has a nonnegative diagonal, making
    :math:`Q` a function of the drawn matrix; a rank-deficient draw (such as
    the all-zero matrix hypothesis shrinks to) gives the identity.
    """
    g = draw(hnp.arrays(np.float64, (n, n), elements=st.floats(-1.0, 1.0)))
    if np.linalg.matrix_rank(g) < n:
        return np.eye(n)
    q, r = np.linalg.qr(g)
    signs = np.sign(np.diag(r))
    signs[signs == 0.0] = 1.0
    return q * signs


def _with_spectrum(q: FloatArray, eigenvalues: FloatArray) -> FloatArray:
    r"""Return :math:`(A + A^\top)/2` with :math:`A = Q\,\mathrm{diag}(e)\,Q^\top`."""
    a = (q * eigenvalues) @ q.T
    return (a + a.T) / 2.0


@st.composite
def _spd_with_spectrum(
    draw: st.DrawFn, n: IntOrStrategy, eigenvalues: st.SearchStrategy
) -> FloatArray:
    size = _draw_size(draw, n, "n", 1)
    first = np.asarray(draw(eigenvalues), dtype=np.float64)
    if first.ndim == 0:
        rest = draw(st.lists(eigenvalues, min_size=size - 1, max_size=size - 1))
        eig = np.array([float(first), *rest], dtype=np.float64)
    else:
        eig = first
    if eig.shape != (size,) or not (np.all(np.isfinite(eig)) and np.all(eig > 0.0)):
        raise ValueError(
            "the eigenvalues strategy of spd_with_spectrum must produce finite positive "
            f"floats, or 1-D arrays of {size} of them; got {eig.tolist()}"
        )
    return _with_spectrum(draw(_orthogonal_matrices(size)), eig)


def spd_with_spectrum(
    n: IntOrStrategy, eigenvalues: st.SearchStrategy
) -> st.SearchStrategy[FloatArray]:
    r"""Symmetric positive definite matrices with eigenvalues from a strategy.

    .. math::

        A = \tfrac12 (B + B^\top), \qquad B = Q\,\mathrm{diag}(e)\,Q^\top,

    with the :math:`e_i` drawn from ``eigenvalues`` and :math:`Q` orthogonal
    (sign-fixed QR of a matrix drawn entrywise in :math:`[-1, 1]`, identity if
    that matrix is singular). The eigenvalues of the returned float64 matrix
    equal the :math:`e_i` up to round-off of order
    :math:`n\,\varepsilon_{\mathrm{mach}} \max_i e_i`.

    Parameters
    ----------
    n : int or SearchStrategy of int
        Size of the matrices (>= 1).
    eigenvalues : SearchStrategy
        Either a strategy for one eigenvalue (a float, drawn ``n`` times) or
        for the whole spectrum (a 1-D array-like of length ``n``). Values
        must be finite and positive.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of numpy.ndarray
        Exactly symmetric ``(n, n)`` float64 arrays.

    Raises
    ------
    ValueError
        If ``n`` is not an integer >= 1, or (when drawing) an eigenvalue is
        not finite and positive.
    """
    _check_size_arg(n, "n", 1)
    if not isinstance(eigenvalues, st.SearchStrategy):
        raise ValueError(
            "eigenvalues must be a hypothesis strategy of floats or of 1-D arrays; "
            f"got {type(eigenvalues).__name__}"
        )
    return _spd_with_spectrum(n, eigenvalues)


def spd_matrices(
    n: IntOrStrategy, *, eig_low: float = 1e-2, eig_high: float = 1e2
) -> st.SearchStrategy[FloatArray]:
    r"""Symmetric positive definite matrices with log-uniform eigenvalues.

    :math:`Q\,\mathrm{diag}(e)\,Q^\top` symmetrised exactly, with
    :math:`e_i` drawn by :func:`log_uniform` in ``[eig_low, eig_high]``; see
    :func:`spd_with_spectrum`. The condition number is at most
    ``eig_high / eig_low`` up to round-off.

    Parameters
    ----------
    n : int or SearchStrategy of int
        Size of the matrices (>= 1).
    eig_low, eig_high : float, optional
        Eigenvalue range, ``0 < eig_low <= eig_high``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of numpy.ndarray
        Exactly symmetric ``(n, n)`` float64 arrays.

    Raises
    ------
    ValueError
        If ``n`` or the eigenvalue range is invalid.
    """
    _check_finite_range(eig_low, eig_high, "spd_matrices eigenvalue", positive=True)
    return spd_with_spectrum(n, log_uniform(eig_low, eig_high))


@st.composite
def _psd_moment_matrices(
    draw: st.DrawFn, n: IntOrStrategy, max_samples: int | None
) -> FloatArray:
    size = _draw_size(draw, n, "n", 1)
    m_max = 2 * size if max_samples is None else max_samples
    m = draw(st.integers(1, m_max))
    g = draw(hnp.arrays(np.float64, (m, size), elements=st.floats(-10.0, 10.0)))
    sigma = (g.T @ g) / m
    return (sigma + sigma.T) / 2.0


def psd_moment_matrices(
    n: IntOrStrategy, *, max_samples: int | None = None
) -> st.SearchStrategy[FloatArray]:
    r"""Second-moment matrices of drawn gradients (PSD, rank at most :math:`m`).

    .. math::

        \Sigma = \frac{1}{m}\sum_{k=1}^{m} g_k g_k^\top = \frac1m G^\top G,

    with :math:`m` drawn in ``[1, max_samples]`` (default ``[1, 2n]``) and the
    entries of the gradients :math:`g_k` drawn in :math:`[-10, 10]`. The
    matrix is PSD by construction; computed eigenvalues may be negative only
    by round-off of order :math:`n\,\varepsilon_{\mathrm{mach}}\|\Sigma\|`.
    Singular matrices (:math:`m < n`, repeated or zero gradients) are common.

    Parameters
    ----------
    n : int or SearchStrategy of int
        Size of the matrices (>= 1).
    max_samples : int, optional
        Largest number of gradients :math:`m` (>= 1).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of numpy.ndarray
        Exactly symmetric ``(n, n)`` float64 arrays.

    Raises
    ------
    ValueError
        If ``n`` or ``max_samples`` is not an integer >= 1.
    """
    _check_size_arg(n, "n", 1)
    if max_samples is not None:
        _check_int(max_samples, "max_samples", 1)
    return _psd_moment_matrices(n, max_samples)


@st.composite
def _symmetric_indefinite(draw: st.DrawFn, n: IntOrStrategy) -> FloatArray:
    size = _draw_size(draw, n, "n", 2)
    magnitudes = np.array(
        draw(st.lists(log_uniform(1e-2, 1e2), min_size=size, max_size=size))
    )
    positive = draw(hnp.arrays(np.bool_, size))
    eig = np.where(positive, magnitudes, -magnitudes)
    # Q randomises positions, so fixing the signs of the first two is no loss.
    eig[0] = abs(eig[0])
    eig[1] = -abs(eig[1])
    return _with_spectrum(draw(_orthogonal_matrices(size)), eig)


def symmetric_indefinite(n: IntOrStrategy) -> st.SearchStrategy[FloatArray]:
    r"""Symmetric matrices with at least one positive and one negative eigenvalue.

    :math:`Q\,\mathrm{diag}(e)\,Q^\top` symmetrised exactly, with
    :math:`|e_i|` log-uniform in :math:`[10^{-2}, 10^{2}]`, drawn signs, and
    :math:`e_1 > 0 > e_2`. Since :math:`\min|e_i| = 10^{-2}` far exceeds the
    round-off, the computed spectrum has both signs too.

    Parameters
    ----------
    n : int or SearchStrategy of int
        Size of the matrices (>= 2).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of numpy.ndarray
        Exactly symmetric ``(n, n)`` float64 arrays.

    Raises
    ------
    ValueError
        If ``n`` is not an integer >= 2.
    """
    _check_size_arg(n, "n", 2)
    return _symmetric_indefinite(n)


# ---------------------------------------------------------------------------
# exact rationals
# ---------------------------------------------------------------------------


def _fractions(max_denominator: int, low: int, high: int) -> st.SearchStrategy[Fraction]:
    """Fractions ``p/q`` with ``1 <= q <= max_denominator`` and value in ``[low, high]``."""
    return st.integers(1, max_denominator).flatmap(
        lambda q: st.integers(low * q, high * q).map(lambda p: Fraction(p, q))
    )


@st.composite
def _rational_vectors(
    draw: st.DrawFn, k: IntOrStrategy, max_denominator: int, low: int, high: int
) -> list[Fraction]:
    size = _draw_size(draw, k, "k", 1)
    pool = draw(st.lists(_fractions(max_denominator, low, high), min_size=1, max_size=size))
    entry: st.SearchStrategy[Fraction] = st.sampled_from(pool)
    if low <= 0 <= high:
        entry = st.one_of(st.just(Fraction(0)), entry)
    return draw(st.lists(entry, min_size=size, max_size=size))


def rational_vectors(
    k: IntOrStrategy, *, max_denominator: int = 50, low: int = -5, high: int = 5
) -> st.SearchStrategy[list[Fraction]]:
    """Lists of exact rationals with frequent exact zeros and exact ties.

    Each entry is 0 (when ``low <= 0 <= high``) or taken from a drawn pool of
    at most ``k`` fractions ``p/q`` (``q`` in ``[1, max_denominator]``, value
    in ``[low, high]``), so repeated values are common. Intended for
    exact-arithmetic checks, e.g. predicates that must agree exactly.

    Parameters
    ----------
    k : int or SearchStrategy of int
        Length of the lists (>= 1).
    max_denominator : int, optional
        Largest denominator (>= 1).
    low, high : int, optional
        Integer bounds on the values, ``low <= high``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of list of fractions.Fraction

    Raises
    ------
    ValueError
        If ``k`` or ``max_denominator`` is not an integer >= 1, or the bounds
        are not integers with ``low <= high``.
    """
    _check_size_arg(k, "k", 1)
    _check_int(max_denominator, "max_denominator", 1)
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer; got {value!r}")
    if low > high:
        raise ValueError(f"rational_vectors needs low <= high; got low={low}, high={high}")
    return _rational_vectors(k, int(max_denominator), int(low), int(high))
