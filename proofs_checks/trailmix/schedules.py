r"""TRAILMIX Appendix J — step-size schedules.

Claims ``trailmix.lemma17.1`` / ``trailmix.lemma17.2`` (summability of
polynomial schedules), ``trailmix.theorem13`` (the optimal exponent
:math:`p = 1/2`) and its three readings of the stated rates
(``.exponents-order``, ``.exponents-bound``, ``.exponents-negated``),
``trailmix.lemma18.1`` – ``trailmix.lemma18.3`` (the AdaGrad schedule (208)),
and ``trailmix.lemma18.1.corrected``.

Partial sums :math:`S_T(q) = \sum_{n=1}^T n^{-q}` are computed two ways:
directly in float64 (blocked sums) up to :math:`10^5` / :math:`10^6`, and
with ``mpmath`` as :math:`\zeta(q) - \zeta(q, T + 1)` (Hurwitz zeta; the
harmonic number for :math:`q = 1`) at any horizon; the two agree to
:math:`10^{-12}` where both exist. Divergence and convergence are decided
by the integral test (symbolically with sympy), never by partial sums alone.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from proofs_checks.trailmix._stochastic_helpers import (
    Order,
    power_sum_exact,
    power_sums_at,
    schedule_bound,
    schedule_bound_orders,
)
from theorylab.claims import CheckResult, Context, NumericalFailure, claim
from theorylab.rates import fit_sublinear_rate
from theorylab.testing.strategies import log_uniform

# --------------------------------------------------------------------------- power sums


def power_sums_direct(q: float, n_terms: int) -> np.ndarray:
    r"""Every :math:`S_T(q)`, :math:`T = 1..n`, in float64: ``cumsum`` in blocks of 1024 from ``fsum`` totals."""
    terms = np.arange(1, n_terms + 1, dtype=float) ** (-q)
    out = np.empty(n_terms)
    start = 0.0
    for first in range(0, n_terms, 1024):
        block = terms[first:first + 1024]
        out[first:first + block.size] = start + np.cumsum(block)
        start += math.fsum(block)
    return out


def integral_test_bracket(q: float, horizon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The integral-test bracket of :math:`S_T(q)` for :math:`q > 0`.

    .. math::

        \int_1^{T+1}x^{-q}\,dx \;\le\; S_T(q) \;\le\; 1 + \int_1^T x^{-q}\,dx,

    with :math:`\int_1^X x^{-q}dx = (X^{1-q} - 1)/(1 - q)` (``expm1``/``log1p`` forms, no cancellation),
    :math:`\log X` at :math:`q = 1`.
    """
    horizon = np.asarray(horizon, dtype=float)

    def primitive(upper: np.ndarray) -> np.ndarray:
        if q == 1:
            return np.log(upper)
        return np.expm1((1.0 - q) * np.log(upper)) / (1.0 - q)

    return primitive(horizon + 1.0), 1.0 + primitive(horizon)


def _sparse_horizons(top_decade: int, per_decade: int = 10) -> np.ndarray:
    return np.unique(np.round(np.logspace(0, top_decade, per_decade * top_decade + 1)).astype(np.int64))


def _bracket_sweeps(ctx: Context, exponents: list[float], top_decade: int, per_decade: int, direct_terms: int) -> None:
    r"""Sweeps of the integral-test bracket of :math:`S_T(q)`, with the mpmath sums cross-checked by float64 sums.

    A disagreement beyond :math:`10^{-12}` (relative) between the two
    computations of :math:`S_T` is a numerical failure, not a verdict.
    """
    horizons = _sparse_horizons(top_decade, per_decade)
    largest = 0.0
    for q in exponents:
        sums = np.array([power_sum_exact(q, t) for t in horizons])
        lower, upper = integral_test_bracket(q, horizons)
        ctx.sweep(lower, sums, "<=", rtol=1e-10, atol=0.0, examples={"T": horizons},
                  label=f"q = {q:g}: int_1^(T+1) x^-q dx <= S_T(q)")
        ctx.sweep(sums, upper, "<=", rtol=1e-10, atol=0.0, examples={"T": horizons},
                  label=f"q = {q:g}: S_T(q) <= 1 + int_1^T x^-q dx")
        direct = power_sums_direct(q, direct_terms)
        check_at = horizons[horizons <= direct_terms]
        discrepancy = float(np.max(np.abs(direct[check_at - 1] / sums[: check_at.size] - 1.0)))
        largest = max(largest, discrepancy)
        if discrepancy > 1e-12:
            raise NumericalFailure(f"q = {q:g}: float64 and mpmath partial sums differ by {discrepancy:.3g} (relative)")
    ctx.note(f"largest relative difference of float64 and mpmath partial sums (T <= {direct_terms})", largest)


@functools.cache
def _integral_diverges(q: Fraction) -> bool:
    r"""Integral test, symbolically: whether :math:`\int_1^\infty x^{-q}\,dx = \infty` (sympy)."""
    import sympy

    x = sympy.Symbol("x", positive=True)
    value = sympy.integrate(x ** (-sympy.Rational(q.numerator, q.denominator)), (x, 1, sympy.oo))
    if value is sympy.oo:
        return True
    if value.is_finite:
        return False
    raise NumericalFailure(f"sympy could not decide int_1^oo x^-({q}) dx: got {value}")


# --------------------------------------------------------------------------- Lemma 17

