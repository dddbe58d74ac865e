r"""TRAILMIX main text, Sections 3–6: setup, assumptions, Remark 1, Theorems 1–2 and the Section 6 heuristics.

Claims ``trailmix.eq5.limit-of-eq4`` … ``trailmix.eq8.optimal-mixing`` of the
catalogue's blocks "Main text — Section 3" to "Section 6", with the corrected
statements derived where a check refutes (``.corrected``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from proofs_checks.trailmix import _rates_helpers as rh
from theorylab import flows, problems, simplex
from theorylab.claims import CheckResult, Context, NumericalFailure, claim
from theorylab.rates import fit_linear_rate
from theorylab.testing.strategies import box_vectors, dimensions, log_uniform, simplex_points

# --------------------------------------------------------------------------- shared helpers


def _fraction_vector(values: Any) -> list[Fraction]:
    return [Fraction(float(v)) for v in np.asarray(values, dtype=float).ravel()]


def _project_exact(z: list[Fraction]) -> list[Fraction]:
    r"""Euclidean projection of a rational vector onto :math:`\Delta_K`, exactly (Michelot's support reduction).

    Start from :math:`S = \{1..K\}`, :math:`\theta_S = (1 - \sum_S z_i)/|S|`,
    drop every :math:`i` with :math:`z_i + \theta_S \le 0` until none is
    dropped; the result :math:`\max(z + \theta_S, 0)` satisfies the KKT
    conditions of the projection exactly.
    """
    support = list(range(len(z)))
    while True:
        theta = (1 - sum((z[i] for i in support), Fraction(0))) / len(support)
        kept = [i for i in support if z[i] + theta > 0]
        if len(kept) == len(support):
            break
        support = kept
    return [max(v + theta, Fraction(0)) for v in z]


def _exact_quotient_limit(lam: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, int]:
    r"""The limit :math:`\lim_{\beta\to0}(\Pi_\Delta(\lambda + \beta v) - \lambda)/\beta` in exact arithmetic.

    :math:`\Delta_K` is a polyhedron, so for :math:`\beta` below some
    :math:`\beta^*` the quotient is *constant* (it equals
    :math:`\Pi_{T_\Delta(\lambda)}(v)`; :math:`\Delta_K \subset \lambda + T_\Delta(\lambda)`
    and the two sets agree near :math:`\lambda`). The quotient is computed
    exactly for :math:`\beta = 10^{-2}, 10^{-4}, \dots, 10^{-40}` from the
    float64 inputs converted exactly; the limit is the first value repeated
    exactly at two consecutive :math:`\beta`. The float64 :math:`\lambda` is
    first renormalised exactly (its entries sum to 1 only to a few ulps, and
    off the simplex the quotient diverges). Returns it (rounded once to
    float64) and the exponent :math:`j` of the :math:`\beta = 10^{-2j}` where it settled.
    """
    lam_q, v_q = _fraction_vector(lam), _fraction_vector(v)
    total = sum(lam_q, Fraction(0))
    lam_q = [a / total for a in lam_q]  # exactly on the simplex (float64 sums are 1 only to a few ulps)
    previous = None
    for j in range(1, 21):
        beta = Fraction(1, 10 ** (2 * j))
        projected = _project_exact([a + beta * b for a, b in zip(lam_q, v_q, strict=True)])
        quotient = [(p - a) / beta for p, a in zip(projected, lam_q, strict=True)]
        if quotient == previous:
            return np.array([float(q) for q in quotient]), j
        previous = quotient
    raise NumericalFailure("the exact difference quotient did not settle down to beta = 1e-40")


def _frozen_weight_flow(k: int, score: Any, dynamics: str, theta: float) -> flows.CoupledFlow:
    """A coupled flow whose x does not move (zero bases), so that only the weights evolve under ``score``."""
    problem = problems.quadratic(np.eye(1))
    zero = flows.custom_bases(lambda x, g: np.zeros((x.shape[0], k, 1)), k, 1, name="zero bases")
    return flows.CoupledFlow(problem, zero, weight_dynamics=dynamics, score=score, theta=theta)


def _dense_grid(t_final: float, n_uniform: int = 2001, n_log: int = 2000, first: float = 1e-8) -> np.ndarray:
    """Uniform grid on [0, t_final] merged with a log-spaced one from ``first * t_final`` (fast transients)."""
    return np.unique(np.concatenate([np.linspace(0.0, t_final, n_uniform),
                                     np.geomspace(first * t_final, t_final, n_log)]))


# =========================================================================== Section 3


@st.composite
def _eq5_cases(draw: st.DrawFn) -> dict[str, Any]:
    """(λ, h, θ): K in 2..6, λ interior (floor 1e-6) or on a face / vertex, h in [-10, 10]^K, θ in [0.01, 10].

    Half of the cases are drawn entry by entry by hypothesis (they shrink to
    simple values), half from a drawn seed (Dirichlet weights on a random
    support, uniform scores), so that generic faces are always represented.
    """
    k = draw(dimensions(2, 6))
    face = draw(st.booleans())
    if draw(st.booleans()):
        rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
        lam = np.zeros(k)
        support = rng.permutation(k)[: int(rng.integers(1, k + 1)) if face else k]
        lam[support] = rng.dirichlet(np.ones(support.size))
        lam = np.maximum(lam, 0.0)
        lam /= lam.sum()
        if not face:
            lam = np.maximum(lam, 1e-6)
            lam /= lam.sum()
        h = rng.uniform(-10.0, 10.0, size=k)
    else:
        lam = draw(simplex_points(k, allow_zeros=True)) if face else draw(simplex_points(k, min_entry=1e-6))
        h = draw(box_vectors(k, -10.0, 10.0))
        if draw(st.booleans()):
            h = h - np.mean(h)
    return {"lam": lam, "h": h, "theta": draw(log_uniform(0.01, 10.0))}


def _eq5_vector_field(ctx: Context, target: str) -> None:
    r"""Vector-field part of the (4) → (5) checks: exact limit of the difference quotient vs a target field."""

    smallest_beta = {"exponent": 0}

    def check(case: dict[str, Any]) -> None:
        lam, h, theta = case["lam"], case["h"], case["theta"]
        limit, settled = _exact_quotient_limit(lam, theta * h)
        smallest_beta["exponent"] = max(smallest_beta["exponent"], 2 * settled)
        if target == "replicator":
            field = simplex.replicator_field(lam, h, theta)
        else:
            field = simplex.tangent_cone_projection(theta * h, lam)
        scale = max(theta * float(np.max(np.abs(h))), 1e-300)
        ctx.event("interior" if np.all(lam > 0) else "face")
        for i in range(lam.size):
            ctx.compare(limit[i], field[i], "==", rtol=1e-8, atol=1e-8 * scale, scale=scale, label=f"component {i}")
        # the engine's float64 projection against the exact quotient at the same beta (rounding ~ K eps / beta)
        beta = 1e-6 / max(1.0, scale)
        engine = (simplex.project_to_simplex(lam + beta * theta * h) - lam) / beta
        lam_q, v_q = _fraction_vector(lam), _fraction_vector(theta * h)
        beta_q = Fraction(beta)
        exact = _project_exact([a + beta_q * b for a, b in zip(lam_q, v_q, strict=True)])
        exact_quotient = np.array([float((p - a) / beta_q) for p, a in zip(exact, lam_q, strict=True)])
        rounding = 16.0 * lam.size * 2.2e-16 / beta
        ctx.compare(float(np.max(np.abs(engine - exact_quotient))), 0.0, "<=", rtol=0.0, atol=rounding,
                    scale=max(scale, rounding), label="float64 engine quotient vs exact quotient at the same beta")

    ctx.search(check, _eq5_cases(), label=f"limit of (4) vs {target}",
               max_examples=ctx.pick(120, 3000))
    ctx.note("smallest beta at which an exact quotient settled", f"1e-{smallest_beta['exponent']}")


def _eq5_trajectories(ctx: Context) -> dict[str, Any]:
    r"""Trajectory part: iterate (4) with :math:`\beta = \theta\alpha` to time 1 and compare with (5) and (102).

    Frozen :math:`x`: a constant score and the linear score :math:`h(\lambda) = A\lambda`.
    Reported in the details (sup-norm gaps as :math:`\alpha \to 0`).
    """
    rng = ctx.rng
    k = 3
    cases = {"constant h": np.array([1.0, 0.0, -0.5]), "h = A lam": rng.standard_normal((k, k))}
    lam0 = np.array([0.5, 0.3, 0.2])
    theta = 1.0
    alphas = [1e-1, 1e-2, 1e-3] + ([1e-4] if ctx.budget == "full" else [])
    report: dict[str, Any] = {}
    for name, spec in cases.items():
        score = (lambda x, lam, c=spec: np.broadcast_to(c, lam.shape).copy()) if spec.ndim == 1 else (
            lambda x, lam, a=spec: lam @ a.T)
        refs = {}
        for dyn in ("rep", "proj"):
            flow = _frozen_weight_flow(k, score, dyn, theta)
            refs[dyn] = flow
        gaps: dict[str, list[float]] = {"(5) replicator": [], "(102) projected": []}
        for alpha in alphas:
            n = int(round(1.0 / alpha))
            times = np.arange(n + 1) * alpha
            path = np.empty((n + 1, k))
            lam = lam0.copy()
            path[0] = lam
            for j in range(n):
                h = score(np.zeros((1, 1)), lam[None, :])[0]
                lam = simplex.project_to_simplex(lam + theta * alpha * h)
                path[j + 1] = lam
            for label, dyn in (("(5) replicator", "rep"), ("(102) projected", "proj")):
                sol = flows.integrate_flow(refs[dyn], np.zeros(1), lam0, 1.0, t_eval=times)
                if not sol.success:
                    raise NumericalFailure(f"reference ODE failed: {sol.message}")
                gaps[label].append(float(np.max(np.abs(sol.lam - path))))
        report[name] = {"alpha": alphas, **gaps}
    return report


@claim(
    id="trailmix.eq5.limit-of-eq4",
    title="Small-step limit of the projected weight update (4) versus the replicator flow (5)",
    source="Sec. 3 'Meta-dynamics', eqs. (4)–(5), seed L64–L72",
    statement="lambda_{t+1} = Pi_Delta(lambda_t + beta_t h), beta_t = theta alpha_t: in the continuous-time limit "
              "this corresponds to the replicator flow lambda_i' = theta lambda_i (h_i - <lambda, h>) (5).",
    kind="consistency",
)
def eq5_limit_of_eq4(ctx: Context) -> CheckResult:
    r"""Limit of the difference quotient of (4) against the replicator field (5), literal reading (same :math:`h`).

    .. math::

        \lim_{\beta\to0}\frac{\Pi_\Delta(\lambda + \beta\theta h) - \lambda}{\beta}
        \overset{?}{=} \theta\lambda_i\bigl(h_i - \langle\lambda, h\rangle\bigr).

    (i) Vector field. D0 draws: :math:`K \in [2, 6]`, :math:`\lambda` interior
    (floor :math:`10^{-6}`) or on a face/vertex, :math:`h \in [-10, 10]^K`
    (half of them centred), :math:`\theta \in [0.01, 10]` log-uniform (120 /
    3000 draws). The limit is computed *exactly* (:func:`_exact_quotient_limit`:
    rational arithmetic, :math:`\beta = 10^{-2}, 10^{-4}, \dots` until the
    quotient repeats exactly, which it must since :math:`\Delta_K` is a
    polyhedron), and compared component-wise with the engine's
    :func:`~theorylab.simplex.replicator_field` at the catalogue tolerance
    :math:`10^{-8}` relative to :math:`\theta\|h\|_\infty` (also the scale of
    slack and tightening). The float64 quotient of the engine's projection at
    :math:`\beta = 10^{-6}/\max(1, \theta\|h\|_\infty)` is compared with the
    exact quotient of the same inputs at the same :math:`\beta` (tolerance
    :math:`16K\varepsilon/\beta`, the rounding of a float64 quotient; the
    float :math:`\lambda` sums to 1 only to a few ulps).

    (ii) Trajectories (details only): frozen :math:`x`, constant :math:`h` and
    :math:`h(\lambda) = A\lambda`, (4) iterated with :math:`\beta = \theta\alpha`
    to time 1 for :math:`\alpha = 10^{-1}, \dots, 10^{-3}` (:math:`10^{-4}` at
    full), sup-norm gap to ``solve_ivp`` solutions of (5) and of (102).

    The catalogue's "can correspond" is read literally (the same :math:`h` in
    (4) and (5)). A reparametrisation of :math:`h` is not considered.
    """
    _eq5_vector_field(ctx, "replicator")
    ctx.note("trajectory gaps", _eq5_trajectories(ctx))
    return ctx.result()


@claim(
    id="trailmix.eq5.limit-of-eq4.corrected",
    title="Small-step limit of (4) is the projected flow (102), not the replicator (5)",
    source="Sec. 3, eqs. (4)–(5), seed L64–L72; (102) seed L889 (corrected)",
    statement="lim_{beta->0} (Pi_Delta(lambda + beta theta h) - lambda)/beta = Pi_{T_Delta(lambda)}(theta h); "
              "in the interior this is theta (h - mean(h) 1), the flow (102).",
    kind="consistency",
)
def eq5_limit_of_eq4_corrected(ctx: Context) -> CheckResult:
    r"""The small-step limit of (4) is the tangent-cone projected flow (102).

    Derivation. :math:`\Delta_K` is a polyhedron, so
    :math:`\Delta_K \subset \lambda + T_\Delta(\lambda)` with equality in a
    neighbourhood of :math:`\lambda`. For small :math:`\beta` the projection of
    :math:`\lambda + \beta v` onto the cone :math:`\lambda + T_\Delta(\lambda)`,
    :math:`\lambda + \beta\Pi_{T_\Delta(\lambda)}(v)`, lies in that neighbourhood,
    hence in :math:`\Delta_K`, and is therefore also the projection onto
    :math:`\Delta_K`:

    .. math::

        \Pi_\Delta(\lambda + \beta v) = \lambda + \beta\,\Pi_{T_\Delta(\lambda)}(v)
        \quad (0 < \beta \le \beta^*), \qquad
        \lim_{\beta\to0}\frac{\Pi_\Delta(\lambda + \beta\theta h) - \lambda}{\beta}
        = \Pi_{T_\Delta(\lambda)}(\theta h),

    which in the interior is :math:`\theta(h - \bar h\mathbf 1)` with the
    *unweighted* mean :math:`\bar h` — not the replicator's
    :math:`\theta\lambda_i(h_i - \langle\lambda, h\rangle)` (they differ
    already at :math:`K = 2`, :math:`\lambda = (\tfrac12, \tfrac12)`,
    :math:`h = (1, 0)`: :math:`(\tfrac12, -\tfrac12)` vs
    :math:`(\tfrac14, -\tfrac14)`). The replicator is instead the small-step
    limit of the multiplicative-weights (entropic mirror) update.

    Checked as ``trailmix.eq5.limit-of-eq4`` (same draws, exact limits and
    tolerances) against the engine's
    :func:`~theorylab.simplex.tangent_cone_projection`. The trajectory gaps of
    part (ii) are in the details (the gap to (102) shrinks with :math:`\alpha`).
    """
    _eq5_vector_field(ctx, "tangent-cone projection")
    ctx.note("trajectory gaps", _eq5_trajectories(ctx))
    return ctx.result()


# --------------------------------------------------------------------------- Assumption 1 on the test surfaces


def _surface_expressions() -> dict[str, Any]:
    """Sympy expressions of the App. R.5 surfaces (written from the paper, independently of the engine)."""
    import sympy

    x, y = sympy.symbols("x y", real=True)
    return {
        "rosenbrock": (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        "booth": (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
        "griewank": (x**2 + y**2) / 4000 - sympy.cos(x) * sympy.cos(y / sympy.sqrt(2)) + 1,
        "himmelblau": (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
        "three_hump_camel": 2 * x**2 - sympy.Rational(105, 100) * x**4 + x**6 / 6 + x * y + y**2,
    }


def _bounded_on_plane(expr: Any) -> bool | None:
    r"""Whether a sympy expression in :math:`x, y` (polynomial in x, y, sin, cos) is bounded on :math:`\mathbb R^2`.

    Every :math:`\sin(\cdot)`/:math:`\cos(\cdot)` is replaced by a symbol
    :math:`s_k \in [-1, 1]`; the result is a polynomial in :math:`x, y, s`.
    Degree 0 in :math:`(x, y)`: bounded. Otherwise its top-degree part in
    :math:`(x, y)` is examined along the rays :math:`(x, y) = r u`: if for
    some rational direction :math:`u` the coefficient of the top power of
    :math:`r` does not involve any :math:`s_k` and is non-zero, the
    expression is unbounded. ``None`` if undecided.
    """
    import sympy

    x, y = sympy.symbols("x y", real=True)
    trig = sorted(expr.atoms(sympy.sin, sympy.cos), key=str)
    bounded_symbols = sympy.symbols(f"s0:{len(trig)}", real=True) if trig else ()
    poly_expr = expr.subs(dict(zip(trig, bounded_symbols, strict=True)))
    if poly_expr.has(sympy.sin, sympy.cos, sympy.exp, sympy.log):
        return None
    poly = sympy.Poly(sympy.expand(poly_expr), x, y)
    if poly.total_degree() == 0:
        return True
    r = sympy.Symbol("r", positive=True)
    for u in ((1, 0), (0, 1), (1, 1), (1, -1), (2, 1), (1, 2)):
        along = sympy.Poly(sympy.expand(poly_expr.subs({x: u[0] * r, y: u[1] * r})), r)
        top = along.LC()
        if along.degree() >= 1 and not top.free_symbols and top != 0:
            return False
    return None


@claim(
    id="trailmix.assumption1.test-surfaces",
    title="The 2-D test surfaces satisfy the global smoothness assumption",
    source="Sec. 8 first paragraph, seed L174; Assumption 1 seed L76; Assumption 5 (50) seed L587",
    statement="Sec. 8: the analytic surfaces (Rosenbrock a=1 b=100, Booth, Griewank, Himmelblau, Three-hump camel) "
              "'guarantee our smoothness assumptions': f(y) <= f(x) + grad f(x)^T (y-x) + L/2 ||y-x||^2 for all x, y "
              "with a finite L.",
    kind="consistency",
)
def assumption1_test_surfaces(ctx: Context) -> CheckResult:
    r"""Global boundedness of the Hessian of each App. R.5 surface (A1/A5 with a finite :math:`L`).

    .. math::

        \|\nabla f(x) - \nabla f(y)\| \le L\|x - y\|\ \forall x, y
        \iff \sup_{x\in\mathbb R^2}\|\nabla^2 f(x)\|_2 \le L < \infty .

    A twice-differentiable :math:`f` satisfies A5 (equivalently A1 with the
    absolute-value form) with a finite :math:`L` iff
    :math:`\sup_x\|\nabla^2 f(x)\|_2 < \infty`. For each surface:

    * symbolic (decisive): the Hessian from the sympy expression written from
      App. R.5; each entry is tested by :func:`_bounded_on_plane` (bounded
      iff degree 0 in :math:`x, y` after freezing the trigonometric factors;
      unbounded if a ray has a trig-free non-zero top coefficient). One
      logical comparison per surface, "Hessian bounded on :math:`\mathbb R^2`" ``== True``;
    * numeric (details): :math:`\sup_{[-R,R]^2}\|\nabla^2 f\|_2` for
      :math:`R \in \{2, 5, 10, 100, 1000\}` (grid of 101² / 401² points plus
      Nelder–Mead polishing of the best grid points), from the engine's
      Hessians; the engine Hessian is compared with the sympy Hessian at
      random points (relative :math:`10^{-10}`), an independent check of both.

    The local constants :math:`L_R` for :math:`R = 2, 5` (boxes containing
    the experiments' trajectories) are recorded in the details. "Quadratic"
    of Fig. 4 is not defined in the paper: a not-checkable row of the details.
    """
    import sympy
    from scipy.optimize import minimize

    x, y = sympy.symbols("x y", real=True)
    engine = problems.surfaces()
    n_grid = ctx.pick(101, 401)
    sup_table: dict[str, dict[str, float]] = {}
    for name, expr in _surface_expressions().items():
        hess = sympy.hessian(expr, (x, y))
        hess_fn = sympy.lambdify((x, y), hess, "numpy")
        pts = ctx.rng.uniform(-3.0, 3.0, size=(20, 2))
        for p in pts:
            sym = np.array(hess_fn(p[0], p[1]), dtype=float)
            eng = engine[name].hess(p)
            ctx.compare(float(np.max(np.abs(sym - eng))), 0.0, "<=", rtol=0.0,
                        atol=1e-10 * max(1.0, float(np.max(np.abs(sym)))), scale=max(1.0, float(np.max(np.abs(sym)))),
                        label=f"{name}: engine Hessian vs sympy")
        verdicts = [_bounded_on_plane(hess[i, j]) for i in range(2) for j in range(2)]
        if any(v is None for v in verdicts):
            raise NumericalFailure(f"{name}: boundedness of the Hessian could not be decided symbolically")
        bounded = all(verdicts)
        ctx.event(f"{name}: {'bounded' if bounded else 'unbounded'} Hessian")
        ctx.compare(bool(bounded), True, "==", label=f"{name}: Hessian bounded on R^2 (finite global L)")

        def spectral_norm(p: np.ndarray, problem: problems.Problem = engine[name]) -> float:
            return float(np.max(np.abs(np.linalg.eigvalsh(problem.hess(p)))))

        row = {}
        for radius in (2.0, 5.0, 10.0, 100.0, 1000.0):
            g = np.linspace(-radius, radius, n_grid)
            grid = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
            norms = np.max(np.abs(np.linalg.eigvalsh(engine[name].hess(grid))), axis=1)
            best = float(np.max(norms))
            for start in grid[np.argsort(norms)[-2:]]:
                res = minimize(lambda p, r=radius: -spectral_norm(np.clip(p, -r, r)), start, method="Nelder-Mead",
                               options={"xatol": 1e-10 * radius, "fatol": 1e-12, "maxiter": 200})
                best = max(best, -float(res.fun))
            row[f"R={radius:g}"] = best
        sup_table[name] = row
    ctx.note("sup of ||Hess f|| over [-R, R]^2", sup_table)
    ctx.note("local L_R for the experiment boxes", {n: {k: v for k, v in r.items() if k in ("R=2", "R=5")}
                                                    for n, r in sup_table.items()})
    ctx.note("Quadratic (Fig. 4)", "not-checkable: the surface is not defined in the paper")
    return ctx.result()


# --------------------------------------------------------------------------- Assumption 2 (Jensen)


@st.composite
def _direction_laws(draw: st.DrawFn) -> dict[str, Any]:
    r"""Joint laws of :math:`(d^{(1)}, \dots, d^{(K)})` with exact second moments, and a weight vector.

    Gaussian: random means and a random joint covariance :math:`BB^\top`
    (:math:`Kd \times Kd`, rank drawn). Discrete: 2–5 atoms with Dirichlet
    probabilities and asymmetric atoms. :math:`K \in [2, 6]`, :math:`d \in [1, 4]`,
    :math:`\lambda` with zeros and vertices.
    """
    k = draw(dimensions(2, 6))
    d = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    kind = draw(st.sampled_from(("gaussian", "discrete")))
    scale = draw(log_uniform(1e-3, 1e3))
    law: dict[str, Any] = {"kind": kind, "k": k, "d": d}
    if kind == "gaussian":
        rank = int(rng.integers(1, k * d + 1))
        law["mean"] = scale * rng.standard_normal((k, d)) * rng.uniform(0, 1, size=(k, 1))
        law["factor"] = scale * rng.standard_normal((k * d, rank)) * rng.uniform(0, 1)
    else:
        n_atoms = int(rng.integers(2, 6))
        law["probs"] = rng.dirichlet(np.ones(n_atoms))
        law["atoms"] = scale * rng.standard_normal((n_atoms, k, d)) * rng.exponential(1.0, size=(n_atoms, 1, 1))
    law["lam"] = draw(simplex_points(k, allow_zeros=True))
    return law


def _second_moment_gram(law: dict[str, Any]) -> np.ndarray:
    r"""Gram matrix :math:`M_{ij} = \mathbb E\langle d^{(i)}, d^{(j)}\rangle` of a law."""
    k, d = law["k"], law["d"]
    if law["kind"] == "gaussian":
        cov = law["factor"] @ law["factor"].T
        blocks = cov.reshape(k, d, k, d)
        return law["mean"] @ law["mean"].T + np.einsum("iaja->ij", blocks)
    return np.einsum("n,nia,nja->ij", law["probs"], law["atoms"], law["atoms"])


def _mixture_second_moment_direct(law: dict[str, Any], lam: np.ndarray) -> float:
    r""":math:`\mathbb E\|\sum_i\lambda_id^{(i)}\|^2` computed directly from the law (not from the Gram matrix)."""
    k, d = law["k"], law["d"]
    if law["kind"] == "gaussian":
        mix_mean = lam @ law["mean"]
        mix_factor = np.einsum("i,iar->ar", lam, law["factor"].reshape(k, d, -1))
        return float(mix_mean @ mix_mean + np.sum(mix_factor * mix_factor))
    mixed = np.einsum("i,nia->na", lam, law["atoms"])
    return float(law["probs"] @ np.sum(mixed * mixed, axis=1))


@claim(
    id="trailmix.assumption2.jensen",
    title="The mixture inherits the second-moment bound",
    source="Assumption 2, seed L80",
    statement="If E||d_t^(i)||^2 <= G^2 for all i, then E||d_t||^2 <= G^2 for d_t = sum_i lambda_i d_t^(i), "
              "lambda in Delta_K (lambda independent of the current directions).",
    kind="inequality",
)
def assumption2_jensen(ctx: Context) -> CheckResult:
    r""":math:`\mathbb E\|\sum_i\lambda_id^{(i)}\|^2 \le \max_i\mathbb E\|d^{(i)}\|^2 = G^2` on exactly computable laws.

    .. math::

        \mathbb E\Bigl\|\sum_i\lambda_id^{(i)}\Bigr\|^2 = \lambda^\top M\lambda
        \le \Bigl(\sum_i\lambda_i\sqrt{M_{ii}}\Bigr)^2 \le \max_i M_{ii},
        \qquad M_{ij} = \mathbb E\langle d^{(i)}, d^{(j)}\rangle .

    Laws (:func:`_direction_laws`): correlated Gaussians (random means,
    random joint covariance :math:`BB^\top` of drawn rank) and discrete laws
    with 2–5 atoms; :math:`K \in [2, 6]`, :math:`d \in [1, 4]`, magnitudes
    :math:`10^{-3}..10^3`; :math:`\lambda` drawn independently of the
    directions (Dirichlet, faces, vertices). 100 / 5000 laws, and at the full
    tier a vectorised sweep of :math:`10^5` Dirichlet :math:`\lambda` over 20
    laws. Two independent computations of the left side (the Gram form
    :math:`\lambda^\top M\lambda` and the direct moment of the mixture) are
    compared (identity, rtol :math:`10^{-10}`). Tolerance of the inequality:
    rtol :math:`10^{-10}`; slack and tightening relative to :math:`G^2`
    (equality is attained at a vertex on the largest :math:`M_{ii}`).
    """

    def check(law: dict[str, Any]) -> None:
        gram = _second_moment_gram(law)
        lam = law["lam"]
        quadratic = float(lam @ gram @ lam)
        direct = _mixture_second_moment_direct(law, lam)
        g2 = float(np.max(np.diag(gram)))
        ctx.event(law["kind"] + (": vertex" if simplex.is_vertex(lam) else ""))
        ctx.compare(direct, quadratic, "==", rtol=1e-10, atol=1e-12 * g2, label="direct vs Gram form")
        ctx.compare(direct, g2, "<=", rtol=1e-10, atol=0.0, scale=g2, label="E||d||^2 <= G^2")

    ctx.search(check, _direction_laws(), label="laws and weights", max_examples=ctx.pick(100, 5000))
    if ctx.budget == "full":
        rng = ctx.rng
        lhs, rhs = [], []
        for _ in range(20):
            k, d = int(rng.integers(2, 7)), int(rng.integers(1, 5))
            atoms = rng.standard_normal((int(rng.integers(2, 6)), k, d)) * rng.exponential(1.0, size=(1, k, 1))
            law = {"kind": "discrete", "k": k, "d": d, "probs": rng.dirichlet(np.ones(atoms.shape[0])), "atoms": atoms}
            gram = _second_moment_gram(law)
            lams = rng.dirichlet(np.ones(k), size=5000)
            lhs.append(np.einsum("ni,ij,nj->n", lams, gram, lams))
            rhs.append(np.full(5000, float(np.max(np.diag(gram)))))
        ctx.sweep(np.concatenate(lhs), np.concatenate(rhs), "<=", rtol=1e-10, atol=0.0,
                  scale=np.concatenate(rhs), label="1e5 Dirichlet weights over 20 discrete laws")
    return ctx.result()


# --------------------------------------------------------------------------- Assumption 3 (mixture alignment)


@st.composite
def _alignment_cases(draw: st.DrawFn) -> dict[str, Any]:
    r"""Gradients :math:`g`, mean directions :math:`m_i = P_ig + r_i` with :math:`\langle g, r_i\rangle \ge 0`, weights.

    ``generic``: SPD :math:`P_i` (eigenvalues log-uniform in [0.05, 5], Haar
    basis) and random :math:`r_i` reflected to :math:`\langle g, r_i\rangle \ge 0`;
    ``tight``: :math:`P_i = c_iI + (I - \hat g\hat g^\top)N_iN_i^\top(I - \hat g\hat g^\top)`
    (so :math:`P_ig = c_ig` and :math:`\lambda_{\min}(P_i) = c_i`) and
    :math:`r_i \perp g`, where (6) holds with equality.
    """
    d = draw(st.integers(1, 4))
    k = draw(dimensions(2, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    g = np.array(draw(box_vectors(d, -5.0, 5.0)))
    if np.linalg.norm(g) < 1e-3:  # g = 0 makes both sides 0; keep the inequality's scale positive
        g[0] += 1.0
    kind = draw(st.sampled_from(("generic", "tight")))
    unit = g / np.linalg.norm(g)
    proj = np.eye(d) - np.outer(unit, unit)
    mats, shifts = [], []
    for _ in range(k):
        if kind == "generic":
            mats.append(rh.spd_from_rng(rng, d, 0.05, 5.0))
            r = rng.standard_normal(d) * rng.uniform(0.0, 3.0)
            shifts.append(r if g @ r >= 0 else -r)
        else:
            n = rng.standard_normal((d, d))
            c = math.exp(rng.uniform(math.log(0.05), math.log(5.0)))
            p = c * np.eye(d) + proj @ n @ n.T @ proj
            mats.append(0.5 * (p + p.T))
            shifts.append(proj @ rng.standard_normal(d))
    return {"g": g, "P": np.stack(mats), "r": np.stack(shifts), "lam": draw(simplex_points(k, allow_zeros=True)),
            "kind": kind}


@claim(
    id="trailmix.assumption3.mixture",
    title="Alignment of the mixture",
    source="Assumption 3 and the sentence after (6), seed L82–L88",
    statement="If grad f^T E[d^(i) | x] >= c_i ||grad f||^2 for every i (c_i > 0), then "
              "grad f^T E[d | x] >= c(lambda) ||grad f||^2 with c(lambda) = sum_i lambda_i c_i > 0.",
    kind="inequality",
)
def assumption3_mixture(ctx: Context) -> CheckResult:
    r"""Linearity of the alignment inequality in the weights.

    .. math::

        \Bigl\langle g, \sum_i\lambda_im_i\Bigr\rangle \ge c(\lambda)\|g\|^2,
        \qquad m_i = P_ig + r_i,\ \langle g, r_i\rangle \ge 0,\ c_i = \lambda_{\min}(P_i),

    so the hypothesis (6) holds for each base by construction
    (:func:`_alignment_cases`: generic SPD :math:`P_i`, and a "tight"
    construction with equality in (6)). :math:`d \in [1, 4]`,
    :math:`K \in [2, 6]`, :math:`g \in [-5, 5]^d` (shifted by :math:`e_1` when
    :math:`\|g\| < 10^{-3}`: at :math:`g = 0` both sides vanish), :math:`\lambda` with faces
    and vertices (:math:`\lambda_t` is :math:`\mathcal F_t`-measurable, a fixed
    vector given :math:`x_t`). Both (6) for each base (recorded, as a check of
    the construction) and the conclusion, plus :math:`c(\lambda) > 0`.
    Tolerance rtol :math:`10^{-10}`; slack and tightening relative to
    :math:`c(\lambda)\|g\|^2`. 200 / 5000 draws.
    """

    def check(case: dict[str, Any]) -> None:
        g, p, r, lam = case["g"], case["P"], case["r"], case["lam"]
        c = np.linalg.eigvalsh(p)[:, 0]
        means = np.einsum("kij,j->ki", p, g) + r
        g2 = float(g @ g)
        for i in range(lam.size):
            ctx.compare(float(g @ means[i]), c[i] * g2, ">=", rtol=1e-10, atol=0.0, scale=c[i] * g2,
                        label=f"hypothesis (6), base {i}")
        c_mix = float(lam @ c)
        ctx.event(case["kind"])
        ctx.compare(float(g @ (lam @ means)), c_mix * g2, ">=", rtol=1e-10, atol=0.0, scale=c_mix * g2,
                    label="mixture alignment")
        ctx.compare(c_mix, 0.0, ">", rtol=0.0, atol=0.0, scale=float(np.max(c)), label="c(lambda) > 0")

    ctx.search(check, _alignment_cases(), label="alignment cases")
    return ctx.result()


# --------------------------------------------------------------------------- Assumption 4 (schedules)


def _series_divergence(term: Any, t: Any) -> bool | None:
    r"""Whether :math:`\sum_{t\ge0}` term diverges (limit comparison with :math:`t^{-1}` and :math:`t^{-1.01}`).

    :math:`\lim t\,a(t) \in (0, \infty]` ⇒ divergent (comparison with the
    harmonic series); :math:`\lim t^{1.01}a(t) < \infty` ⇒ convergent. ``None``
    if neither limit decides.
    """
    import sympy

    lim1 = sympy.limit(t * term, t, sympy.oo)
    if lim1 == sympy.oo or (lim1.is_positive and lim1.is_finite):
        return True
    lim2 = sympy.limit(t ** sympy.Rational(101, 100) * term, t, sympy.oo)
    if lim2.is_finite:
        return False
    return None


@claim(
    id="trailmix.assumption4.schedules",
    title="Robbins–Monro conditions for the schedules the paper uses",
    source="Assumption 4, seed L90; alpha_t ∝ 1/sqrt(t+1) (Thm 1(1) L110, Thm 3 L683, Thm 13 L1569); "
           "InverseLogTimeLR (App. R.2–R.4, R.6)",
    statement="A4: alpha_t > 0, sum alpha_t = inf, sum alpha_t^2 < inf. Do (i) alpha_t = alpha_0/sqrt(t+1) and "
              "(ii) lr_t = base_lr/ln(e + t) satisfy A4?",
    kind="consistency",
)
def assumption4_schedules(ctx: Context) -> CheckResult:
    r"""The three Robbins–Monro conditions for both schedules, decided by the integral / limit-comparison test.

    .. math::

        \text{(i)}\ \alpha_t = \frac{\alpha_0}{\sqrt{t+1}}:\ t\alpha_t^2 \to \alpha_0^2 > 0
        \Rightarrow \sum_t\alpha_t^2 = \infty; \qquad
        \text{(ii)}\ \alpha_t = \frac{b}{\ln(e + t)}:\ t\alpha_t^2 = \frac{b^2t}{\ln^2(e+t)} \to \infty .

    Decisive part (sympy, :func:`_series_divergence`, symbolic
    :math:`\alpha_0, b > 0`): one logical comparison per condition and
    schedule (positivity by sympy's assumptions on :math:`t \ge 0`;
    :math:`\sum\alpha_t = \infty`; :math:`\sum\alpha_t^2 < \infty`). The
    verdict is "confirmed iff both schedules satisfy A4" (catalogue).
    Numeric cross-check (details): exact partial sums by ``math.fsum`` up to
    :math:`T = 10^6` (quick) / :math:`10^8` (full, in chunks) and the fitted
    growth of :math:`\sum_{t<T}\alpha_t^2` against :math:`\log T`. For
    reference (details): the polynomial schedules (200)
    :math:`\alpha_0(t+1)^{-p}`, :math:`p \in (0, 2]` (A4 iff
    :math:`p \in (1/2, 1]`), and the AdaGrad schedule (208) under
    constant-norm gradients, :math:`\eta/\sqrt{\epsilon + (t+1)G^2}` (the
    same as (i)).
    """
    import sympy

    t = sympy.Symbol("t", nonnegative=True)
    alpha0, base = sympy.symbols("alpha_0 b", positive=True)
    schedules = {
        "(i) alpha_0/sqrt(t+1)": alpha0 / sympy.sqrt(t + 1),
        "(ii) InverseLogTimeLR b/ln(e+t)": base / sympy.log(sympy.E + t),
    }
    for name, term in schedules.items():
        positive = bool(term.is_positive)
        diverges = _series_divergence(term, t)
        square_diverges = _series_divergence(term**2, t)
        if diverges is None or square_diverges is None:
            raise NumericalFailure(f"{name}: the limit comparison test did not decide")
        ctx.compare(positive, True, "==", label=f"{name}: alpha_t > 0")
        ctx.compare(bool(diverges), True, "==", label=f"{name}: sum alpha_t = inf")
        ctx.compare(not square_diverges, True, "==", label=f"{name}: sum alpha_t^2 < inf")
        ctx.event(f"{name}: A4 {'holds' if positive and diverges and not square_diverges else 'fails'}")
    top = ctx.pick(6, 8)
    numeric = {}
    for name, fn in (("(i) alpha_0 = 1", lambda s: 1.0 / np.sqrt(s + 1.0)),
                     ("(ii) b = 1", lambda s: 1.0 / np.log(math.e + s))):
        horizons = np.unique(np.logspace(1, top, 4 * (top - 1) + 1).astype(np.int64))
        partial, done, chunks = [], 0, []
        for big_t in horizons:
            while done < big_t:
                stop = min(int(big_t), done + 10_000_000)
                chunks.append(math.fsum(fn(np.arange(done, stop, dtype=float)) ** 2))
                done = stop
            partial.append(math.fsum(chunks))
        partial = np.array(partial)
        slope = float(np.polyfit(np.log(horizons[-8:]), partial[-8:], 1)[0])
        numeric[name] = {"T": horizons[::4].tolist(), "sum alpha^2": partial[::4].tolist(),
                         "d(sum alpha^2)/d(log T) over the last decades": slope}
    ctx.note("partial sums of alpha_t^2 (grow without bound)", numeric)
    p = sympy.Symbol("p", positive=True)
    ctx.note("polynomial schedules (200), A4 holds iff", str(sympy.And(p > sympy.Rational(1, 2), p <= 1)))
    ctx.note("AdaGrad schedule (208), constant gradient norm G", "eta/sqrt(eps + (t+1) G^2) ~ (eta/G)/sqrt(t): "
             "sum of squares diverges like log T (as (i))")
    return ctx.result()


# --------------------------------------------------------------------------- Remark 1: Adam


def adam_directions(problem: problems.Problem, x0: np.ndarray, lr: np.ndarray, beta1: np.ndarray, beta2: np.ndarray,
                    n_steps: int, *, eps: float = 1e-8, eps_inside: bool = True, noise_scale: float = 0.0,
                    rng: np.random.Generator | None = None, n_average: int = 0) -> dict[str, np.ndarray]:
    r"""Adam on a batch of runs; the alignment ratio of the update direction at every step.

    .. math::

        m_t = \beta_1m_{t-1} + (1-\beta_1)g_t,\quad v_t = \beta_2v_{t-1} + (1-\beta_2)g_t^2,\quad
        d_t = \frac{\hat m_t}{\sqrt{\hat v_t + \epsilon}}\ \text{(Def. 8)}\ \text{or}\
        \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}\ \text{(PyTorch)},\quad x_{t+1} = x_t - \text{lr}\,d_t,

    with :math:`\hat m_t = m_t/(1-\beta_1^t)`, :math:`\hat v_t = v_t/(1-\beta_2^t)`
    and :math:`g_t = \nabla f(x_t) + \xi_t`. Returns
    :math:`r_t = \langle\nabla f(x_t), d_t\rangle/\|\nabla f(x_t)\|^2` (``nan``
    where :math:`\|\nabla f\|^2 < 10^{-300}`), the diagonal preconditioner's
    extreme entries :math:`1/\sqrt{\hat v_t + \epsilon}` (resp.
    :math:`1/(\sqrt{\hat v_t} + \epsilon)`) and the largest gradient entry.
    With ``n_average > 0`` (noisy runs) :math:`\mathbb E[d_t \mid \text{state}]`
    is estimated at every step from ``n_average`` fresh noise draws of the
    current gradient (the state :math:`m_{t-1}, v_{t-1}, x_t` fixed) and
    ``r_mean``/``r_sem`` are its ratio and standard error.
    """
    n = lr.size
    x = np.broadcast_to(x0, (n, problem.dim)).astype(float).copy()
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    ratios = np.full((n_steps, n), np.nan)
    r_mean = np.full((n_steps, n), np.nan) if n_average else None
    r_sem = np.full((n_steps, n), np.nan) if n_average else None
    pre_min = np.full(n, np.inf)
    pre_max = np.zeros(n)
    g_max = np.zeros(n)

    def direction(m_new: np.ndarray, v_new: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        mh = m_new / (1.0 - beta1[..., None] ** t)
        vh = v_new / (1.0 - beta2[..., None] ** t)
        pre = 1.0 / np.sqrt(vh + eps) if eps_inside else 1.0 / (np.sqrt(vh) + eps)
        return mh * pre, pre

    with np.errstate(all="ignore"):
        for t in range(1, n_steps + 1):
            grad = problem._grad(x)
            g = grad + noise_scale * rng.standard_normal(x.shape) if noise_scale > 0 else grad
            m_new = beta1[:, None] * m + (1.0 - beta1[:, None]) * g
            v_new = beta2[:, None] * v + (1.0 - beta2[:, None]) * g * g
            d, pre = direction(m_new, v_new, t)
            g2 = np.sum(grad * grad, axis=1)
            ok = g2 > 1e-300
            ratios[t - 1, ok] = np.sum(grad * d, axis=1)[ok] / g2[ok]
            pre_min = np.minimum(pre_min, np.min(pre, axis=1))
            pre_max = np.maximum(pre_max, np.max(pre, axis=1))
            g_max = np.maximum(g_max, np.max(np.abs(grad), axis=1))
            if n_average:
                draws = grad[None] + noise_scale * rng.standard_normal((n_average, *x.shape))
                md = beta1[None, :, None] * m[None] + (1.0 - beta1[None, :, None]) * draws
                vd = beta2[None, :, None] * v[None] + (1.0 - beta2[None, :, None]) * draws * draws
                dd, _ = direction(md, vd, t)
                inner = np.sum(grad[None] * dd, axis=2)
                r_mean[t - 1, ok] = inner.mean(axis=0)[ok] / g2[ok]
                r_sem[t - 1, ok] = inner.std(axis=0, ddof=1)[ok] / math.sqrt(n_average) / g2[ok]
            m, v = m_new, v_new
            x = x - lr[:, None] * d
    out = {"ratios": ratios, "pre_min": pre_min, "pre_max": pre_max, "g_max": g_max, "x_final": x}
    if n_average:
        out["r_mean"], out["r_sem"] = r_mean, r_sem
    return out


@claim(
    id="trailmix.remark1.adam",
    title="Adam-like methods satisfy alignment",
    source="Remark 1, seed L92 (App. F, Lemma 14)",
    statement="For Adam-like methods the preconditioner's eigenvalues are bounded away from zero; this guarantees "
              "alignment (Assumption 3): grad f(x_t)^T E[d_t^Adam | x_t] >= c_Adam ||grad f(x_t)||^2 for all t, "
              "c_Adam > 0.",
    kind="inequality",
)
def remark1_adam(ctx: Context) -> CheckResult:
    r"""The alignment ratio of Adam's actual update direction along runs.

    .. math::

        r_t = \frac{\langle\nabla f(x_t), d_t\rangle}{\|\nabla f(x_t)\|^2}
        \overset{?}{\ge} c_{\mathrm{Adam}} > 0 \quad\text{for all } t.

    Deterministic runs (full gradients, so :math:`\mathbb E[d_t \mid x_t] = d_t`)
    of :func:`adam_directions` on the five App. R.5 surfaces and on an
    ill-conditioned quadratic (:math:`\mathrm{diag}(1, 10^3)` rotated by
    30°), lr :math:`\in \{10^{-3}, 5\cdot10^{-3}, 10^{-2}, 10^{-1}, 1\}`,
    betas :math:`\in \{(0.9, 0.999), (0.9, 0.99), (0.5, 0.9)\}`, starts:
    (−1.2, 1) and uniform draws in :math:`[-2, 2]^2` (3 / 20), 500 / 5000
    steps, :math:`\epsilon = 10^{-8}` inside the square root (Def. 8) and
    outside (PyTorch), one sweep each. A run supports the claim iff
    :math:`\inf_t r_t > 0`: one comparison per run, :math:`\min_t r_t > 0`,
    ordered by surface and increasing lr (the first violation is reported).
    Scale: Lemma 14's constant :math:`(1 - \beta_1)/(g_{\max} + \epsilon)`
    of the run. Full tier: noisy runs (:math:`s = 0.1`, 200 steps on the
    quadratic and Rosenbrock) with :math:`\mathbb E[d_t \mid m_{t-1}, v_{t-1}, x_t]`
    averaged over :math:`10^3` fresh noise draws; a step violates only if
    :math:`\bar r_t + 2.58\,\mathrm{sem} \le 0` (99 % one-sided).
    Details: :math:`\inf_t r_t`, the fraction of steps with :math:`r_t \le 0`
    and the extreme entries of the diagonal preconditioner per problem.
    """
    rot = np.array([[math.cos(math.pi / 6), -math.sin(math.pi / 6)], [math.sin(math.pi / 6), math.cos(math.pi / 6)]])
    quad = problems.quadratic(rot @ np.diag([1.0, 1e3]) @ rot.T, name="quadratic cond 1e3")
    targets = {**problems.surfaces(), "quadratic": quad}
    lrs = [1e-3, 5e-3, 1e-2, 1e-1, 1.0]
    betas = [(0.9, 0.999), (0.9, 0.99), (0.5, 0.9)]
    n_starts = ctx.pick(3, 20)
    n_steps = ctx.pick(500, 5000)
    starts = np.vstack([[-1.2, 1.0], ctx.rng.uniform(-2.0, 2.0, size=(n_starts - 1, 2))])
    grid = [(lr, b, s) for lr in lrs for b in betas for s in range(n_starts)]
    lr_arr = np.array([g[0] for g in grid])
    b1 = np.array([g[1][0] for g in grid])
    b2 = np.array([g[1][1] for g in grid])
    x0 = starts[[g[2] for g in grid]]
    summary: dict[str, Any] = {}
    for eps_inside in (True, False):
        lhs, scale, labels = [], [], []
        for name, problem in targets.items():
            run = adam_directions(problem, x0, lr_arr, b1, b2, n_steps, eps_inside=eps_inside)
            ratios = run["ratios"]
            worst = np.nanmin(np.where(np.isfinite(ratios), ratios, np.nan), axis=0)
            lhs.append(worst)
            scale.append((1.0 - b1) / (run["g_max"] + 1e-8))
            labels += [f"{name} lr={g[0]:g} betas={g[1]} start={starts[g[2]].round(3).tolist()}" for g in grid]
            frac = np.nanmean(ratios <= 0.0, axis=0)
            summary[f"{name} ({'eps inside' if eps_inside else 'eps outside'})"] = {
                "inf_t r_t": float(np.nanmin(worst)), "runs with some r_t <= 0": int(np.sum(worst <= 0)),
                "mean fraction of steps with r_t <= 0": float(np.nanmean(frac)),
                "preconditioner entries [min, max]": [float(np.min(run["pre_min"])), float(np.max(run["pre_max"]))],
            }
        ctx.sweep(np.concatenate(lhs), 0.0, ">", rtol=0.0, atol=0.0, scale=np.concatenate(scale),
                  examples={"run": labels}, label=f"inf_t r_t > 0 (eps {'inside' if eps_inside else 'outside'})")
    ctx.note("per problem", summary)
    if ctx.budget == "full":
        rng = ctx.rng
        for name in ("quadratic", "rosenbrock"):
            sel = np.arange(0, len(grid), 7)
            run = adam_directions(targets[name], x0[sel], lr_arr[sel], b1[sel], b2[sel], 200, noise_scale=0.1,
                                  rng=rng, n_average=1000)
            upper = run["r_mean"] + 2.58 * run["r_sem"]
            worst = np.nanmin(upper, axis=0)
            ctx.sweep(worst, 0.0, ">", rtol=0.0, atol=0.0, examples={"run": [str(i) for i in sel]},
                      scale=(1.0 - b1[sel]) / (run["g_max"] + 1e-8), label=f"noisy {name}: E[d_t | state] alignment")
    return ctx.result()


# --------------------------------------------------------------------------- Remark 1: misaligned bases


@st.composite
def _misaligned_cases(draw: st.DrawFn) -> dict[str, Any]:
    r"""Frozen state: inner products :math:`a_i = \langle\nabla f(x), d_i(x)\rangle`, weights, θ, η, dynamics.

    ``misaligned``: exactly one :math:`a_i \in [-5, -0.01]`, the others in
    :math:`[0.01, 5]`; ``weak``: all positive and one smaller than the others
    by a factor :math:`10^{-3}..10^{-1}` (the catalogue's "much less aligned").
    """
    k = draw(dimensions(2, 6))
    kind = draw(st.sampled_from(("misaligned", "weak")))
    others = np.array(draw(st.lists(log_uniform(0.01, 5.0), min_size=k, max_size=k)))
    target = draw(st.integers(0, k - 1))
    a = others.copy()
    if kind == "misaligned":
        a[target] = -draw(log_uniform(0.01, 5.0))
    else:
        rest = np.delete(others, target)
        a[target] = float(np.min(rest)) * draw(log_uniform(1e-3, 0.1))
    return {"a": a, "target": target, "kind": kind, "lam": draw(simplex_points(k, min_entry=1e-3)),
            "theta": draw(log_uniform(0.01, 10.0)), "eta": draw(log_uniform(1e-3, 1.0)),
            "dynamics": draw(st.sampled_from(("rep", "proj", "line11-euclidean", "line11-normalize")))}


def _scores_from_inner_products(a: np.ndarray, lam: np.ndarray, score: str) -> np.ndarray:
    """Def. 3 scores at a frozen state from a_i = <grad f, d_i>, for a batch of weights ``lam`` (N, K)."""
    if score == "align":
        return np.broadcast_to(-a, lam.shape).copy()
    return a[None, :] - (lam @ a)[:, None]


def _misaligned_check(ctx: Context, score: str) -> None:
    n_discrete = ctx.pick(1000, 20000)

    def check(case: dict[str, Any]) -> None:
        a, lam0, theta, i = case["a"], case["lam"], case["theta"], case["target"]
        dyn = case["dynamics"]
        ctx.event(f"{case['kind']}, {dyn}")
        payoff = -a if score == "align" else a  # the weights move as a replicator/projection with this payoff
        if dyn in ("rep", "proj"):
            flow = _frozen_weight_flow(a.size, lambda x, lam: _scores_from_inner_products(a, lam, score), dyn, theta)
            grid = _dense_grid(50.0 / theta)
            sol = flows.integrate_flow(flow, np.zeros(1), lam0, 50.0 / theta, t_eval=grid)
            if not sol.success:
                raise NumericalFailure(f"weight flow failed: {sol.message}")
            path = sol.lam[:, i]
            if dyn == "rep":
                exact = simplex.replicator_closed_form(lam0, payoff, theta, grid)[:, i]
                ctx.compare(float(np.max(np.abs(path - exact))), 0.0, "<=", rtol=0.0, atol=1e-8,
                            scale=float(lam0[i]), label="integrated replicator vs closed form")
            # constant-payoff limits: replicator and projected flow both end on the face of the best payoffs
            limit = 0.0 if payoff[i] < np.max(payoff) else 1.0 / np.count_nonzero(payoff == np.max(payoff))
        else:
            path = np.empty(n_discrete + 1)
            lam = lam0.copy()
            path[0] = lam[i]
            eta = case["eta"]
            prev = lam
            for n in range(n_discrete):
                prev = lam
                h = _scores_from_inner_products(a, lam[None, :], score)[0]
                weighted = lam * np.exp(eta * h)
                lam = (simplex.project_to_simplex(weighted) if dyn == "line11-euclidean"
                       else weighted / np.sum(weighted))
                path[n + 1] = lam[i]
            if dyn == "line11-normalize":
                limit = 0.0 if payoff[i] < np.max(payoff) else 1.0 / np.count_nonzero(payoff == np.max(payoff))
            elif score == "adv":
                # Jensen: sum_j lam_j e^{eta h_j} >= 1, so the projection only subtracts (shift >= 0), and
                # h_i <= (1 - lam_i(0)) (a_i - a_(2)) < 0 while lam_i does not grow: a geometric envelope
                second = float(np.min(np.delete(a, i)))
                rate = eta * (1.0 - lam0[i]) * (a[i] - second)
                envelope = lam0[i] * np.exp(rate * np.arange(n_discrete + 1))
                ctx.compare(float(np.max(path - envelope)), 0.0, "<=", rtol=0.0, atol=1e-12 * lam0[i],
                            scale=float(lam0[i]), label="Euclidean line 11: geometric envelope")
                limit = 0.0 if rate < 0.0 else float(path[-1])
            elif float(np.max(np.abs(lam - prev))) <= 1e-14:
                limit = float(path[-1])  # the iteration has become stationary
            else:
                ctx.event("Euclidean line 11, align: not stationary after the last step (limit not recorded)")
                limit = None
        increase = float(np.max(np.diff(path)))
        ctx.compare(increase, 0.0, "<=", rtol=0.0, atol=1e-12, scale=float(lam0[i]),
                    label="weight of the misaligned base is non-increasing")
        if limit is not None:
            ctx.compare(limit, 0.0, "<=", rtol=0.0, atol=1e-12, scale=float(lam0[i]),
                        label="weight of the misaligned base tends to 0")

    ctx.search(check, _misaligned_cases(), label=f"frozen state, {score} score", max_examples=ctx.pick(20, 2000))


_MISALIGNED_DOC = r"""
    Frozen state (a misaligned base violates A3, so :math:`x` is held fixed):
    inner products :math:`a_i = \langle\nabla f(x), d_i(x)\rangle` with exactly
    one :math:`a_i < 0` (or, second stratum, one base much less aligned than
    the others), :math:`K \in [2, 6]`, :math:`\lambda_0` interior (floor
    :math:`10^{-3}`), :math:`\theta \in [0.01, 10]`, :math:`\eta \in [10^{-3}, 1]`
    (:func:`_misaligned_cases`). Dynamics: ``rep`` (5) and ``proj`` (102)
    integrated by :func:`theorylab.flows.integrate_flow` on
    :math:`[0, 50/\theta]` (2001 uniform + 2000 log-spaced points; the
    replicator also against its closed form, tolerance :math:`10^{-8}`), and
    Alg. 1 line 11 iterated 1000 / 20000 times in both readings
    (Euclidean projection of :math:`\lambda\odot e^{\eta h}`, normalisation).
    Comparisons per trajectory: the misaligned weight never increases
    (largest increment :math:`\le 10^{-12}`, scale :math:`\lambda_{0,i}`) and
    its limit is 0. Limits: with :math:`x` frozen the weights follow a
    replicator / projected flow / multiplicative-weights iteration with the
    constant payoff :math:`\pi = -a` (align) or :math:`\pi = a` (adv: the
    subtracted mean does not move the weights), which all converge to the
    face of :math:`\arg\max\pi`, so the limit of :math:`\lambda_i` is 0 iff
    :math:`\pi_i < \max\pi`. Euclidean reading of line 11: with the adv
    score :math:`\sum_j\lambda_je^{\eta h_j} \ge e^{\eta\langle\lambda, h\rangle} = 1`
    (Jensen), so the projection subtracts a non-negative shift, and
    :math:`h_i \le (1 - \lambda_{0,i})(a_i - a_{(2)}) < 0` while
    :math:`\lambda_i` does not grow; the geometric envelope
    :math:`\lambda_{0,i}e^{n\eta(1-\lambda_{0,i})(a_i - a_{(2)})}` is checked along
    the whole path (tolerance :math:`10^{-12}\lambda_{0,i}`) and gives the
    limit 0; with the align score the iterate at the last step is used when
    the iteration has become stationary (otherwise no limit is recorded and an
    event says so). 20 / 2000 cases.
"""


@claim(
    id="trailmix.remark1.misaligned.align",
    title="A misaligned base loses weight (Def. 3(1) alignment score)",
    source="Remark 1, seed L92; Def. 3(1) seed L894; (5); (102)",
    statement="If an optimizer becomes misaligned, the meta-learning rule drives its weight toward zero; "
              "score h_i = -<grad f(x), d_i(x)>.",
    kind="monotonicity",
)
def remark1_misaligned_align(ctx: Context) -> CheckResult:
    _misaligned_check(ctx, "align")
    return ctx.result()


@claim(
    id="trailmix.remark1.misaligned.adv",
    title="A misaligned base loses weight (Def. 3(2) advantage score)",
    source="Remark 1, seed L92; Def. 3(2) seed L894; Alg. 1 line 7",
    statement="If an optimizer becomes misaligned, the meta-learning rule drives its weight toward zero; "
              "score h_i = <grad f, d_i> - sum_j lambda_j <grad f, d_j>.",
    kind="monotonicity",
)
def remark1_misaligned_adv(ctx: Context) -> CheckResult:
    _misaligned_check(ctx, "adv")
    return ctx.result()


_MISALIGNED_MATH = r"""
    .. math::

        a_i = \langle\nabla f(x), d_i(x)\rangle < 0 \ \Longrightarrow\
        \lambda_{i}(t) \text{ non-increasing and } \lambda_i(t) \to 0 .
"""

remark1_misaligned_align.__doc__ = r"""Weight of a misaligned base under the Def. 3(1) score
    :math:`h_i = -\langle\nabla f, d_i\rangle`.
""" + _MISALIGNED_MATH + _MISALIGNED_DOC
remark1_misaligned_adv.__doc__ = r"""Weight of a misaligned base under the Def. 3(2) advantage score
    :math:`h_i = \langle\nabla f, d_i\rangle - \sum_j\lambda_j\langle\nabla f, d_j\rangle`.
""" + _MISALIGNED_MATH + _MISALIGNED_DOC


# =========================================================================== Section 4 (Theorem 1)


def attach_reproduction(ctx: Context, module: str) -> None:
    """Run the reproduction ``sims.<module>`` into ``out_dir/sims`` and list its figures (skipped without out_dir)."""
    if ctx.out_dir is None:
        return
    import importlib

    repro = importlib.import_module(f"sims.{module}").run(ctx.out_dir / "sims", budget=ctx.budget, seed=ctx.seed)
    for fig in repro.figures:
        ctx.attach_figure(fig)
    ctx.note(f"reproduction {repro.name}", repro.summary)


_RATE_DOC = r"""
    Search (:func:`proofs_checks.trailmix._rates_helpers.rate_instances`,
    6 / 60 instances): families @FAMILIES@; :math:`d \in [1, 4]` (2 for the
    surfaces), :math:`K \in [1, 4]`, B-SCALED (:math:`c_i \in [0.05, 5]`) or
    B-SPD (eigenvalues in [0.05, 5], Haar basis), gradient noise
    :math:`s \in [0.01, 1]` (B-NOISY, :math:`d^{(i)} = P_i(\nabla f + \xi)`)
    or :math:`s = 0`, :math:`\lambda` fixed (Dirichlet, faces, vertices),
    :math:`x_0 \in [-5, 5]^d`, :math:`\alpha_0` log-uniform in
    :math:`[10^{-3}, 1]` intersected with (i) stable steps
    :math:`\alpha_0L\|\bar P\| \le 1` (up to 10 for commuting bases on
    quadratics without averaging, which are exact per coordinate through a
    growth phase; elsewhere a growth phase followed by decay loses all
    relative precision in float64), and (ii) steps for which the fit window
    lies after the transient: :math:`T_{\max} = \max(T_{\rm base}, 100(\tau^*/2\alpha_0)^2)`
    within the budget's cap (closed forms :math:`3\cdot10^4 / 10^6`,
    deterministic loops :math:`10^4 / 10^5`, Monte Carlo
    :math:`3\cdot10^3 / 2\cdot10^4`), :math:`\tau^*` the time the
    fixed-mixture gradient flow needs to leave its transient
    (:func:`~proofs_checks.trailmix._rates_helpers.transient_time`). An O(·)
    statement is asymptotic, and a window inside the transient gives no
    evidence either way; objectives for which the range is empty are redrawn
    (counted in the cases), i.e. the search is conditioned on instances whose
    asymptotic regime the budget reaches.
    Quadratics: exact moments (:func:`~proofs_checks.trailmix._rates_helpers.linear_sgd_moments`);
    other objectives: the deterministic recursion or 100 / 500 Monte Carlo runs.
    The verdict is that of the catalogue's rate convention (tail slope of the
    normalised quantity over the last two decades :math:`\le 0.05`); a
    figure of the bound against simulated trajectories is attached
    (reproduction ``@FIGURE@``).
