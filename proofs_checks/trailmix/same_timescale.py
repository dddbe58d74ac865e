r"""TRAILMIX Appendix D — the same-timescale coupled ODE (101)–(102).

Claims ``trailmix.lemma8.*`` (the joint Lyapunov function :math:`\mathcal V = f - \tau H`),
``trailmix.theorem7.*`` (limit points are meta-stationary, and the two steps of its
proof) and ``trailmix.theorem8`` (exponential convergence under PL), with the
corrected statements derived where the checks refute the printed ones.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from proofs_checks.trailmix._coupled_helpers import (
    BASE_KINDS,
    EPS,
    LEMMA8_FAMILIES,
    ODE_ATOL,
    ODE_RTOL,
    build_case,
    coupled_states,
    doubling_tail_residuals,
    effective_rate_row,
    entropy_rows,
    exact_tangent_cone_projection,
    log_weight_covariance,
    make_bases,
    make_problem,
    meta_scores,
    rates_by_hand,
    sweep_rows,
    uniform_log_weight_covariance,
)
from theorylab import flows, problems, simplex
from theorylab.claims import CheckResult, Context, NumericalFailure, claim
from theorylab.testing.strategies import box_vectors, dimensions, log_uniform, simplex_points

READINGS = {"proj-align": ("proj", "align"), "proj-adv": ("proj", "adv"),
            "rep-align": ("rep", "align"), "rep-adv": ("rep", "adv")}


# --------------------------------------------------------------------------- Lemma 8, pointwise


@functools.cache
def _coupled_states_strategy(interior: bool, positive_tau: bool,
                             base_kinds: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return coupled_states(interior=interior, positive_tau=positive_tau, base_kinds=base_kinds)


_DYNAMICS = st.sampled_from(("proj", "rep"))
_SCORES = st.sampled_from(("align", "adv"))


@st.composite
def _lemma8_cases(draw: st.DrawFn, interior: bool, positive_tau: bool,
                  base_kinds: tuple[str, ...] = BASE_KINDS) -> dict[str, Any]:
    case = draw(_coupled_states_strategy(interior, positive_tau, tuple(base_kinds)))
    case["dynamics"] = draw(_DYNAMICS)
    case["score"] = draw(_SCORES)
    return case


@claim(
    id="trailmix.lemma8.tau0",
    title="Joint Lyapunov bound (104) with tau = 0",
    source="Lemma 8 (103)–(104), seed L903–L910; proof (105)–(110)",
    statement="V(x, lambda) = f(x) - tau H(lambda) (103) with tau = 0 (so V = f): along (101) "
              "x' = -sum lambda_i d_i(x) and any lambda-dynamics, V' <= -c(lambda)||grad f(x)||^2 "
              "- tau theta Var_lambda(h(x, lambda)) = -c(lambda)||grad f(x)||^2.",
    kind="inequality",
)
def lemma8_tau0(ctx: Context) -> CheckResult:
    r"""(104) at :math:`\tau = 0`: :math:`\dot f = \langle\nabla f, \dot x\rangle \le -c(\lambda)\|\nabla f\|^2`.

    .. math::

        \dot f = -\sum_i\lambda_i\langle\nabla f(x), d_i(x)\rangle \le -\sum_i\lambda_ic_i\|\nabla f(x)\|^2 .

    1. Search (200 / 5000 hypothesis examples): K in 2..6, d in 1..4, f in
       F-QUAD / F-PLNC / F-SP, bases B-SCALED (:math:`c_i` log-uniform in
       :math:`[0.05, 5]`), B-SPD (well and ill conditioned, :math:`c_i = \lambda_{\min}(P_i)`),
       state-dependent SPD :math:`P_i(x)` (:math:`c_i` = the lower bound of Def. 5);
       :math:`x \in [-5, 5]^d` or :math:`x = x^*`; :math:`\lambda` anywhere on
       :math:`\Delta_K` (faces and vertices: with :math:`\tau = 0` the
       λ-dynamics do not enter); both dynamics and both scores. Two
       comparisons: the engine's :func:`theorylab.flows.lyapunov_rates` against
       the chain rule computed by hand (logical: equal within rtol
       :math:`10^{-9}` plus the rounding bound, so that this consistency check
       does not enter the sensitivity), and the bound (rtol :math:`10^{-10}`,
       atol the rounding bound :math:`32Kd\varepsilon\sum|\text{terms}|`).
    2. Vectorised sweep (20 000 / :math:`10^5` draws, ordered by K then d):
       constant SPD :math:`P_i`, :math:`g \sim N(0, I)`, Dirichlet(1) :math:`\lambda`:
       :math:`-\sum_i\lambda_ig^\top P_ig \le -\sum_i\lambda_i\lambda_{\min}(P_i)\|g\|^2`.
    """

    tau0_search(ctx)
    _tau0_sweep(ctx, ctx.pick(20_000, 100_000))
    return ctx.result()


def tau0_search(ctx: Context, base_kinds: tuple[str, ...] = BASE_KINDS, label: str = "coupled states (hypothesis)",
                max_examples: int | None = None) -> dict[str, bool]:
    """The hypothesis part of the tau = 0 check; returns ``{"violated": ...}``."""
    status = {"violated": False}

    def prop(case: dict[str, Any]) -> None:
        problem, bases, x = build_case(case)
        lam, theta = case["lam"], case["theta"]
        flow = flows.CoupledFlow(problem, bases, weight_dynamics=case["dynamics"], score=case["score"], theta=theta)
        engine = flows.lyapunov_rates(flow, x, lam, 0.0)
        g = problem.grad(x)
        alignments = bases(x, g) @ g
        objective_rate = -math.fsum(lam * alignments)
        bound = -float(lam @ bases.alignment) * math.fsum(g * g)
        resolution = 32 * lam.size * g.size * EPS * (float(lam @ np.abs(alignments)) + abs(bound))
        agree = abs(engine.free_energy_rate - objective_rate) <= 1e-9 * abs(objective_rate) + resolution
        ctx.compare(agree, True, "==", label="engine dV/dt = chain rule by hand (within rounding)")
        comp = ctx.compare(objective_rate, bound, "<=", rtol=1e-10, atol=resolution, label="(104), tau = 0")
        status["violated"] |= comp.violated()
        ctx.event("grad f = 0" if not np.any(g) else "grad f != 0")

    ctx.search(prop, _lemma8_cases(interior=False, positive_tau=False, base_kinds=base_kinds), label=label,
               max_examples=max_examples)
    return status


def _tau0_sweep(ctx: Context, n_total: int) -> None:
    """Vectorised draws of (P_i, g, lambda) for (104) at tau = 0, ordered by (K, d)."""
    rng = ctx.rng
    pairs = [(k, d) for k in range(2, 7) for d in range(1, 5)]
    n = max(1, n_total // len(pairs))
    lhs, rhs, tol, ks, ds = [], [], [], [], []
    for k, d in pairs:
        m = rng.standard_normal((n, k, d, d))
        p = np.einsum("nkij,nklj->nkil", m, m) + rng.uniform(0.05, 1.0, size=(n, k, 1, 1)) * np.eye(d)
        lam = rng.dirichlet(np.ones(k), size=n)
        g = rng.standard_normal((n, d)) * np.exp(rng.uniform(-3, 3, size=(n, 1)))
        quad = np.einsum("ni,nkij,nj->nk", g, p, g)
        lam_min = np.linalg.eigvalsh(p)[..., 0]
        g2 = np.sum(g * g, axis=1)
        lhs.append(-np.sum(lam * quad, axis=1))
        rhs.append(-np.sum(lam * lam_min, axis=1) * g2)
        norms = np.linalg.norm(p, ord=2, axis=(2, 3))
        tol.append(32 * k * d * EPS * np.sum(lam * norms, axis=1) * g2)
        ks.append(np.full(n, k))
        ds.append(np.full(n, d))
    lhs_a, rhs_a, tol_a = np.concatenate(lhs), np.concatenate(rhs), np.concatenate(tol)
    # the rounding bound enters as a shift of the bound (sweep tolerances are scalars)
    ctx.sweep(lhs_a, rhs_a + tol_a, "<=", rtol=1e-10, atol=0.0, scale=np.maximum(np.abs(lhs_a), np.abs(rhs_a)),
              examples={"K": np.concatenate(ks), "d": np.concatenate(ds)}, label="vectorised SPD draws")


def lemma8_bound_search(ctx: Context, dynamics: str, score: str, base_kinds: tuple[str, ...] = BASE_KINDS,
                        label: str | None = None, max_examples: int | None = None) -> dict[str, bool]:
    """The (104) search at interior states for one (dynamics, score) reading, tau > 0; returns ``{"violated": ...}``."""
    status = {"violated": False}

    def prop(case: dict[str, Any]) -> None:
        problem, bases, x = build_case(case)
        lam, theta, tau = case["lam"], case["theta"], case["tau"]
        flow = flows.CoupledFlow(problem, bases, weight_dynamics=dynamics, score=score, theta=theta)
        engine = flows.lyapunov_rates(flow, x, lam, tau)
        hand = rates_by_hand(problem, bases, x, lam, theta, tau, dynamics, score)
        agree = (abs(engine.free_energy_rate - hand["free_energy_rate"])
                 <= 1e-9 * abs(hand["free_energy_rate"]) + hand["resolution"])
        ctx.compare(agree, True, "==", label="engine dV/dt = chain rule by hand (within rounding)")
        comp = ctx.compare(hand["free_energy_rate"], hand["claimed_bound"], "<=", rtol=1e-10,
                           atol=hand["resolution"], label="(104)")
        status["violated"] |= comp.violated()
        if hand["free_energy_rate"] > hand["resolution"]:
            ctx.event("dV/dt > 0")

    ctx.search(prop, coupled_states(interior=True, positive_tau=True, base_kinds=base_kinds),
               label=label or f"interior states, {dynamics}-{score}",
               max_examples=max_examples or ctx.pick(200, 10_000))
    return status


def _lemma8_bound(ctx: Context, dynamics: str, score: str) -> CheckResult:
    lemma8_bound_search(ctx, dynamics, score)
    ctx.note("reading", f"lambda-dynamics {dynamics}, score {score} (Def. 3({1 if score == 'align' else 2}))")
    return ctx.result()


_LEMMA8_DOC = r"""(104) for :math:`\tau > 0` at interior states, {reading}.

    .. math::

        \dot{{\mathcal V}} = \langle\nabla f, \dot x\rangle - \tau\langle\nabla H(\lambda), \dot\lambda\rangle
        \overset?\le -c(\lambda)\|\nabla f(x)\|^2 - \tau\theta\,\mathrm{{Var}}_\lambda(h(x, \lambda)),

    with {dynamics_text} and {score_text}.

    Search (200 / :math:`10^4` hypothesis examples): K in 2..6, d in 1..4, f in F-QUAD /
    F-PLNC / F-SP, bases B-SCALED (:math:`c_i \in [0.05, 5]` log-uniform),
    B-SPD (well / ill conditioned), state-dependent SPD; :math:`x \in [-5, 5]^d`
    or :math:`x = x^*`; :math:`\lambda` interior with :math:`\min\lambda_i \ge 10^{{-6}}`
    (the proof takes :math:`\tau = 0` on faces); :math:`\theta` log-uniform in
    :math:`[0.01, 10]`; :math:`\tau \sim U(0, 5]`. The engine's
    :func:`theorylab.flows.lyapunov_rates` is compared with the chain rule
    computed by hand (logical: equal within rtol :math:`10^{{-9}}` plus the
    rounding bound), and the hand value with
    the bound (rtol :math:`10^{{-10}}`); atol is the rounding bound
    :math:`32Kd\varepsilon\sum|\text{{terms}}|`. The event ``dV/dt > 0`` counts
    states where :math:`\mathcal V` increases. The same statement along whole
    trajectories is ``trailmix.lemma8.trajectory``.
    """

_DYNAMICS_TEXT = {
    "proj": r"the projected dynamics (102), :math:`\dot\lambda = \Pi_{T_\Delta(\lambda)}(\theta h)"
            r" = \theta(h - \mathrm{mean}(h)\mathbf 1)` in the interior",
    "rep": r"the replicator of the proof's Case 1, :math:`\dot\lambda_i = \theta\lambda_i(h_i - \sum_j\lambda_jh_j)`",
}
_SCORE_TEXT = {
    "align": r"the Def. 3(1) score :math:`h_i = -\langle\nabla f, d_i\rangle`",
    "adv": r"the Def. 3(2) advantage :math:`h_i = \langle\nabla f, d_i\rangle"
           r" - \sum_j\lambda_j\langle\nabla f, d_j\rangle`",
}


def _register_lemma8_reading(name: str) -> None:
    dynamics, score = READINGS[name]
    dyn_source = "(102) seed L889" if dynamics == "proj" else "proof Case 1, seed L930–L933"

    def check(ctx: Context) -> CheckResult:
        return _lemma8_bound(ctx, dynamics, score)

    check.__doc__ = _LEMMA8_DOC.format(reading=f"``{name}``", dynamics_text=_DYNAMICS_TEXT[dynamics],
                                       score_text=_SCORE_TEXT[score])
    check.__name__ = f"lemma8_{name.replace('-', '_')}"
    check.__qualname__ = check.__name__
    claim(
        id=f"trailmix.lemma8.{name}",
        title=f"(104), tau > 0, {'projected dynamics (102)' if dynamics == 'proj' else 'replicator dynamics'}, "
              f"Def. 3({1 if score == 'align' else 2}) score",
        source=f"Lemma 8 (104), seed L910; {dyn_source}; Def. 3({1 if score == 'align' else 2}) seed L894",
        statement=("for tau > 0, along (101) with "
                   + ("lambda' = Pi_{T_Delta(lambda)}(theta h) (102)" if dynamics == "proj"
                      else "lambda'_i = theta lambda_i (h_i - sum_j lambda_j h_j)")
                   + " and "
                   + ("h_i = -<grad f(x), d_i(x)>" if score == "align"
                      else "h_i = <grad f, d_i> - sum_j lambda_j <grad f, d_j>")
                   + ": V' = <grad f, x'> - tau <grad H(lambda), lambda'> <= -c(lambda)||grad f(x)||^2 "
                     "- tau theta Var_lambda(h(x, lambda))."),
        kind="inequality",
    )(check)


for _name in READINGS:
    _register_lemma8_reading(_name)


def _lemma8_corrected(ctx: Context, dynamics: str, score: str) -> CheckResult:
    """The corrected (104) with the entropy term of the correct sign, at the same draws."""

    def prop(case: dict[str, Any]) -> None:
        problem, bases, x = build_case(case)
        lam, theta, tau = case["lam"], case["theta"], case["tau"]
        flow = flows.CoupledFlow(problem, bases, weight_dynamics=dynamics, score=score, theta=theta)
        engine = flows.lyapunov_rates(flow, x, lam, tau)
        hand = rates_by_hand(problem, bases, x, lam, theta, tau, dynamics, score)
        g = problem.grad(x)
        h = meta_scores(bases(x, g) @ g, lam, score)
        covariance = log_weight_covariance(lam, h) if dynamics == "rep" else uniform_log_weight_covariance(lam, h)
        entropy_term = tau * theta * covariance
        resolution = hand["resolution"] + 32 * lam.size * EPS * tau * theta * float(
            np.sum(np.abs(np.log(lam)) * np.abs(h)) + 1.0)
        ctx.compare(engine.free_energy_rate, hand["objective_rate"] + entropy_term, "==", rtol=1e-9,
                    atol=resolution, label="dV/dt = <grad f, x'> + tau theta C (identity)")
        ctx.compare(engine.free_energy_rate, hand["alignment_term"] + entropy_term, "<=", rtol=1e-10,
                    atol=resolution, label="corrected (104)")
        ctx.event("tau theta C > c(lambda)|grad f|^2 (V increases)" if entropy_term > -hand["alignment_term"]
                  else "V decreases")

    ctx.search(prop, coupled_states(interior=True, positive_tau=True), label=f"interior states, {dynamics}-{score}",
               max_examples=ctx.pick(200, 10_000))
    return ctx.result()


_CORRECTED_DOC = r"""Corrected (104), {reading}: the entropy term is a covariance, not :math:`-\mathrm{{Var}}`.

    Derivation. On :math:`\Delta_K`, :math:`\sum_i\dot\lambda_i = 0`, so with
    :math:`\nabla H = -(\log\lambda_i + 1)_i`,

    .. math::

        -\tau\langle\nabla H(\lambda), \dot\lambda\rangle = \tau\sum_i\dot\lambda_i\log\lambda_i
        = \tau\theta\,C(\lambda, h), \qquad
        C = {cov_formula},

    hence, with alignment (107)–(108),

    .. math::

        \dot{{\mathcal V}} = -\sum_i\lambda_i\langle\nabla f, d_i\rangle + \tau\theta C(\lambda, h)
        \le -c(\lambda)\|\nabla f(x)\|^2 + \tau\theta\, C(\lambda, h),

    with equality for B-SCALED bases. The printed proof substitutes (109)
    :math:`-\langle\nabla H, \dot\lambda\rangle = \theta\mathrm{{Var}}_\lambda(h)`
    (itself false, ``trailmix.lemma4.3``) into (105) with the wrong sign: even
    granting (109), (105) would give :math:`+\tau\theta\mathrm{{Var}}`, not
    :math:`-\tau\theta\mathrm{{Var}}`. Since :math:`C` has no sign,
    :math:`\mathcal V` is not a Lyapunov function for :math:`\tau > 0`.

    Checked at the draws of ``trailmix.lemma8.{name}``: the engine's
    :math:`\dot{{\mathcal V}}` equals :math:`-\sum_i\lambda_i\langle\nabla f, d_i\rangle + \tau\theta C`
    (identity, rtol :math:`10^{{-9}}`) and satisfies the corrected bound
    (rtol :math:`10^{{-10}}`), :math:`C` computed in centred form with ``math.fsum``;
    atol the rounding bound of the terms.
    """

_COV_TEXT = {
    "rep": r"\mathrm{Cov}_\lambda(\log\lambda, h) = \sum_i\lambda_i(\log\lambda_i - \overline{\log\lambda})"
           r"(h_i - \bar h)\ \text{(replicator)}",
    "proj": r"\sum_i(\log\lambda_i - \mathrm{mean}\log\lambda)(h_i - \mathrm{mean}\,h)\ "
            r"\text{(projected, interior: } \dot\lambda = \theta(h - \mathrm{mean}(h)\mathbf 1))",
}


def _register_lemma8_corrected(name: str) -> None:
    dynamics, score = READINGS[name]

    def check(ctx: Context) -> CheckResult:
        return _lemma8_corrected(ctx, dynamics, score)

    check.__doc__ = _CORRECTED_DOC.format(reading=f"``{name}``", cov_formula=_COV_TEXT[dynamics], name=name)
    check.__name__ = f"lemma8_{name.replace('-', '_')}_corrected"
    check.__qualname__ = check.__name__
    cov = ("Cov_lambda(log lambda, h)" if dynamics == "rep"
           else "sum_i (log lambda_i - mean log lambda)(h_i - mean h)")
    claim(
        id=f"trailmix.lemma8.{name}.corrected",
        title=f"Corrected (104), {name}: V' <= -c(lambda)||grad f||^2 + tau theta C(lambda, h)",
        source="Lemma 8 (104)–(110), seed L903–L942 (corrected)",
        statement=f"for interior lambda and tau >= 0, along (101) with the {name} dynamics: "
                  f"V' = -sum_i lambda_i <grad f, d_i> + tau theta C <= -c(lambda)||grad f||^2 + tau theta C, "
                  f"C = {cov} (no fixed sign, so V is not a Lyapunov function for tau > 0).",
        kind="inequality",
    )(check)


for _name in READINGS:
    _register_lemma8_corrected(_name)


# --------------------------------------------------------------------------- Lemma 8: interior projection

_TANGENT_QP_CACHE: dict[tuple[int, tuple[bool, ...]], Any] = {}


def tangent_cone_projection_qp(v: np.ndarray, lam: np.ndarray) -> np.ndarray:
    r""":math:`\Pi_{T_\Delta(\lambda)}(v)` by a generic QP (cvxpy + Clarabel, status ``optimal`` only).

    :math:`\min_w \tfrac12\|w - v\|^2` subject to :math:`\sum_i w_i = 0` and
    :math:`w_j \ge 0` where :math:`\lambda_j = 0`. The data are divided by
    :math:`\max(1, \|v\|_\infty)` (the projection onto a cone is positively
    homogeneous) and the result scaled back.

    Raises
    ------
    NumericalFailure
        If the solver does not report ``optimal``.
    """
    import cvxpy as cp

    zeros = tuple(bool(z) for z in lam == 0)
    key = (v.size, zeros)
    if key not in _TANGENT_QP_CACHE:
        param, var = cp.Parameter(v.size), cp.Variable(v.size)
        constraints = [cp.sum(var) == 0]
        if any(zeros):
            constraints.append(var[[i for i, z in enumerate(zeros) if z]] >= 0)
        _TANGENT_QP_CACHE[key] = (cp.Problem(cp.Minimize(0.5 * cp.sum_squares(var - param)), constraints), param,
                                  var)
    problem, param, var = _TANGENT_QP_CACHE[key]
    scale = max(1.0, float(np.max(np.abs(v))))
    param.value = v / scale
    try:
        problem.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    except Exception as exc:  # cvxpy raises SolverError and friends
        raise NumericalFailure(f"Clarabel failed on the tangent-cone QP: {type(exc).__name__}: {exc}") from exc
    if problem.status != "optimal" or var.value is None:
        raise NumericalFailure(f"tangent-cone QP status {problem.status!r} (K={v.size})")
    return np.asarray(var.value, dtype=float) * scale


@st.composite
def _interior_projection_cases(draw: st.DrawFn) -> dict[str, Any]:
    r"""Interior :math:`\lambda` (min entry :math:`10^{-6}`), D0 scores (box, ties, zero sum), :math:`\theta`."""
    k = draw(dimensions(2, 6))
    lam = draw(simplex_points(k, min_entry=1e-6))
    kind = draw(st.sampled_from(("box", "ties", "zero-sum")))
    h = draw(box_vectors(k, -10.0, 10.0))
    if kind == "ties":
        pool = h[: draw(st.integers(1, k))]
        h = np.array([pool[i] for i in draw(st.lists(st.integers(0, pool.size - 1), min_size=k, max_size=k))])
    elif kind == "zero-sum":
        h = h - np.mean(h)
    return {"lam": lam, "h": h, "theta": draw(log_uniform(0.01, 10.0))}


def _projection_checks(ctx: Context, target: str) -> None:
    """QP and engine projections of theta h at interior lambda against theta h or theta (h - mean h)."""

    def prop(case: dict[str, Any]) -> None:
        lam, h, theta = case["lam"], case["h"], case["theta"]
        v = theta * h
        expected = v if target == "as stated" else theta * (h - np.mean(h))
        scale = max(float(np.max(np.abs(v))), 1e-300)
        by_qp = tangent_cone_projection_qp(v, lam)
        by_engine = simplex.tangent_cone_projection(v, lam)
        i = int(np.argmax(np.abs(by_qp - expected)))
        ctx.compare(by_qp[i], expected[i], "==", rtol=1e-7, atol=1e-8 * scale, scale=scale,
                    label="QP projection (worst entry)")
        j = int(np.argmax(np.abs(by_engine - expected)))
        ctx.compare(by_engine[j], expected[j], "==", rtol=1e-12, atol=8 * lam.size * EPS * scale, scale=scale,
                    label="engine projection (worst entry)")
        ctx.event("sum h = 0" if abs(math.fsum(h)) <= 1e-12 * max(1.0, float(np.max(np.abs(h)))) else "sum h != 0")

    ctx.search(prop, _interior_projection_cases(), label="interior lambda, D0 scores",
               max_examples=ctx.pick(200, 10_000))


@claim(
    id="trailmix.lemma8.interior-projection",
    title="For lambda in the interior of Delta_K, the projection has no effect",
    source="Lemma 8 proof Case 2, seed L935–L937",
    statement="for lambda in int Delta_K and any h in R^K: Pi_{T_{Delta_K}(lambda)}(theta h) = theta h.",
    kind="identity",
)
def lemma8_interior_projection(ctx: Context) -> CheckResult:
    r""":math:`\Pi_{T_\Delta(\lambda)}(\theta h) \overset?= \theta h` for interior :math:`\lambda`.

    Interior draws (K in 2..6, :math:`\min\lambda_i \ge 10^{-6}`), :math:`h \in [-10, 10]^K`
    plain, with ties, and with :math:`\sum h = 0`; :math:`\theta` log-uniform in
    :math:`[0.01, 10]`; 200 / :math:`10^4` examples. The projection is computed by a
    generic QP (cvxpy + Clarabel, :func:`tangent_cone_projection_qp`; rtol
    :math:`10^{-7}`, atol :math:`10^{-8}\theta\|h\|_\infty`, the solver's
    accuracy) and by the engine's closed form
    :func:`theorylab.simplex.tangent_cone_projection` (rtol :math:`10^{-12}`,
    atol :math:`8K\varepsilon\theta\|h\|_\infty`); the entry with the largest
    deviation from :math:`\theta h_i` is recorded. Events count draws with
    :math:`\sum h = 0` (where the statement holds) and without.
    """
    _projection_checks(ctx, "as stated")
    return ctx.result()


@claim(
    id="trailmix.lemma8.interior-projection.corrected",
    title="For interior lambda the tangent-cone projection removes the mean",
    source="Lemma 8 proof Case 2, seed L935–L937 (corrected)",
    statement="for lambda in int Delta_K and any h in R^K: Pi_{T_{Delta_K}(lambda)}(theta h) "
              "= theta (h - mean(h) 1); it equals theta h iff sum_i h_i = 0.",
    kind="identity",
)
def lemma8_interior_projection_corrected(ctx: Context) -> CheckResult:
    r"""Interior tangent cone :math:`T_\Delta(\lambda) = \{u : \sum_iu_i = 0\}`: the projection subtracts the mean.

    Derivation. For :math:`\lambda` in the interior no sign constraint of (10)
    is active, so :math:`T_\Delta(\lambda)` is the hyperplane :math:`\mathbf 1^\perp`
    and :math:`\Pi(\theta h) = \theta h - \frac{\langle\theta h, \mathbf 1\rangle}{K}\mathbf 1`.
    The projection "has no effect" only for :math:`\sum_ih_i = 0`. For the
    proof of Lemma 8 this matters: (102) in the interior is
    :math:`\dot\lambda = \theta(h - \mathrm{mean}(h)\mathbf 1)`, not the replicator
    of Case 1, so Lemma 4 does not apply to it.

    Same draws and tolerances as ``trailmix.lemma8.interior-projection``, with
    :math:`\theta(h - \mathrm{mean}(h)\mathbf 1)` as the expected value.
    """
    _projection_checks(ctx, "corrected")
    return ctx.result()


# --------------------------------------------------------------------------- trajectories


def _draw_trajectory_cases(rng: np.random.Generator, n: int, *, theta_high: float = 20.0,
                           scale_high: float = 10.0) -> list[dict[str, Any]]:
    r"""Trajectory draws of ``trailmix.theorem2.lyapunov``, ordered by (K, d).

    K in 2..6, d in 1..4, f in F-QUAD / F-PLNC / F-SP, B-SCALED (:math:`c_i`
    log-uniform in :math:`[0.05, 10]`) or B-SPD, :math:`\theta` log-uniform in
    :math:`[0.01, 20]`, :math:`\tau \sim U(0, 5]`, :math:`\lambda_0` uniform or
    near a vertex (other weights :math:`m` log-uniform in :math:`[10^{-3}, 10^{-1}]`),
    :math:`x_0 \in [-5, 5]^d`.
    """
    cases = []
    for _ in range(n):
        k, d = int(rng.integers(2, 7)), int(rng.integers(1, 5))
        near_vertex = bool(rng.integers(0, 2))
        if near_vertex:
            m = math.exp(rng.uniform(math.log(1e-3), math.log(1e-1)))
            lam0 = np.full(k, m)
            lam0[int(rng.integers(0, k))] = 1.0 - (k - 1) * m
        else:
            lam0 = np.full(k, 1.0 / k)
        cases.append({
            "family": str(rng.choice(LEMMA8_FAMILIES)), "bases": str(rng.choice(("B-SCALED", "B-SPD"))),
            "K": k, "d": d, "seed": int(rng.integers(0, 2**31 - 1)),
            "scales": np.exp(rng.uniform(math.log(0.05), math.log(scale_high), size=k)),
            "theta": math.exp(rng.uniform(math.log(0.01), math.log(theta_high))),
            "tau": float(rng.uniform(0.0, 5.0)) or 5.0, "lam0": lam0, "x0": rng.uniform(-5.0, 5.0, size=d),
            "lam0_kind": "near-vertex" if near_vertex else "uniform",
        })
    return sorted(cases, key=lambda c: (c["K"], c["d"]))


def _describe(case: dict[str, Any], extra: str = "") -> str:
    parts = [case["family"], case["bases"], f"K={case['K']}", f"d={case['d']}", f"seed={case['seed']}",
             f"theta={case['theta']:.4g}"]
    if "lam0_kind" in case:
        parts.append(f"lam0={case['lam0_kind']}")
    if extra:
        parts.append(extra)
    return ", ".join(parts)


#: Integrators tried in turn by :func:`_integrate` (the first that succeeds is used).
INTEGRATORS = ("LSODA", "Radau", "DOP853")


def _integrate(flow: flows.CoupledFlow, x0: np.ndarray, lam0: np.ndarray, t_final: float, n_dense: int,
               rtol: float = ODE_RTOL, atol: float = ODE_ATOL, max_phases: int = 20_000, t_start: float = 0.0,
               ) -> flows.FlowSolution | None:
    """:func:`theorylab.flows.integrate_flow` with dense output; None if every integrator failed.

    LSODA first; if it fails (for the projected dynamics ``integrate_flow`` can
    stop on a zero-time hit/release loop at a face, or ``solve_ivp``'s event
    root finding can raise), Radau, then DOP853 (:data:`INTEGRATORS`): the same
    ODE and tolerances, another integrator. ``sol.method`` says which one was used.
    """
    for method in INTEGRATORS:
        try:
            sol = flows.integrate_flow(flow, x0, lam0, t_final, t_start=t_start, n_dense=n_dense, method=method,
                                       rtol=rtol, atol=atol, max_phases=max_phases)
        except ValueError:
            continue  # solve_ivp event root finding on a discontinuous event function
        if sol.success and sol.t.size == n_dense:
            return sol
    return None


@claim(
    id="trailmix.lemma8.trajectory",
    title="V = f - tau H is non-increasing along (101)–(102)",
    source="(110) \"V' <= -c(lambda)||grad f||^2 - tau theta Var_lambda(h) <= 0\", seed L942; used in Theorem 7's "
           "proof (seed L953)",
    statement="for tau >= 0, t -> V(x(t), lambda(t)) is non-increasing along (101)–(102) (and along the "
              "replicator variant of Case 1).",
    kind="monotonicity",
)
def lemma8_trajectory(ctx: Context) -> CheckResult:
    r""":math:`\mathcal V(t) = f(x(t)) - \tau H(\lambda(t))` along trajectories, both dynamics and scores, two τ strata.

    .. math::

        \mathcal V(t_{k+1}) \le \mathcal V(t_k) \quad\text{on the dense grid}.

    For each (dynamics, score) pair, 2 / 1000 trajectories drawn as in
    ``trailmix.theorem2.lyapunov`` (:func:`_draw_trajectory_cases`: K in 2..6,
    d in 1..4, F-QUAD / F-PLNC / F-SP, B-SCALED with :math:`c_i \in [0.05, 10]`
    or B-SPD, :math:`\theta \in [0.01, 20]`, :math:`\lambda_0` uniform or near a
    vertex, :math:`x_0 \in [-5, 5]^d`), integrated on :math:`t \in [0, 20]` by
    :func:`theorylab.flows.integrate_flow` (LSODA, falling back to Radau /
    DOP853 where it fails, rtol :math:`10^{-10}`, atol :math:`10^{-12}`, 2001
    dense points; the projected dynamics with face events).
    :math:`\tau` is a parameter of :math:`\mathcal V` only, so each trajectory is
    judged for :math:`\tau = 0` and for its drawn :math:`\tau \sim U(0, 5]`, in
    separate sweeps (ordered by K, d). For each, the largest increase
    between consecutive grid points (:func:`theorylab.flows.find_increases`) is
    recorded as :math:`\mathcal V(t_{k+1}) \le \mathcal V(t_k)` with rtol = atol
    :math:`10^{-9}` (the catalogue's :math:`10^{-9}\max(1, |\mathcal V|)`, up to a
    factor 2). A failed integration is an invalid example. The reproduction
    ``coupled-flow`` (:mod:`sims.trailmix_coupled_flow`) draws λ on the simplex
    and :math:`\mathcal V(t)` for several τ.
    """
    n = ctx.pick(2, 1000)
    summary: dict[str, Any] = {}
    for pair, (dynamics, score) in READINGS.items():
        cases = _draw_trajectory_cases(ctx.rng, n)
        rows: dict[str, list[Any]] = {"tau = 0": [], "tau > 0": []}
        for case in cases:
            ctx.check_deadline()
            problem = make_problem(case["family"], case["d"], case["seed"])
            bases = make_bases(case["bases"], case["K"], case["d"], case["seed"] + 1, case["scales"])
            flow = flows.CoupledFlow(problem, bases, weight_dynamics=dynamics, score=score, theta=case["theta"])
            sol = _integrate(flow, case["x0"], case["lam0"], 20.0, 2001)
            for stratum, tau in (("tau = 0", 0.0), ("tau > 0", case["tau"])):
                if sol is None:
                    rows[stratum].append((math.nan, math.nan, _describe(case, f"tau={tau:.4g}, solver failed")))
                    continue
                values = problem.value(sol.x) - tau * entropy_rows(sol.lam)
                _, excess = flows.find_increases(values, 1e-9)
                j = int(np.argmax(excess))
                rows[stratum].append((values[j + 1], values[j],
                                      _describe(case, f"tau={tau:.4g}, worst step t={sol.t[j]:.4g}, {sol.method}")))
        for stratum, entries in rows.items():
            lhs = np.array([e[0] for e in entries])
            rhs = np.array([e[1] for e in entries])
            ctx.sweep(lhs, rhs, "<=", rtol=1e-9, atol=1e-9, scale=np.maximum(1.0, np.abs(rhs)),
                      examples={"trajectory": [e[2] for e in entries]}, label=f"{pair}, {stratum}")
            increases = np.nan_to_num(lhs - rhs, nan=math.inf)
            summary[f"{pair}, {stratum}"] = {"trajectories": len(entries),
                                             "with an increase > 1e-9 max(1,|V|)": int(np.sum(
                                                 increases > 1e-9 * np.maximum(1.0, np.abs(rhs)))),
                                             "largest increase": float(np.max(increases))}
    ctx.note("per (dynamics-score, tau stratum)", summary)
    _attach_coupled_flow_figure(ctx)
    return ctx.result()


def _attach_coupled_flow_figure(ctx: Context) -> None:
    """Run the ``coupled-flow`` reproduction into ``out_dir/sims`` and attach its figures."""
    if ctx.out_dir is None:
        return
    from sims import trailmix_coupled_flow

    rep = trailmix_coupled_flow.run(ctx.out_dir / "sims", budget=ctx.budget, seed=ctx.seed)
    for path in rep.figures:
        ctx.attach_figure(path)
    ctx.note("reproduction coupled-flow", rep.summary)


# --------------------------------------------------------------------------- Theorem 7


def _projected_residuals(problem: problems.Problem, bases: flows.BaseDirections, score: Any, theta: float,
                         xs: np.ndarray, lams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`\|\nabla f(x)\|` and :math:`\|\Pi_{T_\Delta(\lambda)}(\theta h(x, \lambda))\|` along a trajectory.

    ``score`` is ``"align"``, ``"adv"`` or a batched callable ``h(x, lam)``.
    """
    g = problem.grad(xs)
    if callable(score):
        h = np.asarray(score(xs, lams), dtype=float)
    else:
        alignments = np.einsum("nkd,nd->nk", bases(xs, g), g)
        h = -alignments if score == "align" else alignments - np.sum(lams * alignments, axis=1, keepdims=True)
    weights = np.maximum(lams, 0.0)
    weights = weights / weights.sum(axis=1, keepdims=True)
    proj = np.array([simplex.tangent_cone_projection(theta * h[i], weights[i]) for i in range(len(h))])
    return np.linalg.norm(g, axis=1), np.linalg.norm(proj, axis=1)