_LEMMA17_DOC = r"""

    Terms :math:`\alpha_t = \alpha_0/(t+1)^p` with :math:`\alpha_0 = 1`
    (a positive factor changes neither divergence nor convergence, and
    scales both sides of every bracket). Decisions by the integral test:
    sympy evaluates :math:`\int_1^\infty x^{-q}dx` (:math:`q = p, 2p`)
    exactly for rational :math:`p` (grid :math:`k/10` in quick, :math:`k/40`
    in full, with :math:`1/2` and 1 where in range) and the verdicts
    are logical comparisons. Numerical evidence, with sensitivity: the
    bracket :math:`\int_1^{T+1}x^{-q} \le S_T(q) \le 1 + \int_1^T x^{-q}`
    (the integral test itself) swept over 4 (quick) / 10 (full) log-spaced
    :math:`T` per decade up to :math:`10^8` / :math:`10^{12}`, for a subset
    of :math:`p` (quick) / the grid :math:`k/20` (full), with :math:`S_T`
    from mpmath's Hurwitz zeta; direct float64 sums up to :math:`10^5` /
    :math:`10^6` must agree with them to :math:`10^{-12}` (else the check is
    inconclusive). Tolerance of the bracket: the catalogue's relative
    :math:`10^{-10}`.
    """


@claim(
    id="trailmix.lemma17.1",
    title="Polynomial schedules, p <= 1",
    source="Def. 11 (200) seed L1536–L1539; Lemma 17(1) seed L1541–L1545",
    statement="alpha_t = alpha_0/(t+1)^p: if p <= 1 then sum_t alpha_t = inf, and sum_t alpha_t^2 < inf iff p > 1/2.",
    kind="equivalence",
)
def lemma17_1(ctx: Context) -> CheckResult:
    steps = ctx.pick(10, 40)
    for p in (Fraction(k, steps) for k in range(1, steps + 1)):
        diverges = _integral_diverges(p)
        square_converges = not _integral_diverges(2 * p)
        ctx.compare(diverges, True, "==", label=f"p = {p}: sum alpha_t = inf")
        ctx.compare(square_converges, p > Fraction(1, 2), "==", label=f"p = {p}: sum alpha_t^2 < inf iff p > 1/2")
        ctx.event("p > 1/2: both true" if square_converges and p > Fraction(1, 2) else
                  "p <= 1/2: both false" if not square_converges and p <= Fraction(1, 2) else "mismatch")
    numeric = ctx.pick((0.1, 0.25, 0.5, 0.75, 1.0), tuple(k / 20 for k in range(1, 21)))
    _bracket_sweeps(ctx, sorted({q for p in numeric for q in (p, 2 * p)}), ctx.pick(8, 12), ctx.pick(4, 10),
                    ctx.pick(10**5, 10**6))
    return ctx.result()


lemma17_1.__doc__ = r"""Divergence of :math:`\sum\alpha_t` and the square-summability threshold, by the integral test.

    .. math::

        p \le 1:\quad \sum_{t\ge0}\frac{\alpha_0}{(t+1)^p} = \infty,\qquad
        \sum_{t\ge0}\frac{\alpha_0^2}{(t+1)^{2p}} < \infty \iff p > \tfrac12 .

    The equivalence is checked on every grid point, and the cases "both
    true" (:math:`p > 1/2`) and "both false" (:math:`p \le 1/2`) are
    counted.""" + _LEMMA17_DOC


@claim(
    id="trailmix.lemma17.2",
    title="Polynomial schedules, p > 1",
    source="Lemma 17(2), seed L1546",
    statement="alpha_t = alpha_0/(t+1)^p: if p > 1 then sum_t alpha_t < inf.",
    kind="inequality",
)
def lemma17_2(ctx: Context) -> CheckResult:
    import mpmath

    steps = ctx.pick(10, 40)
    symbolic = [1 + Fraction(k, steps) for k in range(1, 2 * steps + 1)] + [Fraction(101, 100), Fraction(1001, 1000)]
    for p in symbolic:
        ctx.compare(not _integral_diverges(p), True, "==", label=f"p = {p}: int_1^oo x^-p dx < inf")
    numeric = ctx.pick((1.001, 1.01, 1.5, 2.0, 3.0), tuple(1 + k / 20 for k in range(1, 41)) + (1.001, 1.01))
    top, per_decade = ctx.pick(8, 12), ctx.pick(4, 10)
    _bracket_sweeps(ctx, list(numeric), top, per_decade, ctx.pick(10**5, 10**6))
    horizons = _sparse_horizons(top, per_decade)
    for p in numeric:
        sums = np.array([power_sum_exact(p, t) for t in horizons])
        bound = 1.0 + 1.0 / (p - 1.0)
        ctx.sweep(sums, bound, "<=", rtol=1e-10, atol=0.0, examples={"T": horizons},
                  label=f"p = {p:g}: S_T(p) <= 1 + 1/(p - 1) for all T")
        with mpmath.workdps(30):
            limit = float(mpmath.zeta(p))
        ctx.compare(limit, bound, "<=", rtol=1e-10, atol=0.0, label=f"p = {p:g}: zeta(p) = sum_t (t+1)^-p <= p/(p-1)")
    return ctx.result()


lemma17_2.__doc__ = r"""Summability for :math:`p > 1`, by the integral test, with the explicit bound :math:`p/(p-1)`.

    .. math::

        p > 1:\quad \sum_{t\ge0}\frac{\alpha_0}{(t+1)^p} = \alpha_0\zeta(p)
        \le \alpha_0\Bigl(1 + \frac{1}{p-1}\Bigr) < \infty .

    Grid :math:`p \in (1, 3]` (steps 1/10 or 1/40) plus :math:`p = 1.01, 1.001`
    near the threshold. Besides the symbolic integral test and the bracket,
    every partial sum is compared with :math:`1 + 1/(p-1)` (the integral-test
    bound on the whole series) and so is its limit :math:`\zeta(p)` (mpmath);
    the slack of the latter is :math:`1 - \gamma` as :math:`p \to 1^+`.""" + _LEMMA17_DOC


