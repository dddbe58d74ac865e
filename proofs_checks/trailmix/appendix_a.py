r"""TRAILMIX Appendix A — simplex, entropy, replicator dynamics and summation inequalities.

Claims ``trailmix.lemma1`` … ``trailmix.lemma5.6`` (Lemmas 1–5 of Appendix A),
and the corrected statements of Lemma 4(2)–(3) derived where the checks refute
them.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st
from scipy.special import logsumexp

from proofs_checks.trailmix._common import (
    EPS,
    projection_inputs,
    projection_kkt_residual,
    reduced_objective_difference,
    solve_projection_qp,
    variational_gap,
)
from theorylab import simplex
from theorylab.claims import CheckResult, Context, NumericalFailure, claim
from theorylab.testing.strategies import (
    box_vectors,
    dimensions,
    log_uniform,
    rational_vectors,
    simplex_points,
)

# --------------------------------------------------------------------------- shared helpers


def _entropy_scale(k: int) -> float:
    """Natural magnitude of the entropy on Delta_K: log K (1 for K = 1, where H = 0)."""
    return math.log(k) if k >= 2 else 1.0


@st.composite
def _scores(draw: st.DrawFn, k: int) -> np.ndarray:
    r"""Meta-scores :math:`h \in [-10, 10]^K` (D0): plain, with exact ties, or with :math:`\sum h = 0`."""
    kind = draw(st.sampled_from(("box", "ties", "zero-sum")))
    h = draw(box_vectors(k, -10.0, 10.0))
    if kind == "ties":
        pool = h[: draw(st.integers(1, k))]
        h = np.array([pool[i] for i in draw(st.lists(st.integers(0, pool.size - 1), min_size=k, max_size=k))])
    elif kind == "zero-sum":
        h = h - np.mean(h)
    return h


@st.composite
def _replicator_cases(draw: st.DrawFn, allow_boundary: bool) -> dict[str, Any]:
    r"""(λ, h, θ) for the replicator lemmas: K in 2..7, θ log-uniform in [0.01, 10] (D0)."""
    k = draw(dimensions(2, 7))
    if allow_boundary:
        lam = draw(simplex_points(k, allow_zeros=True))
    else:
        lam = draw(simplex_points(k, min_entry=1e-6))
    return {"lam": lam, "h": draw(_scores(k)), "theta": draw(log_uniform(0.01, 10.0))}


def _log_weights_covariance(lam: np.ndarray, h: np.ndarray) -> float:
    r"""Covariance :math:`\mathrm{Cov}_\lambda(h, \log\lambda)` in centred form.

    .. math::

        \sum_i\lambda_i(h_i - \bar h)(\log\lambda_i - \overline{\log\lambda})
    """
    log_lam = np.log(lam)
    h_c = h - math.fsum(lam * h)
    return math.fsum(lam * h_c * (log_lam - math.fsum(lam * log_lam)))


def _entropy_rate_chain_rule(lam: np.ndarray, h: np.ndarray, theta: float) -> float:
    r"""Chain rule :math:`\frac{d}{dt}H = -\sum_i \dot\lambda_i(\log\lambda_i + 1)`, the engine's field for (31)."""
    velocity = simplex.replicator_field(lam, h, theta)
    return -math.fsum(velocity * (np.log(lam) + 1.0))


def _entropy_rate_finite_difference(lam: np.ndarray, h: np.ndarray, theta: float) -> tuple[float, float, float]:
    r"""Central difference of :math:`H(\lambda(t))` at :math:`t = 0` on the closed-form trajectory.

    The step is :math:`\delta = 10^{-6}/\max(1, \theta\,\mathrm{range}(h))` (the catalogue's
    :math:`10^{-6}` in units of the flow's fastest rate). Returns the difference
    quotient, :math:`\delta`, and the bound :math:`16 K\varepsilon\max(1,\log K)/\delta`
    on its rounding error (each :math:`H` rounds at about :math:`K\varepsilon\log K`).
    """
    spread = float(np.max(h) - np.min(h))
    delta = 1e-6 / max(1.0, theta * spread)
    both = simplex.replicator_closed_form(lam, h, theta, np.array([-delta, delta]))
    forward, backward = simplex.entropy(both[1] / both[1].sum()), simplex.entropy(both[0] / both[0].sum())
    k = lam.size
    rounding = 16 * k * EPS * max(1.0, math.log(k)) / delta
    return (forward - backward) / (2 * delta), delta, rounding


def _sympy_identity_holds(difference: Any, symbols: list[Any], ctx: Context, label: str) -> bool:
    """Whether a sympy expression is identically zero: simplified to 0, or shown non-zero at rational points.

    If ``simplify`` does not reach 0, the expression is evaluated with 50 digits
    at three rational points; a value above 1e-30 in magnitude shows it is not
    identically zero. Otherwise the question is undecided (NumericalFailure).
    """
    import sympy

    simplified = sympy.simplify(sympy.expand(difference))
    if simplified == 0:
        ctx.note(f"{label}: simplified difference", "0")
        return True
    ctx.note(f"{label}: simplified difference", str(simplified))
    for trial in range(3):
        subs = {}
        for index, symbol in enumerate(symbols):
            name = str(symbol)
            if name.startswith("l"):  # a free weight; the K - 1 free weights sum to less than 1
                subs[symbol] = sympy.Rational(1, len(symbols)) + sympy.Rational(trial * (index + 1), 100)
            elif name.startswith("h"):
                subs[symbol] = sympy.Rational((index + 1) * (trial + 2), 3) - 2
            else:
                subs[symbol] = sympy.Rational(2 + trial, 2)
        value = sympy.N(simplified.subs(subs), 50)
        if abs(value) > sympy.Float("1e-30"):
            ctx.note(f"{label}: value at {({str(k): str(v) for k, v in subs.items()})}", float(value))
            return False
    raise NumericalFailure(f"{label}: sympy neither simplified the difference to 0 nor found a non-zero value")


def _replicator_symbols(k: int) -> tuple[Any, ...]:
    r"""Sympy objects for (31) on :math:`\Delta_K` with :math:`\lambda_K = 1 - \sum_{i<K}\lambda_i`.

    Returns ``(lam, h, theta, velocity, mean, variance, free_symbols)``.
    """
    import sympy

    free = sympy.symbols(f"l1:{k}", positive=True)
    h = sympy.symbols(f"h1:{k + 1}", real=True)
    theta = sympy.Symbol("theta", positive=True)
    lam = [*free, 1 - sum(free)]
    mean = sum(lam[i] * h[i] for i in range(k))
    velocity = [theta * lam[i] * (h[i] - mean) for i in range(k)]
    variance = sum(lam[i] * h[i] ** 2 for i in range(k)) - mean**2
    return lam, h, theta, velocity, mean, variance, [*free, *h, theta]


# --------------------------------------------------------------------------- Lemma 1


@st.composite
def _tangent_cone_cases(draw: st.DrawFn, integer_directions: bool) -> tuple[list[Fraction], list[Fraction]]:
    r"""Exact (λ, u): λ rational on :math:`\Delta_K`, a vertex, a face (random zero pattern) or interior.

    ``u`` is a rational vector (integers with ``integer_directions``) shaped
    towards one of four targets, so that every branch of the equivalence is
    hit: a member of the cone (nonnegative off the support, balanced to
    :math:`\sum u = 0` through a support coordinate), :math:`\sum u = 0` with a
    negative entry off the support, :math:`\sum u \ne 0` with the sign
    condition met, or unconstrained.
    """
    k = draw(dimensions(1, 6))
    pattern = draw(st.sampled_from(("vertex", "face", "interior")))
    order = draw(st.permutations(range(k)))
    n_support = {"vertex": 1, "interior": k}.get(pattern) or draw(st.integers(1, max(1, k - 1)))
    support = [False] * k
    for i in order[:n_support]:
        support[i] = True
    weights = draw(st.lists(st.fractions(min_value=Fraction(1, 20), max_value=5, max_denominator=20),
                            min_size=k, max_size=k))
    weights = [w if on else Fraction(0) for w, on in zip(weights, support, strict=True)]
    total = sum(weights, Fraction(0))
    lam = [w / total for w in weights]
    u = draw(rational_vectors(k, max_denominator=1 if integer_directions else 20, low=-5, high=5))
    target = draw(st.sampled_from(("member", "sign violated", "sum nonzero", "unconstrained")))
    on, off = order[0], [j for j in range(k) if not support[j]]
    if target in ("member", "sum nonzero"):
        u = [abs(v) if not support[i] else v for i, v in enumerate(u)]
    if target == "sign violated" and off:
        j = draw(st.sampled_from(off))
        u[j] = -abs(u[j]) if u[j] != 0 else Fraction(-1)
    if target in ("member", "sign violated"):
        u[on] -= sum(u, Fraction(0))
    if target == "sum nonzero" and sum(u, Fraction(0)) == 0:
        u[on] += 1
    return lam, u


def _in_cone_definition(lam: list[Fraction], u: list[Fraction]) -> bool:
    """(10): sum_i u_i = 0 and u_i >= 0 whenever lambda_i = 0 (exact)."""
    return sum(u, Fraction(0)) == 0 and all(u[i] >= 0 for i in range(len(u)) if lam[i] == 0)


def _in_cone_characterisation(lam: list[Fraction], u: list[Fraction]) -> bool:
    """(11): sum_{i in I} u_i = -sum_{j not in I} u_j and u_j >= 0 for all j not in I (exact)."""
    support = [i for i in range(len(u)) if lam[i] > 0]
    outside = [j for j in range(len(u)) if lam[j] == 0]
    balanced = sum((u[i] for i in support), Fraction(0)) == -sum((u[j] for j in outside), Fraction(0))
    return balanced and all(u[j] >= 0 for j in outside)


def _cone_event(ctx: Context, prefix: str, lam: list[Fraction], u: list[Fraction], member: bool) -> None:
    if member:
        ctx.event(f"{prefix}: both true")
    elif sum(u, Fraction(0)) != 0:
        ctx.event(f"{prefix}: both false (sum u != 0)")
    else:
        ctx.event(f"{prefix}: both false (u_j < 0 off the support, sum u = 0)")
    n_support = sum(1 for v in lam if v > 0)
    ctx.event(f"{prefix}: lambda " + ("vertex" if n_support == 1 else "interior" if n_support == len(lam) else "face"))