_THEOREM7_FAMILIES = ("F-QUAD", "F-QUAD-singular", "F-PLNC", "F-PH", "F-SP", "F-LOG", "F-SURF:rosenbrock",
                      "F-SURF:booth", "F-SURF:griewank", "F-SURF:himmelblau", "F-SURF:three_hump_camel")


def _theorem7_cases(rng: np.random.Generator, n: int, generic: bool,
                    base_kinds: tuple[str, ...] = ("B-SCALED", "B-SPD")) -> list[dict[str, Any]]:
    r"""Trajectory draws for Theorem 7 (objectives of every family; :math:`\lambda_0` from D0 incl. faces)."""
    cases = []
    for _ in range(n):
        family = str(rng.choice(_THEOREM7_FAMILIES))
        d = 2 if family.startswith("F-SURF") else int(rng.integers(1, 5))
        k = int(rng.integers(3 if generic else 2, 6 if generic else 7))
        kind = str(rng.choice(("interior", "face", "vertex")))
        lam0 = rng.dirichlet(np.ones(k))
        if kind == "face":
            lam0[rng.permutation(k)[: int(rng.integers(1, k))]] = 0.0
        elif kind == "vertex":
            lam0 = np.eye(k)[int(rng.integers(0, k))]
        case = {"family": family, "bases": str(rng.choice(base_kinds)), "K": k, "d": d,
                "seed": int(rng.integers(0, 2**31 - 1)),
                "scales": np.exp(rng.uniform(math.log(0.05), math.log(5.0), size=k)),
                "theta": math.exp(rng.uniform(math.log(0.01), math.log(10.0))), "lam0": lam0 / lam0.sum(),
                "lam0_kind": kind,
                "x0": rng.uniform(-4.0, 4.0, size=2) if family.startswith("F-SURF") else rng.uniform(-5, 5, size=d)}
        if generic:
            case["h_kind"] = str(rng.choice(("A lambda", "skew zero-sum A lambda", "B grad f + A lambda", "align",
                                             "adv")))
            case["A"] = rng.standard_normal((k, k))
            case["B"] = rng.standard_normal((k, d))
        else:
            case["h_kind"] = str(rng.choice(("align", "adv")))
        cases.append(case)
    return sorted(cases, key=lambda c: (c["K"], c["d"]))