# --------------------------------------------------------------------------- Theorem 13

#: The catalogue's grids: p in (0, 2] (theorem13), and the exponent readings' grids.
THEOREM13_GRID = tuple(Fraction(k, 20) for k in range(1, 41)) + tuple(
    Fraction(n, 1000) for n in (490, 499, 501, 510))
BELOW_HALF = tuple(Fraction(k, 20) for k in range(1, 10))
ABOVE_HALF = tuple(Fraction(k, 20) for k in range(11, 20))

#: Horizons of the cross-check fit: 10^9 .. 10^12, half decades.
FIT_HORIZONS = np.logspace(9, 12, 7)


def _order_text(order: Order) -> str:
    a, b = order
    text = f"T^({a})"
    return text if b == 0 else f"{text} (log T)^({b})"


@functools.cache
def _sympy_confirms_order(p: Fraction, order: Order) -> tuple[str, str]:
    r"""Limits of both integral-test brackets of (204) divided by :math:`T^a(\log T)^b` (sympy).

    .. math::

        B_{lo}(T) = \frac{1 + \underline S_T(2p)}{\overline S_T(p)},\qquad
        B_{hi}(T) = \frac{1 + \overline S_T(2p)}{\underline S_T(p)},\qquad
        B_{lo} \le B \le B_{hi},

    with :math:`\underline S, \overline S` the two sides of the integral test. Both limits in
    :math:`(0, \infty)` prove :math:`B \asymp T^a(\log T)^b`.
    """
    import sympy

    big_t = sympy.Symbol("T", positive=True)

    def bracket(q: sympy.Rational) -> tuple[Any, Any]:
        if q == 1:
            return sympy.log(big_t + 1), 1 + sympy.log(big_t)
        return ((big_t + 1) ** (1 - q) - 1) / (1 - q), 1 + (big_t ** (1 - q) - 1) / (1 - q)

    ps = sympy.Rational(p.numerator, p.denominator)
    low1, high1 = bracket(ps)
    low2, high2 = bracket(2 * ps)
    scale = big_t ** sympy.Rational(order[0].numerator, order[0].denominator) * sympy.log(big_t) ** sympy.Rational(
        order[1].numerator, order[1].denominator)
    limits = [sympy.limit(expr / scale, big_t, sympy.oo) for expr in ((1 + low2) / high1, (1 + high2) / low1)]
    return str(limits[0]), str(limits[1])


def _order_cross_checks(ctx: Context, grid: tuple[Fraction, ...], symbolic: tuple[Fraction, ...],
                        fitted: tuple[Fraction, ...]) -> dict[Fraction, tuple[Order, Order, Order]]:
    r"""The exact orders of (204) on ``grid``, cross-checked by sympy limits (``symbolic``) and fits (``fitted``).

    A cross-check that disagrees with the order (a sympy limit outside
    :math:`(0, \infty)`, or a fitted slope more than the catalogue's 0.05 from
    :math:`a`) is a numerical failure: the orders could not be established.
    Returns ``{p: (first term, second term, B)}``.
    """
    import sympy

    orders = {p: schedule_bound_orders(p) for p in grid}
    limits = {}
    for p in symbolic:
        low, high = _sympy_confirms_order(p, orders[p][2])
        limits[str(p)] = [low, high]
        if not all(0 < sympy.sympify(v) < sympy.oo for v in (low, high)):
            raise NumericalFailure(f"p = {p}: sympy limits {low}, {high} of the brackets / "
                                   f"{_order_text(orders[p][2])} are not both in (0, oo)")
    fits = {}
    for p in fitted:
        a, b = orders[p][2]
        values = np.array([schedule_bound(float(p), t)[2] for t in FIT_HORIZONS]) / np.log(FIT_HORIZONS) ** float(b)
        slope = fit_sublinear_rate(FIT_HORIZONS, values, detect_floor=False).slope
        fits[str(p)] = round(slope, 4)
        if abs(slope - float(a)) > 0.05:
            raise NumericalFailure(f"p = {p}: the slope {slope:.4f} fitted on T in [1e9, 1e12] is more than 0.05 "
                                   f"from the exact exponent {a}")
    ctx.note("sympy limits of the lower and upper bracket of B divided by its order", limits)
    ctx.note("fitted slopes of log(B(T;p)/(log T)^b) vs log T on [1e9, 1e12]", fits)
    ctx.note("exact orders of B(T;p) (first term, second term, B)",
             {str(p): [_order_text(o) for o in orders[p]] for p in grid})
    return orders


def _exponent_sweep(ctx: Context, grid: tuple[Fraction, ...], exponents: list[float], targets: list[float],
                    relation: str, atol: float, label: str) -> None:
    ctx.sweep(exponents, targets, relation, rtol=0.0, atol=atol, scale=0.5,
              examples={"p": [str(p) for p in grid]}, label=label)


_FIGURES_WRITTEN: dict[tuple[str, str, int], list[Any]] = {}


def _attach_schedule_figure(ctx: Context) -> None:
    """Run ``sims/trailmix_schedules.py`` into ``out_dir/sims`` (once per directory and tier) and attach its PNG."""
    if ctx.out_dir is None:
        return
    from sims import trailmix_schedules

    key = (str((ctx.out_dir / "sims").resolve()), ctx.budget, ctx.seed)
    if key not in _FIGURES_WRITTEN or not all(path.exists() for path in _FIGURES_WRITTEN[key]):
        _FIGURES_WRITTEN[key] = trailmix_schedules.run(ctx.out_dir / "sims", budget=ctx.budget, seed=ctx.seed).figures
    for path in _FIGURES_WRITTEN[key]:
        ctx.attach_figure(path)


