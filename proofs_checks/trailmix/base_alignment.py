r"""TRAILMIX Appendix G — alignment of common bases (GD, EMA momentum, Adam).

Claims ``trailmix.lemma12`` (GD, :math:`c_{GD} = 1`), ``trailmix.lemma13``
(momentum alignment), ``trailmix.lemma13.geometric`` (the geometric sum
(178)), ``trailmix.lemma14`` (Adam alignment constant (183)) and
``trailmix.eq182.eps-inside`` / ``trailmix.eq182.eps-outside`` (the
preconditioner bounds (182) in both :math:`\varepsilon` conventions), with
``trailmix.eq182.eps-inside.corrected``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from proofs_checks.trailmix._stochastic_helpers import (
    AlignmentRun,
    TwoPointLaw,
    adam_run,
    gradient_variation,
    momentum_run,
)
from theorylab import flows, problems
from theorylab.claims import CheckResult, Context, NumericalFailure, claim
from theorylab.problems import Problem
from theorylab.testing.strategies import box_vectors, log_uniform

# --------------------------------------------------------------------------- objectives

#: The App. R.5 surfaces (F-SURF) and their start box [-2, 2]^2 (Rosenbrock also from (-1.2, 1)).
SURFACES = ("rosenbrock", "booth", "griewank", "himmelblau", "three_hump_camel")


@st.composite
def _objective_specs(draw: st.DrawFn, families: tuple[str, ...], max_dim: int = 4,
                     max_condition: float = 1e3) -> dict[str, Any]:
    r"""A JSON-describable objective: F-QUAD (cond up to ``max_condition``), F-PLNC, F-PH, or an F-SURF surface."""
    family = draw(st.sampled_from(families))
    if family == "quadratic":
        dim = draw(st.integers(1, max_dim))
        low = draw(log_uniform(1e-2, 1.0))
        return {"family": family, "dim": dim, "eig_low": low,
                "eig_high": low * draw(log_uniform(1.0, max_condition)), "seed": draw(st.integers(0, 2**31 - 1))}
    if family == "pl_nonconvex":
        return {"family": family, "dim": draw(st.integers(1, max_dim))}
    if family == "pseudo_huber":
        return {"family": family, "dim": draw(st.integers(1, max_dim)), "scale": draw(log_uniform(0.1, 100.0)),
                "width": draw(log_uniform(0.1, 100.0))}
    return {"family": family, "dim": 2}


def build_objective(spec: dict[str, Any]) -> Problem:
    """The :class:`~theorylab.problems.Problem` described by a spec of :func:`_objective_specs`."""
    family = spec["family"]
    if family == "quadratic":
        return problems.random_quadratic(np.random.default_rng(spec["seed"]), spec["dim"], spec["eig_low"],
                                         spec["eig_high"])
    if family == "pl_nonconvex":
        return problems.pl_nonconvex(spec["dim"])
    if family == "pseudo_huber":
        return problems.pseudo_huber(spec["scale"], spec["width"], spec["dim"])
    return getattr(problems, family)()


_SMOOTHNESS_CACHE: dict[str, float] = {}


def smoothness_on_box(problem: Problem, half_width: float = 2.5) -> float:
    r"""The global :math:`L` where known, else the largest Hessian norm on a 61-point grid of the start box.

    Surfaces without a global :math:`L` (Rosenbrock, Himmelblau, three-hump camel) get the local estimate
    on :math:`[-2.5, 2.5]^2`, the box that contains the start points :math:`[-2, 2]^2`.
    """
    if problem.L is not None:
        return float(problem.L)
    if problem.name not in _SMOOTHNESS_CACHE:
        axis = np.linspace(-half_width, half_width, 61)
        grid = np.stack(np.meshgrid(*([axis] * problem.dim)), axis=-1).reshape(-1, problem.dim)
        _SMOOTHNESS_CACHE[problem.name] = problems.estimate_smoothness_constant(problem, grid)
    return _SMOOTHNESS_CACHE[problem.name]


def _start_point(draw: st.DrawFn, spec: dict[str, Any]) -> np.ndarray:
    if spec["family"] == "rosenbrock" and draw(st.booleans()):
        return np.array([-1.2, 1.0])
    half = 2.0 if spec["family"] in SURFACES else 5.0
    return draw(box_vectors(spec["dim"], -half, half))


# --------------------------------------------------------------------------- Lemma 12


@st.composite
def _gradient_cases(draw: st.DrawFn) -> dict[str, Any]:
    spec = draw(_objective_specs(("quadratic", "pl_nonconvex", "pseudo_huber", *SURFACES)))
    return {"objective": spec, "x": _start_point(draw, spec)}


@claim(
    id="trailmix.lemma12",
    title="GD alignment c_GD = 1",
    source="Lemma 12 (169), seed L1341–L1347",
    statement="d^GD(x) = grad f(x) satisfies <grad f, d^GD> = ||grad f||^2, i.e. alignment with c_GD = 1.",
    kind="identity",
)
def lemma12(ctx: Context) -> CheckResult:
    r"""The GD base direction and the identity (169), on random gradients of the test objectives.

    .. math::

        \langle\nabla f(x), d^{GD}(x)\rangle = \|\nabla f(x)\|^2,\qquad
        c_{GD} = \frac{\langle\nabla f(x), d^{GD}(x)\rangle}{\|\nabla f(x)\|^2} = 1 .

    The direction is the engine's GD base :func:`theorylab.flows.scaled_bases`
    with :math:`c = 1`; the inner product is a correctly rounded
    ``math.fsum`` of the products, the squared norm ``numpy.linalg.norm``
    squared (two different computations). Objectives: F-QUAD
    (:math:`d \le 4`, condition up to :math:`10^3`), F-PLNC, F-PH and the
    five F-SURF surfaces; :math:`x` uniform in :math:`[-5, 5]^d` (surfaces
    :math:`[-2, 2]^2`). Tolerance: the catalogue's relative :math:`10^{-10}`
    for identities (absolute :math:`10^{-12}` for a zero gradient); the
    ratio :math:`c_{GD}` is compared with 1 on the scale 1 where
    :math:`\nabla f \ne 0`.
    """

    def check(case: dict[str, Any]) -> None:
        problem = build_objective(case["objective"])
        x = np.asarray(case["x"], dtype=float)
        grad = problem.grad(x).reshape(-1)
        direction = flows.scaled_bases([1.0], problem.dim)(x.reshape(-1), grad)[0]
        inner = math.fsum(grad * direction)
        norm_sq = float(np.linalg.norm(grad)) ** 2
        ctx.compare(inner, norm_sq, "==", rtol=1e-10, atol=1e-12, label="<grad f, d_GD> = ||grad f||^2")
        if norm_sq > 0:
            ctx.compare(inner / norm_sq, 1.0, "==", rtol=1e-10, atol=0.0, scale=1.0, label="c_GD = 1")
        ctx.event(case["objective"]["family"])

    ctx.search(check, _gradient_cases(), label="gradients of F-QUAD, F-PLNC, F-PH, F-SURF",
               max_examples=ctx.pick(200, 5000))
    return ctx.result()


# --------------------------------------------------------------------------- Lemma 13


@st.composite
def _momentum_cases(draw: st.DrawFn, indexing: str) -> dict[str, Any]:
    r"""Momentum runs: F-QUAD (cond up to 1e3) or F-SURF, β ∈ {0.5, 0.9, 0.99}, α log-uniform in [1e-3, 2/L]."""
    spec = draw(_objective_specs(("quadratic", *SURFACES)))
    top = 2.0 / smoothness_on_box(build_objective(spec))
    noisy = draw(st.booleans())
    return {
        "objective": spec,
        "indexing": indexing,
        "beta": draw(st.sampled_from((0.5, 0.9, 0.99))),
        "step": draw(log_uniform(min(1e-3, 1e-3 * top), top)),
        "noise_scale": draw(st.floats(0.0, 1.0)) if noisy else 0.0,
        "noise_seed": draw(st.integers(0, 2**31 - 1)),
        "x0": _start_point(draw, spec),
    }


def _run_is_bounded(run: AlignmentRun) -> bool:
    r"""The hypothesis "bounded gradient variation along trajectories": finite, :math:`\sup\|\nabla f\|` bounded.

    A run counts as bounded when it stays finite and
    :math:`\sup_t\|\nabla f(x_t)\| \le 10^3\max(1, \|\nabla f(x_0)\|)`.
    """
    norms = run.grad_norms[np.isfinite(run.grad_norms)]
    return run.finite and norms.size == run.grad_norms.size and float(np.max(norms)) <= 1e3 * max(1.0, norms[0])


def _infimum_of_ratios(run: AlignmentRun, exact_zero_allowed: bool) -> tuple[float, int]:
    r""":math:`\min_t r_t` over the steps with :math:`\|\nabla f(x_t)\| > 10^{-8}\|\nabla f(x_0)\|`, and its :math:`t`.

    Raises :class:`NumericalFailure` when the minimum is within its rounding
    bound of 0 without being an exact zero (``m_0 = 0`` in the (171) reading).
    """
    active = run.grad_norms > 1e-8 * run.grad_norms[0]
    t = int(np.flatnonzero(active)[np.argmin(run.ratios[active])])
    value = float(run.ratios[t])
    if abs(value) <= run.rounding[t] and not (exact_zero_allowed and value == 0.0):
        raise NumericalFailure(f"inf_t r_t = {value:.3g} at t = {t} is within its rounding bound {run.rounding[t]:.3g}")
    return value, t


def _momentum_search(ctx: Context, indexing: str, n_steps: int, witnesses: dict[str, Any]) -> None:
    def check(case: dict[str, Any]) -> None:
        problem = build_objective(case["objective"])
        ctx.assume(bool(np.any(problem.grad(case["x0"]) != 0)))  # a stationary start: the ratio is undefined
        run = momentum_run(problem, case["x0"], case["step"], case["beta"], n_steps, indexing=indexing,
                           noise_scale=case["noise_scale"], seed=case["noise_seed"])
        ctx.assume(_run_is_bounded(run))
        infimum, t_min = _infimum_of_ratios(run, exact_zero_allowed=indexing == "m_t")
        variation = gradient_variation(run.grads, case["beta"])
        ctx.compare(infimum, 0.0, ">", rtol=0.0, atol=0.0, scale=1.0,
                    label=f"inf_t r_t > 0, direction {indexing}")
        ctx.event(f"{indexing}: inf r_t {'> 0' if infimum > 0 else '<= 0'}")
        if infimum <= 0:
            witnesses[indexing] = {
                "t of inf r_t": t_min, "r_t": infimum, "||grad f(x_t)||": float(run.grad_norms[t_min]),
                "||grad f(x_0)||": float(run.grad_norms[0]),
                "sup_t eps_t (174)": float(np.max(variation)),
                "sup_t eps_t / ||grad f(x_0)||": float(np.max(variation) / run.grad_norms[0]),
                "fraction of steps with r_t <= 0": float(np.mean(run.ratios[np.isfinite(run.ratios)] <= 0)),
            }

    ctx.search(check, _momentum_cases(indexing), label=f"momentum runs, direction {indexing}",
               max_examples=ctx.pick(40, 1000))


@claim(
    id="trailmix.lemma13",
    title="Momentum (EMA) methods satisfy alignment with a constant c_mom > 0",
    source="Def. 7 (170) seed L1352–L1356; Lemma 13 seed L1359–L1361; proof (171)–(178)",
    statement=(
        "m_{t+1} = beta m_t + (1 - beta) g_t, beta in [0, 1). Under mild conditions (bounded gradient variation along "
        "trajectories): <grad f(x_t), E[m_t | F_t]> >= c_mom ||grad f(x_t)||^2 for all t with some c_mom > 0, "
        "m_t = (1 - beta) sum_{tau<t} beta^{t-1-tau} g(x_tau, xi_tau) (171)."
    ),
    kind="inequality",
)
def lemma13(ctx: Context) -> CheckResult:
    r"""Alignment ratios of EMA momentum along its own trajectories; the claim needs :math:`\inf_t r_t > 0`.

    .. math::

        r_t = \frac{\langle\nabla f(x_t), \mathbb E[m\mid\mathcal F_t]\rangle}{\|\nabla f(x_t)\|^2},
        \qquad \exists\, c_{mom} > 0:\ r_t \ge c_{mom}\ \forall t
        \iff \inf_t r_t > 0 .

    Both indexings of the direction (one search each; the run steps along the
    direction it is scored with): ``m_t+1`` (the update includes :math:`g_t`,
    :math:`\mathbb E[m_{t+1}\mid\mathcal F_t] = \beta m_t + (1-\beta)\nabla f(x_t)`,
    :math:`x_{t+1} = x_t - \alpha m_{t+1}`) and ``m_t`` ((171), excluding
    :math:`g_t`; :math:`m_0 = 0`, so :math:`r_0 = 0` exactly,
    :math:`x_{t+1} = x_t - \alpha m_t`). :math:`r_t` is recorded for every
    :math:`t` including :math:`t = 0`, over the steps where
    :math:`\|\nabla f(x_t)\| > 10^{-8}\|\nabla f(x_0)\|` (below, the ratio is
    round-off).

    Domain (catalogue): :math:`\beta \in \{0.5, 0.9, 0.99\}`; :math:`\alpha`
    log-uniform in :math:`[10^{-3}, 2/L]` (:math:`[10^{-3}\cdot 2/L, 2/L]` when
    :math:`2/L < 10^{-3}`; :math:`L` global where known, else the largest
    Hessian norm on :math:`[-2.5, 2.5]^2`); F-QUAD (:math:`d \le 4`, condition
    up to :math:`10^3`) and F-SURF from :math:`[-2, 2]^2` (and Rosenbrock's
    :math:`(-1.2, 1)`); deterministic and noisy (:math:`\xi\sim N(0, s^2I)`,
    :math:`s \in [0, 1]`); :math:`T = 200` (quick) / 2000 (full) steps; 40 /
    1000 runs per indexing.

    Hypothesis "bounded gradient variation": a run is used only if it stays
    finite with :math:`\sup_t\|\nabla f(x_t)\| \le 10^3\max(1, \|\nabla f(x_0)\|)`
    (others are discarded, not counted); the variation :math:`\epsilon_t`
    of (174) of a violating run is in the details.

    Comparison: :math:`\inf_t r_t > 0`, exact (a value within the rounding
    bound :math:`4d\varepsilon\|m\|/\|\nabla f\|` of 0 that is not an exact
    zero makes the example invalid). Scale 1 (the ratio of GD).
    """
    n_steps = ctx.pick(200, 2000)
    witnesses: dict[str, Any] = {}
    for indexing in ("m_t+1", "m_t"):
        _momentum_search(ctx, indexing, n_steps, witnesses)
    for indexing, info in witnesses.items():
        ctx.note(f"last violating run, direction {indexing}", info)
    return ctx.result()


# --------------------------------------------------------------------------- Lemma 13, (178)


def _geometric_identity_sweep(beta: float, t_max: int) -> tuple[np.ndarray, np.ndarray, bool]:
    r"""Both sides of (178) for :math:`t = 1..t_{\max}`, exactly in integers, rounded once.

    With :math:`\beta = p/q` exactly (a float is a dyadic rational),
    :math:`q^t(1-\beta)\sum_{\tau<t}\beta^{t-1-\tau} = (q - p)\sum_{k<t}p^kq^{t-1-k}` and
    :math:`q^t(1 - \beta^t) = q^t - p^t`; the left sum is accumulated term by
    term (as written), the right side from the powers. Returns the two sides
    (correctly rounded quotients) and whether they are equal as integers for
    every :math:`t`.
    """
    p, q = beta.as_integer_ratio()
    lhs = np.empty(t_max)
    rhs = np.empty(t_max)
    total, q_pow, p_pow = 0, 1, 1
    all_equal = True
    for t in range(1, t_max + 1):
        total = q * total + p_pow  # sum_{k<t} p^k q^{t-1-k}
        p_pow *= p
        q_pow *= q
        left, right = (q - p) * total, q_pow - p_pow
        all_equal &= left == right
        lhs[t - 1] = left / q_pow
        rhs[t - 1] = right / q_pow
    return lhs, rhs, all_equal


@claim(
    id="trailmix.lemma13.geometric",
    title="Geometric-sum identity (178)",
    source="(177)–(178), seed L1384–L1387",
    statement="(1 - beta) sum_{tau=0}^{t-1} beta^{t-1-tau} = 1 - beta^t.",
    kind="identity",
)
def lemma13_geometric(ctx: Context) -> CheckResult:
    r"""(178) exactly, for every :math:`t \le 10^3` (quick) / :math:`10^4` (full), and symbolically.

    .. math::

        (1-\beta)\sum_{\tau=0}^{t-1}\beta^{t-1-\tau} = 1 - \beta^t,\qquad \beta\in[0,1),\ t \ge 1 .

    For each :math:`\beta` (0, 1/2, 0.9, 0.99, 0.999, :math:`1 - 2^{-20}`,
    and random draws from ``ctx.rng``; 12 in quick, 40 in full), both sides
    are computed in exact integer arithmetic (:func:`_geometric_identity_sweep`)
    and recorded as a sweep of the correctly rounded values (tolerance: the
    catalogue's relative :math:`10^{-10}`, absolute :math:`10^{-12}`; both
    sides are in :math:`(0, 1]`, so the default scale is their size) and as an
    exact logical comparison. Symbolically, sympy sums the left side for a
    symbolic :math:`\beta` and :math:`t` and simplifies the difference to 0.
    """
    import sympy

    t_max = ctx.pick(1_000, 10_000)
    fixed = [0.0, 0.5, 0.9, 0.99, 0.999, 1.0 - 2.0**-20]
    betas = fixed + [float(b) for b in ctx.rng.uniform(0.0, 1.0, size=ctx.pick(6, 34))]
    for beta in betas:
        lhs, rhs, exact = _geometric_identity_sweep(beta, t_max)
        ctx.sweep(lhs, rhs, "==", rtol=1e-10, atol=1e-12, examples={"t": np.arange(1, t_max + 1)},
                  label=f"beta = {beta!r}")
        ctx.compare(exact, True, "==", label=f"exact integer identity for all t <= {t_max}, beta = {beta!r}")
    beta_s = sympy.Symbol("beta", positive=True)
    t_s, tau = sympy.symbols("t tau", integer=True, positive=True)
    left = sympy.summation((1 - beta_s) * beta_s ** (t_s - 1 - tau), (tau, 0, t_s - 1))
    difference = sympy.piecewise_fold(sympy.simplify(left - (1 - beta_s**t_s)))
    # sympy splits off the branch beta = 1, which lies outside [0, 1); the identity is the general branch
    general = difference.args[-1][0] if isinstance(difference, sympy.Piecewise) else difference
    ctx.note("sympy: summed left side minus (1 - beta^t), general branch", str(general))
    ctx.compare(bool(sympy.simplify(general) == 0), True, "==",
                label="sympy: (178) simplifies to 0 for symbolic beta != 1 and t")
    return ctx.result()


# --------------------------------------------------------------------------- Lemma 14


@st.composite
def _adam_cases(draw: st.DrawFn) -> dict[str, Any]:
    r"""Adam runs (catalogue): F-SURF and ill-conditioned F-QUAD (d = 2), lr and betas grids, both ε conventions."""
    spec = draw(_objective_specs(("quadratic", *SURFACES), max_dim=2, max_condition=1e3))
    if spec["family"] == "quadratic":
        spec = {**spec, "dim": 2}
    noisy = draw(st.booleans())
    case = {
        "objective": spec,
        "lr": draw(st.sampled_from((1e-3, 5e-3, 1e-2, 1e-1, 1.0))),
        "betas": draw(st.sampled_from(((0.9, 0.999), (0.9, 0.99), (0.5, 0.9)))),
        "eps": 1e-8,
        "eps_inside": draw(st.booleans()),
        "x0": _start_point(draw, spec),
        "noise": None,
        "noise_seed": draw(st.integers(0, 2**31 - 1)),
    }
    if noisy:
        angle = draw(st.floats(0.0, 2 * math.pi))
        case["noise"] = {"high": draw(log_uniform(1e-3, 1.0)), "prob_high": draw(st.floats(0.05, 0.5)),
                         "direction": [math.cos(angle), math.sin(angle)]}
    return case


@claim(
    id="trailmix.lemma14",
    title="Adam satisfies alignment with c_Adam >= (1 - beta_1)/(g_max + eps)",
    source="Def. 8 (179)–(180) seed L1393–L1399; Lemma 14 seed L1401–L1403; proof sketch (181)–(183)",
    statement=(
        "Under bounded gradients and slowly varying second moments, Adam satisfies alignment with some c_Adam > 0, "
        "with (183) c_Adam >= (1 - beta_1)/(g_max + eps) where g_min^2 <= v_hat_{t,i} <= g_max^2."
    ),
    kind="inequality",
)
def lemma14(ctx: Context) -> CheckResult:
    r"""The alignment constant of Adam along its runs against the bound (183).

    .. math::

        c_{Adam} = \inf_t \frac{\langle\nabla f(x_t), \mathbb E[d_t\mid\mathcal F_t]\rangle}{\|\nabla f(x_t)\|^2}
        \ \ge\ \frac{1-\beta_1}{g_{\max} + \varepsilon},\qquad
        g_{\max}^2 = \max_{t,i}\hat v_{t,i}\ \text{along the run}.

    Adam as in Def. 8 (bias-corrected moments updated with :math:`g_t`, then
    :math:`x_{t+1} = x_t - \mathrm{lr}\,d_t`), with :math:`\varepsilon`
    inside the square root (Def. 8, (181)) or outside (PyTorch), drawn per
    run. Domain (catalogue, as ``trailmix.remark1.adam``): F-SURF and
    ill-conditioned F-QUAD (:math:`d = 2`, condition up to :math:`10^3`);
    lr :math:`\in \{10^{-3}, 5\cdot10^{-3}, 10^{-2}, 0.1, 1\}`; betas
    :math:`\in \{(0.9, 0.999), (0.9, 0.99), (0.5, 0.9)\}`;
    :math:`\varepsilon = 10^{-8}`; starts uniform in :math:`[-2, 2]^2` (and
    :math:`(-1.2, 1)` for Rosenbrock); deterministic, or with zero-mean
    two-point gradient noise along a fixed direction, where
    :math:`\mathbb E[d_t\mid\mathcal F_t]` is exact (both atoms evaluated from
    the same state). :math:`T = 300` (quick) / 5000 (full) steps; 40 / 600
    runs. Steps with :math:`\|\nabla f(x_t)\| \le 10^{-8}\|\nabla f(x_0)\|`
    are skipped (round-off).

    Hypotheses: "bounded gradients" — runs that leave
    :math:`\sup_t\|\nabla f\| \le 10^3\max(1, \|\nabla f(x_0)\|)` or become
    non-finite are discarded; "slowly varying second moments" is not
    quantified in the paper: the largest relative one-step change of
    :math:`\hat v` is reported for the violating run.

    Tolerance: relative :math:`10^{-10}` (an infimum within its rounding
    bound of the bound is invalid); scale: the right side.
    """
    n_steps = ctx.pick(300, 5000)
    witness: dict[str, Any] = {}

    def check(case: dict[str, Any]) -> None:
        problem = build_objective(case["objective"])
        ctx.assume(bool(np.any(problem.grad(case["x0"]) != 0)))  # a stationary start: the ratio is undefined
        beta1, beta2 = case["betas"]
        noise = None if case["noise"] is None else TwoPointLaw(case["noise"]["high"], case["noise"]["prob_high"])
        direction = None if case["noise"] is None else np.asarray(case["noise"]["direction"])
        run = adam_run(problem, case["x0"], case["lr"], beta1, beta2, case["eps"], n_steps,
                       eps_inside=case["eps_inside"], noise=noise, noise_direction=direction, seed=case["noise_seed"])
        ctx.assume(_run_is_bounded(run))
        infimum, t_min = _infimum_of_ratios(run, exact_zero_allowed=False)
        g_max = math.sqrt(run.second_moment_max)
        bound = (1.0 - beta1) / (g_max + case["eps"])
        ctx.compare(infimum, bound, ">=", rtol=1e-10, atol=0.0, label="inf_t r_t >= (1 - beta_1)/(g_max + eps)")
        ctx.event("eps inside sqrt" if case["eps_inside"] else "eps outside sqrt")
        ctx.event("inf r_t <= 0" if infimum <= 0 else "inf r_t > 0")
        if infimum < bound:
            finite_ratios = run.ratios[np.isfinite(run.ratios)]
            witness.update({"t of inf r_t": t_min, "r_t": infimum, "bound (183)": bound, "g_max": g_max,
                            "max relative one-step change of v_hat": run.second_moment_change,
                            "fraction of steps with r_t <= 0": float(np.mean(finite_ratios <= 0))})

    ctx.search(check, _adam_cases(), label="Adam runs", max_examples=ctx.pick(40, 600))
    if witness:
        ctx.note("last violating run", witness)
    return ctx.result()


# --------------------------------------------------------------------------- (182)

#: The catalogue's epsilon grid for (182).
EPSILONS = (1e-8, 1e-6, 1e-3, 1e-2, 0.1, 1.0)


@st.composite
def _preconditioner_cases(draw: st.DrawFn) -> dict[str, Any]:
    r""":math:`g_{\min} \le g_{\max}` log-uniform in [1e-4, 1e3], ε from the grid, :math:`\hat v` anywhere."""
    a, b = draw(log_uniform(1e-4, 1e3)), draw(log_uniform(1e-4, 1e3))
    return {"g_min": min(a, b), "g_max": max(a, b), "eps": draw(st.sampled_from(EPSILONS)),
            "v_hat": draw(st.sampled_from(("g_min^2", "g_max^2", "inside"))), "position": draw(st.floats(0.0, 1.0))}


def _preconditioner_sides(case: dict[str, Any], entry: str, bounds: str) -> tuple[float, float, float]:
    r"""``(lower, P_ii, upper)`` in 50-digit arithmetic, rounded once to float64.

    ``entry``: ``"inside"`` :math:`1/\sqrt{\hat v + \varepsilon}`, ``"outside"``
    :math:`1/(\sqrt{\hat v} + \varepsilon)`. ``bounds``: ``"stated"`` (182)
    :math:`1/(g_{\max}+\varepsilon)`, :math:`1/(g_{\min}+\varepsilon)`;
    ``"corrected"`` :math:`1/\sqrt{g_{\max}^2+\varepsilon}`, :math:`1/\sqrt{g_{\min}^2+\varepsilon}`.
    """
    import mpmath

    with mpmath.workdps(50):
        g_min, g_max, eps = (mpmath.mpf(case[k]) for k in ("g_min", "g_max", "eps"))
        v_hat = {"g_min^2": g_min**2, "g_max^2": g_max**2}.get(
            case["v_hat"], g_min**2 + mpmath.mpf(case["position"]) * (g_max**2 - g_min**2))
        value = 1 / mpmath.sqrt(v_hat + eps) if entry == "inside" else 1 / (mpmath.sqrt(v_hat) + eps)
        if bounds == "stated":
            lower, upper = 1 / (g_max + eps), 1 / (g_min + eps)
        else:
            lower, upper = 1 / mpmath.sqrt(g_max**2 + eps), 1 / mpmath.sqrt(g_min**2 + eps)
        return float(lower), float(value), float(upper)


def _preconditioner_check(ctx: Context, entry: str, bounds: str) -> CheckResult:
    largest: dict[str, Any] = {}

    def check(case: dict[str, Any]) -> None:
        lower, value, upper = _preconditioner_sides(case, entry, bounds)
        ctx.compare(lower, value, "<=", rtol=1e-10, atol=0.0, label="lower bound <= [P_t]_ii")
        ctx.compare(value, upper, "<=", rtol=1e-10, atol=0.0, label="[P_t]_ii <= upper bound")
        ctx.event(f"v_hat = {case['v_hat']}")
        for side, ratio in (("lower bound / [P]_ii", lower / value), ("[P]_ii / upper bound", value / upper)):
            if ratio > largest.get(side, {}).get("ratio", 1.0):
                largest[side] = {"ratio": ratio, "case": case}

    ctx.search(check, _preconditioner_cases(), label=f"[P]_ii with eps {entry} the square root, {bounds} bounds",
               max_examples=ctx.pick(200, 5000))
    for side, info in largest.items():
        ctx.note(f"largest violation ratio {side} seen in the search", info)
    return ctx.result()


_EQ182_DOC = r"""

    Domain (catalogue): :math:`g_{\min} \le g_{\max}` log-uniform in
    :math:`[10^{-4}, 10^3]`; :math:`\varepsilon \in \{10^{-8}, 10^{-6},
    10^{-3}, 10^{-2}, 0.1, 1\}`; :math:`\hat v` at :math:`g_{\min}^2`, at
    :math:`g_{\max}^2` (exactly, in the high-precision arithmetic) or inside
    the interval. Both inequalities are evaluated with 50-digit ``mpmath``
    arithmetic and rounded once; tolerance relative :math:`10^{-10}`
    (catalogue); 200 (quick) / 5000 (full) examples.
    """


@claim(
    id="trailmix.eq182.eps-inside",
    title="Preconditioner bounds (182), eps inside the square root",
    source="(181)–(182), seed L1405–L1410; Def. 8 d = m_hat/sqrt(v_hat + eps)",
    statement=(
        "P_t = diag(1/sqrt(v_hat_{t,i} + eps)) (181); if g_min^2 <= v_hat_{t,i} <= g_max^2 for all i then "
        "1/(g_max + eps) <= [P_t]_ii <= 1/(g_min + eps) (182)."
    ),
    kind="inequality",
)
def eq182_eps_inside(ctx: Context) -> CheckResult:
    return _preconditioner_check(ctx, "inside", "stated")


eq182_eps_inside.__doc__ = r"""(182) for :math:`[P_t]_{ii} = 1/\sqrt{\hat v_{t,i} + \varepsilon}`.

    .. math::

        \frac{1}{g_{\max} + \varepsilon} \le \frac{1}{\sqrt{\hat v + \varepsilon}} \le \frac{1}{g_{\min} + \varepsilon},
        \qquad g_{\min}^2 \le \hat v \le g_{\max}^2 .
    """ + _EQ182_DOC


@claim(
    id="trailmix.eq182.eps-outside",
    title="Preconditioner bounds (182), eps outside the square root",
    source="(181)–(182), seed L1405–L1410 (PyTorch's Adam uses m_hat/(sqrt(v_hat) + eps))",
    statement=(
        "[P_t]_ii = 1/(sqrt(v_hat_{t,i}) + eps); if g_min^2 <= v_hat_{t,i} <= g_max^2 for all i then "
        "1/(g_max + eps) <= [P_t]_ii <= 1/(g_min + eps) (182)."
    ),
    kind="inequality",
)
def eq182_eps_outside(ctx: Context) -> CheckResult:
    return _preconditioner_check(ctx, "outside", "stated")


eq182_eps_outside.__doc__ = r"""(182) for :math:`[P_t]_{ii} = 1/(\sqrt{\hat v_{t,i}} + \varepsilon)`.

    .. math::

        \frac{1}{g_{\max} + \varepsilon} \le \frac{1}{\sqrt{\hat v} + \varepsilon} \le \frac{1}{g_{\min} + \varepsilon},
        \qquad g_{\min}^2 \le \hat v \le g_{\max}^2 .
    """ + _EQ182_DOC


@claim(
    id="trailmix.eq182.eps-inside.corrected",
    title="Preconditioner bounds for eps inside the square root, corrected",
    source="(181)–(182), seed L1405–L1410 (corrected)",
    statement=(
        "[P_t]_ii = 1/sqrt(v_hat_{t,i} + eps); if g_min^2 <= v_hat_{t,i} <= g_max^2 then "
        "1/sqrt(g_max^2 + eps) <= [P_t]_ii <= 1/sqrt(g_min^2 + eps)."
    ),
    kind="inequality",
)
def eq182_eps_inside_corrected(ctx: Context) -> CheckResult:
    return _preconditioner_check(ctx, "inside", "corrected")


eq182_eps_inside_corrected.__doc__ = r"""Corrected (182) for :math:`\varepsilon` inside the square root.

    .. math::

        \frac{1}{\sqrt{g_{\max}^2 + \varepsilon}} \le \frac{1}{\sqrt{\hat v + \varepsilon}}
        \le \frac{1}{\sqrt{g_{\min}^2 + \varepsilon}} .

    Derivation: :math:`v \mapsto 1/\sqrt{v + \varepsilon}` is decreasing, so
    its range over :math:`[g_{\min}^2, g_{\max}^2]` is exactly the interval
    between its values at the ends. (182) as printed replaces
    :math:`\sqrt{g^2+\varepsilon}` by :math:`g + \varepsilon`, which is an
    upper bound iff :math:`2g + \varepsilon \ge 1` and a lower bound iff
    :math:`2g + \varepsilon \le 1`; so the printed lower bound fails for
    :math:`2g_{\max} + \varepsilon < 1` and the printed upper bound for
    :math:`2g_{\min} + \varepsilon > 1`. (The stated bounds are exact for
    :math:`\varepsilon` outside the square root.)
    """ + _EQ182_DOC