@claim(
    id="trailmix.lemma1",
    title="Tangent cone characterisation",
    source="Def. 1 (9)–(10) seed L387–L393; Lemma 1 (11) seed L395",
    statement=(
        "For lambda in Delta_K with support I: T_Delta(lambda) = {u : sum_i u_i = 0, u_i >= 0 whenever lambda_i = 0} "
        "(10) equals {u : sum_{i in I} u_i = -sum_{j not in I} u_j and u_j >= 0 for all j not in I} (11)."
    ),
    kind="equivalence",
)
def lemma1(ctx: Context) -> CheckResult:
    r"""Definition (10) and characterisation (11) of the tangent cone agree, exactly.

    .. math::

        \Bigl\{u : \textstyle\sum_i u_i = 0,\ u_i \ge 0 \text{ if } \lambda_i = 0\Bigr\}
        = \Bigl\{u : \textstyle\sum_{i\in I}u_i = -\sum_{j\notin I}u_j,\ u_j \ge 0\ \forall j\notin I\Bigr\},
        \quad I = \{i : \lambda_i > 0\}.

    Both membership predicates are evaluated in exact rational arithmetic
    (:class:`~fractions.Fraction`), so ties and exact zeros are decided
    without tolerance; the comparison is logical (``==`` on booleans).

    Search 1: :math:`K \in [1, 6]`, :math:`\lambda` rational on the simplex
    with random zero patterns (vertices, faces, interior), :math:`u` rational
    (denominators up to 20, entries in :math:`[-5, 5]`, frequent zeros and
    ties), shaped towards a cone member, :math:`\sum u = 0` with a negative
    entry off the support, :math:`\sum u \ne 0`, or left as drawn. Search 2: the engine's
    :func:`theorylab.simplex.in_tangent_cone` (Definition 1 in float64,
    ``atol = 0``) against (11), with integer :math:`u` so that the float sums
    are exact. 200 examples each (quick), 5000 (full). Then plain random
    draws of the same four kinds (numpy generator, exact rationals, no
    shrinking): 2000 (quick) / :math:`10^5` (full, the catalogue's count);
    the first mismatch, if any, is noted in the details. The recorded cases
    show that both-true and both-false examples (with either reason) were
    hit at vertices, faces and interior points.
    """

    def exact(case: tuple[list[Fraction], list[Fraction]]) -> None:
        lam, u = case
        by_definition = _in_cone_definition(lam, u)
        ctx.compare(by_definition, _in_cone_characterisation(lam, u), "==", label="(10) vs (11), exact")
        _cone_event(ctx, "exact", lam, u, by_definition)

    def engine(case: tuple[list[Fraction], list[Fraction]]) -> None:
        lam, u = case
        lam_f = np.array([float(v) for v in lam])
        u_f = np.array([float(v) for v in u])
        by_engine = simplex.in_tangent_cone(u_f, lam_f, atol=0.0)
        ctx.compare(by_engine, _in_cone_characterisation(lam, u), "==", label="engine in_tangent_cone vs (11)")
        _cone_event(ctx, "engine", lam, u, _in_cone_definition(lam, u))

    ctx.search(exact, _tangent_cone_cases(False), label="(10) vs (11), rational u")
    ctx.search(engine, _tangent_cone_cases(True), label="engine (10) vs (11), integer u")

    first_mismatch = None
    for m in range(ctx.pick(2_000, 100_000)):
        lam, u = _random_tangent_cone_case(ctx.rng)
        by_definition, by_characterisation = _in_cone_definition(lam, u), _in_cone_characterisation(lam, u)
        ctx.compare(by_definition, by_characterisation, "==", label="(10) vs (11), random rational draws")
        _cone_event(ctx, "random", lam, u, by_definition)
        if by_definition != by_characterisation and first_mismatch is None:
            first_mismatch = {"draw": m, "lambda": [str(v) for v in lam], "u": [str(v) for v in u]}
    if first_mismatch is not None:
        ctx.note("first mismatch among the random draws", first_mismatch)
    return ctx.result()


def _random_tangent_cone_case(rng: np.random.Generator) -> tuple[list[Fraction], list[Fraction]]:
    """One random exact (lambda, u) with the four targets of :func:`_tangent_cone_cases`, drawn with numpy."""
    k = int(rng.integers(1, 7))
    n_support = int(rng.choice([1, k, int(rng.integers(1, k + 1))]))
    support = set(rng.permutation(k)[:n_support].tolist())
    weights = [Fraction(int(rng.integers(1, 101)), int(rng.integers(1, 21))) if i in support else Fraction(0)
               for i in range(k)]
    total = sum(weights, Fraction(0))
    lam = [w / total for w in weights]
    u = [Fraction(int(rng.integers(-100, 101)), int(rng.integers(1, 21))) * int(rng.random() < 0.8)
         for _ in range(k)]
    target = int(rng.integers(4))
    on, off = min(support), [j for j in range(k) if j not in support]
    if target in (0, 2):
        u = [abs(v) if i not in support else v for i, v in enumerate(u)]
    if target == 1 and off:
        j = off[int(rng.integers(len(off)))]
        u[j] = -abs(u[j]) if u[j] != 0 else Fraction(-1)
    if target in (0, 1):
        u[on] -= sum(u, Fraction(0))
    if target == 2 and sum(u, Fraction(0)) == 0:
        u[on] += 1
    return lam, u


# --------------------------------------------------------------------------- Lemma 2


@claim(
    id="trailmix.lemma2.1",
    title="The Euclidean projection onto the simplex exists and is unique",
    source="Lemma 2 (13), seed L409–L413",
    statement="For all z in R^K, Pi_Delta(z) = argmin_{lambda in Delta_K} ||lambda - z||^2 exists and is unique.",
    kind="optimality",
)
def lemma2_1(ctx: Context) -> CheckResult:
    r"""Existence by a certified minimiser, uniqueness by agreement of independent methods and strict growth.

    .. math::

        \Pi_{\Delta_K}(z) = \operatorname*{argmin}_{\lambda\in\Delta_K}\|\lambda - z\|^2 .

    For each :math:`z`, three methods compute the minimiser: Algorithm 2
    (:func:`theorylab.simplex.project_to_simplex`), bisection on the
    threshold (:func:`theorylab.simplex.project_to_simplex_bisection`) and a
    generic QP solver (Clarabel via cvxpy on the exactly reduced problem of
    :func:`~proofs_checks.trailmix._common.solve_projection_qp`; only status
    ``optimal`` is accepted, otherwise the example is invalid).

    * Existence: Algorithm 2's output is feasible (:math:`\lambda \ge 0`,
      :math:`\sum\lambda = 1`) and satisfies the first-order condition over
      the whole simplex, :math:`\min_j\langle e_j - \lambda, \lambda - z\rangle \ge 0`
      (the variational inequality is linear in the competitor, so the
      :math:`K` vertices suffice); with the KKT residual this certifies a
      minimiser.
    * Uniqueness: the variational inequality gives, for every feasible
      :math:`\lambda'`, :math:`\|\lambda' - z\|^2 \ge \|\lambda - z\|^2 + \|\lambda' - \lambda\|^2`
      (strict growth away from :math:`\lambda`); numerically, the three
      independently computed minimisers coincide, and the QP objective is not
      below Algorithm 2's (an interior-point method does not start from a
      point; multi-start is replaced by the three different methods).

    Domain: :func:`~proofs_checks.trailmix._common.projection_inputs` with
    :math:`K \in [1, 50]`: scales :math:`10^{-6}..10^6`, exact ties, common
    offsets up to :math:`10^6`, simplex points (faces, vertices) and
    perturbations of them; 200 examples (quick), 5000 (full).

    Tolerances, with :math:`s = \max(1, \|z\|_\infty)`: the catalogue's
    :math:`10^{-10}` relative to :math:`s` for Algorithm 2 vs bisection, the
    sum, the KKT residual and the first-order gap (forming
    :math:`z_i + \theta` rounds at :math:`\varepsilon s`); the QP point at
    :math:`10\sqrt\tau` and its objective at :math:`10^{-10}s + 100\tau`,
    :math:`\tau` the gap tolerance at which Clarabel reported ``optimal``
    (interior-point solutions of degenerate projections converge only at the
    square-root rate; see ``trailmix.lemma21.1``). Entries are compared on
    the scale 1 of the simplex.
    """

    def check(z: np.ndarray) -> None:
        z = np.asarray(z, dtype=float)
        s = max(1.0, float(np.max(np.abs(z))))
        tol = 1e-10 * s
        by_sorting = simplex.project_to_simplex(z)
        by_bisection = simplex.project_to_simplex_bisection(z)
        by_qp, qp_tol = solve_projection_qp(z)
        ctx.compare(float(np.min(by_sorting)), 0.0, ">=", rtol=0.0, atol=0.0, scale=1.0, label="min lambda >= 0")
        ctx.compare(math.fsum(by_sorting), 1.0, "==", rtol=0.0, atol=tol, scale=1.0, label="sum lambda = 1")
        ctx.compare(variational_gap(by_sorting, z), 0.0, ">=", rtol=0.0, atol=tol, scale=1.0,
                    label="first-order optimality over Delta_K: min_j <e_j - lambda, lambda - z>")
        ctx.compare(projection_kkt_residual(by_sorting, z), 0.0, "<=", rtol=0.0, atol=tol, scale=1.0,
                    label="KKT residual of Alg. 2")
        i = int(np.argmax(np.abs(by_sorting - by_bisection)))
        ctx.compare(by_sorting[i], by_bisection[i], "==", rtol=0.0, atol=tol, scale=1.0,
                    label="Alg. 2 vs bisection (worst entry)")
        i = int(np.argmax(np.abs(by_sorting - by_qp)))
        ctx.compare(by_sorting[i], by_qp[i], "==", rtol=0.0, atol=10 * math.sqrt(qp_tol), scale=1.0,
                    label="Alg. 2 vs Clarabel QP (worst entry)")
        ctx.compare(reduced_objective_difference(by_sorting, by_qp, z), 0.0, "<=", rtol=0.0,
                    atol=tol + 100 * qp_tol, scale=1.0, label="objective of Alg. 2 minus objective of the QP")
        n_support = int(np.count_nonzero(by_sorting))
        ctx.event("support: one entry" if n_support == 1 else "support: all" if n_support == z.size
                  else "support: between")

    ctx.search(check, projection_inputs(1, 50), label="K <= 50")
    return ctx.result()


def _projection_error_bound(k: int, *vectors: np.ndarray) -> float:
    r"""Rounding bound for :math:`\|\Pi z - \Pi z'\|` as computed by the engine.

    Each projected entry is :math:`(z_i - u_\rho) + (1 - s_\rho)/\rho` with
    :math:`s_\rho` a cumulative sum of at most :math:`K` nonnegative terms
    below 1, so its error is at most about :math:`(K + 4)\varepsilon\max(1, \|z\|_\infty)`;
    the difference of two projections over :math:`K` entries then errs by at
    most :math:`2\sqrt K` times that. A factor 4 of margin gives
    :math:`8\sqrt K (K + 4)\varepsilon \max(1, \|z\|_\infty, \|z'\|_\infty)`.
    """
    size = max(1.0, *(float(np.max(np.abs(v))) for v in vectors))
    return 8 * math.sqrt(k) * (k + 4) * EPS * size


@st.composite
def _projection_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    r"""Pairs :math:`(z, z')`: independent, near-identical, zero-mean moves (the equality case), edge moves."""
    z = draw(projection_inputs(1, 12))
    k = z.size
    kind = draw(st.sampled_from(("independent", "near", "zero-mean", "edge")))
    size = max(1.0, float(np.max(np.abs(z))))
    if kind == "independent":
        return z, draw(projection_inputs(k, k))
    direction = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=k, max_size=k)))
    if kind == "near":
        return z, z + draw(log_uniform(1e-12, 1e2)) * size * direction
    if kind == "zero-mean":
        return z, z + draw(log_uniform(1e-8, 1.0)) * size * (direction - np.mean(direction))
    i, j = draw(st.integers(0, k - 1)), draw(st.integers(0, k - 1))
    moved = z.copy()
    step = draw(st.sampled_from((-1.0, 1.0))) * draw(log_uniform(1e-8, 2.0)) * size
    moved[i] += step
    moved[j] -= step
    return z, moved