_THEOREM13_COMMON = r"""

    Orders. With :math:`\alpha_t = \alpha_0/(t+1)^p` the sums in (204) are
    :math:`S_T(p)` and :math:`S_T(2p)` up to :math:`\alpha_0`, and the
    integral test gives :math:`S_T(q) \asymp T^{1-q}` (:math:`q < 1`),
    :math:`\log T` (:math:`q = 1`), 1 (:math:`q > 1`). Orders
    :math:`T^a(\log T)^b` are pairs :math:`(a, b)` of exact rationals,
    compared lexicographically (larger = slower decay); the order of a sum
    of positive terms is the larger order, of a quotient the difference
    (:func:`~proofs_checks.trailmix._stochastic_helpers.schedule_bound_orders`).
    They do not depend on :math:`C_1, C_2, \alpha_0 > 0`. Cross-checks,
    on a subset of :math:`p` in quick and on all in full (a disagreement
    makes the check inconclusive): sympy shows that both integral-test
    brackets of :math:`B`, divided by :math:`T^a(\log T)^b`, have limits in
    :math:`(0, \infty)`; and the slope of :math:`\log(B/(\log T)^b)` against
    :math:`\log T`, fitted on :math:`T \in [10^9, 10^{12}]` from exact
    partial sums (mpmath, :math:`C_1 = C_2 = \alpha_0 = 1`), lies within the
    catalogue's :math:`\pm 0.05` of :math:`a`. Exponents are compared as a
    sweep over :math:`p` in increasing order (the first violation is the
    counterexample), on the scale 1/2.
    The figure (``sims/trailmix_schedules.py``) shows :math:`B(T; p)`
    against the stated and the exact rates.
    """


@claim(
    id="trailmix.theorem13",
    title="Optimal polynomial exponent p = 1/2",
    source="Theorem 13 (203)–(207), seed L1569–L1585",
    statement=(
        "For nonconvex smooth optimization the optimal polynomial exponent is p = 1/2, yielding min_t E||grad f||^2 = "
        "O(log T/sqrt T), based on (204) B(T; p) = C_1/sum_{t<T} alpha_t + C_2 sum_{t<T} alpha_t^2/sum_{t<T} alpha_t "
        "with alpha_t = alpha_0/(t+1)^p."
    ),
    kind="optimality",
)
def theorem13(ctx: Context) -> CheckResult:
    half = Fraction(1, 2)
    symbolic = THEOREM13_GRID if ctx.budget == "full" else (Fraction(1, 4), half, Fraction(1))
    fitted = THEOREM13_GRID if ctx.budget == "full" else THEOREM13_GRID[::6]
    orders = _order_cross_checks(ctx, THEOREM13_GRID, symbolic, fitted)
    best = orders[half][2]
    ctx.compare(float(best[0]), -0.5, "==", rtol=0.0, atol=0.0, scale=0.5, label="B(T; 1/2): power exponent -1/2")
    ctx.compare(float(best[1]), 1.0, "==", rtol=0.0, atol=0.0, scale=1.0, label="B(T; 1/2): log exponent 1")
    others = tuple(sorted(p for p in THEOREM13_GRID if p != half))
    _exponent_sweep(ctx, others, [float(orders[p][2][0]) for p in others], [-0.5] * len(others), ">=", 0.0,
                    "power exponent of B(T; p) >= -1/2 (that of p = 1/2)")
    for p in others:
        ctx.compare(orders[p][2] > best, True, "==", label=f"p = {p}: order of B(T; p) strictly worse than at p = 1/2")
    values = np.array([schedule_bound(0.5, t)[2] for t in FIT_HORIZONS]) * np.sqrt(FIT_HORIZONS) / np.log(FIT_HORIZONS)
    fit = fit_sublinear_rate(FIT_HORIZONS, values, detect_floor=False, confidence=0.99)
    ctx.compare(fit.slope, 0.0, "==", rtol=0.0, atol=0.05, scale=0.5,
                label="fitted slope of B(T; 1/2) sqrt(T)/log T on [1e9, 1e12] (Theta(log T/sqrt T))")
    ctx.note("B(T; 1/2) sqrt(T)/log T at T = 1e9 .. 1e12", [round(v, 6) for v in values])
    _attach_schedule_figure(ctx)
    return ctx.result()


theorem13.__doc__ = r"""The decay order of the bound (204) over polynomial schedules; :math:`p = 1/2` is best.

    .. math::

        B(T;p) = \frac{C_1}{\sum_{t<T}\alpha_t} + \frac{C_2\sum_{t<T}\alpha_t^2}{\sum_{t<T}\alpha_t}
        \asymp \begin{cases}
            T^{-p} & 0 < p < 1/2\\
            T^{-1/2}\log T & p = 1/2\\
            T^{p-1} & 1/2 < p < 1\\
            (\log T)^{-1} & p = 1\\
            1 & p > 1
        \end{cases}

    (the table is what the check computes, not an input). Reading of
    "optimal": the best decay order of (204) among polynomial schedules.
    Recorded: the order at :math:`p = 1/2` is exactly
    :math:`T^{-1/2}\log T` (both exponents compared exactly), and for every
    other :math:`p` of the grid :math:`k/20 \in (0, 2]` plus
    :math:`0.49, 0.499, 0.501, 0.51` (near the optimum) the order is strictly
    worse (logical) and its power exponent is :math:`\ge -1/2`
    (quantitative, the slack is :math:`|p - 1/2|` near the optimum); the
    normalised :math:`B(T;1/2)\sqrt T/\log T` has fitted slope
    :math:`0 \pm 0.05` on :math:`[10^9, 10^{12}]`.""" + _THEOREM13_COMMON