"""


@claim(
    id="trailmix.theorem1.1",
    title="Nonconvex rate O(ln T / sqrt T)",
    source="Theorem 1(1), seed L110–L116 (proof: App. B, Theorem 3)",
    statement="Under A1–A3, fixed lambda, alpha_t ∝ 1/sqrt(t+1): min_{0<=t<T} E||grad f(x_t)||^2 = O(ln T/sqrt T).",
    kind="rate",
)
def theorem1_1(ctx: Context) -> CheckResult:
    rh.sublinear_rate_search(ctx, families=rh.NONCONVEX_FAMILIES, quantity="min_grad2", exponent=0.5, log_power=1.0,
                             label="min_t E||grad f||^2 sqrt(T)/ln T")
    attach_reproduction(ctx, "trailmix_rates")
    return ctx.result()


theorem1_1.__doc__ = r"""Boundedness of :math:`R(T) = \min_{t<T}\mathbb E\|\nabla f(x_t)\|^2\,\sqrt T/\ln T`.

    .. math::

        \min_{0\le t<T}\mathbb E\|\nabla f(x_t)\|^2 = O\Bigl(\frac{\ln T}{\sqrt T}\Bigr)
        \iff R(T)\ \text{bounded}; \quad \text{fitted slope of } \log R \text{ vs } \log T
        \text{ on the last two decades} \le 0.05 .

    :math:`f_* = \inf f` finite (F-QUAD SPD, F-PLNC, F-PH, bounded-below
    nonconvex F-SP, Booth, Griewank: the families that satisfy A1 globally).