def _random_projection_pairs(rng: np.random.Generator, k: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random pairs in R^K: Gaussian times log-uniform scales; half near-identical, a quarter zero-mean moves."""
    scale = 10.0 ** rng.uniform(-6, 6, size=(n, 1))
    z = rng.standard_normal((n, k)) * scale
    kind = rng.integers(0, 4, size=n)
    direction = rng.standard_normal((n, k))
    relative = 10.0 ** rng.uniform(-12, 1, size=(n, 1))
    near = z + relative * np.maximum(1.0, scale) * direction
    zero_mean = z + relative * (direction - direction.mean(axis=1, keepdims=True))
    independent = rng.standard_normal((n, k)) * scale
    z2 = np.where((kind <= 1)[:, None], near, np.where((kind == 2)[:, None], zero_mean, independent))
    return z, z2


@claim(
    id="trailmix.lemma2.2",
    title="The projection onto the simplex is non-expansive",
    source="Lemma 2 (14), seed L415",
    statement="||Pi_Delta(z) - Pi_Delta(z')|| <= ||z - z'|| for all z, z'.",
    kind="inequality",
)
def lemma2_2(ctx: Context) -> CheckResult:
    r"""Non-expansiveness of Algorithm 2: property search, random pairs, adversarial maximisation.

    .. math::

        \|\Pi_{\Delta_K}(z) - \Pi_{\Delta_K}(z')\|_2 \le \|z - z'\|_2 .

    Three searches on :func:`theorylab.simplex.project_to_simplex`:

    1. hypothesis over pairs (:math:`K \in [1, 12]`): independent inputs of
       :func:`~proofs_checks.trailmix._common.projection_inputs` (scales
       :math:`10^{-6}..10^6`, ties, offsets, simplex points), near-identical
       pairs (:math:`\|z - z'\|` down to :math:`10^{-12}\max(1,\|z\|_\infty)`),
       zero-mean moves (equality when both projections are interior) and
       moves of mass between two coordinates (straddling faces) of relative
       size :math:`10^{-8}` or more; 200 / 5000 examples;
    2. vectorised random pairs, :math:`K \in [2, 10]`, :math:`2\cdot10^4`
       (quick) / :math:`10^5` (full, the catalogue's count), same kinds;
    3. Nelder–Mead maximisation of :math:`(\|\Pi z - \Pi z'\| - b)/\|z - z'\|`,
       :math:`b` the rounding bound below (without it the search drifts to
       pairs closer than float resolution, where the ratio is rounding noise),
       over :math:`(z, z') \in \mathbb R^{2K}`, :math:`K \in \{2, 3, 4, 6\}`,
       from 8 (quick) / 100 (full) random starts; the comparison is made at
       the best point found.

    Tolerance: ``rtol`` :math:`10^{-10}` plus the rounding bound of
    :func:`_projection_error_bound`, :math:`8\sqrt K(K+4)\varepsilon\max(1,\|z\|_\infty,\|z'\|_\infty)`,
    which matters only for the nearest pairs. The slack is relative to
    :math:`\|z - z'\| + b`, :math:`b` that bound (the size of the distance at
    the resolution of the computation; for resolved pairs this is
    :math:`\|z - z'\|`), so the sensitivity is the smallest contraction
    factor :math:`1 - t` the searches refute (equality is attained by
    zero-mean moves in the interior).
    """

    def pair(case: tuple[np.ndarray, np.ndarray]) -> None:
        z, z2 = case
        lhs = float(np.linalg.norm(simplex.project_to_simplex(z) - simplex.project_to_simplex(z2)))
        rhs = float(np.linalg.norm(z - z2))
        bound = _projection_error_bound(z.size, z, z2)
        ctx.compare(lhs, rhs, "<=", rtol=1e-10, atol=bound, scale=rhs + bound, label="||Pi z - Pi z'|| <= ||z - z'||")

    ctx.search(pair, _projection_pairs(), label="pairs (hypothesis)")

    n_per_k = ctx.pick(20_000, 100_000) // 9
    for k in range(2, 11):
        z, z2 = _random_projection_pairs(ctx.rng, k, n_per_k)
        lhs = np.linalg.norm(simplex.project_to_simplex(z) - simplex.project_to_simplex(z2), axis=1)
        rhs = np.linalg.norm(z - z2, axis=1)
        bound = _projection_error_bound(k, z, z2)
        ctx.sweep(lhs, rhs, "<=", rtol=1e-10, atol=bound, scale=rhs + bound, examples={"z": z, "z_prime": z2},
                  label=f"random pairs, K = {k}")

    from scipy.optimize import minimize

    def negative_resolved_ratio(x: np.ndarray, k: int) -> float:
        # the rounding bound is subtracted, so that the search is not drawn to pairs below float resolution
        z, z2 = x[:k], x[k:]
        gap = float(np.linalg.norm(z - z2))
        if gap == 0.0:
            return 0.0
        distance = float(np.linalg.norm(simplex.project_to_simplex(z) - simplex.project_to_simplex(z2)))
        return -(distance - _projection_error_bound(k, z, z2)) / gap

    n_starts = ctx.pick(8, 100)
    for start in range(n_starts):
        ctx.check_deadline()
        k = (2, 3, 4, 6)[start % 4]
        x0 = ctx.rng.standard_normal(2 * k) * 10.0 ** ctx.rng.uniform(-1, 1)
        best = minimize(negative_resolved_ratio, x0, args=(k,), method="Nelder-Mead",
                        options={"maxfev": ctx.pick(1500, 6000), "xatol": 1e-12, "fatol": 1e-15})
        z, z2 = best.x[:k], best.x[k:]
        lhs = float(np.linalg.norm(simplex.project_to_simplex(z) - simplex.project_to_simplex(z2)))
        rhs = float(np.linalg.norm(z - z2))
        bound = _projection_error_bound(k, z, z2)
        ctx.compare(lhs, rhs, "<=", rtol=1e-10, atol=bound, scale=rhs + bound,
                    label=f"Nelder-Mead maximum of the ratio, start {start}, K = {k}")
    return ctx.result()


# --------------------------------------------------------------------------- Lemma 3


@st.composite
def _concavity_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, float]:
    k = draw(dimensions(2, 8))
    lam = draw(simplex_points(k, allow_zeros=True))
    other = draw(simplex_points(k, allow_zeros=True))
    return lam, other, draw(st.floats(0.0, 1.0))


def _hessian_by_finite_differences(lam: np.ndarray, digits: int = 40) -> np.ndarray:
    r"""Hessian of :math:`-\sum_i\lambda_i\log\lambda_i` on :math:`\mathbb R^K_{>0}` by central differences in mpmath.

    Mixed second differences with steps :math:`h_i = 10^{-12}\lambda_i` at
    ``digits`` significant digits: truncation :math:`O(10^{-24})` relative,
    rounding :math:`10^{-40}/10^{-24}`, far below the :math:`10^{-7}` tolerance.
    """
    import mpmath

    with mpmath.workdps(digits):
        x = [mpmath.mpf(float(v)) for v in lam]
        steps = [mpmath.mpf("1e-12") * v for v in x]

        def entropy_at(point: list[Any]) -> Any:
            return -mpmath.fsum(v * mpmath.log(v) for v in point)

        def shifted(i: int, a: int, j: int, b: int) -> Any:
            point = list(x)
            point[i] += a * steps[i]
            point[j] += b * steps[j]
            return entropy_at(point)

        k = len(x)
        hessian = np.empty((k, k))
        for i in range(k):
            for j in range(k):
                value = (shifted(i, 1, j, 1) - shifted(i, 1, j, -1) - shifted(i, -1, j, 1)
                         + shifted(i, -1, j, -1)) / (4 * steps[i] * steps[j])
                hessian[i, j] = float(value)
    return hessian


@claim(
    id="trailmix.lemma3.1",
    title="Entropy is concave on the simplex",
    source="Def. 2 (27) seed L461; Lemma 3(1) seed L469 (Hessian (28))",
    statement="H(lambda) = -sum lambda_i log lambda_i (0 log 0 = 0) is concave on Delta_K; "
              "its Hessian is -diag(1/lambda_i) on the interior.",
    kind="inequality",
)
def lemma3_1(ctx: Context) -> CheckResult:
    r"""Jensen's inequality for :math:`H` along segments, and the Hessian (28) by finite differences.

    .. math::

        H((1-s)\lambda + s\lambda') \ge (1-s)H(\lambda) + sH(\lambda'), \qquad
        \nabla^2 H(\lambda) = -\operatorname{diag}(1/\lambda_i).

    1. Hypothesis search, :math:`K \in [2, 8]`, :math:`\lambda, \lambda'`
       from :func:`~theorylab.testing.strategies.simplex_points` with exact
       zeros and vertices, :math:`s \in [0, 1]`; 200 / 5000 examples. Then
       :math:`2\cdot10^4` (quick) / :math:`10^5` (full) random Dirichlet(1)
       triples with random zero patterns, :math:`K \in [2, 8]`. Entropy by
       :func:`theorylab.simplex.entropy`. Tolerance: the catalogue's
       :math:`10^{-10}\max(1, |\mathrm{RHS}|)` (``rtol = atol = 1e-10``);
       the slack and tightening are measured on the scale :math:`\log K`.
    2. Hessian at interior points (:math:`\lambda_i \ge 10^{-6}`, 10 quick /
       200 full): mixed central differences of
       :math:`-\sum\lambda_i\log\lambda_i` in 40-digit arithmetic (mpmath;
       float64 second differences cannot reach :math:`10^{-7}` for small
       :math:`\lambda_i`) against :math:`-\operatorname{diag}(1/\lambda_i)`,
       worst entry, rtol :math:`10^{-7}` (FD convention) with atol
       :math:`10^{-7}\max_i 1/\lambda_i` for the zero off-diagonal entries.
    """

    def jensen(case: tuple[np.ndarray, np.ndarray, float]) -> None:
        lam, other, s = case
        mix = (1 - s) * lam + s * other
        lhs = simplex.entropy(mix)
        rhs = (1 - s) * simplex.entropy(lam) + s * simplex.entropy(other)
        ctx.compare(lhs, rhs, ">=", rtol=1e-10, atol=1e-10, scale=_entropy_scale(lam.size),
                    label="H(mix) >= mix of H")

    ctx.search(jensen, _concavity_cases(), label="segments (hypothesis)")

    n = ctx.pick(20_000, 100_000)
    lhs, rhs, scales, ks = np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype=int)
    for m in range(n):
        k = int(ctx.rng.integers(2, 9))
        pair = ctx.rng.dirichlet(np.ones(k), size=2)
        pair[ctx.rng.random((2, k)) < 0.2] = 0.0
        pair[:, 0] += pair.sum(axis=1) == 0
        pair /= pair.sum(axis=1, keepdims=True)
        s = float(ctx.rng.random())
        lhs[m] = simplex.entropy((1 - s) * pair[0] + s * pair[1])
        rhs[m] = (1 - s) * simplex.entropy(pair[0]) + s * simplex.entropy(pair[1])
        scales[m], ks[m] = math.log(k), k
    ctx.sweep(lhs, rhs, ">=", rtol=1e-10, atol=1e-10, scale=scales, examples={"K": ks},
              label="random segments")

    def hessian(lam: np.ndarray) -> None:
        expected = -np.diag(1.0 / lam)
        measured = _hessian_by_finite_differences(lam)
        i, j = np.unravel_index(int(np.argmax(np.abs(measured - expected))), measured.shape)
        ctx.compare(measured[i, j], expected[i, j], "==", rtol=1e-7, atol=1e-7 * float(np.max(1.0 / lam)),
                    scale=float(np.max(1.0 / lam)), label="Hessian by finite differences vs -diag(1/lambda)")

    ctx.search(hessian, simplex_points(min_k=2, max_k=6, min_entry=1e-6), label="Hessian (28)",
               max_examples=ctx.pick(10, 200))
    return ctx.result()


@claim(
    id="trailmix.lemma3.2",
    title="0 <= H <= log K",
    source="Lemma 3(2), seed L471",
    statement="0 <= H(lambda) <= log K for all lambda in Delta_K.",
    kind="inequality",
)
def lemma3_2(ctx: Context) -> CheckResult:
    r"""Both entropy bounds on D0 draws, vertices, faces and the uniform point, K up to 100.

    .. math::

        0 \le H(\lambda) \le \log K .

    Hypothesis search over :func:`~theorylab.testing.strategies.simplex_points`
    (:math:`K \in [1, 100]`, exact zeros, vertices, the uniform point),
    200 / 5000 examples; then :math:`10^4` (quick) / :math:`10^5` (full)
    random Dirichlet(1) points with random zero patterns, :math:`K \in [1, 100]`.
    Entropy by :func:`theorylab.simplex.entropy`. Both sides recorded; the
    slack and tightening are measured on the scale :math:`\log K` (1 for
    :math:`K = 1`), so a 1 % tightening means :math:`H \ge 0.01\log K` or
    :math:`H \le 0.99\log K`. Tolerance: the catalogue's
    :math:`10^{-10}\max(1, |\mathrm{RHS}|)` (``rtol = atol = 1e-10``).
    Both bounds are attained (vertices, uniform point), so the sensitivity is
    expected to be tight if the search reaches them.
    """

    def bounds(lam: np.ndarray) -> None:
        k = lam.size
        value = simplex.entropy(lam)
        ctx.compare(value, 0.0, ">=", rtol=1e-10, atol=1e-10, scale=_entropy_scale(k), label="H >= 0")
        ctx.compare(value, math.log(k), "<=", rtol=1e-10, atol=1e-10, scale=_entropy_scale(k), label="H <= log K")

    ctx.search(bounds, simplex_points(min_k=1, max_k=100, allow_zeros=True), label="simplex points (hypothesis)")

    n = ctx.pick(10_000, 100_000)
    values, logk, scales, ks = np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype=int)
    for m in range(n):
        k = int(ctx.rng.integers(1, 101))
        lam = ctx.rng.dirichlet(np.ones(k))
        lam[ctx.rng.random(k) < 0.2] = 0.0
        if lam.sum() == 0:
            lam[int(ctx.rng.integers(k))] = 1.0
        lam /= lam.sum()
        values[m], logk[m], scales[m], ks[m] = simplex.entropy(lam), math.log(k), _entropy_scale(k), k
    ctx.sweep(values, 0.0, ">=", rtol=1e-10, atol=1e-10, scale=scales, examples={"K": ks}, label="random: H >= 0")
    ctx.sweep(values, logk, "<=", rtol=1e-10, atol=1e-10, scale=scales, examples={"K": ks},
              label="random: H <= log K")
    return ctx.result()


@st.composite
def _vertex_cases(draw: st.DrawFn) -> np.ndarray:
    r"""Simplex points incl. exact vertices, and near-vertices :math:`(1-d)e_i + d\,w`, :math:`d \ge 10^{-300}`."""
    k = draw(dimensions(1, 8))
    if k == 1 or draw(st.booleans()):
        return draw(simplex_points(k, allow_zeros=True))
    d = draw(log_uniform(1e-300, 0.5))
    w = draw(simplex_points(k - 1, allow_zeros=True))
    i = draw(st.integers(0, k - 1))
    return np.insert(d * w, i, 1.0 - d)


@claim(
    id="trailmix.lemma3.3",
    title="H = 0 iff lambda is a vertex",
    source="Lemma 3(3), seed L472",
    statement="H(lambda) = 0 if and only if lambda = e_i for some i.",
    kind="equivalence",
)
def lemma3_3(ctx: Context) -> CheckResult:
    r"""The zero set of the entropy is the set of vertices (logical comparison, exact zero tests).

    .. math::

        H(\lambda) = 0 \iff \lambda \in \{e_1, \dots, e_K\}.

    For float64 points, :math:`H` is evaluated by :func:`theorylab.simplex.entropy`
    (``scipy.special.entr``), whose terms :math:`-x\log x` are exactly 0 at
    :math:`x \in \{0, 1\}` and strictly positive for every float
    :math:`x \in (0, 1)` (down to the subnormals), so the exact test
    :math:`H(\lambda) = 0` decides the left side without tolerance; the right
    side is :func:`theorylab.simplex.is_vertex` (exactly one entry 1, the
    others 0). Domain: :math:`K \in [1, 8]`, simplex points with exact zeros
    and vertices, and near-vertices :math:`(1-d)e_i + d\,w` with :math:`d`
    log-uniform in :math:`[10^{-300}, 0.5]` (continuity at the vertices:
    :math:`H \to 0`, yet :math:`H > 0`); 200 / 5000 examples. The cases
    record both-true (vertex) and both-false (including near-vertex points
    with :math:`H < 10^{-10}`) hits; the smallest :math:`H` at a non-vertex is
    noted.
    """
    smallest: list[float] = []

    def check(lam: np.ndarray) -> None:
        value = simplex.entropy(lam)
        vertex = simplex.is_vertex(lam)
        ctx.compare(bool(value == 0.0), vertex, "==", label="(H = 0) vs (lambda is a vertex)")
        if vertex:
            ctx.event("vertex: both true" if value == 0.0 else "vertex with H != 0")
        else:
            ctx.event("non-vertex: both false" if value > 0.0 else "non-vertex with H = 0")
            if value < 1e-10:
                ctx.event("non-vertex with 0 < H < 1e-10")
            smallest.append(value)

    ctx.search(check, _vertex_cases(), label="vertices, faces, near-vertices")
    if smallest:
        ctx.note("smallest H at a non-vertex", min(smallest))
    return ctx.result()


@st.composite
def _rational_near_uniform(draw: st.DrawFn) -> list[Fraction]:
    r"""Exact rational points: the uniform point, :math:`\mathbf 1/K + 10^{-m}v` (:math:`\sum v = 0`), others."""
    k = draw(dimensions(1, 8))
    kind = draw(st.sampled_from(("uniform", "near-uniform", "general")))
    uniform = [Fraction(1, k)] * k
    if kind == "uniform":
        return uniform
    if kind == "general":
        weights = draw(rational_vectors(k, max_denominator=20, low=0, high=5))
        if all(w == 0 for w in weights):
            weights[0] = Fraction(1)
        total = sum(weights, Fraction(0))
        return [w / total for w in weights]
    v = draw(rational_vectors(k, max_denominator=10, low=-1, high=1))
    mean = sum(v, Fraction(0)) / k
    v = [x - mean for x in v]
    size = max((abs(x) for x in v), default=Fraction(0))
    if size == 0:
        return uniform
    step = Fraction(1, 10 ** draw(st.integers(1, 30))) / (k * size)
    return [Fraction(1, k) + step * x for x in v]


def _kl_to_uniform_exact(lam: list[Fraction], digits: int = 80) -> Any:
    r""":math:`\sum_i\lambda_i\log(K\lambda_i)` in mpmath at ``digits`` digits; exactly 0 at the uniform point.

    :math:`K\lambda_i` is an exact rational; it equals 1 exactly at the uniform
    point, where ``log(1) = 0`` exactly. Elsewhere on the drawn points the
    divergence is at least about :math:`10^{-62}` and the evaluation error
    about :math:`10^{-80}`, so its sign is decided.
    """
    import mpmath

    k = len(lam)
    with mpmath.workdps(digits):
        terms = []
        for v in lam:
            if v == 0:
                continue
            ratio = k * v
            terms.append(mpmath.mpf(v.numerator) / v.denominator
                         * mpmath.log(mpmath.mpf(ratio.numerator) / ratio.denominator))
        return mpmath.fsum(terms)


@st.composite
def _float_points_for_gap(draw: st.DrawFn) -> np.ndarray:
    r"""Float points: D0 simplex points, or :math:`\mathbf 1/K + \delta v` with :math:`\|v\|_\infty = 1`, zero-sum.

    :math:`\delta \in [10^{-12}, 1/K]` log-uniform, so the point is at least
    :math:`10^{-12}` from the barycenter, far above the float64 spacing
    (:math:`\approx 10^{-17}`) at :math:`1/K`.
    """
    k = draw(dimensions(2, 8))
    if draw(st.booleans()):
        return draw(simplex_points(k, allow_zeros=True))
    v = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=k, max_size=k)))
    v = v - np.mean(v)
    size = float(np.max(np.abs(v)))
    if size < 1e-3:
        v = np.zeros(k)
        v[0], v[1] = 1.0, -1.0
    else:
        v = v / size
    delta = draw(log_uniform(1e-12, 1.0 / k))
    return np.full(k, 1.0 / k) + delta * v


def _maximise_entropy(k: int, start: np.ndarray) -> np.ndarray:
    r"""SLSQP maximisation of :math:`H` on :math:`\Delta_K` from ``start``; only ``success`` is accepted."""
    from scipy.optimize import minimize

    def negative_entropy(x: np.ndarray) -> float:
        x = np.maximum(x, 0.0)
        positive = x[x > 0]
        return float(np.sum(positive * np.log(positive)))

    def gradient(x: np.ndarray) -> np.ndarray:
        return np.log(np.maximum(x, 1e-300)) + 1.0

    result = minimize(negative_entropy, start, jac=gradient, method="SLSQP", bounds=[(0.0, 1.0)] * k,
                      constraints=[{"type": "eq", "fun": lambda x: np.sum(x) - 1.0, "jac": lambda x: np.ones(k)}],
                      options={"ftol": 1e-15, "maxiter": 1000})
    if not result.success:
        raise NumericalFailure(f"SLSQP did not converge (K={k}): {result.message}")
    return np.asarray(result.x, dtype=float)


@claim(
    id="trailmix.lemma3.4",
    title="H = log K iff lambda is uniform",
    source="Lemma 3(4), seed L473",
    statement="H(lambda) = log K if and only if lambda = (1/K, ..., 1/K).",
    kind="equivalence",
)
def lemma3_4(ctx: Context) -> CheckResult:
    r"""The maximum :math:`\log K` of the entropy is attained exactly at the barycenter.

    .. math::

        H(\lambda) = \log K \iff \lambda = \mathbf 1/K, \qquad
        \log K - H(\lambda) = \mathrm{KL}(\lambda\,\|\,\mathbf 1/K).

    The difference :math:`\log K - H` is never formed in floating point (it
    rounds to 0 near the barycenter); the gap is the divergence
    :math:`\mathrm{KL}(\lambda\|\mathbf 1/K)`, evaluated without cancellation.

    1. Exact equivalence: rational :math:`\lambda` (the uniform point,
       :math:`\mathbf 1/K + 10^{-m}v` with rational zero-sum :math:`v` and
       :math:`m \le 30`, general rational points with zeros), :math:`K \in [1, 8]`;
       "H = log K" is "KL = 0" with the divergence in 80-digit arithmetic
       (exactly 0 at the uniform point, at least about :math:`10^{-62}`
       elsewhere), compared logically with exact equality to
       :math:`\mathbf 1/K`. 200 / 5000 examples; cases recorded.
    2. Strict gap in float64: for points at distance at least
       :math:`10^{-12}` from the barycenter (D0 simplex points with zeros and
       vertices, and :math:`\mathbf 1/K + \delta v`), the engine's
       :func:`theorylab.simplex.kl_to_uniform` must be :math:`> 0` (strict,
       no tolerance); closer float points are covered by part 1. At the
       float64 barycenter :math:`H = \log K` (rtol :math:`10^{-10}`) and
       :math:`\mathrm{KL} = 0` (atol :math:`10^{-12}`).
    3. Maximiser: SLSQP maximisation of :math:`H` on :math:`\Delta_K`
       (:math:`K \in [2, 8]`, random Dirichlet and boundary starts, 8 quick /
       100 full; status ``success`` only): the maximiser equals
       :math:`1/K` entrywise within :math:`10^{-6}` (an optimiser stopping at
       objective accuracy :math:`10^{-15}` on a function that is flat to second
       order locates the point only to about :math:`\sqrt{K\cdot10^{-15}}`),
       compared on the scale :math:`1/K`, and its entropy equals :math:`\log K`
       (rtol :math:`10^{-10}`).
    """

    def exact(lam: list[Fraction]) -> None:
        k = len(lam)
        is_uniform = all(v == Fraction(1, k) for v in lam)
        at_maximum = bool(_kl_to_uniform_exact(lam) == 0)
        ctx.compare(at_maximum, is_uniform, "==", label="(H = log K) vs (lambda uniform), exact")
        ctx.event("exact: uniform, both true" if is_uniform and at_maximum
                  else "exact: non-uniform, both false" if not is_uniform and not at_maximum else "exact: mismatch")

    ctx.search(exact, _rational_near_uniform(), label="exact rational points")

    def strict_gap(lam: np.ndarray) -> None:
        k = lam.size
        gap = simplex.kl_to_uniform(lam)
        if np.all(lam == lam[0]):
            ctx.event("float: barycenter")
            ctx.compare(simplex.entropy(lam), math.log(k), "==", rtol=1e-10, atol=1e-12, scale=math.log(k),
                        label="H at the float barycenter = log K")
            ctx.compare(gap, 0.0, "==", rtol=0.0, atol=1e-12, scale=math.log(k),
                        label="KL at the float barycenter = 0")
            return
        ctx.event("float: non-uniform")
        ctx.compare(gap, 0.0, ">", rtol=0.0, atol=0.0, scale=math.log(k), label="KL(lambda || uniform) > 0")

    ctx.search(strict_gap, _float_points_for_gap(), label="float points: strict gap")

    for start_index in range(ctx.pick(8, 100)):
        ctx.check_deadline()
        k = int(ctx.rng.integers(2, 9))
        start = ctx.rng.dirichlet(np.ones(k))
        if start_index % 2:
            start[ctx.rng.random(k) < 0.5] = 0.0
            if start.sum() == 0:
                start[0] = 1.0
            start /= start.sum()
        maximiser = _maximise_entropy(k, start)
        i = int(np.argmax(np.abs(maximiser - 1.0 / k)))
        ctx.compare(maximiser[i], 1.0 / k, "==", rtol=0.0, atol=1e-6, scale=1.0 / k,
                    label=f"SLSQP maximiser vs 1/K (worst entry), K = {k}")
        clipped = np.maximum(maximiser, 0.0)
        ctx.compare(simplex.entropy(clipped / clipped.sum()), math.log(k), "==", rtol=1e-10, atol=1e-12,
                    scale=math.log(k), label=f"H at the SLSQP maximiser = log K, K = {k}")
    return ctx.result()


def _gradient_by_finite_differences(lam: np.ndarray, relative_step: float = 1e-2) -> np.ndarray:
    r"""Five-point central differences of the engine's :func:`~theorylab.simplex.entropy_extension`.

    Step :math:`h_i = 10^{-2}\lambda_i`: truncation :math:`h^4 |f^{(5)}|/30 = (h/\lambda)^4/5
    = 2\cdot10^{-9}`, rounding about :math:`3\varepsilon H/h` (at most
    :math:`1.5\cdot10^{-7}` at :math:`\lambda_i = 10^{-6}`, where
    :math:`|\partial_i H| \approx 12.8`).
    """
    grad = np.empty_like(lam)
    for i in range(lam.size):
        step = relative_step * lam[i]
        values = []
        for a in (-2, -1, 1, 2):
            point = lam.copy()
            point[i] += a * step
            values.append(simplex.entropy_extension(point))
        grad[i] = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * step)
    return grad


@claim(
    id="trailmix.lemma3.5",
    title="Gradient of the entropy",
    source="Lemma 3(5) and (30), seed L474 and L490",
    statement="On int Delta_K, grad H(lambda) = -(log lambda_1 + 1, ..., log lambda_K + 1).",
    kind="identity",
)
def lemma3_5(ctx: Context) -> CheckResult:
    r"""Partial derivatives of the extension of :math:`H` to :math:`\mathbb R^K_{>0}` by finite differences.

    .. math::

        \partial_i H(\lambda) = -\log\lambda_i - 1, \qquad
        H(\lambda) = -\textstyle\sum_i\lambda_i\log\lambda_i \text{ on } \mathbb R^K_{>0}.

    Reading: the gradient of the extension (partial derivatives without the
    constraint :math:`\sum\lambda = 1`), which is what Lemmas 4, 8 and 11 use.
    The formula is the engine's :func:`theorylab.simplex.entropy_gradient`
    (equal to (30) for :math:`\lambda_i > \varepsilon`, see
    ``trailmix.lemma22``); the derivative is a five-point central difference
    of :func:`theorylab.simplex.entropy_extension` with relative step
    :math:`10^{-2}` (:func:`_gradient_by_finite_differences`).

    Domain: interior points with the D0 floor :math:`\lambda_i \ge 10^{-6}`,
    :math:`K \in [2, 8]`, 200 / 5000 examples; worst entry per point.
    Tolerance: the catalogue's FD rtol :math:`10^{-7}`, with atol
    :math:`10^{-7}` where the gradient crosses 0 (:math:`\lambda_i = 1/e`);
    the FD error bound above is below it.
    """

    def check(lam: np.ndarray) -> None:
        measured = _gradient_by_finite_differences(lam)
        formula = simplex.entropy_gradient(lam)
        i = int(np.argmax(np.abs(measured - formula)))
        ctx.compare(measured[i], formula[i], "==", rtol=1e-7, atol=1e-7,
                    label="finite differences vs -log(lambda_i) - 1")

    ctx.search(check, simplex_points(min_k=2, max_k=8, min_entry=1e-6), label="interior points")
    return ctx.result()


# --------------------------------------------------------------------------- Lemma 4


def _amplification(lam0: np.ndarray, h: np.ndarray, theta: float, times: np.ndarray) -> np.ndarray:
    r"""Growth factor of an error in :math:`\sum\lambda` along (31) extended to :math:`\mathbb R^K`.

    Off the simplex, :math:`e = \sum\lambda - 1` obeys :math:`\dot e = -\theta\bar h(t)\,e`,
    and :math:`\theta\bar h = \frac{d}{dt}\log Z`, :math:`Z(t) = \sum_j\lambda_j(0)e^{\theta h_jt}`;
    an error made at time :math:`s` is multiplied by :math:`Z(s)/Z(t)` at time
    :math:`t`. Returns :math:`\max_{s\le t}Z(s)/Z(t)` on ``times``.
    """
    with np.errstate(divide="ignore"):
        log_z = logsumexp(np.log(lam0)[None, :] + theta * times[:, None] * h[None, :], axis=1)
    return np.exp(np.maximum.accumulate(log_z) - log_z)


@claim(
    id="trailmix.lemma4.1",
    title="The replicator dynamics preserve the simplex",
    source="Lemma 4(1) and (31), seed L497–L505; proof (32) seed L515",
    statement=(
        "lambda_i' = theta lambda_i (h_i - sum_j lambda_j h_j) (31), h constant, theta > 0: "
        "lambda(0) in Delta_K implies lambda(t) in Delta_K for all t >= 0."
    ),
    kind="trajectory-bound",
)
def lemma4_1(ctx: Context) -> CheckResult:
    r"""Closed-form trajectories stay in :math:`\Delta_K`, solve (31), and match a DOP853 integration.

    .. math::

        \lambda_i(t) = \frac{\lambda_i(0)e^{\theta h_it}}{\sum_j\lambda_j(0)e^{\theta h_jt}},
        \qquad \dot\lambda_i = \theta\lambda_i\Bigl(h_i - \sum_j\lambda_jh_j\Bigr).

    For D0 draws (:math:`K \in [2, 7]`, :math:`\lambda(0)` with exact zeros
    and vertices, :math:`h \in [-10, 10]^K` with ties and :math:`\sum h = 0`,
    :math:`\theta` log-uniform in :math:`[0.01, 10]`), on 2001 times in
    :math:`[0, 50/\theta]`:

    * the closed form (:func:`theorylab.simplex.replicator_closed_form`) is
      in :math:`\Delta_K`: :math:`\min\lambda \ge 0` exactly and
      :math:`|\sum\lambda - 1| \le 10^{-12}`;
    * it solves (31) with the engine's field
      (:func:`theorylab.simplex.replicator_field`): central differences
      (step :math:`\delta = 10^{-4}/r`, :math:`r = \max(1,\theta\,\mathrm{range}(h))`)
      vs the field at 200 of the times, worst entry, rtol :math:`10^{-7}`,
      atol the FD error bound :math:`4\varepsilon E/\delta + \delta^2r^3/6`:
      the closed form is a softmax of exponents of size up to
      :math:`E = \max|\log\lambda_i(0)| + \theta\max|h|\,t` (rounding
      :math:`\varepsilon E` in each, relative, in :math:`\lambda`), and the
      third time derivative of a softmax of :math:`\theta h t` is at most
      :math:`(\theta\,\mathrm{range}(h))^3`;
    * (31) integrated in the original coordinates with ``solve_ivp`` DOP853
      (rtol :math:`10^{-12}`, atol :math:`10^{-14}\min(1, \min_{\lambda_i(0)>0}\lambda_i(0))`;
      a failed integration makes the example invalid) agrees with the closed form at the
      integrator's own steps (its dense output is a 7th-order interpolant
      whose error is not controlled to the tolerance: measured up to
      :math:`1.7\cdot10^{-8}` between steps against :math:`4\cdot10^{-10}`
      at the steps), and its :math:`\sum\lambda - 1` and
      :math:`\min\lambda` at the steps are recorded.

    Why that atol: along (31), :math:`\frac{d}{dt}\log\lambda_i = \theta(h_i - \bar h)`,
    so an error in :math:`\lambda_i` keeps its relative size and grows with
    :math:`\lambda_i`; a component that starts below atol is not error
    controlled, and when it grows to :math:`O(1)` its error does too (with
    atol :math:`10^{-14}`, :math:`\lambda(0) = (3.2\cdot10^{-16}, 1 - 3.2\cdot10^{-16})`,
    :math:`h = (1, 0)`, :math:`\theta = 1` ends :math:`8.5\cdot10^{-3}` off).
    Each :math:`\lambda_i(t)` is unimodal (:math:`\log\lambda_i` is concave
    since :math:`\bar h` increases), so a component never grows back after
    decaying below atol; scaling atol by the smallest positive initial entry
    therefore keeps every component that later grows under relative control.

    Tolerance of the integration: :math:`10^{-8}\max(1, A(t))`. The local
    error per step is held near ``atol + rtol * |y|`` :math:`\lesssim 10^{-12}|y|`
    (:math:`|y| \le 1`), the integrations take up to a few thousand steps,
    and a stable flow adds the local errors up; the estimate is not a bound
    (the error estimator is not exact), so the allowance is :math:`10^4`
    local tolerances. Runge–Kutta steps preserve
    :math:`\sum\lambda` only up to rounding, and off the simplex
    :math:`e = \sum\lambda - 1` obeys :math:`\dot e = -\theta\langle\lambda, h\rangle e`:
    the simplex is transversally unstable where the mean score is negative,
    and an error made at time :math:`s` is amplified by
    :math:`A = Z(s)/Z(t)` (:func:`_amplification`).
    The integration is compared only up to the first time where
    :math:`A > 10^6` (beyond, float64 cannot resolve the invariant; the event
    is counted), the closed form on the whole interval. 15 (quick) / 500
    (full) draws.
    """
    from scipy.integrate import solve_ivp

    def check(lam: np.ndarray, h: np.ndarray, theta: float) -> None:
        spread = float(np.max(h) - np.min(h))
        horizon = 50.0 / theta
        times = np.linspace(0.0, horizon, 2001)
        closed = simplex.replicator_closed_form(lam, h, theta, times)
        ctx.compare(float(np.min(closed)), 0.0, ">=", rtol=0.0, atol=0.0, scale=1.0, label="closed form: min lambda")
        sums = np.array([math.fsum(row) for row in closed])
        j = int(np.argmax(np.abs(sums - 1.0)))
        ctx.compare(sums[j], 1.0, "==", rtol=0.0, atol=1e-12, scale=1.0, label="closed form: sum lambda")

        rate = max(1.0, theta * spread)
        delta = 1e-4 / rate
        probe = times[::10]
        derivative = (simplex.replicator_closed_form(lam, h, theta, probe + delta)
                      - simplex.replicator_closed_form(lam, h, theta, probe - delta)) / (2 * delta)
        field = simplex.replicator_field(closed[::10], h, theta)
        i, m = np.unravel_index(int(np.argmax(np.abs(derivative - field))), field.shape)
        exponent_size = float(np.max(np.abs(np.log(lam[lam > 0])))) + theta * float(np.max(np.abs(h))) * horizon
        fd_error = 4 * EPS * exponent_size / delta + delta**2 * rate**3 / 6
        ctx.compare(derivative[i, m], field[i, m], "==", rtol=1e-7, atol=fd_error, scale=rate / 4,
                    label="closed form solves (31): d/dt vs field")

        amplification = _amplification(lam, h, theta, times)
        resolved = amplification <= 1e6
        end = int(np.argmin(resolved)) if not resolved.all() else times.size
        if end < times.size:
            ctx.event("integration stopped where the amplification exceeds 1e6")
        if np.any(amplification > 1.0):
            ctx.event("mean score negative somewhere (amplification > 1)")
        if end < 2:
            return
        atol = max(1e-14 * min(1.0, float(np.min(lam[lam > 0]))), 1e-300)
        solution = solve_ivp(lambda t, y: simplex.replicator_field(y, h, theta), (0.0, times[end - 1]), lam,
                             method="DOP853", rtol=1e-12, atol=atol)
        if not solution.success or not np.all(np.isfinite(solution.y)):
            raise NumericalFailure(f"solve_ivp DOP853 failed: {solution.message}")
        ode = solution.y.T
        both = np.union1d(times[:end], solution.t)  # the dense grid catches the peaks of Z between steps
        growth = _amplification(lam, h, theta, both)[np.searchsorted(both, solution.t)]
        allowed = 1e-8 * np.maximum(1.0, growth)
        exact = simplex.replicator_closed_form(lam, h, theta, solution.t)
        deviation = np.max(np.abs(ode - exact), axis=1)
        j = int(np.argmax(deviation / allowed))
        ctx.compare(deviation[j], 0.0, "<=", rtol=0.0, atol=allowed[j], scale=1.0,
                    label="DOP853 vs closed form (max over entries)")
        drift = np.abs(ode.sum(axis=1) - 1.0)
        j = int(np.argmax(drift / allowed))
        ctx.compare(drift[j], 0.0, "<=", rtol=0.0, atol=allowed[j], scale=1.0, label="DOP853: |sum lambda - 1|")
        j = int(np.argmax(-np.min(ode, axis=1) / allowed))
        ctx.compare(float(np.min(ode[j])), 0.0, ">=", rtol=0.0, atol=allowed[j], scale=1.0, label="DOP853: min lambda")

    ctx.search(lambda case: check(**case), _replicator_cases(True), label="D0 draws incl. boundary starts",
               max_examples=ctx.pick(15, 500))
    return ctx.result()


def _rate_resolution(lam: np.ndarray, h: np.ndarray, theta: float) -> float:
    r"""Rounding bound for the rates along (31).

    .. math::

        8K\bigl(\varepsilon\,\theta\max_i|h_i|\,(1 + \max_i|\log\lambda_i| + \max_i|h_i|)
        + \mathrm{tiny}\bigr),

    with :math:`\mathrm{tiny} \approx 2.2\cdot10^{-308}` for products that underflow.


    The field :math:`\theta\lambda_i(h_i - \bar h)` rounds at
    :math:`\varepsilon\theta\lambda_i\max|h|` (the mean :math:`\bar h` does),
    and the rates sum :math:`K` such terms weighted by
    :math:`\log\lambda_i + 1` or :math:`h_i`; this is linear in :math:`h`,
    while the rates are quadratic in it, so it is the binding tolerance for
    tiny scores.
    """
    weights = 1.0 + float(np.max(np.abs(np.log(lam)))) + float(np.max(np.abs(h)))
    return 8 * lam.size * (EPS * theta * float(np.max(np.abs(h))) * weights + np.finfo(float).tiny)


def _rate_scale(lam: np.ndarray, h: np.ndarray, theta: float) -> float:
    r"""Natural magnitude of the rates, :math:`\theta\,\mathrm{range}(h)^2/4` (the largest :math:`\theta\mathrm{Var}`).

    Floored at the rounding bound :func:`_rate_resolution` (and at 1 when
    :math:`h` is constant and both vanish), so that resolution-limited examples
    do not produce meaningless slacks.
    """
    value = max(theta * float(np.max(h) - np.min(h)) ** 2 / 4, _rate_resolution(lam, h, theta))
    return value if value > 0 else 1.0


def _entropy_rate_checks(ctx: Context, target: str) -> None:
    r"""Numeric part of the Lemma 4(2)/(3) checks: chain rule and finite differences against ``target``.

    ``target`` is ``"variance"`` (the stated :math:`\theta\mathrm{Var}_\lambda(h)`)
    or ``"covariance"`` (the corrected :math:`-\theta\mathrm{Cov}_\lambda(h, \log\lambda)`).
    """

    def check(lam: np.ndarray, h: np.ndarray, theta: float) -> None:
        if target == "variance":
            rhs = theta * simplex.weighted_variance(h, lam)
        else:
            rhs = -theta * _log_weights_covariance(lam, h)
        scale, resolution = _rate_scale(lam, h, theta), _rate_resolution(lam, h, theta)
        ctx.compare(_entropy_rate_chain_rule(lam, h, theta), rhs, "==", rtol=1e-10, atol=resolution,
                    scale=scale, label="dH/dt by the chain rule")
        by_differences, _, rounding = _entropy_rate_finite_difference(lam, h, theta)
        ctx.compare(by_differences, rhs, "==", rtol=1e-7, atol=rounding, scale=max(scale, rounding),
                    label="dH/dt by central differences on the closed form")
        if abs(rhs) > resolution + rounding:
            ctx.event("d/dt H " + ("< 0" if by_differences < 0 else ">= 0"))

    ctx.search(lambda case: check(**case), _replicator_cases(False), label="interior D0 draws",
               max_examples=ctx.pick(200, 10_000))


def _inner_product_checks(ctx: Context, target: str) -> None:
    r"""Numeric part of the Lemma 4(3) checks: :math:`-\langle\nabla H, \dot\lambda\rangle` against ``target``."""

    def check(lam: np.ndarray, h: np.ndarray, theta: float) -> None:
        velocity = simplex.replicator_field(lam, h, theta)
        lhs = -math.fsum(simplex.entropy_gradient(lam) * velocity)
        if target == "variance":
            rhs = theta * simplex.weighted_variance(h, lam)
        else:
            rhs = theta * _log_weights_covariance(lam, h)
        scale, resolution = _rate_scale(lam, h, theta), _rate_resolution(lam, h, theta)
        ctx.compare(lhs, rhs, "==", rtol=1e-10, atol=resolution, scale=scale,
                    label="-<grad H(lambda), lambda'>")

    ctx.search(lambda case: check(**case), _replicator_cases(False), label="interior D0 draws",
               max_examples=ctx.pick(200, 10_000))


def _symbolic_checks(ctx: Context, quantity: str, target: str) -> None:
    r"""Sympy part: the difference between ``quantity`` and ``target`` along (31) for K = 2, 3.

    ``quantity``: ``"entropy rate"`` (:math:`-\sum_i\dot\lambda_i(\log\lambda_i + 1)`)
    or ``"inner product"`` (:math:`-\langle\nabla H, \dot\lambda\rangle` with
    :math:`\nabla H = -(\log\lambda_i + 1)_i`). ``target``: ``"variance"`` or
    ``"covariance"`` (:math:`\mp\theta\mathrm{Cov}_\lambda(h, \log\lambda)`).
    """
    import sympy

    for k in (2, 3):
        lam, h, theta, velocity, mean, variance, free = _replicator_symbols(k)
        if quantity == "entropy rate":
            lhs = -sum(velocity[i] * (sympy.log(lam[i]) + 1) for i in range(k))
        else:
            lhs = sum((sympy.log(lam[i]) + 1) * velocity[i] for i in range(k))
        if target == "variance":
            rhs = theta * variance
        else:
            mean_log = sum(lam[i] * sympy.log(lam[i]) for i in range(k))
            covariance = sum(lam[i] * (h[i] - mean) * (sympy.log(lam[i]) - mean_log) for i in range(k))
            rhs = (-1 if quantity == "entropy rate" else 1) * theta * covariance
        label = f"sympy K={k}: {quantity} - {target} term == 0"
        holds = _sympy_identity_holds(lhs - rhs, free, ctx, label)
        ctx.compare(holds, True, "==", label=label)


@claim(
    id="trailmix.lemma4.2",
    title="Entropy rate along the replicator equals theta Var_lambda(h)",
    source="Lemma 4(2), seed L507; proof (33)–(41), seed L520–L540",
    statement="Along (31) with constant h: d/dt H(lambda(t)) = theta Var_lambda(h), "
              "Var_lambda(h) = sum lambda_i h_i^2 - (sum lambda_i h_i)^2.",
    kind="identity",
)
def lemma4_2(ctx: Context) -> CheckResult:
    r"""The entropy rate along (31), symbolically and numerically, against :math:`\theta\mathrm{Var}_\lambda(h)`.

    .. math::

        \frac{d}{dt}H(\lambda(t)) \overset{?}{=}
        \theta\Bigl(\sum_i\lambda_ih_i^2 - \bigl(\sum_i\lambda_ih_i\bigr)^2\Bigr).

    1. Numeric, interior D0 draws (:math:`K \in [2, 7]`,
       :math:`\lambda_i \ge 10^{-6}`, :math:`h \in [-10,10]^K` with ties and
       :math:`\sum h = 0`, :math:`\theta \in [0.01, 10]` log-uniform; 200 /
       :math:`10^4` draws): (i) chain rule
       :math:`-\sum_i\dot\lambda_i(\log\lambda_i + 1)` with
       :math:`\dot\lambda` from the engine's field, identity tolerance
       rtol :math:`10^{-10}` with atol the rounding bound of
       :func:`_rate_resolution` (linear in :math:`h`, so it binds only for tiny
       scores);
       (ii) central differences of :math:`H` on the closed-form trajectory at
       :math:`t = 0` (step :math:`10^{-6}/\max(1, \theta\,\mathrm{range}(h))`),
       rtol :math:`10^{-7}` plus the rounding bound
       :math:`16K\varepsilon\max(1,\log K)/\delta` (also the floor of its
       scale). The variance is the
       engine's :func:`theorylab.simplex.weighted_variance` (centred form).
       Slack and tightening on the scale :math:`\theta\,\mathrm{range}(h)^2/4`,
       the largest value :math:`\theta\mathrm{Var}` can take (floored at the
       rounding bound).
    2. Symbolic, :math:`K = 2, 3` with :math:`\lambda_K = 1 - \sum_{i<K}\lambda_i`:
       ``simplify`` of the difference; if it is not 0, the difference is
       evaluated with 50 digits at rational points to show it is not
       identically 0 (the simplified expression and the value are in the
       details).
    """
    _entropy_rate_checks(ctx, "variance")
    _symbolic_checks(ctx, "entropy rate", "variance")
    return ctx.result()


@claim(
    id="trailmix.lemma4.2.corrected",
    title="Entropy rate along the replicator equals -theta Cov_lambda(h, log lambda)",
    source="Lemma 4(2), seed L507; proof (33)–(37), seed L520–L530 (corrected)",
    statement="Along (31) with constant h: d/dt H(lambda(t)) = -theta Cov_lambda(h, log lambda) "
              "= -theta sum_i lambda_i (h_i - hbar) log lambda_i.",
    kind="identity",
)
def lemma4_2_corrected(ctx: Context) -> CheckResult:
    r"""Corrected Lemma 4(2): the entropy rate is a covariance, not the variance.

    Derivation. Along (31), :math:`\sum_i\dot\lambda_i = \theta(\bar h - \bar h\sum_i\lambda_i) = 0`
    on :math:`\Delta_K` (32), so, as in (33)–(36),

    .. math::

        \frac{d}{dt}H = -\sum_i\dot\lambda_i(\log\lambda_i + 1)
        = -\theta\sum_i\lambda_i(h_i - \bar h)\log\lambda_i
        = -\theta\,\mathrm{Cov}_\lambda(h, \log\lambda),

    where the last step subtracts :math:`\overline{\log\lambda}\sum_i\lambda_i(h_i - \bar h) = 0`.
    The proof's step (41) in effect replaces :math:`-\log\lambda_i` by
    :math:`h_i - \bar h` without justification; the two rates coincide exactly
    where :math:`\mathrm{Cov}_\lambda(h, \log\lambda + h) = 0` (for instance at
    the Gibbs distribution :math:`\lambda \propto e^{-h}`), a hypersurface of
    the simplex, not everywhere. For example, :math:`K = 2`,
    :math:`\lambda = (1/2, 1/2)`, :math:`h = (1, 0)`: :math:`dH/dt = 0` while
    :math:`\theta\mathrm{Var}_\lambda(h) = \theta/4`. The identity that
    :math:`\theta\mathrm{Var}_\lambda(h)` does satisfy along (31) is Fisher's
    :math:`\frac{d}{dt}\langle\lambda, h\rangle = \theta\mathrm{Var}_\lambda(h)`
    (see ``trailmix.lemma4.2.nonneg.corrected``).

    Checked exactly as ``trailmix.lemma4.2`` (same draws, tolerances, sympy
    for :math:`K = 2, 3`) with :math:`-\theta\mathrm{Cov}_\lambda(h, \log\lambda)`
    (computed in centred form with ``math.fsum``) in place of
    :math:`\theta\mathrm{Var}_\lambda(h)`.
    """
    _entropy_rate_checks(ctx, "covariance")
    _symbolic_checks(ctx, "entropy rate", "covariance")
    return ctx.result()


@claim(
    id="trailmix.lemma4.2.nonneg",
    title="Entropy is non-decreasing along the replicator",
    source="Lemma 4(2) \"≥ 0\", seed L507",
    statement="Along (31), d/dt H(lambda(t)) >= 0 (equivalently H(lambda(t)) is non-decreasing).",
    kind="monotonicity",
)
def lemma4_2_nonneg(ctx: Context) -> CheckResult:
    r"""Sign of the entropy rate at D0 draws, and monotonicity of :math:`H` along closed-form trajectories.

    .. math::

        \frac{d}{dt}H(\lambda(t)) \ge 0 \quad\text{along (31)}.

    1. Rate: at interior D0 draws (as ``trailmix.lemma4.2``), the chain-rule
       rate :math:`-\sum_i\dot\lambda_i(\log\lambda_i + 1)` must be
       :math:`\ge 0`, atol the rounding bound of :func:`_rate_resolution`,
       on the scale :math:`\theta\,\mathrm{range}(h)^2/4`; 200 / :math:`10^4` draws.
    2. Trajectories: :math:`H(\lambda(t))` on 2001 (quick) / 20001 (full)
       equally spaced times in :math:`[0, 50/\theta]` along the closed form
       (:math:`\lambda(0)` with exact zeros allowed); the largest decrease
       between consecutive times is compared with the catalogue's tolerance
       :math:`10^{-9}\max(1, |H|)`, on the scale :math:`\log K`; 50 / 1000
       draws.
    """

    def rate(lam: np.ndarray, h: np.ndarray, theta: float) -> None:
        scale, resolution = _rate_scale(lam, h, theta), _rate_resolution(lam, h, theta)
        value = _entropy_rate_chain_rule(lam, h, theta)
        ctx.compare(value, 0.0, ">=", rtol=0.0, atol=resolution, scale=scale, label="dH/dt >= 0 (chain rule)")

    ctx.search(lambda case: rate(**case), _replicator_cases(False), label="rate at interior D0 draws",
               max_examples=ctx.pick(200, 10_000))

    n_times = ctx.pick(2001, 20_001)

    def trajectory(lam: np.ndarray, h: np.ndarray, theta: float) -> None:
        times = np.linspace(0.0, 50.0 / theta, n_times)
        path = simplex.replicator_closed_form(lam, h, theta, times)
        values = np.array([simplex.entropy(row / row.sum()) for row in path])
        j = int(np.argmin(np.diff(values)))
        ctx.compare(values[j + 1], values[j], ">=", rtol=1e-9, atol=1e-9, scale=_entropy_scale(lam.size),
                    label="H(lambda(t_{j+1})) >= H(lambda(t_j)) (largest decrease)")

    ctx.search(lambda case: trajectory(**case), _replicator_cases(True), label="closed-form trajectories",
               max_examples=ctx.pick(50, 1000))
    return ctx.result()


@claim(
    id="trailmix.lemma4.2.nonneg.corrected",
    title="The mean score, not the entropy, is non-decreasing along the replicator",
    source="Lemma 4(2) \"≥ 0\", seed L507; proof (38)–(41), seed L532–L540 (corrected)",
    statement="Along (31) with constant h: d/dt <lambda(t), h> = theta Var_lambda(h) >= 0, so the mean score "
              "is non-decreasing; d/dt H = -theta Cov_lambda(h, log lambda) has no fixed sign.",
    kind="monotonicity",
)
def lemma4_2_nonneg_corrected(ctx: Context) -> CheckResult:
    r"""Fisher's identity for (31): the quantity whose rate is :math:`\theta\mathrm{Var}_\lambda(h) \ge 0`.

    Derivation. Along (31),

    .. math::

        \frac{d}{dt}\sum_i\lambda_ih_i = \sum_i\theta\lambda_i(h_i - \bar h)h_i
        = \theta\Bigl(\sum_i\lambda_ih_i^2 - \bar h^2\Bigr) = \theta\mathrm{Var}_\lambda(h) \ge 0,

    which is the computation (38)–(40) of the proof; the entropy rate is
    :math:`-\theta\mathrm{Cov}_\lambda(h, \log\lambda)` instead
    (``trailmix.lemma4.2.corrected``), whose sign depends on :math:`\lambda`:
    from the barycenter the flow moves towards the best-scored vertex and
    :math:`H` decreases from :math:`\log K` towards :math:`\log|\arg\max h|`.
    So the monotone quantity along (31) is the mean score
    :math:`\langle\lambda, h\rangle`, not the entropy.

    Checked like ``trailmix.lemma4.2.nonneg``: (1) at interior D0 draws, the
    rate :math:`\sum_i\dot\lambda_ih_i` with the engine's field equals
    :math:`\theta\mathrm{Var}_\lambda(h)` (rtol :math:`10^{-10}`, atol the
    rounding bound of :func:`_rate_resolution`, on the scale
    :math:`\theta\,\mathrm{range}(h)^2/4`) and is
    :math:`\ge 0`; (2) :math:`\langle\lambda(t), h\rangle` along closed-form
    trajectories on 2001 / 20001 times in :math:`[0, 50/\theta]` never
    decreases by more than :math:`10^{-9}\max(1, |\langle\lambda, h\rangle|)`,
    on the scale :math:`\max(1, \max|h|)`.
    """

    def rate(lam: np.ndarray, h: np.ndarray, theta: float) -> None:
        scale, resolution = _rate_scale(lam, h, theta), _rate_resolution(lam, h, theta)
        value = math.fsum(simplex.replicator_field(lam, h, theta) * h)
        ctx.compare(value, theta * simplex.weighted_variance(h, lam), "==", rtol=1e-10, atol=resolution,
                    scale=scale, label="d/dt <lambda, h> = theta Var")
        ctx.compare(value, 0.0, ">=", rtol=0.0, atol=resolution, scale=scale, label="d/dt <lambda, h> >= 0")

    ctx.search(lambda case: rate(**case), _replicator_cases(False), label="rate at interior D0 draws",
               max_examples=ctx.pick(200, 10_000))

    n_times = ctx.pick(2001, 20_001)

    def trajectory(lam: np.ndarray, h: np.ndarray, theta: float) -> None:
        times = np.linspace(0.0, 50.0 / theta, n_times)
        path = simplex.replicator_closed_form(lam, h, theta, times)
        values = path @ h
        j = int(np.argmin(np.diff(values)))
        ctx.compare(values[j + 1], values[j], ">=", rtol=1e-9, atol=1e-9, scale=max(1.0, float(np.max(np.abs(h)))),
                    label="<lambda(t_{j+1}), h> >= <lambda(t_j), h> (largest decrease)")

    ctx.search(lambda case: trajectory(**case), _replicator_cases(True), label="closed-form trajectories",
               max_examples=ctx.pick(50, 1000))
    return ctx.result()


@claim(
    id="trailmix.lemma4.3",
    title="-<grad H(lambda), lambda'> = theta Var_lambda(h)",
    source="Lemma 4(3), seed L509; proof (42)–(45), seed L542–L548",
    statement="Along (31): -<grad H(lambda), lambda'> = theta Var_lambda(h), with grad H from Lemma 3(5).",
    kind="identity",
)
def lemma4_3(ctx: Context) -> CheckResult:
    r"""The inner product :math:`-\langle\nabla H(\lambda), \dot\lambda\rangle` along (31) against the variance.

    .. math::

        -\langle\nabla H(\lambda), \dot\lambda\rangle = \sum_i(\log\lambda_i + 1)\dot\lambda_i
        \overset{?}{=} \theta\mathrm{Var}_\lambda(h).

    1. Numeric, interior D0 draws as in ``trailmix.lemma4.2`` (200 /
       :math:`10^4`): :math:`\nabla H` is the engine's
       :func:`theorylab.simplex.entropy_gradient` (Lemma 3(5), equal to (30)
       since :math:`\lambda_i \ge 10^{-6} > \varepsilon`), :math:`\dot\lambda`
       the engine's field, the variance the engine's centred
       :func:`theorylab.simplex.weighted_variance`; identity tolerance
       rtol :math:`10^{-10}` with atol the rounding bound of
       :func:`_rate_resolution`, on the scale :math:`\theta\,\mathrm{range}(h)^2/4`.
    2. Symbolic, :math:`K = 2, 3`, as in ``trailmix.lemma4.2``.
    """
    _inner_product_checks(ctx, "variance")
    _symbolic_checks(ctx, "inner product", "variance")
    return ctx.result()


@claim(
    id="trailmix.lemma4.3.corrected",
    title="-<grad H(lambda), lambda'> = theta Cov_lambda(h, log lambda)",
    source="Lemma 4(3), seed L509; proof (42)–(44), seed L542–L546 (corrected)",
    statement="Along (31): -<grad H(lambda), lambda'> = theta Cov_lambda(h, log lambda) = -d/dt H(lambda(t)).",
    kind="identity",
)
def lemma4_3_corrected(ctx: Context) -> CheckResult:
    r"""Corrected Lemma 4(3): the inner product is :math:`\theta\mathrm{Cov}_\lambda(h, \log\lambda) = -\frac{d}{dt}H`.

    Derivation. With :math:`\nabla H = -(\log\lambda_i + 1)_i` and
    :math:`\sum_i\dot\lambda_i = 0` on :math:`\Delta_K`, (42)–(44) give

    .. math::

        -\langle\nabla H(\lambda), \dot\lambda\rangle = \sum_i\dot\lambda_i\log\lambda_i
        = \theta\sum_i\lambda_i(h_i - \bar h)\log\lambda_i = \theta\,\mathrm{Cov}_\lambda(h, \log\lambda)
        = -\frac{d}{dt}H(\lambda(t)).

    The paper's (45) equates this to :math:`-\frac{d}{dt}H` (correct) and then
    to :math:`\theta\mathrm{Var}_\lambda(h)`, which by Lemma 4(2) as stated
    would be :math:`+\frac{d}{dt}H`: the two statements (41) and (45) can hold
    together only where both sides vanish. The variance does not appear.

    Checked as ``trailmix.lemma4.3`` (same draws, tolerances, sympy for
    :math:`K = 2, 3`) with :math:`\theta\mathrm{Cov}_\lambda(h, \log\lambda)` in
    place of :math:`\theta\mathrm{Var}_\lambda(h)`.
    """
    _inner_product_checks(ctx, "covariance")
    _symbolic_checks(ctx, "inner product", "covariance")
    return ctx.result()


# --------------------------------------------------------------------------- Lemma 5


def _prefix_sums(term: Any, exhaustive: int, sparse: np.ndarray, exact_up_to: int = 0,
                 exact_term: Any = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Partial sums :math:`S_T = \sum_{t=1}^{T} f(t)` for every :math:`T \le` ``exhaustive`` and at ``sparse`` T.

    * :math:`T \le` ``exact_up_to``: exact rational sums (``exact_term``) rounded once;
    * :math:`T \le` ``exhaustive``: ``np.cumsum`` inside blocks of 1024 terms
      started from correctly rounded block totals accumulated with
      ``math.fsum``; relative error about :math:`1025\varepsilon \approx 2\cdot10^{-13}`;
    * sparse :math:`T` beyond: each gap summed in chunks of at most
      :math:`10^7` terms (numpy's pairwise summation), chunks combined with
      ``math.fsum``; relative error about :math:`10^{-15}`.

    ``term`` maps a float64 array of :math:`t` to :math:`f(t)`.
    """
    block = 1024
    t = np.arange(1, exhaustive + 1, dtype=float)
    values = term(t)
    sums = np.empty(exhaustive)
    starts: list[float] = []
    for first in range(0, exhaustive, block):
        chunk = values[first:first + block]
        start = math.fsum(starts)
        sums[first:first + chunk.size] = start + np.cumsum(chunk)
        starts.append(math.fsum(chunk))
    if exact_up_to:
        running = Fraction(0)
        for n in range(1, min(exact_up_to, exhaustive) + 1):
            running += exact_term(n)
            sums[n - 1] = float(running)
    total_parts = [math.fsum(starts)]
    done = exhaustive
    sparse_sums = []
    for target in sparse:
        while done < target:
            stop = min(int(target), done + 10_000_000)
            total_parts.append(float(np.sum(term(np.arange(done + 1, stop + 1, dtype=float)))))
            done = stop
        sparse_sums.append(math.fsum(total_parts))
    horizons = np.concatenate([np.arange(1, exhaustive + 1), np.asarray(sparse, dtype=np.int64)])
    return horizons, np.concatenate([sums, np.array(sparse_sums)])


def _horizons(ctx: Context) -> tuple[int, np.ndarray]:
    """All T up to 1e6, then 20 log-spaced T per decade up to 1e7 (quick) / 1e9 (full)."""
    exhaustive = 1_000_000
    top = ctx.pick(7, 9)
    sparse = np.unique(np.round(np.logspace(math.log10(exhaustive), top, 20 * (top - int(math.log10(exhaustive))) + 1))
                       .astype(np.int64))
    return exhaustive, sparse[sparse > exhaustive]


def _harmonic(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    exhaustive, sparse = _horizons(ctx)
    return _prefix_sums(lambda t: 1.0 / t, exhaustive, sparse, exact_up_to=200, exact_term=lambda n: Fraction(1, n))


def _inverse_square_roots(ctx: Context, factor: float = 1.0, squared: bool = False) -> tuple[np.ndarray, np.ndarray]:
    r"""Partial sums of :math:`\alpha_t = \alpha_0/\sqrt{t+1}` (or of :math:`\alpha_t^2`), terms as written."""
    exhaustive, sparse = _horizons(ctx)
    if squared:
        return _prefix_sums(lambda t: (factor / np.sqrt(t)) ** 2, exhaustive, sparse)
    return _prefix_sums(lambda t: factor / np.sqrt(t), exhaustive, sparse)


def _lemma5_sweep(ctx: Context, horizons: np.ndarray, lhs: np.ndarray, rhs: np.ndarray, relation: str,
                  first: int, label: str, asymptotic: float) -> None:
    keep = horizons >= first
    ctx.sweep(lhs[keep], rhs[keep], relation, rtol=1e-10, atol=0.0, examples={"T": horizons[keep]}, label=label)
    ctx.note(f"{label}: slack at T = {int(horizons[-1])}", float(abs(lhs[-1] - rhs[-1])))
    ctx.note(f"{label}: asymptotic slack (Euler-Maclaurin)", asymptotic)


#: Euler's constant and zeta(1/2), for the asymptotic slacks.
EULER_GAMMA = 0.5772156649015329
ZETA_HALF = -1.4603545088095868


#: Horizons, sums and tolerance shared by the Lemma 5 sum claims (appended to their docstrings).
_LEMMA5_SUMS_DOC = r"""Horizons: every :math:`T` from the smallest admissible one to
    :math:`10^6`, then 20 log-spaced :math:`T` per decade up to
    :math:`10^7` (quick) / :math:`10^9` (full), recorded as one sweep in
    increasing :math:`T` (the first violation would be the smallest). Sums
    (:func:`_prefix_sums`): exact rationals rounded once for harmonic sums up
    to :math:`T = 200`; above, blocked ``cumsum`` from ``math.fsum`` block
    totals (relative error about :math:`2\cdot10^{-13}`) and chunked pairwise
    sums combined with ``math.fsum`` for the sparse horizons. The terms are
    computed literally (:math:`1/t`, :math:`1/\sqrt{t}`,
    :math:`\alpha_0/\sqrt{t+1}` and its square). Tolerance: the catalogue's
    :math:`10^{-10}`, relative to the larger side (``rtol``, no absolute
    floor, so that the :math:`\alpha_0 = 10^{-3}` cases are judged on their
    own scale); it exceeds the summation error by three orders. Slack and
    tightening are relative to the larger side. Beyond the largest
    :math:`T`, Euler–Maclaurin gives the asymptotic slack recorded in the
    details (a positive constant, so the inequality persists).
"""


@claim(
    id="trailmix.lemma5.1",
    title="Harmonic upper bound",
    source="Lemma 5(1), seed L556",
    statement="For all T >= 1: sum_{t=1}^T 1/t <= 1 + log T.",
    kind="inequality",
)
def lemma5_1(ctx: Context) -> CheckResult:
    r"""Harmonic sums against :math:`1 + \log T` for all small :math:`T` and log-spaced large :math:`T`.

    .. math::

        \sum_{t=1}^T \frac1t \le 1 + \log T \qquad (T \ge 1),

    with equality at :math:`T = 1`; the slack tends to :math:`1 - \gamma`.

    """
    horizons, sums = _harmonic(ctx)
    _lemma5_sweep(ctx, horizons, sums, 1.0 + np.log(horizons.astype(float)), "<=", 1,
                  "H_T <= 1 + log T", 1.0 - EULER_GAMMA)
    return ctx.result()


lemma5_1.__doc__ += _LEMMA5_SUMS_DOC



@claim(
    id="trailmix.lemma5.2",
    title="Harmonic lower bound",
    source="Lemma 5(2), seed L557",
    statement="For all T >= 1: sum_{t=1}^T 1/t >= log(T + 1).",
    kind="inequality",
)
def lemma5_2(ctx: Context) -> CheckResult:
    r"""Harmonic sums against :math:`\log(T + 1)`.

    .. math::

        \sum_{t=1}^T \frac1t \ge \log(T + 1) \qquad (T \ge 1);

    the slack tends to :math:`\gamma`. The right side is ``log1p(T)``.

    """
    horizons, sums = _harmonic(ctx)
    _lemma5_sweep(ctx, horizons, sums, np.log1p(horizons.astype(float)), ">=", 1,
                  "H_T >= log(T + 1)", EULER_GAMMA)
    return ctx.result()


lemma5_2.__doc__ += _LEMMA5_SUMS_DOC



@claim(
    id="trailmix.lemma5.3",
    title="Square-root sum lower bound",
    source="Lemma 5(3), seed L558",
    statement="For all T >= 1: sum_{t=0}^{T-1} 1/sqrt(t+1) >= 2(sqrt(T) - 1).",
    kind="inequality",
)
def lemma5_3(ctx: Context) -> CheckResult:
    r"""Sums of :math:`1/\sqrt{t+1}` against :math:`2(\sqrt T - 1)`.

    .. math::

        \sum_{t=0}^{T-1} \frac{1}{\sqrt{t+1}} \ge 2(\sqrt T - 1) \qquad (T \ge 1);

    the slack tends to :math:`2 + \zeta(1/2) \approx 0.540`.

    """
    horizons, sums = _inverse_square_roots(ctx)
    roots = np.sqrt(horizons.astype(float))
    _lemma5_sweep(ctx, horizons, sums, 2.0 * (roots - 1.0), ">=", 1,
                  "sum 1/sqrt(t+1) >= 2(sqrt T - 1)", 2.0 + ZETA_HALF)
    return ctx.result()


lemma5_3.__doc__ += _LEMMA5_SUMS_DOC



@claim(
    id="trailmix.lemma5.4",
    title="Square-root sum upper bound",
    source="Lemma 5(4), seed L559",
    statement="For all T >= 1: sum_{t=0}^{T-1} 1/sqrt(t+1) <= 2 sqrt(T).",
    kind="inequality",
)
def lemma5_4(ctx: Context) -> CheckResult:
    r"""Sums of :math:`1/\sqrt{t+1}` against :math:`2\sqrt T`.

    .. math::

        \sum_{t=0}^{T-1} \frac{1}{\sqrt{t+1}} \le 2\sqrt T \qquad (T \ge 1);

    the slack tends to :math:`-\zeta(1/2) \approx 1.460`.

    """
    horizons, sums = _inverse_square_roots(ctx)
    _lemma5_sweep(ctx, horizons, sums, 2.0 * np.sqrt(horizons.astype(float)), "<=", 1,
                  "sum 1/sqrt(t+1) <= 2 sqrt T", -ZETA_HALF)
    return ctx.result()


lemma5_4.__doc__ += _LEMMA5_SUMS_DOC


#: The catalogue's step-size scales for Lemma 5(5)-(6).
STEP_SCALES = (1e-3, 1.0, 1e3)


@claim(
    id="trailmix.lemma5.5",
    title="Step-size sum lower bound",
    source="Lemma 5(5), seed L560",
    statement="For all T >= 2 and alpha_t = alpha_0/sqrt(t+1): sum_{t=0}^{T-1} alpha_t >= 2 alpha_0 (sqrt(T) - 1).",
    kind="inequality",
)
def lemma5_5(ctx: Context) -> CheckResult:
    r"""Step-size sums :math:`\sum_t\alpha_t` against :math:`2\alpha_0(\sqrt T - 1)` for three scales :math:`\alpha_0`.

    .. math::

        \sum_{t=0}^{T-1}\alpha_t \ge 2\alpha_0(\sqrt T - 1), \qquad
        \alpha_t = \frac{\alpha_0}{\sqrt{t+1}},\ T \ge 2;

    one sweep per :math:`\alpha_0`, from :math:`T = 2`; the slack tends to
    :math:`\alpha_0(2 + \zeta(1/2))`.

    """
    for alpha0 in STEP_SCALES:
        horizons, sums = _inverse_square_roots(ctx, factor=alpha0)
        rhs = 2.0 * alpha0 * (np.sqrt(horizons.astype(float)) - 1.0)
        _lemma5_sweep(ctx, horizons, sums, rhs, ">=", 2, f"alpha_0 = {alpha0:g}", alpha0 * (2.0 + ZETA_HALF))
    return ctx.result()


lemma5_5.__doc__ += _LEMMA5_SUMS_DOC



@claim(
    id="trailmix.lemma5.6",
    title="Step-size squared sum upper bound",
    source="Lemma 5(6), seed L561",
    statement="For all T >= 2 and alpha_t = alpha_0/sqrt(t+1): sum_{t=0}^{T-1} alpha_t^2 <= alpha_0^2 (1 + log T).",
    kind="inequality",
)
def lemma5_6(ctx: Context) -> CheckResult:
    r"""Squared step sizes :math:`\sum_t\alpha_t^2` against :math:`\alpha_0^2(1 + \log T)`, three :math:`\alpha_0`.

    .. math::

        \sum_{t=0}^{T-1}\alpha_t^2 \le \alpha_0^2(1 + \log T), \qquad
        \alpha_t = \frac{\alpha_0}{\sqrt{t+1}},\ T \ge 2;

    one sweep per :math:`\alpha_0`, from :math:`T = 2`; the terms are
    :math:`(\alpha_0/\sqrt{t+1})^2` as written; the slack tends to
    :math:`\alpha_0^2(1 - \gamma)`.

    """
    for alpha0 in STEP_SCALES:
        horizons, sums = _inverse_square_roots(ctx, factor=alpha0, squared=True)
        rhs = alpha0**2 * (1.0 + np.log(horizons.astype(float)))
        _lemma5_sweep(ctx, horizons, sums, rhs, "<=", 2, f"alpha_0 = {alpha0:g}", alpha0**2 * (1.0 - EULER_GAMMA))
    return ctx.result()


lemma5_6.__doc__ += _LEMMA5_SUMS_DOC