def _stated_exponent(p: Fraction, negated: bool) -> Fraction:
    stated = Fraction(1, 2) - p if p < Fraction(1, 2) else p - Fraction(1, 2)
    return -stated if negated else stated


@claim(
    id="trailmix.theorem13.exponents-order",
    title="Stated rates for p != 1/2, read as exact orders",
    source="proof of Theorem 13, seed L1587–L1589",
    statement=(
        "For p < 1/2 the second term of (204) dominates with rate O(T^{1/2-p}); for p > 1/2 the first term dominates "
        "with rate O(T^{p-1/2}); read as the asymptotic orders of the dominant term (p < 1/2 and 1/2 < p < 1)."
    ),
    kind="rate",
)
def theorem13_exponents_order(ctx: Context) -> CheckResult:
    grid = BELOW_HALF + ABOVE_HALF
    symbolic = grid if ctx.budget == "full" else (Fraction(1, 20), Fraction(19, 20))
    orders = _order_cross_checks(ctx, grid, symbolic, grid if ctx.budget == "full" else grid[::4])
    _exponent_sweep(ctx, grid, [float(orders[p][2][0]) for p in grid],
                    [float(_stated_exponent(p, negated=False)) for p in grid], "==", 0.05,
                    "exponent of B(T; p) = stated exponent (band 0.05)")
    for p in grid:
        first, second, _ = orders[p]
        claimed_dominant = (second > first) if p < Fraction(1, 2) else (first > second)
        ctx.compare(claimed_dominant, True, "==",
                    label=f"p = {p}: the {'second' if p < Fraction(1, 2) else 'first'} term dominates")
    _attach_schedule_figure(ctx)
    return ctx.result()


theorem13_exponents_order.__doc__ = r"""The stated exponents as exact orders of the dominant term.

    .. math::

        p < \tfrac12:\ B(T;p) \asymp T^{1/2-p}\ \text{(second term dominates)},\qquad
        \tfrac12 < p < 1:\ B(T;p) \asymp T^{p-1/2}\ \text{(first term dominates)} .

    For :math:`p \in \{0.05, \dots, 0.45\} \cup \{0.55, \dots, 0.95\}` the
    exact power exponent :math:`a` of :math:`B(T;p)` is compared with the
    stated one within the rate band :math:`\pm 0.05`, and which term
    dominates (strictly larger order) is a logical comparison.""" + _THEOREM13_COMMON


def _upper_bound_check(ctx: Context, grid: tuple[Fraction, ...], negated: bool,
                       symbolic: tuple[Fraction, ...]) -> CheckResult:
    orders = _order_cross_checks(ctx, grid, symbolic, grid if ctx.budget == "full" else grid[::4])
    stated = [_stated_exponent(p, negated) for p in grid]
    _exponent_sweep(ctx, grid, [float(orders[p][2][0]) for p in grid], [float(e) for e in stated], "<=", 0.0,
                    "exponent of B(T; p) <= stated exponent")
    for p, exponent in zip(grid, stated, strict=True):
        if orders[p][2][0] == exponent:
            ctx.compare(float(orders[p][2][1]), 0.0, "<=", rtol=0.0, atol=0.0, scale=1.0,
                        label=f"p = {p}: equal power exponents, log exponent of B(T; p) <= 0")
    _attach_schedule_figure(ctx)
    return ctx.result()


@claim(
    id="trailmix.theorem13.exponents-bound",
    title="Stated rates read as upper bounds",
    source="proof of Theorem 13, seed L1587–L1589",
    statement="B(T; p) = O(T^{1/2-p}) for p < 1/2 and O(T^{p-1/2}) for p > 1/2.",
    kind="inequality",
)
def theorem13_exponents_bound(ctx: Context) -> CheckResult:
    grid = BELOW_HALF + ABOVE_HALF + tuple(Fraction(k, 20) for k in range(20, 41))
    symbolic = grid if ctx.budget == "full" else (Fraction(1, 20), Fraction(19, 20), Fraction(1))
    return _upper_bound_check(ctx, grid, negated=False, symbolic=symbolic)


theorem13_exponents_bound.__doc__ = r"""The stated exponents as upper bounds on the order of (204).

    .. math::

        B(T;p) = O(T^{1/2-p})\ (p < \tfrac12),\qquad B(T;p) = O(T^{p-1/2})\ (p > \tfrac12),

    i.e. :math:`(a, b) \le (e, 0)` lexicographically for the exact order
    :math:`T^a(\log T)^b` and the stated exponent :math:`e`; grid
    :math:`p \in \{0.05, \dots, 0.45\} \cup \{0.55, \dots, 2\}` (the
    statement covers every :math:`p > 1/2`).""" + _THEOREM13_COMMON


@claim(
    id="trailmix.theorem13.exponents-negated",
    title="Stated rates with the exponent signs flipped, read as upper bounds",
    source="proof of Theorem 13, seed L1587–L1589 (sign-reading split, see Header)",
    statement="B(T; p) = O(T^{-(1/2-p)}) for p < 1/2 and O(T^{-(p-1/2)}) for 1/2 < p < 1.",
    kind="inequality",
)
def theorem13_exponents_negated(ctx: Context) -> CheckResult:
    grid = BELOW_HALF + ABOVE_HALF
    symbolic = grid if ctx.budget == "full" else (Fraction(1, 20), Fraction(1, 4), Fraction(19, 20))
    return _upper_bound_check(ctx, grid, negated=True, symbolic=symbolic)


