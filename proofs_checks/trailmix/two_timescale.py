r"""TRAILMIX Appendix C — two-timescale adaptive mixtures.

Claims ``trailmix.theorem6`` (the two-timescale ODE limit, (94)–(100)) and
``trailmix.theorem6.fast-lyapunov`` (step 1 of its proof, (99)).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from proofs_checks.trailmix import _rates_helpers as rh
from theorylab import flows, problems
from theorylab.claims import CheckResult, Context, claim
from theorylab.testing.strategies import simplex_points

# --------------------------------------------------------------------------- Theorem 6


def _proxy_run(problem: problems.Problem, bases: flows.BaseDirections, lam0: np.ndarray, x0: np.ndarray,
               n_steps: int, noise_scale: float, seed: int) -> dict[str, Any]:
    r"""The recursion (94)–(95) with :math:`\alpha_t = (t+1)^{-0.6}`, :math:`\beta_t = (t+1)^{-0.9}` (A8), adv score.

    :func:`theorylab.flows.mixture_sgd` with a meta schedule (Euclidean
    projection of :math:`\lambda_t + \beta_th_t`, :math:`h_t` the advantage
    score of the same stochastic gradient).
    """
    trace = flows.mixture_sgd(problem, bases, lam0, x0, n_steps, flows.StepSchedule("polynomial", 1.0, 0.6),
                              noise_scale=noise_scale, seed=seed,
                              meta_schedule=flows.StepSchedule("polynomial", 1.0, 0.9), score="adv",
                              record_every=max(1, n_steps // 20))
    x_end = trace.x[-1, 0]
    return {"finite": bool(trace.finite[0]), "x_norm": np.linalg.norm(trace.x[:, 0], axis=1).tolist(),
            "steps": trace.steps.tolist(), "grad_norm_end": float(np.linalg.norm(problem.grad(x_end))),
            "lam_end": trace.lam[-1, 0].tolist(),
            "distance_to_x_star": (float(np.linalg.norm(x_end - problem.x_star))
                                   if problem.x_star is not None else None)}


@st.composite
def _logistic_cases(draw: st.DrawFn) -> dict[str, Any]:
    r"""F-LOG with B-SCALED bases: :math:`\|a\| \in [0.3, 3]`, :math:`d \in [1, 3]`, :math:`K \in [2, 4]`."""
    d = draw(st.integers(1, 3))
    k = draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    direction = rng.standard_normal(d)
    a = direction / np.linalg.norm(direction) * math.exp(rng.uniform(math.log(0.3), math.log(3.0)))
    c = np.exp(rng.uniform(math.log(0.05), math.log(5.0), size=k))
    return {"problem": problems.logistic(a), "c": c, "lam": draw(simplex_points(k, allow_zeros=True,
                                                                              include_vertices=False))}


@claim(
    id="trailmix.theorem6",
    title="Two-timescale ODE limit",
    source="Theorem 6 (97)–(98), seed L848–L856; A8 seed L834; A9 (96) seed L840; proof sketch L858–L875",
    statement="Under A5–A7, A8 (sum alpha = sum beta = inf, sum alpha^2, sum beta^2 < inf, beta/alpha -> 0) and A9, "
              "the interpolated trajectories of (94)–(95) converge a.s. to the internally chain-recurrent set of "
              "x' = -sum lambda_i d_i(x) (97), lambda' = Pi_{T_Delta(lambda)}(h(x, lambda)) (98), where for each "
              "fixed lambda the fast system has x*(lambda) as its equilibrium.",
    kind="stability",
)
def theorem6(ctx: Context) -> CheckResult:
    r"""An objective that satisfies every hypothesis and has no equilibrium of the fast system, plus proxies.

    Decisive part. F-LOG, :math:`f(x) = \log(1 + e^{-a^\top x})`, with B-SCALED
    bases :math:`d_i = c_i\nabla f` satisfies A5 (:math:`L = \|a\|^2/4`), A6
    (deterministic, :math:`\|d_i\| \le c_i\|a\|`), A7 (:math:`c_i > 0`), A8
    for :math:`\alpha_t = (t+1)^{-0.6}`, :math:`\beta_t = (t+1)^{-0.9}`, and A9
    (deterministic advantage score, locally Lipschitz). It is convex, so an
    equilibrium of (97), :math:`\sum_i\lambda_ic_i\nabla f(x) = 0`, is a
    minimiser; F-LOG has none (the engine's :class:`~theorylab.problems.Problem`
    records ``convex=True`` and no minimiser; :math:`\|\nabla f(x)\| = \|a\|\sigma(-a^\top x) > 0`).
    So the theorem's "the fast system has :math:`x^*(\lambda)` as its
    equilibrium" fails for every :math:`\lambda`, and — :math:`f` being a
    strict Lyapunov function of (97) off equilibria — the internally
    chain-recurrent set is empty, so no trajectory can converge to it.
    Cases (:func:`_logistic_cases`, 10 / 30, :math:`x_0 = 0`, 300 / 3000
    steps): one logical comparison per case,
    "(97) has an equilibrium for the drawn :math:`\lambda`" ``== True``, with
    the numbers that support it (:math:`\min\|\nabla f\|` along the proxy run
    > 0 and :math:`a^\top x_t` increasing, for every continuation since every
    increment :math:`\alpha_tc(\lambda_t)\|a\|^2\sigma(-a^\top x_t)` is positive
    and :math:`\sum\alpha_t = \infty`) recorded as comparisons too.

    Proxies (details only; the statement is asymptotic and almost sure):
    (94)–(95) with :math:`\alpha_t = (t+1)^{-0.6}`, :math:`\beta_t = (t+1)^{-0.9}`,
    Gaussian noise :math:`s \in \{0, 0.1\}`, :math:`T = 10^3` (quick) /
    :math:`10^4` (full), 2 / 4 seeds, on F-QUAD, F-PLNC, F-LOG (quick, B-SPD)
    and also F-PH, Booth, Griewank with B-SCALED (full): :math:`\|x_t\|` along the
    run, :math:`\|\nabla f(x_T)\|`, the distance to :math:`x^*` and
    :math:`\lambda_T`. Also reported: for Def. 3 scores with B-SCALED/B-SPD
    bases, :math:`h(x^*(\lambda), \lambda) = 0` wherever :math:`\nabla f(x^*) = 0`,
    so the slow system (100) is :math:`\dot\lambda = 0`.
    """
    n_steps = ctx.pick(300, 3_000)

    def logistic(case: dict[str, Any]) -> None:
        problem, c, lam = case["problem"], case["c"], case["lam"]
        bases = flows.scaled_bases(c, problem.dim)
        hyp = problem.hypotheses
        has_equilibrium = not (hyp.convex and len(problem.minimizers) == 0 and problem.x_star is None)
        x0 = np.zeros(problem.dim)
        trace = flows.mixture_sgd(problem, bases, lam, x0, n_steps, flows.StepSchedule("polynomial", 1.0, 0.6),
                                  meta_schedule=flows.StepSchedule("polynomial", 1.0, 0.9), score="adv")
        a = -problem.grad(np.zeros(problem.dim)) * 2.0  # grad f(0) = -a/2
        y = trace.x[:, 0] @ a
        grads = np.linalg.norm(problem.grad(trace.x[:, 0]), axis=1)
        ctx.compare(float(np.min(np.diff(y))), 0.0, ">", rtol=0.0, atol=0.0, scale=float(y[-1] - y[0]),
                    label="a.x_t strictly increasing along (94)-(95)")
        ctx.compare(float(np.min(grads)), 0.0, ">", rtol=0.0, atol=0.0, scale=float(grads[0]),
                    label="||grad f(x_t)|| > 0 along the run")
        ctx.compare(bool(has_equilibrium), True, "==", label="(97) has an equilibrium x*(lambda)")
        ctx.note("F-LOG proxy: a.x_t at t = T/100, T/10, T", [float(y[n_steps // 100]), float(y[n_steps // 10]),
                                                               float(y[-1])])

    ctx.search(logistic, _logistic_cases(), label="F-LOG, B-SCALED (A5–A9 hold)", max_examples=ctx.pick(10, 30))

    rng = np.random.default_rng([ctx.seed, 6])
    proxies: dict[str, Any] = {}
    n_proxy = ctx.pick(1_000, 10_000)
    for family in ctx.pick(("quad", "plnc", "log"), ("quad", "plnc", "ph", "booth", "griewank", "log")):
        d = 2
        problem, _ = rh.make_problem(family, rng, d)
        for kind in ctx.pick(("spd",), ("scaled", "spd")):
            p = rh.make_preconditioners(kind, rng, 3, d)
            bases = flows.scaled_bases(p[:, 0, 0], d) if kind == "scaled" else flows.preconditioned_bases(p)
            runs = []
            for seed in range(ctx.pick(2, 4)):
                x0 = rng.uniform(-5.0, 5.0, size=d) + (problem.x_star if problem.x_star is not None else 0.0)
                runs.append(_proxy_run(problem, bases, np.full(3, 1.0 / 3.0), x0, n_proxy, 0.1 * (seed % 2), seed))
            proxies[f"{problem.name}, B-{kind.upper()}"] = {
                "bounded (max ||x_t||)": max(max(r["x_norm"]) for r in runs),
                "||grad f(x_T)||": [r["grad_norm_end"] for r in runs],
                "distance to x*": [r["distance_to_x_star"] for r in runs],
                "lambda_T": [r["lam_end"] for r in runs],
            }
            if problem.x_star is not None:
                flow = flows.CoupledFlow(problem, bases, weight_dynamics="proj", score="adv", theta=1.0)
                proxies[f"{problem.name}, B-{kind.upper()}"]["h(x*, lambda) (slow system (100))"] = \
                    flow.scores(problem.x_star, np.full(3, 1.0 / 3.0)).tolist()
    ctx.note("proxy runs (94)-(95), alpha_t = (t+1)^-0.6, beta_t = (t+1)^-0.9", proxies)
    return ctx.result()


# --------------------------------------------------------------------------- (99)


@st.composite
def _fast_states(draw: st.DrawFn) -> dict[str, Any]:
    r"""States of the fast system: objective, bases with known alignment constants, weights, x.

    F-QUAD (incl. indefinite), F-PLNC, F-SP, F-PH, F-LOG, the App. R.5
    surfaces; B-SCALED (:math:`c_i \in [0.05, 5]`, equality in (99)), constant
    B-SPD (eigenvalues in [0.05, 5]) or state-dependent B-SPD
    :math:`P_i(x) = M_i(x)M_i(x)^\top + c_iI` with smooth :math:`M_i` (alignment
    :math:`\underline\lambda_i = c_i`); :math:`x \in [-5, 5]^d`, :math:`\lambda`
    with faces and vertices.
    """
    family = draw(st.sampled_from(("quad", "quad-indefinite", "plnc", "sp", "ph", "log", "surface")))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    if family == "surface":
        problem = list(problems.surfaces().values())[draw(st.integers(0, 4))]
        d = 2
    else:
        d = draw(st.integers(1, 4))
        if family == "quad-indefinite":
            q = rh.rotation(rng, d)
            eig = rng.uniform(-10.0, 10.0, size=d)
            a = (q * eig) @ q.T
            problem = problems.quadratic(0.5 * (a + a.T))
        elif family == "sp":
            problem = problems.softplus_sum(rng.uniform(-2.0, 2.0, size=d + 2) + 0.01, rng.standard_normal((d + 2, d)))
        else:
            problem, _ = rh.make_problem(family, rng, d)
    k = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(("scaled", "spd", "state-dependent")))
    if kind == "scaled":
        bases = flows.scaled_bases(np.exp(rng.uniform(math.log(0.05), math.log(5.0), size=k)), d)
    elif kind == "spd":
        bases = flows.preconditioned_bases(rh.make_preconditioners("spd", rng, k, d))
    else:
        floors = np.exp(rng.uniform(math.log(0.05), math.log(1.0), size=k))
        weights = rng.standard_normal((k, d, d))

        def precond(x: np.ndarray, w: np.ndarray = weights, c: np.ndarray = floors) -> np.ndarray:
            m = np.sin(x[:, None, :, None] + w[None]) * w[None]  # smooth in x
            return np.einsum("nkij,nklj->nkil", m, m) + c[None, :, None, None] * np.eye(d)[None, None]

        bases = flows.preconditioned_bases(precond, dim=d, alignment=floors)
    lam = draw(simplex_points(k, allow_zeros=True)) if k > 1 else np.ones(1)
    return {"problem": problem, "bases": bases, "lam": lam, "x": rng.uniform(-5.0, 5.0, size=d),
            "family": family, "kind": kind}


@claim(
    id="trailmix.theorem6.fast-lyapunov",
    title="f is a Lyapunov function of the fast system (99)",
    source="Proof of Theorem 6, step 1, (99), seed L858–L860",
    statement="For fixed lambda along x' = -sum lambda_i d_i(x): V' = <grad f(x), x'> = -sum lambda_i <grad f(x), "
              "d_i(x)> <= -c(lambda) ||grad f(x)||^2 <= 0.",
    kind="inequality",
)
def theorem6_fast_lyapunov(ctx: Context) -> CheckResult:
    r"""(99) at random states, from the engine's chain rule and from an independent inner product.

    .. math::

        \dot V = \langle\nabla f(x), \dot x\rangle = -\sum_i\lambda_i\langle\nabla f(x), d_i(x)\rangle
        \le -c(\lambda)\|\nabla f(x)\|^2 \le 0, \qquad c(\lambda) = \sum_i\lambda_ic_i .

    States (:func:`_fast_states`, 100 / 5000): deterministic bases that satisfy
    A7 with known constants (B-SCALED, constant B-SPD with
    :math:`c_i = \lambda_{\min}(P_i)`, state-dependent B-SPD with
    :math:`c_i = \inf_x\lambda_{\min}(P_i(x))`). :math:`\dot V` is taken from
    :func:`theorylab.flows.lyapunov_rates` (fixed weights) and compared, as an
    identity (rtol :math:`10^{-12}`), with
    :math:`-\sum_i\lambda_i\langle\nabla f, d_i\rangle` computed here; then
    :math:`\dot V \le -c(\lambda)\|\nabla f\|^2` (rtol :math:`10^{-10}`; slack and
    tightening relative to :math:`c(\lambda)\|\nabla f\|^2`, attained with
    equality by B-SCALED) and :math:`-c(\lambda)\|\nabla f\|^2 \le 0`. At the
    full tier a vectorised sweep of :math:`10^5` states per base kind on F-QUAD.
    """

    def check(case: dict[str, Any]) -> None:
        problem, bases, lam, x = case["problem"], case["bases"], case["lam"], case["x"]
        flow = flows.CoupledFlow(problem, bases, weight_dynamics="fixed", theta=0.0)
        rates = flows.lyapunov_rates(flow, x, lam, 0.0)
        g = problem.grad(x)
        directions = bases(x, g)
        direct = -float(lam @ (directions @ g))
        bound = -float(lam @ bases.alignment) * float(g @ g)
        ctx.event(f"{case['family']}, {case['kind']}")
        ctx.compare(rates.objective_rate, direct, "==", rtol=1e-12, atol=1e-14 * max(1.0, abs(direct)),
                    label="engine chain rule vs -sum lambda_i <grad f, d_i>")
        ctx.compare(direct, bound, "<=", rtol=1e-10, atol=0.0, scale=max(abs(bound), 1e-300),
                    label="V' <= -c(lambda) ||grad f||^2")
        ctx.compare(bound, 0.0, "<=", rtol=0.0, atol=0.0, scale=max(abs(bound), 1e-300),
                    label="-c(lambda) ||grad f||^2 <= 0")

    ctx.search(check, _fast_states(), label="fast-system states", max_examples=ctx.pick(100, 5000))
    if ctx.budget == "full":
        rng = ctx.rng
        for kind in ("scaled", "spd"):
            d, k, n = 3, 3, 100_000
            a = rh.spd_from_rng(rng, d, 1e-2, 1e2)
            p = rh.make_preconditioners(kind, rng, k, d)
            lam = rng.dirichlet(np.ones(k), size=n)
            xs = rng.uniform(-5.0, 5.0, size=(n, d))
            g = xs @ a
            rate = -np.einsum("nk,nk->n", lam, np.einsum("kij,nj,ni->nk", p, g, g))
            bound = -(lam @ np.linalg.eigvalsh(p)[:, 0]) * np.sum(g * g, axis=1)
            ctx.sweep(rate, bound, "<=", rtol=1e-10, atol=0.0, scale=np.abs(bound),
                      label=f"1e5 states, F-QUAD, B-{kind.upper()}")
    return ctx.result()