def _meta_score(case: dict[str, Any], problem: problems.Problem) -> Any:
    """The meta-score of a Theorem 7 case: "align", "adv" or a linear generic score."""
    kind = case["h_kind"]
    if kind in ("align", "adv"):
        return kind
    a = case["A"]
    if kind == "skew zero-sum A lambda":
        k = a.shape[0]
        centre = np.eye(k) - np.ones((k, k)) / k
        a = centre @ (a - a.T) @ centre
    b = case["B"] if kind == "B grad f + A lambda" else None
    return flows.linear_meta_score(problem, a, b)


def _tail_residuals(flow: flows.CoupledFlow, case: dict[str, Any], problem: problems.Problem,
                    bases: flows.BaseDirections, score: Any, first_horizon: float, cap: float, n_dense: int,
                    rtol: float, atol: float) -> dict[str, tuple[float, float, float, float]] | None:
    """Doubling-horizon tail residuals of (111) and (112) along one trajectory: ``name -> (r_T/2, r_T, T, floor)``.

    None if the solver failed. Floors: :math:`10^{-8}\\max(1, r(0))`.
    """
    state = {"x": np.asarray(case["x0"], dtype=float), "lam": case["lam0"]}
    initial_grad, initial_proj = _projected_residuals(problem, bases, score, case["theta"], state["x"][None, :],
                                                      state["lam"][None, :])
    floors = {"grad": 1e-8 * max(1.0, float(initial_grad[0])), "proj": 1e-8 * max(1.0, float(initial_proj[0]))}

    class _SolverFailed(Exception):
        pass

    def advance(t0: float, t1: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        sol = _integrate(flow, state["x"], state["lam"], t1, n_dense, rtol, atol, t_start=t0)
        if sol is None:
            raise _SolverFailed(f"every integrator failed on [{t0}, {t1}]")
        state["x"], state["lam"] = sol.x[-1], sol.lam[-1] / sol.lam[-1].sum()
        grad_norm, proj_norm = _projected_residuals(problem, bases, score, case["theta"], sol.x, sol.lam)
        return sol.t, {"grad": grad_norm, "proj": proj_norm}

    try:
        judged = doubling_tail_residuals(advance, first_horizon, cap, floors)
    except _SolverFailed:
        return None
    return {name: (*judged[name], floors[name]) for name in judged}


def theorem7_trajectories(ctx: Context, n: int, generic: bool, base_kinds: tuple[str, ...] = ("B-SCALED", "B-SPD"),
                          label_prefix: str = "") -> int:
    """Record the Theorem 7 tail-residual sweeps for ``n`` trajectories; return the number violating (111)/(112)."""
    first_horizon, cap = ctx.pick((100.0, 400.0), (1250.0, 10_000.0))
    n_dense = ctx.pick(1001, 4001)
    rtol, atol = ctx.pick((1e-8, 1e-10), (ODE_RTOL, ODE_ATOL))
    records: dict[str, list[Any]] = {"grad": [], "proj": []}
    excluded, replicator = [], []
    for case in _theorem7_cases(ctx.rng, n, generic, base_kinds):
        ctx.check_deadline()
        problem = make_problem(case["family"], case["d"], case["seed"], bounded_below=True)
        bases = make_bases(case["bases"], case["K"], case["d"], case["seed"] + 1, case["scales"])
        score = _meta_score(case, problem)
        desc = _describe(case, f"h={case['h_kind']}")
        if problem.family == "F-LOG":
            excluded.append(desc)  # no minimiser: its trajectories have no limit point (catalogue: no test instance)
            continue
        for dynamics in ("proj", "rep") if ctx.budget == "full" else ("proj",):
            flow = flows.CoupledFlow(problem, bases, weight_dynamics=dynamics, score=score, theta=case["theta"])
            residual = _tail_residuals(flow, case, problem, bases, score, first_horizon, cap, n_dense, rtol, atol)
            if dynamics == "rep":
                replicator.append({"case": desc, "tail residuals (r_T/2, r_T, T)": residual})
                continue
            for name in ("grad", "proj"):
                if residual is None:
                    records[name].append((math.nan, math.nan, math.nan, math.nan, desc + ", solver failed"))
                else:
                    previous, last, horizon, floor = residual[name]
                    records[name].append((previous, last, floor, horizon, desc))
    violating = np.zeros(len(records["grad"]), dtype=bool)
    for name, label in (("grad", "||grad f|| on the tail (111)"), ("proj", "||Pi_T(theta h)|| on the tail (112)")):
        entries = records[name]
        if not entries:
            continue
        previous = np.array([e[0] for e in entries])
        last = np.array([e[1] for e in entries])
        floor = np.array([e[2] for e in entries])
        rhs = np.maximum(floor, 0.99 * previous)
        ctx.sweep(last, rhs, "<=", rtol=0.0, atol=0.0, scale=np.maximum(previous, floor),
                  examples={"trajectory": [f"{e[4]}, T={e[3]:g}" for e in entries]},
                  label=f"{label_prefix}{label}: vanishes or decays when T doubles")
        violating |= ~(last <= rhs)
    ctx.note(f"{label_prefix}horizons", {"first": first_horizon, "cap": cap})
    ctx.note(f"{label_prefix}trajectories without limit points (F-LOG, excluded)", excluded)
    ctx.note(f"{label_prefix}replicator variant (C), not judged", replicator)
    ctx.note(f"{label_prefix}solver", {"methods": "LSODA, else Radau, else DOP853", "rtol": rtol, "atol": atol,
                                       "dense points": n_dense})
    return int(violating.sum())


def _theorem7_check(ctx: Context, generic: bool) -> CheckResult:
    theorem7_trajectories(ctx, ctx.pick(4, 60), generic)
    return ctx.result()


_THEOREM7_PROCEDURE = r"""

    Trajectories (4 / 60, ordered by K, d) of (101)–(102) with objectives of
    every family (F-QUAD SPD and singular, F-PLNC, F-PH, F-SP bounded below,
    the five F-SURF surfaces; F-LOG has no minimiser, so its trajectories have
    no limit point and are listed separately, not judged), B-SCALED
    (:math:`c_i \in [0.05, 5]`) or B-SPD bases, :math:`\theta` log-uniform in
    :math:`[0.01, 10]`, :math:`\lambda_0` interior, on a face or a vertex,
    :math:`x_0 \in [-5, 5]^d` (:math:`[-4, 4]^2` for surfaces), integrated by
    :func:`theorylab.flows.integrate_flow` (LSODA, else Radau / DOP853, with face events; quick rtol
    :math:`10^{-8}`, atol :math:`10^{-10}`; full rtol :math:`10^{-10}`, atol
    :math:`10^{-12}`). The ω-limit set is approximated by the tail
    :math:`[T/2, T]`; on it :math:`r_1(T) = \max\|\nabla f(x)\|` and
    :math:`r_2(T) = \max\|\Pi_{T_\Delta(\lambda)}(\theta h)\|` (engine
    projection). A violation is a residual bounded away from 0 that persists
    when T doubles: starting from :math:`T = 100` (quick) / :math:`1250` (full),
    the horizon doubles while a residual neither vanishes nor shrinks, up to
    :math:`T = 400` / :math:`10^4`
    (:func:`~proofs_checks.trailmix._coupled_helpers.doubling_tail_residuals`),
    and at the last horizon each residual must satisfy
    :math:`r(T) \le \max(\text{floor}, 0.99\,r(T/2))`, floor
    :math:`10^{-8}\max(1, r(0))` (catalogue: tail :math:`< 10^{-8}`). The
    replicator variant (C) is integrated too at the full tier and reported in
    the details, not judged.
    """


@claim(
    id="trailmix.theorem7.def3-h",
    title="Limit points of (101)–(102) are meta-stationary (Def. 3 scores)",
    source="Theorem 7 (111)–(112), seed L947–L952",
    statement="under the assumptions of Lemma 8, every limit point (x_inf, lambda_inf) of (101)–(102) satisfies "
              "grad f(x_inf) = 0 (111) and Pi_{T_Delta(lambda_inf)}(theta h(x_inf, lambda_inf)) = 0 (112); "
              "h from Def. 3 (both forms).",
    kind="stability",
)
def theorem7_def3_h(ctx: Context) -> CheckResult:
    return _theorem7_check(ctx, generic=False)


theorem7_def3_h.__doc__ = (r"""Tail residuals of (111) and (112) along long trajectories, Def. 3 scores (both forms).

    .. math::

        \lim_{t\to\infty}\|\nabla f(x(t))\| = 0, \qquad
        \lim_{t\to\infty}\|\Pi_{T_\Delta(\lambda(t))}(\theta h(x(t), \lambda(t)))\| = 0 .
    """ + _THEOREM7_PROCEDURE)


@claim(
    id="trailmix.theorem7.generic-h",
    title="Limit points of (101)–(102) are meta-stationary (general locally Lipschitz meta-score)",
    source="Theorem 7 (111)–(112), seed L947–L952 (Lemma 8's assumptions do not restrict h)",
    statement="as theorem7.def3-h for any locally Lipschitz h : R^d x Delta_K -> R^K.",
    kind="stability",
)
def theorem7_generic_h(ctx: Context) -> CheckResult:
    return _theorem7_check(ctx, generic=True)


theorem7_generic_h.__doc__ = (r"""Tail residuals of (111)–(112) with generic meta-scores.

    Meta-scores drawn as in ``trailmix.theorem2.1.generic-h``:
    :math:`h(\lambda) = A\lambda` (:math:`A \sim N(0, 1)^{K\times K}`), the
    skew-symmetric :math:`A` with zero row and column sums
    (:math:`A = C(M - M^\top)C`, :math:`C = I - \mathbf 1\mathbf 1^\top/K`: a
    rock-paper-scissors game, whose interior orbits of (102) are circles around
    :math:`\mathbf 1/K`), :math:`h = B\nabla f(x) + A\lambda`, and the Def. 3
    scores; K in 3..5 (the skew zero-sum matrix vanishes for K = 2).
    """ + _THEOREM7_PROCEDURE)


# --------------------------------------------------------------------------- Theorem 7: Var equivalence


@st.composite
def _face_cases(draw: st.DrawFn) -> dict[str, Any]:
    r"""Exact (λ, h, θ): λ rational on a vertex, a face or the interior; h rational, plain or with planted ties.

    Kinds of h: ``random``; ``support tied`` (all support entries equal
    :math:`\mu`, off-support entries random, above or below); ``support tied,
    off-support <= mu``; ``support tied, one off-support entry mu + delta``
    with a tiny rational :math:`\delta` of either sign.
    """
    k = draw(dimensions(2, 6))
    pattern = draw(st.sampled_from(("vertex", "face", "interior")))
    order = draw(st.permutations(range(k)))
    n_support = {"vertex": 1, "interior": k}.get(pattern) or draw(st.integers(1, k - 1))
    support = sorted(order[:n_support])
    weights = draw(st.lists(st.integers(1, 100), min_size=k, max_size=k))
    weights = [Fraction(w) if i in support else Fraction(0) for i, w in enumerate(weights)]
    total = sum(weights, Fraction(0))
    lam = [w / total for w in weights]
    values = [Fraction(v, 8) for v in draw(st.lists(st.integers(-80, 80), min_size=k, max_size=k))]
    kind = draw(st.sampled_from(("random", "support tied", "support tied, off-support <= mu",
                                 "support tied, near-tie off the support")))
    mu = values[support[0]]
    h = list(values)
    if kind != "random":
        for i in support:
            h[i] = mu
    if kind == "support tied, off-support <= mu":
        h = [mu - abs(v) if lam[i] == 0 else v for i, v in enumerate(h)]
    if kind == "support tied, near-tie off the support":
        off = [j for j in range(k) if lam[j] == 0]
        if off:
            delta = Fraction(draw(st.sampled_from((1, -1))), 10 ** draw(st.integers(6, 15)))
            h[draw(st.sampled_from(off))] = mu + delta
    theta = Fraction(draw(st.integers(1, 1000)), 100)
    return {"lam": lam, "h": h, "theta": theta, "h_kind": kind}


def _exact_variance(lam: list[Fraction], h: list[Fraction]) -> Fraction:
    mean = sum((w * v for w, v in zip(lam, h, strict=True)), Fraction(0))
    return sum((w * v * v for w, v in zip(lam, h, strict=True)), Fraction(0)) - mean * mean


def _engine_projection_matches(ctx: Context, lam: list[Fraction], v: list[Fraction], exact: list[Fraction]) -> None:
    """Logical record that the engine's float projection agrees with the exact one (entrywise, rounding bound)."""
    v_float = np.array([float(x) for x in v])
    engine = simplex.tangent_cone_projection(v_float, np.array([float(w) for w in lam]))
    bound = 16 * len(v) * EPS * max(1.0, float(np.max(np.abs(v_float))))
    agree = bool(np.max(np.abs(engine - np.array([float(x) for x in exact]))) <= bound)
    ctx.compare(agree, True, "==", label="engine projection = exact projection (within rounding)")


def _var_equivalence(ctx: Context, corrected: bool) -> None:
    def prop(case: dict[str, Any]) -> None:
        lam, h, theta = case["lam"], case["h"], case["theta"]
        v = [theta * x for x in h]
        exact = exact_tangent_cone_projection(v, lam)
        projection_zero = all(x == 0 for x in exact)
        variance_zero = _exact_variance(lam, h) == 0
        condition = variance_zero
        if corrected:
            mean = sum((w * x for w, x in zip(lam, h, strict=True)), Fraction(0))
            condition = variance_zero and all(h[j] <= mean for j in range(len(h)) if lam[j] == 0)
        ctx.compare(condition, projection_zero, "==",
                    label=("Var = 0 and off-support h_j <= mean" if corrected else "Var = 0") + " <=> Pi = 0")
        ctx.event(f"{'condition' if corrected else 'Var = 0'}: {condition}, Pi = 0: {projection_zero}, "
                  f"{'interior' if all(w > 0 for w in lam) else 'boundary'}")
        _engine_projection_matches(ctx, lam, v, exact)

    ctx.search(prop, _face_cases(), label="exact rational lambda (vertex, face, interior) and h",
               max_examples=ctx.pick(200, 10_000))


@claim(
    id="trailmix.theorem7.var-equivalence",
    title="Var_lambda(h) = 0 <=> Pi_{T_Delta(lambda)}(theta h) = 0",
    source="proof of Theorem 7, seed L971–L973",
    statement="\"The second condition [Var_lambda(h(x, lambda)) = 0] means all active components of h are equal, "
              "which corresponds to the stationarity condition for the simplex-constrained optimization. This is "
              "equivalent to Pi_{T_{Delta_K}(lambda)}(theta h(x, lambda)) = 0.\"",
    kind="equivalence",
)
def theorem7_var_equivalence(ctx: Context) -> CheckResult:
    r"""Both predicates in exact rational arithmetic, in both directions.

    .. math::

        \mathrm{Var}_\lambda(h) = 0 \overset?\iff \Pi_{T_\Delta(\lambda)}(\theta h) = 0 .

    Draws (200 / :math:`10^4`): K in 2..6, :math:`\lambda` rational (integer
    weights 1..100, normalised) on a vertex, a random face or the interior;
    :math:`h \in \tfrac18\mathbb Z\cap[-10, 10]^K`, plain or with the support entries
    tied to :math:`\mu` and the off-support entries random, all :math:`\le\mu`,
    or one of them :math:`\mu \pm 10^{-6..-15}`; :math:`\theta \in \{0.01, 0.02, \dots, 10\}`.
    :math:`\mathrm{Var}_\lambda(h)` is exact; the projection is the exact KKT solution
    :func:`~proofs_checks.trailmix._coupled_helpers.exact_tangent_cone_projection` (certified by its
    KKT conditions), so neither predicate needs a tolerance (the catalogue's
    :math:`10^{-10}` is not needed). The engine's float projection is compared
    with the exact one (logical, within :math:`16K\varepsilon\max(1, \|\theta h\|_\infty)`).
    Events record both predicates and whether :math:`\lambda` is interior.
    """
    _var_equivalence(ctx, corrected=False)
    return ctx.result()


@claim(
    id="trailmix.theorem7.var-equivalence.corrected",
    title="Pi_{T_Delta(lambda)}(theta h) = 0 <=> Var_lambda(h) = 0 and h_j <= mean on the zero set",
    source="proof of Theorem 7, seed L971–L973; Theorem 14 (213)–(214) (corrected)",
    statement="for theta > 0: Pi_{T_Delta(lambda)}(theta h) = 0 iff Var_lambda(h) = 0 and h_j <= sum_i lambda_i h_i "
              "for every j with lambda_j = 0; for interior lambda this is Var_lambda(h) = 0.",
    kind="equivalence",
)
def theorem7_var_equivalence_corrected(ctx: Context) -> CheckResult:
    r"""The stationarity condition on faces needs the sign condition off the support.

    Derivation. :math:`\Pi_{T_\Delta(\lambda)}(v) = 0` iff :math:`v` lies in the
    polar (normal) cone :math:`N_\Delta(\lambda) = \{v : v_i = \nu\ (\lambda_i > 0),\ v_j \le \nu\ (\lambda_j = 0)\}`.
    :math:`\mathrm{Var}_\lambda(h) = \sum_i\lambda_i(h_i - \bar h)^2 = 0` only
    says the support entries equal :math:`\bar h`; it ignores the entries with
    :math:`\lambda_j = 0`. For example :math:`\lambda = e_1`, :math:`h = (0, 1)`:
    :math:`\mathrm{Var} = 0` but :math:`\Pi(\theta h) = \theta(-\tfrac12, \tfrac12)`.
    The missing condition is :math:`h_j \le \bar h` off the support (the KKT
    condition (214) of Theorem 14).

    Same draws and exact arithmetic as ``trailmix.theorem7.var-equivalence``.
    """
    _var_equivalence(ctx, corrected=True)
    return ctx.result()


# --------------------------------------------------------------------------- Theorem 7: sublevel sets

#: Families for which Lemma 8's A5–A7 hold globally with a gradient-descent base (L-smooth, bounded gradient).
_A5_A7_FAMILIES = ("F-PH", "F-LOG", "F-SP")
#: Families reported in the details only (A6 fails globally: unbounded gradient).
_OTHER_FAMILIES = ("F-QUAD", "F-QUAD-singular", "F-SURF:rosenbrock", "F-SURF:himmelblau")


def _ray_directions(problem: problems.Problem, rng: np.random.Generator, n_random: int = 32) -> np.ndarray:
    """Unit directions for the ray test: random, coordinate axes, and the analytic escape directions."""
    d = problem.dim
    dirs = [rng.standard_normal((n_random, d)), np.eye(d), -np.eye(d)]
    if problem.family == "F-LOG":
        a = -problem.grad(np.zeros(d)) / 0.5  # grad f(0) = -a/2
        dirs.append(a[None, :])
    if problem.family == "F-QUAD":
        eig, vec = np.linalg.eigh(problem.hess(np.zeros(d)))
        dirs += [vec[:, :1].T, -vec[:, :1].T]
    out = np.concatenate(dirs)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _sublevel_bounded_by_rays(problem: problems.Problem, x0: np.ndarray, level: float,
                              rng: np.random.Generator) -> tuple[bool, dict[str, Any]]:
    r"""Ray test of :math:`\{x : f(x) \le \text{level}\}`.

    Unbounded along :math:`u` if :math:`f(x_0 + ru) \le` level for all
    :math:`r \in \{10^0, 10^{0.5}, \dots, 10^6\}\max(1, \|x_0\|)`.
    """
    radii = np.logspace(0, 6, 13) * max(1.0, float(np.linalg.norm(x0)))
    best: dict[str, Any] = {}
    for u in _ray_directions(problem, rng):
        values = problem.value(x0[None, :] + radii[:, None] * u[None, :])
        if np.all(values <= level):
            best = {"direction": u, "f on the ray": values[[0, 6, 12]], "level": level}
            return False, best
    return True, best


@st.composite
def _sublevel_cases(draw: st.DrawFn, families: tuple[str, ...]) -> dict[str, Any]:
    family = draw(st.sampled_from(families))
    d = 2 if family.startswith("F-SURF") else draw(st.integers(1, 4))
    k = draw(dimensions(2, 6))
    return {"family": family, "d": d, "seed": draw(st.integers(0, 2**31 - 1)), "x0": draw(box_vectors(d, -5, 5)),
            "lam0": draw(simplex_points(k, allow_zeros=True)), "tau": draw(st.floats(0.0, 5.0))}


@claim(
    id="trailmix.theorem7.sublevel",
    title="Bounded sublevel sets of V / precompact trajectories",
    source="proof of Theorem 7, seed L953–L955",
    statement="\"Since f is continuous and bounded below on sublevel sets, and H is bounded on Delta_K, the sublevel "
              "sets of V are bounded. Therefore, trajectories are precompact.\" (for objectives satisfying the "
              "assumptions of Lemma 8).",
    kind="consistency",
)
def theorem7_sublevel(ctx: Context) -> CheckResult:
    r"""Ray test of the sublevel sets :math:`\{\mathcal V \le v\}` for objectives satisfying A5–A7.

    Since :math:`0 \le H \le \log K`, the projection of
    :math:`\{(x, \lambda) : f(x) - \tau H(\lambda) \le v\}` on :math:`x` is
    :math:`\{f \le v + \tau\log K\}`. For :math:`v = \mathcal V(x_0, \lambda_0)`
    the set is declared unbounded when some ray :math:`x_0 + ru` stays in it
    for every :math:`r \in \{10^0, 10^{0.5}, \dots, 10^6\}\max(1, \|x_0\|)`
    (32 random directions, the coordinate axes, and the analytic escape
    directions: :math:`a/\|a\|` for F-LOG, where :math:`f` decreases along
    the whole ray, which certifies unboundedness). Logical comparison
    "bounded" = True.

    Domain (the claim's hypotheses): objectives for which A5–A7 hold globally
    with the gradient-descent base :math:`d = \nabla f` (:math:`c = 1`, L-smooth,
    bounded gradient so that A6 holds with :math:`G = \sup\|\nabla f\|`):
    F-PH, F-LOG and F-SP (weights of both signs, redrawn until the engine
    certifies boundedness below, as the proof assumes), d in 1..4, :math:`x_0 \in [-5, 5]^d`,
    :math:`\lambda_0` on :math:`\Delta_K` (K in 2..6), :math:`\tau \in [0, 5]`;
    200 / 5000 draws. F-QUAD (SPD and singular) and two surfaces, whose
    gradients are unbounded (A6 only along trajectories), are tested the same
    way and reported in the details, with an F-LOG trajectory whose norm keeps
    growing (:math:`\|x(t)\| \sim \log t`: not precompact).
    """

    def prop(case: dict[str, Any]) -> None:
        problem = make_problem(case["family"], case["d"], case["seed"], bounded_below=True)
        k = case["lam0"].size
        level = problem.value(case["x0"]) - case["tau"] * simplex.entropy(case["lam0"]) + case["tau"] * math.log(k)
        bounded, witness = _sublevel_bounded_by_rays(problem, case["x0"], level, np.random.default_rng(case["seed"]))
        ctx.compare(bounded, True, "==", label="sublevel set of V bounded (ray test)")
        ctx.event(f"{case['family']}: {'bounded' if bounded else 'unbounded'}")

    ctx.search(prop, _sublevel_cases(_A5_A7_FAMILIES), label="A5–A7 objectives (F-PH, F-LOG, F-SP)")
    others = {}
    for family in _OTHER_FAMILIES:
        problem = make_problem(family, 3, ctx.seed)
        x0 = ctx.rng.uniform(-5, 5, size=problem.dim)
        bounded, witness = _sublevel_bounded_by_rays(problem, x0, problem.value(x0) + math.log(3), ctx.rng)
        others[family] = {"bounded (ray test)": bounded, "hypotheses": problem.hypotheses.as_dict(), **witness}
    ctx.note("objectives outside A5–A7 (details only)", others)
    logistic = problems.logistic(np.array([1.0, 0.5]))
    flow = flows.CoupledFlow(logistic, flows.scaled_bases([1.0, 0.5], 2), weight_dynamics="proj", score="align")
    checkpoints = np.array([0.0, 1.0, 10.0, 100.0, 1000.0])
    sol = flows.integrate_flow(flow, np.zeros(2), np.array([0.5, 0.5]), 1000.0, t_eval=checkpoints, method="LSODA")
    ctx.note("F-LOG trajectory of (101)-(102) (a = (1, 0.5), c = (1, 0.5)): ||x(t)|| at t = 0, 1, 10, 100, 1000",
             np.linalg.norm(sol.x, axis=1) if sol.success else sol.message)
    return ctx.result()


def _sublevel_radius(problem: problems.Problem, level: float) -> float:
    r"""Exact radius :math:`R(v) = \sup\{\|x - x^*\| : f(x) \le v\}` for the coercive families with closed forms.

    F-QUAD SPD: :math:`\sqrt{2v/\lambda_{\min}(A)}`; F-PH:
    :math:`\sqrt{(v/B + w)^2 - w^2}`; F-PLNC: :math:`f \ge \|x\|^2`, so :math:`\sqrt v`.
    """
    if problem.family == "F-QUAD":
        return math.sqrt(2 * max(level, 0.0) / float(problem.mu))
    if problem.family == "F-PH":
        b = problem.gradient_bound
        w = b / problem.L
        return math.sqrt((max(level, 0.0) / b + w) ** 2 - w * w)
    if problem.family == "F-PLNC":
        return math.sqrt(max(level, 0.0))
    raise ValueError(f"no closed-form sublevel radius for {problem.family}")


@claim(
    id="trailmix.theorem7.sublevel.corrected",
    title="Coercive f: bounded sublevel sets of V and precompact trajectories",
    source="proof of Theorem 7, seed L953–L955 (corrected)",
    statement="{V <= v} is contained in {f <= v + tau log K} x Delta_K, so the sublevel sets of V are bounded iff "
              "those of f are (f coercive). For coercive f and aligned bases (A7), f(x(t)) is non-increasing along "
              "(101), so x(t) stays in {f <= f(x(0))}: trajectories are precompact.",
    kind="consistency",
)
def theorem7_sublevel_corrected(ctx: Context) -> CheckResult:
    r"""Precompactness from coercivity of :math:`f`, with exact sublevel radii.

    Derivation. :math:`0 \le H \le \log K` gives
    :math:`\{\mathcal V \le v\} \subset \{f \le v + \tau\log K\}\times\Delta_K`,
    and conversely :math:`\{f \le v\}\times\Delta_K \subset \{\mathcal V \le v\}`:
    bounded iff :math:`f` has bounded sublevel sets. "Bounded below" does not
    suffice (F-LOG, singular F-QUAD). Along (101) with aligned bases
    :math:`\dot f \le -c(\lambda)\|\nabla f\|^2 \le 0` (``trailmix.lemma8.tau0``),
    so :math:`\|x(t) - x^*\| \le R(f(x_0))` for all :math:`t` — this, not the
    (false) monotonicity of :math:`\mathcal V`, gives precompactness.

    Checked on the coercive families with a closed-form radius
    (:func:`_sublevel_radius`: F-QUAD SPD, F-PH, F-PLNC), 4 / 100 trajectories
    per family of (101)–(102) (both dynamics, both scores, B-SCALED / B-SPD,
    :math:`x_0 \in [-5, 5]^d`, half of them on the eigenvector of
    :math:`\lambda_{\min}(A)` where the bound is attained at :math:`t = 0`),
    :math:`t \in [0, 50]`, LSODA (Radau / DOP853 fallback) rtol :math:`10^{-10}`:
    :math:`\max_t\|x(t) - x^*\| \le R(f(x_0))` (rtol :math:`10^{-8}`).
    """
    n = ctx.pick(4, 100)
    rows = []
    for family in ("F-QUAD", "F-PH", "F-PLNC"):
        for index in range(n):
            ctx.check_deadline()
            rng = ctx.rng
            d = int(rng.integers(1, 5))
            k = int(rng.integers(2, 7))
            seed = int(rng.integers(0, 2**31 - 1))
            problem = make_problem(family, d, seed)
            x0 = rng.uniform(-5.0, 5.0, size=d)
            if family == "F-QUAD" and index % 2 == 0:
                eig, vec = np.linalg.eigh(problem.hess(np.zeros(d)))
                x0 = vec[:, 0] * float(np.linalg.norm(x0))
            dynamics, score = (("proj", "rep")[index % 2], ("align", "adv")[(index // 2) % 2])
            bases = make_bases(str(rng.choice(("B-SCALED", "B-SPD"))), k, d, seed + 1)
            flow = flows.CoupledFlow(problem, bases, weight_dynamics=dynamics, score=score,
                                     theta=math.exp(rng.uniform(math.log(0.01), math.log(10.0))))
            sol = _integrate(flow, x0, rng.dirichlet(np.ones(k)), 50.0, 2001)
            radius = _sublevel_radius(problem, problem.value(x0))
            largest = math.nan if sol is None else float(np.max(np.linalg.norm(sol.x, axis=1)))
            rows.append((largest, radius, 1e-12, radius, f"{problem.name}, seed={seed}, {dynamics}-{score}"))
    sweep_rows(ctx, rows, "<=", "max_t ||x(t) - x*|| <= R(f(x0))", rtol=1e-8)
    return ctx.result()


# --------------------------------------------------------------------------- Theorem 8


def _pl_grid_constant() -> float:
    """Grid estimate of the sharp PL constant of F-PLNC (1-D; the d-dimensional sum has the same constant)."""
    grid = np.linspace(-15.0, 15.0, 300_001)
    grid = grid[np.abs(grid) > 1e-3][:, None]
    return problems.estimate_pl_constant(problems.pl_nonconvex(1), grid)


def _theorem8_cases(rng: np.random.Generator, n: int,
                    base_kinds: tuple[str, ...] = ("B-SCALED", "B-SPD")) -> list[dict[str, Any]]:
    cases = []
    for _ in range(n):
        family = str(rng.choice(("F-QUAD", "F-PLNC")))
        d = int(rng.integers(1, 5)) if family == "F-QUAD" else int(rng.integers(1, 3))
        k = int(rng.integers(2, 7))
        cases.append({"family": family, "bases": str(rng.choice(base_kinds)), "K": k, "d": d,
                      "seed": int(rng.integers(0, 2**31 - 1)),
                      "scales": np.exp(rng.uniform(math.log(0.05), math.log(5.0), size=k)),
                      "theta": float(rng.uniform(0.0, 20.0)),
                      "dynamics": str(rng.choice(("proj-align", "proj-adv", "rep-align", "rep-adv", "switching"))),
                      "lam0": rng.dirichlet(np.ones(k)), "x0": rng.uniform(-15.0, 15.0, size=d)})
    return sorted(cases, key=lambda c: (c["K"], c["d"]))


def _theorem8_trajectory(case: dict[str, Any], problem: problems.Problem, bases: flows.BaseDirections,
                         times: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x(t) and lambda(t) on ``times`` for a Theorem 8 case (coupled flow or adversarial switching)."""
    if case["dynamics"] == "switching":
        n_pieces = int(rng.integers(2, 12))
        switches = np.sort(rng.uniform(times[0], times[-1], size=n_pieces - 1))
        weights = rng.dirichlet(np.ones(case["K"]), size=n_pieces)
        switched = flows.integrate_switched_mixture(problem, bases, weights, switches, case["x0"], times,
                                                    method="LSODA", rtol=ODE_RTOL, atol=ODE_ATOL)
        if not switched.success:
            raise NumericalFailure(f"switching trajectory: {switched.message} ({_describe(case)})")
        return switched.x, switched.lam
    dynamics, score = READINGS[case["dynamics"]]
    flow = flows.CoupledFlow(problem, bases, weight_dynamics=dynamics, score=score, theta=case["theta"])
    sol = _integrate(flow, case["x0"], case["lam0"], float(times[-1]), times.size)
    if sol is None:
        raise NumericalFailure(f"every integrator failed ({_describe(case)})")
    if sol.method != INTEGRATORS[0]:
        case["integrator"] = sol.method
    return sol.x, sol.lam


@claim(
    id="trailmix.theorem8",
    title="Exponential convergence under PL along (101)–(102)",
    source="Theorem 8 (114), seed L978–L985; proof (115)–(119)",
    statement="f mu-PL, c(lambda) >= c_min > 0 on the invariant set: "
              "f(x(t)) - f_* <= (f(x(0)) - f_*) e^{-2 mu c_min t}.",
    kind="trajectory-bound",
)
def theorem8(ctx: Context) -> CheckResult:
    r""":math:`f(x(t)) - f_* \le (f(x_0) - f_*)e^{-2\mu c_{\min}t}` on dense trajectories, as an effective-rate bound.

    Trajectories (8 / 500): F-QUAD (:math:`\mu = \lambda_{\min}(A)`, d in 1..4)
    and F-PLNC (d in 1..2, :math:`\mu = 1/32` and the grid estimate
    :math:`\approx 0.1755` of the sharp constant, both recorded); B-SCALED
    (:math:`c_i \in [0.05, 5]`) or B-SPD (:math:`c_i = \lambda_{\min}(P_i)`);
    λ-dynamics (102) or the replicator with both scores (:math:`\theta \sim U[0, 20]`),
    or adversarial piecewise-constant switching (2..11 random pieces);
    :math:`x_0 \in [-15, 15]^d`; :math:`t \in [0, 30]` on 2001 dense points,
    LSODA (Radau / DOP853 fallback, named in the case)
    rtol :math:`10^{-10}`, atol :math:`10^{-12}`. Both readings of
    :math:`c_{\min}` are tested: :math:`\min_t c(\lambda(t))` on the grid and
    :math:`\min_ic_i`. Each bound is recorded as the effective rate
    :math:`\min_t -\log(\mathrm{gap}(t)/\mathrm{gap}(0))/t \ge 2\mu c_{\min}`
    (:func:`~proofs_checks.trailmix._coupled_helpers.effective_rate_row`; points below the floor
    :math:`10^{-8}\mathrm{gap}(0)` are not decidable and skipped, tolerance
    :math:`(10^{-7} + \text{floor}/\mathrm{gap})/t` in rate units), on the
    scale :math:`2\mu c_{\min}`. A figure shows the gaps against the bounds.
    """
    curves = theorem8_trajectories(ctx, ctx.pick(8, 500))["curves"]
    _rate_figure(ctx, "bound", np.linspace(0.0, 30.0, 2001), curves, "trailmix.theorem8")
    return ctx.result()


def theorem8_trajectories(ctx: Context, n: int, base_kinds: tuple[str, ...] = ("B-SCALED", "B-SPD"),
                          label_prefix: str = "") -> dict[str, Any]:
    """Record the Theorem 8 effective-rate comparisons for ``n`` trajectories.

    Returns ``{"violated": bool, "curves": [(description, gap ratio, claimed rate), ...]}``.
    """
    times = np.linspace(0.0, 30.0, 2001)
    mu_grid = _pl_grid_constant()
    ctx.note("F-PLNC PL constants", {"catalogue": 1 / 32, "grid estimate": mu_grid})
    curves, rows = [], []
    for case in _theorem8_cases(ctx.rng, n, base_kinds):
        ctx.check_deadline()
        problem = make_problem(case["family"], case["d"], case["seed"])
        bases = make_bases(case["bases"], case["K"], case["d"], case["seed"] + 1, case["scales"])
        xs, lams = _theorem8_trajectory(case, problem, bases, times, np.random.default_rng(case["seed"]))
        gaps = problem.gap(xs)
        c_path = float(np.min(lams @ bases.alignment))
        c_bases = float(np.min(bases.alignment))
        mus = {"mu": float(problem.mu)} if case["family"] == "F-QUAD" else {"mu=1/32": 1 / 32, "mu grid": mu_grid}
        floor = 1e-8 * float(gaps[0])
        desc = _describe(case, case["dynamics"] + (f", {case['integrator']}" if "integrator" in case else ""))
        for mu_name, mu in mus.items():
            for c_name, c_min in (("c_min = min_t c(lambda(t))", c_path), ("c_min = min_i c_i", c_bases)):
                row = effective_rate_row(times, gaps, 2 * mu * c_min, floor, f"{desc}; {mu_name}; {c_name}")
                if row is not None:
                    rows.append(row)
        curves.append((desc, gaps / max(gaps[0], 1e-300), 2 * float(next(iter(mus.values()))) * c_path))
    bad = sweep_rows(ctx, rows, ">=", f"{label_prefix}effective rate >= 2 mu c_min", rtol=1e-9)
    return {"violated": bool(bad.any()), "curves": curves}


def _rate_figure(ctx: Context, name: str, times: np.ndarray, curves: list[tuple[str, np.ndarray, float]],
                 claim_id: str, n_show: int = 6) -> None:
    """Normalised gaps against their exponential bounds (log scale)."""
    if ctx.out_dir is None or not curves:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for index, (desc, ratio, rate) in enumerate(curves[:n_show]):
        color = f"C{index}"
        positive = ratio > 0
        ax.semilogy(times[positive], ratio[positive], color=color, label=desc[:60])
        ax.semilogy(times, np.exp(-rate * times), color=color, linestyle="--", linewidth=1)
    ax.set_ylim(1e-12, 2.0)
    ax.set_xlabel("t")
    ax.set_ylabel("(f(x(t)) - f*) / (f(x(0)) - f*)")
    ax.set_title(f"{claim_id}: gap (solid) vs stated bound exp(-2 mu c_min t) (dashed)", fontsize=9)
    ax.legend(fontsize=6, loc="lower left")
    fig.tight_layout()
    fig.savefig(ctx.figure_path(name), dpi=110)
    plt.close(fig)