theorem13_exponents_negated.__doc__ = r"""The stated exponents with flipped signs, as upper bounds.

    .. math::

        B(T;p) = O(T^{p-1/2})\ (p < \tfrac12),\qquad B(T;p) = O(T^{1/2-p})\ (\tfrac12 < p < 1),

    on the grid :math:`p \in \{0.05, \dots, 0.45\} \cup \{0.55, \dots, 0.95\}`,
    as :math:`(a, b) \le (e, 0)` lexicographically.""" + _THEOREM13_COMMON


# --------------------------------------------------------------------------- Lemma 18 (AdaGrad)

#: The catalogue's epsilons for (208).
ADAGRAD_EPSILONS = (1e-10, 1e-8, 1.0)


@st.composite
def _gradient_norm_sequences(draw: st.DrawFn) -> dict[str, Any]:
    r"""Gradient norms :math:`\|g_t\| \le G`: constant, decaying, zero after :math:`t_0`, i.i.d. uniform."""
    kind = draw(st.sampled_from(("constant", "decaying", "zero after t0", "iid uniform")))
    case = {"kind": kind, "G": draw(log_uniform(1e-3, 1e3)), "eps": draw(st.sampled_from(ADAGRAD_EPSILONS)),
            "alpha0": draw(log_uniform(1e-3, 1e3))}
    if kind == "decaying":
        case["q"] = draw(st.floats(0.0, 2.0))
    if kind == "zero after t0":
        case["t0"] = draw(st.integers(0, 1000))
    if kind == "iid uniform":
        case["seed"] = draw(st.integers(0, 2**31 - 1))
    return case


def accumulated_squares(case: dict[str, Any], times: np.ndarray, exhaustive: int) -> np.ndarray:
    r""":math:`\sum_{\tau\le t}\|g_\tau\|^2` at ``times`` for a sequence of :func:`_gradient_norm_sequences`.

    Closed forms: constant :math:`(t+1)G^2`; decaying :math:`\|g_\tau\| = G(\tau+1)^{-q}` gives
    :math:`G^2 S_{t+1}(2q)` (mpmath); zero after :math:`t_0` (norm :math:`G` before) gives
    :math:`\min(t+1, t_0)G^2`. i.i.d. uniform norms on :math:`[0, G]`: cumulative sums of
    ``exhaustive`` draws (``times`` must not exceed it).
    """
    g_sq = case["G"] ** 2
    times = np.asarray(times, dtype=np.int64)
    if case["kind"] == "constant":
        return (times + 1.0) * g_sq
    if case["kind"] == "decaying":
        return g_sq * power_sums_at(2 * case["q"], times + 1)
    if case["kind"] == "zero after t0":
        return np.minimum(times + 1.0, case["t0"]) * g_sq
    norms = case["G"] * np.random.default_rng(case["seed"]).random(exhaustive)
    return np.cumsum(norms**2)[times]


def adagrad_steps(case: dict[str, Any], accumulated: np.ndarray) -> np.ndarray:
    r"""(208): :math:`\alpha_t = \alpha_0/\sqrt{\sum_{\tau\le t}\|g_\tau\|^2 + \varepsilon}`."""
    return case["alpha0"] / np.sqrt(accumulated + case["eps"])


def _adagrad_times(ctx: Context, kind: str) -> tuple[np.ndarray, int]:
    """Sample times: 10 per decade up to 1e8 (closed forms) or up to the exhaustive horizon (i.i.d.)."""
    exhaustive = ctx.pick(10**6, 10**7)
    top = math.log10(exhaustive - 1) if kind == "iid uniform" else 8.0
    times = np.unique(np.round(np.logspace(0, top, int(10 * top) + 1)).astype(np.int64))
    return times, exhaustive


@claim(
    id="trailmix.lemma18.1",
    title="AdaGrad schedule decays like 1/sqrt(t)",
    source="Def. 12 (208) seed L1593–L1596; Lemma 18(1) seed L1598–L1600; proof (209)–(210)",
    statement="alpha_t = alpha_0/sqrt(sum_{tau<=t} ||g_tau||^2 + eps); under ||g_t|| <= G: alpha_t = O(1/sqrt t).",
    kind="rate",
)
def lemma18_1(ctx: Context) -> CheckResult:
    r"""Growth of the normalised step :math:`\alpha_t\sqrt{t+1}` over gradient-norm sequences bounded by :math:`G`.

    .. math::

        \alpha_t = \frac{\alpha_0}{\sqrt{\sum_{\tau\le t}\|g_\tau\|^2 + \varepsilon}} = O(t^{-1/2})
        \iff \sup_t \alpha_t\sqrt{t+1} < \infty .

    Sequences (catalogue): constant norm :math:`G`; decaying
    :math:`G(t+1)^{-q}`, :math:`q \in [0, 2]`; norm :math:`G` until
    :math:`t_0 \le 1000`, zero after; i.i.d. uniform norms on :math:`[0, G]`;
    :math:`G, \alpha_0` log-uniform in :math:`[10^{-3}, 10^3]`,
    :math:`\varepsilon \in \{10^{-10}, 10^{-8}, 1\}`. The accumulated sums
    are exact (closed forms, mpmath Hurwitz zeta) at 10 times per decade up
    to :math:`t = 10^8`; the i.i.d. case is summed up to :math:`10^6`
    (quick) / :math:`10^7` (full).

    Rate convention (catalogue): an :math:`O(\cdot)` claim is refuted only by
    sustained growth of the normalised quantity. The slope of
    :math:`\log(\alpha_t\sqrt{t+1})` against :math:`\log t` is fitted over the
    last two decades (at least three doublings) with a 99 % band; the
    comparison is "lower end of the band :math:`\le 0.05`" (scale 1/2, the
    exponent of the claim). 60 sequences (quick) / 1000 (full).
    """

    def check(case: dict[str, Any]) -> None:
        times, exhaustive = _adagrad_times(ctx, case["kind"])
        normalised = adagrad_steps(case, accumulated_squares(case, times, exhaustive)) * np.sqrt(times + 1.0)
        window = (times[-1] / 100.0, float(times[-1]))
        fit = fit_sublinear_rate(times.astype(float), normalised, window=window, detect_floor=False, confidence=0.99)
        ctx.compare(fit.band[0], 0.05, "<=", rtol=0.0, atol=0.0, scale=0.5,
                    label="growth exponent of alpha_t sqrt(t+1), lower 99% band, last two decades")
        ctx.event(case["kind"])

    ctx.search(check, _gradient_norm_sequences(), label="gradient-norm sequences", max_examples=ctx.pick(60, 1000))
    return ctx.result()