""" + _RATE_DOC.replace("@FAMILIES@", "F-QUAD (SPD), F-PLNC, F-PH, F-SP, Booth, Griewank").replace(
    "@FIGURE@", "nonconvex-rate")


@claim(
    id="trailmix.theorem1.2.last-iterate",
    title="Convex rate O(1/sqrt T), last-iterate reading",
    source="Theorem 1(2), seed L110–L116",
    statement="f convex (A1–A3): E[f(x_T)] - f* = O(1/sqrt T) with appropriate step sizes (iterate at the horizon).",
    kind="rate",
)
def theorem1_2_last_iterate(ctx: Context) -> CheckResult:
    rh.sublinear_rate_search(ctx, families=rh.CONVEX_FAMILIES, quantity="f_last", exponent=0.5, log_power=0.0,
                             schedules=("inverse-sqrt", "horizon-constant"),
                             label="(E f(x_T) - f*) sqrt(T), best of two schedules")
    attach_reproduction(ctx, "trailmix_convex_rate")
    return ctx.result()


theorem1_2_last_iterate.__doc__ = r"""Boundedness of :math:`\sqrt T(\mathbb E f(x_T) - f_*)`, best of two schedules.

    .. math::

        \mathbb E f(x_T) - f_* = O(T^{-1/2}) \quad\text{for } \alpha_t = \alpha_0/\sqrt{t+1}
        \ \text{or the horizon-dependent constant } \alpha = \alpha_0/\sqrt T .

    "With appropriate step sizes" is existential: an instance supports the
    claim if either schedule gives a tail slope :math:`\le 0.05` (the smaller
    slope is compared; the schedule used is counted in the cases). Convex
    families: F-QUAD (SPD and PSD-singular), F-PH, F-LOG (infimum 0 not attained).