@claim(
    id="trailmix.lemma18.1.corrected",
    title="AdaGrad schedule is bounded below by alpha_0/sqrt((t+1)G^2 + eps)",
    source="Lemma 18(1), seed L1598–L1600, proof (209)–(210) (corrected)",
    statement=(
        "alpha_t = alpha_0/sqrt(sum_{tau<=t} ||g_tau||^2 + eps); under ||g_t|| <= G: "
        "alpha_t >= alpha_0/sqrt((t+1) G^2 + eps), i.e. alpha_t = Omega(1/sqrt t)."
    ),
    kind="inequality",
)
def lemma18_1_corrected(ctx: Context) -> CheckResult:
    r"""The bound the proof of Lemma 18(1) actually establishes: a lower bound, :math:`\Omega(1/\sqrt t)`.

    .. math::

        \sum_{\tau\le t}\|g_\tau\|^2 \le (t+1)G^2\ (209)
        \ \Rightarrow\ \alpha_t \ge \frac{\alpha_0}{\sqrt{(t+1)G^2 + \varepsilon}}\ (210).

    Derivation of the correction: (210) bounds :math:`\alpha_t` from below;
    an upper bound :math:`O(1/\sqrt t)` would need a lower bound on the
    gradient norms, which :math:`\|g_t\| \le G` does not give (a sequence
    that vanishes after :math:`t_0` keeps :math:`\alpha_t` constant). Checked
    on the sequences of ``trailmix.lemma18.1`` at every sampled time
    (relative :math:`10^{-10}`); equality holds for constant norm :math:`G`,
    so the check has teeth.
    """

    def check(case: dict[str, Any]) -> None:
        times, exhaustive = _adagrad_times(ctx, case["kind"])
        steps = adagrad_steps(case, accumulated_squares(case, times, exhaustive))
        lower = case["alpha0"] / np.sqrt((times + 1.0) * case["G"] ** 2 + case["eps"])
        worst = int(np.argmin(steps / lower))
        ctx.compare(steps[worst], lower[worst], ">=", rtol=1e-10, atol=0.0,
                    label="alpha_t >= alpha_0/sqrt((t+1)G^2 + eps) (worst sampled t)")
        ctx.event(case["kind"])

    ctx.search(check, _gradient_norm_sequences(), label="gradient-norm sequences", max_examples=ctx.pick(60, 1000))
    return ctx.result()


@functools.cache
def _adagrad_lower_series_integrals() -> tuple[str, str]:
    r"""Integral test (sympy) for the lower-bound series :math:`\alpha_0/\sqrt{(t+1)G^2+\varepsilon}` and its square."""
    import sympy

    x, g, eps, a0 = sympy.symbols("x G epsilon alpha0", positive=True)
    first = sympy.integrate(a0 / sympy.sqrt((x + 1) * g**2 + eps), (x, 0, sympy.oo))
    second = sympy.integrate(a0**2 / ((x + 1) * g**2 + eps), (x, 0, sympy.oo))
    return str(first), str(second)


def _partial_sums_of_steps(case: dict[str, Any], horizon: int, squared: bool) -> tuple[np.ndarray, np.ndarray,
                                                                                        np.ndarray]:
    """Horizons T = 1..horizon, the terms alpha_t (or alpha_t^2), t < horizon, and their partial sums."""
    times = np.arange(horizon)
    if case["kind"] == "decaying":
        accumulated = case["G"] ** 2 * power_sums_direct(2 * case["q"], horizon)
    else:
        accumulated = accumulated_squares(case, times, horizon)
    steps = adagrad_steps(case, accumulated)
    terms = steps**2 if squared else steps
    return times + 1, terms, np.cumsum(terms)


@claim(
    id="trailmix.lemma18.2",
    title="AdaGrad schedule is not summable",
    source="Lemma 18(2), seed L1600",
    statement="alpha_t = alpha_0/sqrt(sum_{tau<=t} ||g_tau||^2 + eps); under ||g_t|| <= G: sum_t alpha_t = inf.",
    kind="inequality",
)
def lemma18_2(ctx: Context) -> CheckResult:
    r"""Divergence of :math:`\sum\alpha_t` by comparison with a series that the integral test shows divergent.

    .. math::

        \alpha_t \ge \frac{\alpha_0}{\sqrt{(t+1)G^2+\varepsilon}},\qquad
        \sum_{t<T}\alpha_t \ge \int_0^T\frac{\alpha_0\,dx}{\sqrt{(x+1)G^2+\varepsilon}}
        = \frac{2\alpha_0}{G^2}\Bigl(\sqrt{(T+1)G^2+\varepsilon} - \sqrt{G^2+\varepsilon}\Bigr)\to\infty .

    Sympy evaluates the integral of the lower-bound series for symbolic
    positive :math:`G, \varepsilon, \alpha_0` (logical: it is
    :math:`\infty`). For each sequence of ``trailmix.lemma18.1``, every
    partial sum :math:`\sum_{t<T}\alpha_t`, :math:`T \le 10^5` (quick) /
    :math:`10^6` (full), is compared with the closed-form integral lower
    bound (relative :math:`10^{-10}`; the bound is tight up to a constant for
    constant norms, so the relative slack tends to 0 and the check has teeth).
    """
    first, _ = _adagrad_lower_series_integrals()
    ctx.note("sympy: int_0^oo alpha0/sqrt((x+1)G^2 + eps) dx", first)
    ctx.compare(first == "oo", True, "==", label="integral test: the lower-bound series diverges")
    horizon = ctx.pick(10**5, 10**6)

    def check(case: dict[str, Any]) -> None:
        horizons, _, sums = _partial_sums_of_steps(case, horizon, squared=False)
        g_sq, eps = case["G"] ** 2, case["eps"]
        lower = 2 * case["alpha0"] / g_sq * (np.sqrt((horizons + 1.0) * g_sq + eps) - math.sqrt(g_sq + eps))
        worst = int(np.argmin(sums / lower))
        ctx.compare(sums[worst], lower[worst], ">=", rtol=1e-10, atol=0.0,
                    label="sum_{t<T} alpha_t >= (2 alpha0/G^2)(sqrt((T+1)G^2+eps) - sqrt(G^2+eps)) (worst T)")
        ctx.event(case["kind"])

    ctx.search(check, _gradient_norm_sequences(), label="gradient-norm sequences", max_examples=ctx.pick(30, 500))
    return ctx.result()


@claim(
    id="trailmix.lemma18.3",
    title="AdaGrad schedule is square-summable",
    source="Lemma 18(3), seed L1601",
    statement="alpha_t = alpha_0/sqrt(sum_{tau<=t} ||g_tau||^2 + eps); under ||g_t|| <= G: sum_t alpha_t^2 < inf.",
    kind="inequality",
)
def lemma18_3(ctx: Context) -> CheckResult:
    r"""Square-summability of (208), decided by comparison with a series the integral test shows divergent.

    .. math::

        \alpha_t^2 \ge \frac{\alpha_0^2}{(t+1)G^2+\varepsilon},\qquad
        \sum_{t<T}\alpha_t^2 \ge \int_0^T\frac{\alpha_0^2\,dx}{(x+1)G^2+\varepsilon}
        = \frac{\alpha_0^2}{G^2}\log\frac{(T+1)G^2+\varepsilon}{G^2+\varepsilon}\to\infty ,

    so under :math:`\|g_t\| \le G` the series diverges for every sequence
    (the first inequality is (209)). Per sequence of ``trailmix.lemma18.1``:
    the termwise lower bound and the integral lower bound of the partial sums
    (all :math:`T \le 10^5` / :math:`10^6`) are verified (relative
    :math:`10^{-10}`), and the verdict is the logical comparison of the
    claim ("the series converges") with the integral test (sympy, symbolic
    positive :math:`G, \varepsilon, \alpha_0`) applied to the verified lower
    bound. The partial sums at :math:`T = 10^2, 10^4, 10^6, 10^8` for
    :math:`\|g_t\| = G = 1`, :math:`\alpha_0 = 1`,
    :math:`\varepsilon = 10^{-8}` (harmonic-type growth) are in the details.
    """
    import mpmath

    _, second = _adagrad_lower_series_integrals()
    ctx.note("sympy: int_0^oo alpha0^2/((x+1)G^2 + eps) dx", second)
    with mpmath.workdps(30):
        eps = mpmath.mpf(1e-8)
        ctx.note("sum_{t<T} alpha_t^2 for ||g_t|| = 1, alpha0 = 1, eps = 1e-8 (T: value)",
                 {f"1e{k}": float(mpmath.digamma(10**k + 1 + eps) - mpmath.digamma(1 + eps)) for k in (2, 4, 6, 8)})
    horizon = ctx.pick(10**5, 10**6)

    def check(case: dict[str, Any]) -> None:
        horizons, terms, sums = _partial_sums_of_steps(case, horizon, squared=True)
        g_sq, eps = case["G"] ** 2, case["eps"]
        termwise = case["alpha0"] ** 2 / ((horizons) * g_sq + eps)  # horizons = t + 1
        worst = int(np.argmin(terms / termwise))
        ctx.compare(terms[worst], termwise[worst], ">=", rtol=1e-10, atol=0.0,
                    label="alpha_t^2 >= alpha0^2/((t+1)G^2 + eps) (worst t)")
        lower = case["alpha0"] ** 2 / g_sq * np.log(((horizons + 1.0) * g_sq + eps) / (g_sq + eps))
        worst = int(np.argmin(sums / lower))
        ctx.compare(sums[worst], lower[worst], ">=", rtol=1e-10, atol=0.0,
                    label="sum_{t<T} alpha_t^2 >= (alpha0^2/G^2) log(((T+1)G^2+eps)/(G^2+eps)) (worst T)")
        ctx.compare(second != "oo", True, "==", label="sum alpha_t^2 < inf (integral test of the lower bound)")
        ctx.event(case["kind"])

    ctx.search(check, _gradient_norm_sequences(), label="gradient-norm sequences", max_examples=ctx.pick(30, 500))
    return ctx.result()