""" + _RATE_DOC.replace("@FAMILIES@", "F-QUAD (SPD and singular), F-PH, F-LOG").replace("@FIGURE@", "convex-rate")


@claim(
    id="trailmix.theorem1.2.averaged",
    title="Convex rate O(1/sqrt T), averaged-iterate reading",
    source="Theorem 1(2), seed L110–L116",
    statement="f convex (A1–A3): E[f(xbar_T)] - f* = O(1/sqrt T), xbar_T = (1/T) sum_{t<T} x_t.",
    kind="rate",
)
def theorem1_2_averaged(ctx: Context) -> CheckResult:
    rh.sublinear_rate_search(ctx, families=rh.CONVEX_FAMILIES, quantity="f_avg", exponent=0.5, log_power=0.0,
                             label="(E f(xbar_T) - f*) sqrt(T)")
    attach_reproduction(ctx, "trailmix_convex_rate")
    return ctx.result()


theorem1_2_averaged.__doc__ = r"""Boundedness of :math:`\sqrt T(\mathbb E f(\bar x_T) - f_*)`.

    .. math::

        \mathbb E f(\bar x_T) - f_* = O(T^{-1/2}),\qquad \bar x_T = \frac1T\sum_{t<T}x_t,\quad
        \alpha_t = \frac{\alpha_0}{\sqrt{t+1}} .

    :math:`\bar x_T = \frac1T\sum_{t<T}x_t`, :math:`\alpha_t = \alpha_0/\sqrt{t+1}`. On quadratics :math:`\bar x_T` is
    affine in the noise and :math:`\mathbb E f(\bar x_T)` is exact (joint
    Gaussian state of the iterate and the running sum; the sum is recomputed
    with ``mpmath`` when float64 cancellation exceeds 5 digits). Compare
    Theorem 4 (78), which states :math:`O(\log T/\sqrt T)` for the same average.
""" + _RATE_DOC.replace("@FAMILIES@", "F-QUAD (SPD and singular), F-PH, F-LOG").replace("@FIGURE@", "convex-rate")


@st.composite
def _pl_instances(draw: st.DrawFn, noisy: bool) -> dict[str, Any]:
    r"""PL instances, constant steps: :math:`f = \tfrac12 x^\top Ax`, :math:`d = c(\lambda)\nabla f + \xi`.

    :math:`d \in [1, 4]` (:math:`d = 1` is the catalogue's :math:`\tfrac12\mu x^2`),
    eigenvalues of :math:`A` log-uniform in :math:`[10^{-2}, 10^2]` (Haar
    basis), :math:`K \in [1, 3]` B-SCALED bases with :math:`c_i \in [0.1, 2]`,
    :math:`s \in (0, 1]` (or 0), :math:`x_0 \in [-3, 3]^d`, constant
    :math:`\alpha = u/(L c(\lambda))` with :math:`u` log-uniform in :math:`[10^{-3}, 1]`.
    """
    d = draw(st.integers(1, 4))
    k = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    a = rh.spd_from_rng(rng, d, 1e-2, 1e2) if d > 1 else np.array([[draw(log_uniform(0.05, 2.0))]])
    c = np.array(draw(st.lists(log_uniform(0.1, 2.0), min_size=k, max_size=k)))
    lam = draw(simplex_points(k, allow_zeros=True)) if k > 1 else np.ones(1)
    s = draw(log_uniform(1e-2, 1.0)) if noisy else 0.0
    eig = np.linalg.eigvalsh(a)
    c_mix = float(lam @ c)
    alpha = draw(log_uniform(1e-3, 1.0)) / (float(eig[-1]) * c_mix)
    return {"A": a, "c": c, "lam": lam, "s": s, "alpha": alpha, "x0": np.array(draw(box_vectors(d, -3.0, 3.0))),
            "mu": float(eig[0]), "L": float(eig[-1]), "c_mix": c_mix}


def pl_moments(case: dict[str, Any], n_steps: int) -> tuple[np.ndarray, float]:
    r"""Exact :math:`\mathbb E f(x_t) - f_*`, :math:`t = 0..n`, and the exact stationary limit :math:`e_\infty`.

    With the eigen-decomposition :math:`A = Q\,\mathrm{diag}(a)Q^\top` the
    recursion is diagonal: :math:`\rho_j = 1 - \alpha c(\lambda)a_j`,
    :math:`e_\infty = \tfrac12\sum_j a_j\,\alpha^2s^2/(1 - \rho_j^2)` (all
    :math:`|\rho_j| < 1` in the drawn step range).
    """
    a, c, lam = case["A"], case["c"], case["lam"]
    p = c[:, None, None] * np.eye(a.shape[0])[None]
    tr = rh.linear_sgd_moments(a, case["x0"], p, lam, np.full(n_steps, case["alpha"]), noise_scale=case["s"],
                               noise="additive")
    eig = np.linalg.eigvalsh(a)
    rho = 1.0 - case["alpha"] * case["c_mix"] * eig
    if np.any(np.abs(rho) >= 1.0):
        raise NumericalFailure("unstable constant step: |1 - alpha c a_j| >= 1")
    limit = 0.5 * float(np.sum(eig * case["alpha"] ** 2 * case["s"] ** 2 / (1.0 - rho**2)))
    with np.errstate(over="ignore"):
        return np.exp(tr.log_f), limit


def geometric_decay_check(ctx: Context, table_row: bool) -> None:
    r"""Shared check of ``trailmix.theorem1.3`` and ``trailmix.table1.pl`` (stochastic setting).

    A bound :math:`\mathbb E f(x_t) - f_* \le C(1-\gamma)^t` forces
    :math:`e_\infty = \lim_t\mathbb E f(x_t) - f_* = 0`; the comparison is
    :math:`e_\infty \le 0` with the exact stationary limit, scale :math:`e_0`.
    The simulated plateau (exact moments to :math:`t = 5000`) is compared
    with :math:`e_\infty` in the details, and the fitted geometric rate of the
    deterministic stratum (:math:`s = 0`) is reported there, together with
    (for the Table 1 row) :math:`(1 - \mu\alpha)^t`.
    """
    n_steps = 5000

    def stochastic(case: dict[str, Any]) -> None:
        e, limit = pl_moments(case, n_steps)
        ctx.event("stochastic: plateau > 0" if limit > 0 else "stochastic: no plateau")
        ctx.compare(limit, 0.0, "<=", rtol=0.0, atol=0.0, scale=max(float(e[0]), limit, 1e-300),
                    label="lim_t E f(x_t) - f* (exact) = 0, as geometric decay requires")

    ctx.search(stochastic, _pl_instances(True), label="stochastic setting (s > 0)", max_examples=ctx.pick(30, 1000))
    deterministic = []
    rng = np.random.default_rng([ctx.seed, 7])
    for _ in range(ctx.pick(10, 100)):
        d = int(rng.integers(1, 5))
        a = rh.spd_from_rng(rng, d, 1e-2, 1e2)
        c = np.exp(rng.uniform(math.log(0.1), math.log(2.0), size=1))
        eig = np.linalg.eigvalsh(a)
        case = {"A": a, "c": c, "lam": np.ones(1), "s": 0.0, "x0": rng.uniform(-3, 3, d), "mu": float(eig[0]),
                "L": float(eig[-1]), "c_mix": float(c[0]),
                "alpha": math.exp(rng.uniform(math.log(1e-3), 0.0)) / (float(eig[-1]) * float(c[0]))}
        e, _ = pl_moments(case, n_steps)
        t = np.arange(n_steps + 1)
        keep = e > 1e-250
        fit = fit_linear_rate(t[keep], e[keep]) if keep.sum() >= 8 else None
        row = {"d": d, "mu": case["mu"], "c": case["c_mix"], "alpha": case["alpha"],
               "fitted log-rate per step": None if fit is None else fit.slope,
               "slowest exact log-rate 2 log|1 - alpha c mu|": 2 * math.log(abs(1 - case["alpha"] * case["c_mix"]
                                                                                 * case["mu"]))}
        if table_row:
            row["log(1 - mu alpha)"] = math.log1p(-case["mu"] * case["alpha"])
            row["Table 1 rate holds (2 log|1 - alpha c mu| <= log(1 - mu alpha))"] = bool(
                row["slowest exact log-rate 2 log|1 - alpha c mu|"] <= row["log(1 - mu alpha)"])
        deterministic.append(row)
    ctx.note("deterministic stratum (s = 0), reported only", deterministic)


@claim(
    id="trailmix.theorem1.3",
    title="PL / strongly convex: geometric decay with a constant step",
    source="Theorem 1(3), seed L110–L116 (appendix counterpart: Theorem 5)",
    statement="mu-PL or strongly convex: E[f(x_t) - f*] = O((1 - gamma)^t) for some gamma in (0, 1), with constant "
              "step size alpha (stochastic setting, A2 with G > 0).",
    kind="rate",
)
def theorem1_3(ctx: Context) -> CheckResult:
    r"""Exact stationary limit of :math:`\mathbb E f(x_t) - f_*` under a constant step, stochastic setting.

    .. math::

        \mathbb E f(x_t) - f_* \le C(1-\gamma)^t \ \Rightarrow\
        e_\infty := \lim_{t\to\infty}\mathbb E f(x_t) - f_* = 0, \qquad
        e_\infty = \tfrac12\sum_j a_j\frac{\alpha^2s^2}{1 - (1 - \alpha c(\lambda)a_j)^2}
        \ \text{for } d = c(\lambda)\nabla f + \xi .

    Instances (:func:`_pl_instances`, 30 / 1000): :math:`f = \tfrac12x^\top Ax`
    (:math:`d \in [1, 4]`, eigenvalues in :math:`[10^{-2}, 10^2]`; strongly
    convex, hence :math:`\mu`-PL with :math:`\mu = \lambda_{\min}(A)`),
    :math:`K \in [1, 3]` B-SCALED bases (:math:`c_i \in [0.1, 2]`), additive
    noise :math:`s \in [0.01, 1]`, :math:`x_0 \in [-3, 3]^d`, constant
    :math:`\alpha = u/(Lc(\lambda))`, :math:`u \in [10^{-3}, 1]` log-uniform
    (the stable range; larger steps diverge, which would refute trivially).
    Comparison :math:`e_\infty \le 0` (exact, scale :math:`\max(e_0, e_\infty)`, :math:`e_0 = f(x_0) - f_*`);
    the exact moments to :math:`t = 5000` show the plateau (figure
    ``pl-rate``). The :math:`s = 0` stratum is reported in the details only
    (there the decay is geometric); the ID's verdict refers to the paper's
    stochastic setting.
    """
    geometric_decay_check(ctx, table_row=False)
    attach_reproduction(ctx, "trailmix_pl_rate")
    return ctx.result()


# =========================================================================== Section 5 (Theorem 2)

#: A tail residual "persists" when doubling the horizon shrinks it by less than 1 %.
PERSISTENCE_RATIO = 0.99

#: Objective families of the Theorem 2 searches (all satisfy A1 globally; F-LOG and F-SP need not have minimisers).
THEOREM2_FAMILIES = ("quad", "quad-singular", "plnc", "ph", "log", "sp", "booth", "griewank")


def _meta_natural_residuals(flow: flows.CoupledFlow, xs: np.ndarray, lams: np.ndarray) -> np.ndarray:
    r"""Natural residual :math:`\|\lambda - \Pi_\Delta(\lambda + \theta h(x, \lambda))\|` at a batch of states.

    It is continuous in :math:`(x, \lambda)` and vanishes exactly when
    :math:`\Pi_{T_\Delta(\lambda)}(\theta h) = 0` (both say
    :math:`\theta h \in N_\Delta(\lambda)`), so its tail values tend to its
    value at the limit point — unlike :math:`\|\Pi_{T_\Delta(\lambda(t))}(\theta h)\|`,
    which jumps when a weight that tends to 0 reaches it only in the limit.
    """
    h = flow._terms(xs, lams)[2]
    return np.linalg.norm(lams - simplex.project_to_simplex(lams + flow.theta * h), axis=1)


def doubling_residuals(flow: flows.CoupledFlow, x0: np.ndarray, lam0: np.ndarray, first: float, cap: float,
                       n_tail: int = 200) -> dict[str, Any]:
    r"""Tail residuals of a trajectory of (101) + weight dynamics over doubling horizons.

    On :math:`[T/2, T]` (``n_tail`` points): the tail diameter
    :math:`\max\|(x, \lambda)(t) - (x, \lambda)(T)\|`, :math:`\max\|\nabla f(x(t))\|`
    and the natural residual of (112), :math:`\max\|\lambda - \Pi_\Delta(\lambda + \theta h)\|`
    (:func:`_meta_natural_residuals`). The horizon doubles
    from ``first`` while some residual neither is below its floor
    (:math:`10^{-9}` of its value's natural scale at :math:`t = 0`) nor shrinks
    by 1 % (:data:`PERSISTENCE_RATIO`), up to ``cap``. Integration:
    :func:`theorylab.flows.integrate_flow` (LSODA, rtol :math:`10^{-10}`,
    atol :math:`10^{-12}`), continued piecewise from the end state.

    Returns the residuals at the last two horizons, the horizon, the floors
    and the end state; raises :class:`NumericalFailure` if the integration fails.
    """
    h0 = flow._terms(x0[None, :], lam0[None, :])
    scale = {"diameter": 1.0 + float(np.linalg.norm(x0)), "gradient": 1.0 + float(np.linalg.norm(h0[0][0])),
             "meta": 1.0 + flow.theta * float(np.max(np.abs(h0[2][0])))}
    floors = {k: 1e-9 * v for k, v in scale.items()}

    def tail(t0: float, t1: float, x: np.ndarray, lam: np.ndarray) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
        grid = np.linspace(max(t0, t1 / 2.0), t1, n_tail)
        sol = flows.integrate_flow(flow, x, lam, t1, t_start=t0, t_eval=grid if t0 < t1 / 2.0 else None,
                                   n_dense=n_tail, method="LSODA", rtol=1e-10, atol=1e-12)
        if not sol.success or sol.t.size == 0:
            raise NumericalFailure(f"coupled flow integration failed on [{t0:g}, {t1:g}]: {sol.message}")
        xs, lams = sol.x, sol.lam
        end = np.concatenate([xs[-1], lams[-1]])
        values = {
            "diameter": float(np.max(np.linalg.norm(np.hstack([xs, lams]) - end[None, :], axis=1))),
            "gradient": float(np.max(np.linalg.norm(flow.problem._grad(xs), axis=1))),
            "meta": float(np.max(_meta_natural_residuals(flow, xs, lams))),
        }
        return values, xs[-1], lams[-1] / lams[-1].sum()

    previous, x, lam = tail(0.0, first, x0, lam0)
    horizon = first
    while True:
        last, x, lam = tail(horizon, 2.0 * horizon, x, lam)
        horizon *= 2.0
        settled = all(last[k] <= max(floors[k], PERSISTENCE_RATIO * previous[k]) for k in last)
        if settled or 2.0 * horizon > cap:
            return {"previous": previous, "last": last, "horizon": horizon, "floors": floors, "x_end": x,
                    "lam_end": lam}
        previous = last


@st.composite
def _theorem2_cases(draw: st.DrawFn, score_kinds: tuple[str, ...]) -> dict[str, Any]:
    r"""Objective, bases, meta-score, weight dynamics and initial state for the Theorem 2 searches.

    Families :data:`THEOREM2_FAMILIES` (:math:`d \in [1, 3]`, 2 for the
    surfaces); B-SCALED (:math:`c_i \in [0.05, 5]`) or B-SPD (eigenvalues in
    [0.05, 5]); :math:`K \in [2, 4]`; ``proj`` (102) or ``rep`` dynamics;
    :math:`\theta \in [0.01, 10]`; :math:`x_0 \in [-5, 5]^d`; :math:`\lambda_0`
    interior or on a face. Score kinds: ``align``/``adv`` (Def. 3), ``linear``
    (:math:`h = A\lambda`, :math:`A` Gaussian), ``skew`` (:math:`A`
    skew-symmetric with zero column sums), ``mixed`` (:math:`h = B\nabla f + A\lambda`).
    """
    family = draw(st.sampled_from(THEOREM2_FAMILIES))
    d = 2 if family in ("booth", "griewank") else draw(st.integers(1, 3))
    k = draw(st.integers(2, 4))
    bases_kind = draw(st.sampled_from(("scaled", "spd"))) if d > 1 else "scaled"
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    if family == "sp":
        from theorylab.problems import softplus_sum

        problem = softplus_sum(rng.uniform(-1.0, 2.0, size=d + 2) + 0.01, rng.standard_normal((d + 2, d)))
    else:
        problem, _ = rh.make_problem(family, rng, d)
    p = rh.make_preconditioners(bases_kind, rng, k, d)
    bases = (flows.scaled_bases(p[:, 0, 0], d) if bases_kind == "scaled" else flows.preconditioned_bases(p))
    kind = draw(st.sampled_from(score_kinds))
    if kind in ("align", "adv"):
        score: Any = kind
    else:
        a = rng.standard_normal((k, k))
        if kind == "skew":
            a = a - a.T
            a = a - a.mean(axis=0, keepdims=True) - a.mean(axis=1, keepdims=True) + a.mean()
            a = 0.5 * (a - a.T)  # skew-symmetric with zero row and column sums
        b = rng.standard_normal((k, d)) if kind == "mixed" else None
        score = flows.linear_meta_score(problem, a, b)
    x0 = rng.uniform(-5.0, 5.0, size=d) + (problem.x_star if family == "booth" else 0.0)
    return {"family": family, "problem": problem, "bases": bases, "score": score, "score_kind": kind,
            "dynamics": draw(st.sampled_from(("proj", "rep"))), "theta": draw(log_uniform(0.01, 10.0)),
            "x0": x0, "lam0": draw(simplex_points(k, allow_zeros=True, include_vertices=False))}


def _theorem2_time_scale(case: dict[str, Any], flow: flows.CoupledFlow) -> float:
    r"""Transient time of a case: that of the x-flow with :math:`\lambda_0` frozen
    (:func:`~proofs_checks.trailmix._rates_helpers.transient_time`) and :math:`1/(\theta\,\mathrm{spread}(h_0))`
    for the weights."""
    problem, lam0 = case["problem"], case["lam0"]
    d = problem.dim
    eye = np.eye(d)
    # columns of P_i from the directions of the unit gradients (constant B-SCALED / B-SPD bases)
    pbar = sum(lam0[i] * flow.bases._directions(np.zeros((d, d)), eye)[:, i, :].T for i in range(lam0.size))
    a = problem.hess(np.zeros(d)) if problem.family == "F-QUAD" or problem.name == "booth" else None
    tau_x = rh.transient_time(problem, 0.5 * (pbar + pbar.T), case["x0"], a, algebraic=False)
    if not math.isfinite(tau_x):
        tau_x = 0.0  # the x-flow has no limit up to t = 1e6: any window shows it
        case["no_limit"] = True
    h0 = flow._terms(case["x0"][None, :], lam0[None, :])[2][0]
    spread = float(np.max(h0) - np.min(h0))
    tau_lam = 1.0 / (flow.theta * spread) if spread > 0 else 0.0
    return max(tau_x, tau_lam)


def _theorem2_convergence(ctx: Context, score_kinds: tuple[str, ...], label: str) -> None:
    first, cap = ctx.pick(50.0, 200.0), ctx.pick(800.0, 25_600.0)

    def check(case: dict[str, Any]) -> None:
        flow = flows.CoupledFlow(case["problem"], case["bases"], weight_dynamics=case["dynamics"],
                                 score=case["score"], theta=case["theta"])
        start = max(first, 10.0 * _theorem2_time_scale(case, flow))
        if 8.0 * start > cap:
            ctx.event("discarded: transient longer than the horizon cap / 8")
            ctx.assume(False)
        res = doubling_residuals(flow, case["x0"], case["lam0"], start, cap)
        hyp = case["problem"].hypotheses
        ctx.event(f"{case['family']} ({'coercive' if hyp.coercive else 'not coercive'}), {case['score_kind']}, "
                  f"{case['dynamics']}")
        if case.get("no_limit"):
            ctx.event("x-flow with frozen weights has no limit up to t = 1e6")
        for name in ("diameter", "gradient", "meta"):
            prev, last, floor = res["previous"][name], res["last"][name], res["floors"][name]
            ctx.compare(last, max(floor, PERSISTENCE_RATIO * prev), "<=", rtol=0.0, atol=0.0,
                        scale=max(prev, floor), label=f"{name} residual vanishes or decays at T = {res['horizon']:g}")

    ctx.search(check, _theorem2_cases(score_kinds), label=label, max_examples=ctx.pick(6, 100))


_THEOREM2_DOC = r"""
    .. math::

        (x(t), \lambda(t)) \to (x^*, \lambda^*), \qquad \nabla f(x^*) = 0, \qquad
        \Pi_{T_\Delta(\lambda^*)}(\theta h(x^*, \lambda^*)) = 0 \quad (211)\text{–}(212).

    Convergence is judged as in the catalogue ("a trajectory that is
    unbounded, keeps oscillating, or converges to a non-meta-stationary point
    contradicts the statement") by tail residuals over doubling horizons
    (:func:`doubling_residuals`): on :math:`[T/2, T]` the tail diameter of
    :math:`(x, \lambda)`, :math:`\max\|\nabla f\|` and the natural residual
    :math:`\max\|\lambda - \Pi_\Delta(\lambda + \theta h)\|` (continuous, and 0
    exactly when (112) holds; :math:`\|\Pi_{T_\Delta(\lambda(t))}(\theta h)\|`
    itself does not tend to 0 when a weight reaches 0 only in the limit);
    the horizon doubles from :math:`T_0 = \max(50, 10\tau)` (quick) /
    :math:`\max(200, 10\tau)` (full), :math:`\tau` the case's transient time
    (:func:`_theorem2_time_scale`: the x-flow with :math:`\lambda_0` frozen —
    0 if that flow has no limit up to :math:`t = 10^6` — and
    :math:`1/(\theta\,\mathrm{spread}(h_0))`), up to 800 (quick) / 25600 (full)
    (cases with :math:`8T_0` beyond the cap are discarded and counted: a
    window inside the transient cannot show convergence or its absence; the
    quick tier therefore sees only transients up to 10 and slow drifts such
    as :math:`x(t) \sim \log t` only while they still shrink by 1 % per
    doubling — the full tier is the serious search),
    while a residual neither vanishes
    (floor :math:`10^{-9}` of its scale at :math:`t = 0`) nor shrinks by 1 %.
    One comparison per residual: :math:`r(2T) \le \max(\text{floor}, 0.99\,r(T))`
    (a residual that decays like any power :math:`T^{-p}`, :math:`p \ge 0.015`,
    or exponentially passes; one that settles on a positive value — an
    unbounded drift :math:`x(t) \sim \log t` or a cycle — fails). Scale
    :math:`\max(r(T), \text{floor})`.

    Cases (:func:`_theorem2_cases`, 6 / 100): objectives that satisfy A1–A3 with
    the drawn bases (F-QUAD SPD and singular, F-PLNC, F-PH, F-LOG, F-SP with
    weights of both signs, Booth, Griewank — Theorem 2 states no coercivity,
    and none is added; the cases record whether the objective is coercive),
    B-SCALED / B-SPD bases, ``proj`` (102) and replicator dynamics,
    :math:`\theta \in [0.01, 10]`, :math:`x_0 \in [-5, 5]^d`, :math:`\lambda_0`
    interior or on a face.
"""


@claim(
    id="trailmix.theorem2.1.def3-h",
    title="The same-timescale flow converges to a meta-stationary point (Def. 3 scores)",
    source="Theorem 2, seed L126; Theorem 7 seed L947; Def. 13 seed L1618",
    statement="The continuous-time flow with beta_t = theta alpha_t converges to a meta-stationary point (x*, lambda*) "
              "where grad f(x*) = 0 and the weights reach equilibrium (h from Def. 3).",
    kind="stability",
)
def theorem2_1_def3_h(ctx: Context) -> CheckResult:
    _theorem2_convergence(ctx, ("align", "adv"), "Def. 3 scores")
    return ctx.result()


theorem2_1_def3_h.__doc__ = r"""Convergence of (101) with (102) or the replicator, Def. 3 scores (both forms drawn).
""" + _THEOREM2_DOC


@claim(
    id="trailmix.theorem2.1.generic-h",
    title="The same-timescale flow converges to a meta-stationary point (general meta-score)",
    source="Theorem 2, seed L126; Sec. 3 (h a stochastic meta-gradient); A9 seed L840",
    statement="As theorem2.1.def3-h with h : R^d x Delta_K -> R^K any locally Lipschitz map.",
    kind="stability",
)
def theorem2_1_generic_h(ctx: Context) -> CheckResult:
    _theorem2_convergence(ctx, ("linear", "skew", "mixed", "align", "adv"), "general meta-scores")
    return ctx.result()


theorem2_1_generic_h.__doc__ = r"""Convergence of (101) with (102) or the replicator, general locally Lipschitz scores.

    Scores: :math:`h = A\lambda` (Gaussian :math:`A`), :math:`A` skew-symmetric
    with zero column sums (a zero-sum "rock–paper–scissors" payoff),
    :math:`h = B\nabla f(x) + A\lambda`, and the Def. 3 scores.
""" + _THEOREM2_DOC


@st.composite
def _pl_flow_cases(draw: st.DrawFn) -> dict[str, Any]:
    r"""PL objectives with their :math:`\mu`, bases with :math:`c_{\min} = \min_i\lambda_{\min}(P_i)`, and λ-dynamics.

    F-QUAD SPD (:math:`\mu = \lambda_{\min}(A)`), F-PLNC (:math:`\mu = 1/32`,
    Karimi et al., the engine's constant), Booth (:math:`\mu = 2`);
    :math:`d \in [1, 3]`; B-SCALED (:math:`c_i \in [0.05, 5]`) or B-SPD;
    :math:`K \in [2, 4]`; dynamics ``proj``/``rep`` with ``align``/``adv``,
    or an adversarial piecewise-constant :math:`\lambda(t)` (5 random switches);
    :math:`\theta \in \{0\} \cup [0.01, 20]`, :math:`x_0 \in [-15, 15]^d`.
    """
    family = draw(st.sampled_from(("quad", "plnc", "booth")))
    d = 2 if family == "booth" else draw(st.integers(1, 3))
    k = draw(st.integers(2, 4))
    bases_kind = draw(st.sampled_from(("scaled", "spd"))) if d > 1 else "scaled"
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    problem, _ = rh.make_problem(family, rng, d)
    p = rh.make_preconditioners(bases_kind, rng, k, d)
    bases = flows.scaled_bases(p[:, 0, 0], d) if bases_kind == "scaled" else flows.preconditioned_bases(p)
    mode = draw(st.sampled_from(("proj-align", "proj-adv", "rep-align", "rep-adv", "switching")))
    theta = draw(st.sampled_from((0.0, 1.0))) * draw(log_uniform(0.01, 20.0))
    x0 = rng.uniform(-15.0, 15.0, size=d) + (problem.x_star if family == "booth" else 0.0)
    return {"family": family, "problem": problem, "bases": bases, "mode": mode, "theta": theta, "x0": x0,
            "lam0": draw(simplex_points(k, allow_zeros=True, include_vertices=False)),
            "switches": rng.dirichlet(np.ones(k), size=6), "c_min": float(np.min(np.linalg.eigvalsh(p)[:, 0]))}


def _pl_trajectory(case: dict[str, Any], grid: np.ndarray) -> np.ndarray:
    """Objective gap f(x(t)) - f* on ``grid`` along the case's flow (switching: fixed weights on 6 segments)."""
    problem, bases = case["problem"], case["bases"]
    if case["mode"] != "switching":
        dyn, score = case["mode"].split("-")
        flow = flows.CoupledFlow(problem, bases, weight_dynamics=dyn, score=score, theta=case["theta"])
        sol = flows.integrate_flow(flow, case["x0"], case["lam0"], float(grid[-1]), t_eval=grid, method="LSODA")
        if not sol.success:
            raise NumericalFailure(f"flow integration failed: {sol.message}")
        return problem.value(sol.x) - problem.f_star
    edges = np.linspace(0.0, float(grid[-1]), case["switches"].shape[0] + 1)
    gaps = np.empty(grid.size)
    x = case["x0"]
    for j, weights in enumerate(case["switches"]):
        flow = flows.CoupledFlow(problem, bases, weight_dynamics="fixed", theta=0.0)
        sel = (grid >= edges[j]) & ((grid < edges[j + 1]) | (j == len(case["switches"]) - 1))
        times = np.unique(np.concatenate([[edges[j]], grid[sel], [edges[j + 1]]]))
        sol = flows.integrate_flow(flow, x, weights, float(edges[j + 1]), t_start=float(edges[j]), t_eval=times,
                                   method="LSODA")
        if not sol.success:
            raise NumericalFailure(f"flow integration failed: {sol.message}")
        gaps[sel] = problem.value(sol.x[np.searchsorted(times, grid[sel])]) - problem.f_star
        x = sol.x[-1]
    return gaps


@claim(
    id="trailmix.theorem2.2",
    title="PL implies linear convergence of f(x(t)) along the same-timescale flow",
    source="Theorem 2 second sentence, seed L126; quantified in Theorem 8 (114)",
    statement="Under the mu-PL condition, f(x(t)) converges linearly to f* along the same-timescale flow.",
    kind="rate",
)
def theorem2_2(ctx: Context) -> CheckResult:
    r"""Fitted exponential rate :math:`\hat\kappa` of :math:`f(x(t)) - f_*` along (101) + weight dynamics.

    .. math::

        f(x(t)) - f_* \le C e^{-\kappa t} \ \text{for some}\ \kappa > 0
        \quad(\text{Theorem 8 quantifies } \kappa = 2\mu c_{\min}).

    Cases (:func:`_pl_flow_cases`, 10 / 500): F-QUAD SPD, F-PLNC
    (:math:`\mu = 1/32`, the catalogue's constant; the sharp value is about
    0.1755), Booth; B-SCALED/B-SPD; ``proj``/``rep`` with both Def. 3
    scores, and an adversarial piecewise-constant :math:`\lambda(t)`;
    :math:`\theta \in \{0\} \cup [0.01, 20]`, :math:`x_0 \in [-15, 15]^d`,
    :math:`t \in [0, 30]` on 2001 uniform + 2000 log-spaced points
    (``solve_ivp`` LSODA, rtol :math:`10^{-10}`). The gap is fitted by
    :func:`theorylab.rates.fit_linear_rate` (round-off floor detected and
    excluded; points with gap :math:`\le 10^{-13}(f(x_0) - f_*)` dropped).
    One comparison per case: :math:`\hat\kappa > 0`, scale :math:`2\mu c_{\min}`
    (the rate Theorem 8 attaches to "linearly"). The worst ratio
    :math:`\max_t (f(x(t)) - f_*)/((f(x_0) - f_*)e^{-2\mu c_{\min}t})` (Theorem 8's
    bound) is reported in the details.
    """
    grid = _dense_grid(30.0)
    worst = {"ratio to Theorem 8 bound": 0.0}

    def check(case: dict[str, Any]) -> None:
        gaps = _pl_trajectory(case, grid)
        gap0 = float(gaps[0])
        if gap0 <= 0.0:
            raise NumericalFailure("x_0 is a minimiser")
        keep = gaps > max(1e-13 * gap0, 1e-300)
        if keep.sum() < 8:
            raise NumericalFailure("fewer than 8 points above the round-off floor")
        fit = fit_linear_rate(grid[keep], gaps[keep])
        mu = float(case["problem"].mu)
        rate = 2.0 * mu * case["c_min"]
        worst["ratio to Theorem 8 bound"] = max(worst["ratio to Theorem 8 bound"],
                                                 float(np.max(gaps[keep] / (gap0 * np.exp(-rate * grid[keep])))))
        ctx.event(f"{case['family']}, {case['mode']}")
        ctx.compare(-fit.slope, 0.0, ">", rtol=0.0, atol=0.0, scale=rate, label="fitted rate kappa > 0")

    ctx.search(check, _pl_flow_cases(), label="PL flows", max_examples=ctx.pick(10, 500))
    ctx.note("Theorem 8 bound (details only)", worst)
    return ctx.result()


@st.composite
def _lyapunov_cases(draw: st.DrawFn, positive_tau: bool) -> dict[str, Any]:
    r"""Trajectory cases for :math:`\mathcal V = f - \tau H`: F-QUAD, F-PLNC, bounded-below F-SP.

    B-SCALED with :math:`c_i \in [0.05, 10]` or B-SPD; :math:`d \in [1, 3]`,
    :math:`K \in [2, 5]`, :math:`\theta \in [0.01, 20]`; :math:`\tau = 0` or
    :math:`\tau \in (0, 5]`; :math:`\lambda_0` uniform or near a vertex
    (smallest weight in :math:`[10^{-3}, 10^{-1}]`); :math:`x_0 \in [-5, 5]^d`.
    """
    family = draw(st.sampled_from(("quad", "plnc", "sp")))
    d = draw(st.integers(1, 3))
    k = draw(st.integers(2, 5))
    bases_kind = draw(st.sampled_from(("scaled", "spd"))) if d > 1 else "scaled"
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    problem, _ = rh.make_problem(family, rng, d)
    if bases_kind == "scaled":
        bases = flows.scaled_bases(np.exp(rng.uniform(math.log(0.05), math.log(10.0), size=k)), d)
    else:
        bases = flows.preconditioned_bases(rh.make_preconditioners("spd", rng, k, d))
    if draw(st.booleans()):
        lam0 = np.full(k, 1.0 / k)
    else:
        small = draw(log_uniform(1e-3, 1e-1))
        lam0 = np.full(k, small)
        lam0[draw(st.integers(0, k - 1))] = 1.0 - small * (k - 1)
    return {"family": family, "problem": problem, "bases": bases, "lam0": lam0,
            "dynamics": draw(st.sampled_from(("proj", "rep"))), "score": draw(st.sampled_from(("align", "adv"))),
            "theta": draw(log_uniform(0.01, 20.0)), "tau": draw(log_uniform(1e-3, 5.0)) if positive_tau else 0.0,
            "x0": rng.uniform(-5.0, 5.0, size=d)}


@claim(
    id="trailmix.theorem2.lyapunov",
    title="V = f - tau H decreases along same-timescale trajectories",
    source="Sec. 5.1 'Proof technique', seed L128; Lemma 8 seed L903",
    statement="The joint Lyapunov function V(x, lambda) = f(x) - tau H(lambda) decreases along trajectories of the "
              "same-timescale flow (tau >= 0).",
    kind="monotonicity",
)
def theorem2_lyapunov(ctx: Context) -> CheckResult:
    r"""Monotonicity of :math:`\mathcal V(t) = f(x(t)) - \tau H(\lambda(t))` on dense trajectories.

    .. math::

        \mathcal V(t_{k+1}) - \mathcal V(t_k) \le 10^{-9}\max(1, |\mathcal V(t_k)|) \quad\text{for all } k .

    Cases (:func:`_lyapunov_cases`, per stratum 10 / 1000): F-QUAD, F-PLNC,
    bounded-below F-SP; B-SCALED / B-SPD; (101) with (102) and with the
    replicator; both Def. 3 scores; :math:`\theta \in [0.01, 20]`;
    :math:`\lambda_0` uniform or near a vertex. Integration
    :func:`theorylab.flows.integrate_flow` (LSODA, rtol :math:`10^{-10}`, atol
    :math:`10^{-12}`) on :math:`[0, 20]`, 2001 uniform points merged with 2000
    log-spaced points from :math:`2\cdot10^{-7}` (the weights can move on time
    scales :math:`1/(\theta\|h\|)` far below the uniform spacing); :math:`\mathcal V`
    by the engine's :func:`~theorylab.flows.free_energy_tracker`. One
    comparison per trajectory: the largest excess
    :math:`\max_k[\mathcal V_{k+1} - \mathcal V_k - 10^{-9}\max(1, |\mathcal V_k|)] \le 0`
    (catalogue tolerance), scale :math:`\max(1, \mathcal V(0) - \min_t\mathcal V)`.
    The strata :math:`\tau = 0` and :math:`\tau \in (0, 5]` are separate
    searches (both count for the verdict: the statement is for :math:`\tau \ge 0`).
    """
    grid = _dense_grid(20.0)

    def check(case: dict[str, Any]) -> None:
        flow = flows.CoupledFlow(case["problem"], case["bases"], weight_dynamics=case["dynamics"],
                                 score=case["score"], theta=case["theta"])
        tracker = flows.free_energy_tracker(case["problem"], case["tau"])
        sol = flows.integrate_flow(flow, case["x0"], case["lam0"], 20.0, t_eval=grid, method="LSODA",
                                   rtol=1e-10, atol=1e-12, trackers=[tracker])
        if not sol.success:
            raise NumericalFailure(f"flow integration failed: {sol.message}")
        report = sol.tracks["free_energy"]
        values = report.values
        ctx.event(f"{case['dynamics']}-{case['score']}, {'increase' if not report.ok else 'non-increasing'}")
        ctx.compare(report.worst_excess, 0.0, "<=", rtol=0.0, atol=0.0,
                    scale=max(1.0, float(values[0] - np.min(values))), label="largest increase of V beyond tolerance")

    ctx.search(check, _lyapunov_cases(False), label="tau = 0", max_examples=ctx.pick(10, 1000))
    ctx.search(check, _lyapunov_cases(True), label="tau in (0, 5]", max_examples=ctx.pick(10, 1000))
    return ctx.result()


# =========================================================================== Section 6


@claim(
    id="trailmix.eq8",
    title="Heuristic rate proportionality (8)",
    source="Sec. 6, eq. (8), seed L132–L136",
    statement="The non-convex rate from Theorem 3 is roughly proportional to "
              "min_{t<T} E||grad f(x_t)||^2 ∝ (f(x_0) - f* + L G^2 ln T)/(c(lambda_t) sqrt T).",
    kind="qualitative",
)
def eq8(ctx: Context) -> CheckResult:
    r"""(8) as written has no decidable numerical content; the T-scaling of one instance is reported.

    .. math::

        \min_{t<T}\mathbb E\|\nabla f(x_t)\|^2 \ \propto\ \frac{f(x_0) - f_* + LG^2\ln T}{c(\lambda_t)\sqrt T}.

    "Roughly proportional" fixes no constant or tolerance, and (8) puts the
    time-varying :math:`c(\lambda_t)` inside a bound proved for a fixed
    mixture, so no measurement can contradict it: not-checkable. For
    information (details), the ratio of the exact
    :math:`\min_{t<T}\mathbb E\|\nabla f(x_t)\|^2` to the right side of (8) for a
    noisy quadratic (:math:`A = \mathrm{diag}(1, 10)`, B-NOISY with
    :math:`c = (0.5, 2)`, :math:`\lambda = (\tfrac12, \tfrac12)`,
    :math:`\alpha_0 = 0.05`, :math:`s = 0.5`, :math:`G^2` the running sup of
    the bases' second moments), :math:`T = 10..10^4` (quick) / :math:`10^5` (full).
    """
    a = np.diag([1.0, 10.0])
    p = np.stack([0.5 * np.eye(2), 2.0 * np.eye(2)])
    lam = np.array([0.5, 0.5])
    t_max = ctx.pick(10_000, 100_000)
    alphas = 0.05 / np.sqrt(np.arange(t_max) + 1.0)
    horizons = np.unique(np.round(np.logspace(1, math.log10(t_max), 13)).astype(np.int64))
    tr = rh.linear_sgd_moments(a, np.array([3.0, -1.0]), p, lam, alphas, noise_scale=0.5,
                               record=np.concatenate([[0], horizons]))
    g2 = math.exp(tr.log_dir2_total)
    f0 = math.exp(tr.log_f[0])
    c_mix = float(lam @ np.array([0.5, 2.0]))
    rhs = (f0 + 10.0 * g2 * np.log(horizons)) / (c_mix * np.sqrt(horizons))
    ratio = np.exp(tr.log_min_grad2[1:]) / rhs
    ctx.note("T", horizons.tolist())
    ctx.note("min E||grad f||^2 / right side of (8)", ratio.tolist())
    return ctx.not_checkable("'roughly proportional' has no constant or tolerance, and (8) places the time-varying "
                             "c(lambda_t) in a fixed-mixture bound: nothing a measurement could contradict "
                             "(the T-scaling of one instance is in the details)")


@claim(
    id="trailmix.eq8.optimal-mixing",
    title="TrailMix optimally combines the alignment/variance trade-offs",
    source="Sec. 6, seed L138–L140",
    statement="To accelerate convergence the meta-optimizer must find lambda_t maximising the alignment-to-variance "
              "ratio; 'TRAILMIX optimally combines these trade-offs across training phases, which no fixed optimizer "
              "can achieve.'",
    kind="qualitative",
)
def eq8_optimal_mixing(ctx: Context) -> CheckResult:
    r"""No optimality criterion is defined: not-checkable.

    The text names no objective in which TrailMix is optimal (no functional
    of :math:`\lambda_t`, no horizon, no class of competitors beyond "fixed
    optimizers", no tolerance), so there is no statement to evaluate. A
    comparison of TrailMix with the best fixed mixture on the Fig. 4 setups
    belongs to the reproduction of ``trailmix.figure4`` and is not repeated here.
    """
    return ctx.not_checkable("no optimality criterion is defined (objective, horizon, competitor class, tolerance): "
                             "the sentence has no numerical content")
