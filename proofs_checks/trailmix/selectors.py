r"""TRAILMIX Appendices K and L — meta-stationarity and selector behaviour.

Claims ``trailmix.theorem14`` (KKT characterisation of meta-stationary points)
and ``trailmix.theorem15.*`` (when a vertex :math:`(x^*, e_i)` is a stable
"selector" of the coupled dynamics (221)–(222)). The selector system is
:func:`theorylab.flows.selector_flow`, its Jacobian at a vertex
:func:`theorylab.flows.selector_jacobian`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from proofs_checks.trailmix._coupled_helpers import (
    EPS,
    PERSISTENCE_RATIO,
    exact_tangent_cone_projection,
    spd_matrices_from_rng,
    sweep_rows,
)
from proofs_checks.trailmix.same_timescale import _face_cases
from theorylab import flows, problems, simplex
from theorylab.claims import CheckResult, Context, NumericalFailure, claim

# --------------------------------------------------------------------------- Theorem 14


@st.composite
def _meta_stationarity_cases(draw: st.DrawFn) -> dict[str, Any]:
    r"""Exact :math:`(x, \lambda, h)`: rational quadratic :math:`f`, :math:`x` critical or not, faces, planted ties."""
    case = draw(_face_cases())
    d = draw(st.integers(1, 3))
    diagonal = [Fraction(draw(st.integers(1, 9))) for _ in range(d)]
    centre = [Fraction(draw(st.integers(-5, 5))) for _ in range(d)]
    critical = draw(st.booleans())
    offset = [Fraction(0)] * d if critical else [Fraction(draw(st.integers(-8, 8)), 8) for _ in range(d)]
    if not critical and all(o == 0 for o in offset):
        offset[0] = Fraction(1, 8)
    case.update(diagonal=diagonal, x=[c + o for c, o in zip(centre, offset, strict=True)], x_star=centre)
    return case


@claim(
    id="trailmix.theorem14",
    title="KKT characterisation of meta-stationary points",
    source="Def. 13 (211)–(212) seed L1618–L1622; Theorem 14 (213)–(214) seed L1624–L1630; proof (215)–(219)",
    statement="(x*, lambda*) is meta-stationary (grad f(x*) = 0 and Pi_{T_Delta(lambda*)}(h(x*, lambda*)) = 0) iff "
              "x* is critical and there is mu in R with h_i(x*, lambda*) = mu if lambda*_i > 0, "
              "h_i(x*, lambda*) <= mu if lambda*_i = 0.",
    kind="equivalence",
)
def theorem14(ctx: Context) -> CheckResult:
    r"""Both sides of the equivalence in exact rational arithmetic.

    .. math::

        \nabla f(x) = 0 \wedge \Pi_{T_\Delta(\lambda)}(h) = 0
        \overset?\iff
        \nabla f(x) = 0 \wedge \exists\mu:\ h_i = \mu\ (\lambda_i > 0),\ h_j \le \mu\ (\lambda_j = 0).

    Draws (200 / :math:`10^4`): :math:`f(x) = \tfrac12\sum_k a_k(x_k - x^*_k)^2`
    with integer :math:`a_k \in [1, 9]`, d in 1..3, :math:`x = x^*` or a rational
    offset (exact gradient); :math:`(\lambda, h)` as in
    ``trailmix.theorem7.var-equivalence`` (vertices, random faces, interior;
    :math:`h` plain, with the support tied to :math:`\mu`, off-support
    :math:`\le\mu`, or one off-support entry :math:`\mu \pm 10^{-6..-15}`, the
    planted near-tolerance cases, decided exactly). The projection is the
    exact KKT solution :func:`~proofs_checks.trailmix._coupled_helpers.exact_tangent_cone_projection`;
    no tolerance is needed. The engine's float projection is compared with
    the exact one (logical, within rounding); the catalogue's float predicate
    :math:`\|\Pi\| < 10^{-9}` is evaluated too and its disagreements with the
    exact predicate (near-ties below the tolerance) are counted as events.
    """

    def prop(case: dict[str, Any]) -> None:
        lam, h = case["lam"], case["h"]
        gradient = [a * (x - c) for a, x, c in zip(case["diagonal"], case["x"], case["x_star"], strict=True)]
        critical = all(g == 0 for g in gradient)
        projection = exact_tangent_cone_projection(h, lam)
        meta_stationary = critical and all(u == 0 for u in projection)
        support = [h[i] for i in range(len(h)) if lam[i] > 0]
        mu = support[0]
        kkt = critical and all(v == mu for v in support) and all(h[j] <= mu for j in range(len(h)) if lam[j] == 0)
        ctx.compare(meta_stationary, kkt, "==", label="meta-stationary <=> critical and KKT (213)-(214)")
        ctx.event(f"meta-stationary: {meta_stationary}, KKT: {kkt}, x critical: {critical}")
        h_float = np.array([float(v) for v in h])
        lam_float = np.array([float(w) for w in lam])
        engine = simplex.tangent_cone_projection(h_float, lam_float)
        exact = np.array([float(u) for u in projection])
        bound = 16 * len(h) * EPS * max(1.0, float(np.max(np.abs(h_float))))
        ctx.compare(bool(np.max(np.abs(engine - exact)) <= bound), True, "==",
                    label="engine projection = exact projection (within rounding)")
        if (float(np.linalg.norm(engine)) < 1e-9) != all(u == 0 for u in projection):
            ctx.event("float predicate ||Pi|| < 1e-9 differs from the exact one (near-tie below the tolerance)")

    ctx.search(prop, _meta_stationarity_cases(), label="exact rational (x, lambda, h)",
               max_examples=ctx.pick(200, 10_000))
    return ctx.result()


# --------------------------------------------------------------------------- Theorem 15


def _selector_instances(rng: np.random.Generator, n: int, *, best_base: bool | None = None) -> list[dict[str, Any]]:
    r"""Instances of (221)–(222): K in {2, 3}, f quadratic (d in 1..2) or F-PLNC (d = 1), scaled or SPD bases.

    ``best_base``: choose :math:`i` as the base with the largest alignment
    (True), the smallest (False), or at random (None).
    """
    out = []
    for index in range(n):
        k = int(rng.integers(2, 4))
        family = str(rng.choice(("quadratic", "F-PLNC")))
        d = 1 if family == "F-PLNC" else int(rng.integers(1, 3))
        kind = "scaled" if d == 1 or family == "F-PLNC" else str(rng.choice(("scaled", "SPD")))
        seed = int(rng.integers(0, 2**31 - 1))
        local = np.random.default_rng(seed)
        scales = np.sort(np.exp(local.uniform(math.log(0.05), math.log(5.0), size=k)))
        if kind == "scaled":
            preconditioners = scales[:, None, None] * np.eye(d)[None]
        else:
            base = spd_matrices_from_rng(local, 1, d)[0]
            preconditioners = scales[:, None, None] * base[None]  # ordered: P_1 < P_2 < ... (Loewner)
        if best_base is None:
            i = int(rng.integers(0, k))
        else:
            i = k - 1 if best_base else 0
        a = None
        if family == "quadratic":
            q, r = np.linalg.qr(local.standard_normal((d, d)))
            q = q * np.sign(np.diag(r))
            a = (q * np.exp(local.uniform(math.log(0.1), math.log(10.0), size=d))) @ q.T
        out.append({"index": index, "family": family, "d": d, "K": k, "kind": kind, "seed": seed, "i": i,
                    "scales": scales, "P": preconditioners, "A": a,
                    "theta": math.exp(rng.uniform(math.log(0.1), math.log(10.0)))})
    return sorted(out, key=lambda c: (c["K"], c["d"]))


def _selector_flow(case: dict[str, Any]) -> tuple[flows.CoupledFlow, problems.Problem]:
    problem = problems.quadratic(case["A"]) if case["family"] == "quadratic" else problems.pl_nonconvex(1)
    bases = flows.preconditioned_bases(case["P"])
    return flows.selector_flow(problem, bases, theta=case["theta"]), problem


def _condition_220(case: dict[str, Any], problem: problems.Problem, rng: np.random.Generator,
                   n_samples: int, radius: float = 0.1) -> dict[str, bool]:
    r"""(220) :math:`\langle\nabla f, d_i\rangle > \langle\nabla f, d_j\rangle` for all :math:`j \ne i`, three ways.

    At :math:`x^*` itself; on ``n_samples`` points of the punctured ball of
    radius 0.1; and by the exact criterion for these instances
    (:math:`P_i - P_j \succ 0` for all :math:`j \ne i`, since
    :math:`\nabla f` takes every direction near :math:`x^*`).
    """
    p, i = case["P"], case["i"]
    others = [j for j in range(case["K"]) if j != i]
    x_star = np.zeros(case["d"])

    def holds(points: np.ndarray) -> bool:
        g = problem.grad(points)
        gap = np.einsum("ni,kij,nj->nk", g, p, g)
        return bool(np.all(gap[:, [i]] > gap[:, others]))

    directions = rng.standard_normal((n_samples, case["d"]))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    points = directions * (radius * rng.uniform(0.0, 1.0, size=(n_samples, 1)) ** (1 / case["d"]) + 1e-12)
    exact = all(float(np.linalg.eigvalsh(p[i] - p[j])[0]) > 0 for j in others)
    return {"at x*": holds(x_star[None, :]), "punctured samples": holds(points), "exact (punctured)": exact}


def _jacobian_eigenvalues(case: dict[str, Any]) -> list[complex]:
    r"""Exact eigenvalues (sympy) of the Jacobian of (221)–(222) at :math:`(x^*, e_i)` in reduced coordinates.

    Coordinates :math:`(x, \lambda_j)_{j\ne i}` with
    :math:`\lambda_i = 1 - \sum_{j\ne i}\lambda_j`; data converted exactly to
    rationals; :math:`f` quadratic or :math:`\sum_k x_k^2 + 3\sin^2 x_k`.
    """
    import sympy

    d, k, i = case["d"], case["K"], case["i"]
    xs = sympy.symbols(f"x0:{d}", real=True)
    others = [j for j in range(k) if j != i]
    ls = sympy.symbols(f"l0:{len(others)}", real=True)
    lam = [sympy.Integer(0)] * k
    for j, sym in zip(others, ls, strict=True):
        lam[j] = sym
    lam[i] = 1 - sum(ls)
    if case["family"] == "quadratic":
        a = sympy.Matrix(d, d, lambda r, c: sympy.Rational(float(case["A"][r, c])))
        grad = a * sympy.Matrix(xs)
    else:
        grad = sympy.Matrix([2 * x + 3 * sympy.sin(2 * x) for x in xs])
    p = [sympy.Matrix(d, d, lambda r, c, m=m: sympy.Rational(float(case["P"][m][r, c]))) for m in range(k)]
    directions = [p[m] * grad for m in range(k)]
    xdot = -sum((lam[m] * directions[m] for m in range(k)), sympy.zeros(d, 1))
    theta = sympy.Rational(case["theta"])
    h = [-(grad.T * directions[m])[0, 0] for m in range(k)]
    mean = sum(lam[m] * h[m] for m in range(k))
    ldot = [theta * lam[j] * (h[j] - mean) for j in others]
    field = sympy.Matrix([*xdot, *ldot])
    jac = field.jacobian([*xs, *ls]).subs({**{x: 0 for x in xs}, **{sym: 0 for sym in ls}})
    eigenvalues = []
    for value, multiplicity in jac.eigenvals().items():
        eigenvalues += [complex(sympy.N(value, 30))] * multiplicity
    return eigenvalues


def _eigenvalues_agree(exact: list[complex], flow: flows.CoupledFlow, case: dict[str, Any]) -> bool:
    r"""Whether the sympy eigenvalues match those of :func:`theorylab.flows.selector_jacobian` (finite differences).

    Sorted by (real, imaginary) part; tolerance :math:`10^{-6}\max(1, \max|z|)`
    (central differences in :math:`x`, exact in :math:`\lambda` at the vertex).
    """
    numeric = np.linalg.eigvals(flows.selector_jacobian(flow, np.zeros(case["d"]), case["i"]))
    a = sorted(exact, key=lambda z: (round(z.real, 6), round(z.imag, 6)))
    b = sorted(numeric, key=lambda z: (round(z.real, 6), round(z.imag, 6)))
    scale = max(1.0, max(abs(z) for z in a))
    return len(a) == len(b) and all(abs(complex(u) - complex(w)) <= 1e-6 * scale for u, w in zip(a, b, strict=True))


def _locally_asymptotically_stable(case: dict[str, Any], flow: flows.CoupledFlow, rng: np.random.Generator,
                                   n_starts: int, t_final: float) -> tuple[bool, list[dict[str, Any]]]:
    r"""Simulated local asymptotic stability of :math:`(x^*, e_i)`.

    Every start at distance :math:`10^{-3..-1}` must converge (final distance :math:`< 10^{-8}`).
    """
    d, k, i = case["d"], case["K"], case["i"]
    target_lam = np.eye(k)[i]
    runs = []
    for start in range(n_starts):
        delta = 10.0 ** (-3 + 2 * (start % 3) / 2)
        u = rng.standard_normal(d)
        x0 = delta * u / np.linalg.norm(u)
        w = rng.dirichlet(np.ones(k - 1))
        lam0 = (1 - delta) * target_lam
        lam0[[j for j in range(k) if j != i]] = delta * w
        sol = flows.integrate_flow(flow, x0, lam0 / lam0.sum(), t_final, n_dense=201, method="LSODA")
        if not sol.success:
            raise NumericalFailure(f"selector simulation failed: {sol.message}")
        distance = float(np.hypot(np.linalg.norm(sol.x[-1]), np.linalg.norm(sol.lam[-1] - target_lam)))
        runs.append({"initial distance": delta, "final distance": distance,
                     "final lambda": sol.lam[-1].round(8).tolist()})
    return all(r["final distance"] < 1e-8 for r in runs), runs


def _continuum_of_equilibria(case: dict[str, Any], flow: flows.CoupledFlow) -> bool:
    r"""Whether the points :math:`(x^*, e_i + \varepsilon(e_j - e_i))` near :math:`(x^*, e_i)` are equilibria.

    Tested for :math:`\varepsilon = 10^{-3}, 10^{-6}, 10^{-9}`.

    At :math:`x^*`, :math:`\nabla f = 0` makes every :math:`h_j = 0` and every
    :math:`d_j = 0`, so the field vanishes on :math:`\{x^*\}\times\Delta_K`:
    :math:`(x^*, e_i)` is not an isolated equilibrium, hence not
    asymptotically stable.
    """
    k, i = case["K"], case["i"]
    j = (i + 1) % k
    for eps in (1e-3, 1e-6, 1e-9):
        lam = np.eye(k)[i] * (1 - eps) + np.eye(k)[j] * eps
        xdot, lamdot = flow.field(np.zeros(case["d"]), lam)
        if np.any(xdot != 0) or np.any(lamdot != 0):
            return False
    return True


def _theorem15_check(ctx: Context, reading: str) -> CheckResult:
    n = ctx.pick(5, 60)
    n_starts = ctx.pick(3, 200)
    t_final = ctx.pick(500.0, 1000.0)
    rng = ctx.rng
    details = []
    for case in _selector_instances(rng, n):
        ctx.check_deadline()
        flow, problem = _selector_flow(case)
        condition = _condition_220(case, problem, rng, ctx.pick(1000, 10_000))
        if condition["punctured samples"] != condition["exact (punctured)"]:
            raise NumericalFailure("sampled (220) disagrees with the eigenvalue criterion (sampling too coarse)")
        condition_reading = (condition["at x*"] and condition["punctured samples"] if reading == "closed"
                             else condition["punctured samples"])
        stable, runs = _locally_asymptotically_stable(case, flow, rng, n_starts, t_final)
        eigenvalues = _jacobian_eigenvalues(case)
        all_negative = all(z.real < 0 for z in eigenvalues)
        ctx.compare(_eigenvalues_agree(eigenvalues, flow, case), True, "==",
                    label="sympy Jacobian eigenvalues = finite-difference ones (flows.selector_jacobian)")
        description = (f"{case['family']}, d={case['d']}, K={case['K']}, {case['kind']} c={case['scales'].round(4)}, "
                       f"i={case['i']}, theta={case['theta']:.3g}")
        first = ctx.compare(stable, condition_reading, "==",
                            label=f"{description}: locally asymptotically stable <=> (220)")
        second = ctx.compare(all_negative, condition_reading, "==",
                             label=f"{description}: all Jacobian eigenvalues Re < 0 <=> (220)")
        ctx.event(f"LAS: {stable}, (220): {condition_reading}")
        ctx.event(f"eigenvalues Re < 0: {all_negative}, (220): {condition_reading}")
        details.append({"instance": description, "(220)": condition, "LAS (simulated)": stable,
                        "continuum of equilibria through (x*, e_i)": _continuum_of_equilibria(case, flow),
                        "Jacobian eigenvalues": [complex(round(z.real, 10), round(z.imag, 10)) for z in eigenvalues],
                        "runs": runs})
        if first.violated() or second.violated():
            break  # the first violation (in the order simplest first) is the counterexample
    ctx.note("instances", details)
    return ctx.result()


_THEOREM15_PROCEDURE = r"""
    Instances (5 / 60, ordered by K, d): K in {2, 3}; :math:`f = \tfrac12x^\top Ax`
    (d in 1..2, eigenvalues in :math:`[0.1, 10]`) or F-PLNC (d = 1);
    :math:`d_j = c_j\nabla f` with distinct :math:`c_j` (log-uniform in
    :math:`[0.05, 5]`) or :math:`d_j = c_jP\nabla f` (Loewner-ordered SPD);
    :math:`i` random; :math:`\theta \in [0.1, 10]`; the dynamics (221)–(222)
    (replicator with :math:`h_j = -\langle\nabla f, d_j\rangle`).

    - (220): evaluated at :math:`x^*` and on 1000 / :math:`10^4` points of the
      punctured ball of radius 0.1, and by the exact criterion
      :math:`P_i - P_j \succ 0` (a disagreement of the last two is a numerical
      failure).
    - Local asymptotic stability: 3 / 200 starts at distance
      :math:`10^{-3}, 10^{-2}, 10^{-1}` from :math:`(x^*, e_i)` (x and λ
      perturbed), integrated to :math:`t = 500` / :math:`10^3`
      (:func:`theorylab.flows.selector_flow` with
      :func:`theorylab.flows.integrate_flow`, log-coordinates); stable iff
      every start ends within :math:`10^{-8}`.
    - Jacobian at :math:`(x^*, e_i)` in the coordinates
      :math:`(x, \lambda_j)_{j\ne i}`, eigenvalues exactly with sympy, and
      cross-checked against the finite-difference Jacobian of
      :func:`theorylab.flows.selector_jacobian` (logical, within
      :math:`10^{-6}\max(1, \max|z|)`).

    Two logical comparisons per instance: stability ⟺ (220) and "all
    eigenvalues have negative real part" ⟺ (220); events count each
    combination. The details list, per instance, (220) three ways, the
    runs, the eigenvalues, and whether :math:`(x^*, e_i)` lies on a continuum
    of equilibria (:math:`\{x^*\}\times\Delta_K`, which rules out asymptotic
    stability).
    """


@claim(
    id="trailmix.theorem15.nbhd-closed",
    title="Selector stability \"iff\" (neighbourhood includes x*)",
    source="Def. 14 seed L1664; Theorem 15 (220) seed L1667–L1673; proof (221)–(226) seed L1675–L1695",
    statement="(x*, lambda*) meta-stationary, x* a strict local minimum of f: (x*, e_i) is locally asymptotically "
              "stable for x' = -sum_j lambda_j d_j(x) (221), replicator with h_j = -<grad f(x), d_j(x)> (222), iff "
              "<grad f(x), d_i(x)> > <grad f(x), d_j(x)> for all j != i and all x in a neighbourhood of x* (220); "
              "and all Jacobian eigenvalues at (x*, e_i) have negative real parts iff (220) holds. Reading: the "
              "neighbourhood contains x*.",
    kind="equivalence",
)
def theorem15_nbhd_closed(ctx: Context) -> CheckResult:
    return _theorem15_check(ctx, "closed")


theorem15_nbhd_closed.__doc__ = r"""Theorem 15 with (220) required on a neighbourhood that contains :math:`x^*`.

    At :math:`x^*` both sides of (220) are 0 (:math:`\nabla f(x^*) = 0`), so the
    strict inequality fails there: in this reading the condition never holds
    and the equivalence says that :math:`(x^*, e_i)` is never locally
    asymptotically stable (and the Jacobian always has an eigenvalue with
    :math:`\mathrm{Re} \ge 0`). The check evaluates everything and lets the
    events show which combinations occurred.
""" + _THEOREM15_PROCEDURE


@claim(
    id="trailmix.theorem15.nbhd-punctured",
    title="Selector stability \"iff\" (neighbourhood excludes x*)",
    source="Def. 14 seed L1664; Theorem 15 (220) seed L1667–L1673; proof (221)–(226) seed L1675–L1695",
    statement="as theorem15.nbhd-closed with (220) required for all x != x* in a neighbourhood of x*.",
    kind="equivalence",
)
def theorem15_nbhd_punctured(ctx: Context) -> CheckResult:
    return _theorem15_check(ctx, "punctured")


theorem15_nbhd_punctured.__doc__ = r"""Theorem 15 with (220) required on a punctured neighbourhood of :math:`x^*`.

    Here (220) holds exactly when base :math:`i` is the most aligned
    (:math:`P_i - P_j \succ 0`); the equivalence then asserts local asymptotic
    stability of :math:`(x^*, e_i)` and negative eigenvalues.
""" + _THEOREM15_PROCEDURE


@claim(
    id="trailmix.theorem15.selection",
    title="Weights return to e_i near (x*, e_i)",
    source="proof of Theorem 15, seed L1690–L1693 (\"the replicator dynamics drive lambda_j -> 0 for j != i, "
           "ensuring local stability\")",
    statement="for (221)–(222) started near (x*, e_i), where base i satisfies (220) on a punctured neighbourhood of "
              "x*, lambda_j(t) -> 0 for all j != i.",
    kind="stability",
)
def theorem15_selection(ctx: Context) -> CheckResult:
    r""":math:`\max_{j\ne i}\lambda_j(t)` along (221)–(222) from near :math:`(x^*, e_i)`, base :math:`i` most aligned.

    Instances (6 / 200) as in ``trailmix.theorem15.nbhd-punctured`` with
    :math:`i` the base with the largest :math:`c_i` (so (220) holds on the
    punctured neighbourhood); :math:`\lambda_j(0)` log-uniform in
    :math:`[10^{-4}, 10^{-1}]` for :math:`j \ne i`; :math:`\|x_0 - x^*\|`
    log-uniform in :math:`[10^{-2}, 5]`; :math:`\theta \in [0.1, 10]`;
    integrated to :math:`t = 1000` (LSODA, rtol :math:`10^{-10}`,
    log-coordinates for λ, 2001 dense points). Residual
    :math:`r = \max_{j\ne i}\lambda_j` on the tails :math:`[250, 500]` and
    :math:`[500, 1000]`: it must vanish (:math:`\le 10^{-8}`) or shrink by
    1 % when the horizon doubles (recorded as a sweep, simplest instance
    first). The details give the initial direction of change of each
    :math:`\lambda_j` and its value at :math:`t = 1000`, and the same for the
    proof's literal hypothesis ":math:`h_i(x) > h_j(x)`" with
    :math:`h = -\langle\nabla f, d\rangle` (base :math:`i` the *least* aligned).
    """
    rows = []
    details: dict[str, list[Any]] = {"(220): i most aligned": [], "proof's h_i > h_j: i least aligned": []}
    times = np.linspace(0.0, 1000.0, 2001)
    n = ctx.pick(6, 200)
    for reading, best in (("(220): i most aligned", True), ("proof's h_i > h_j: i least aligned", False)):
        for case in _selector_instances(ctx.rng, n if best else max(2, n // 3), best_base=best):
            ctx.check_deadline()
            flow, problem = _selector_flow(case)
            rng = np.random.default_rng(case["seed"])
            k, i = case["K"], case["i"]
            others = [j for j in range(k) if j != i]
            lam0 = np.zeros(k)
            lam0[others] = np.exp(rng.uniform(math.log(1e-4), math.log(1e-1), size=k - 1)) / (k - 1)
            lam0[i] = 1.0 - lam0.sum()
            u = rng.standard_normal(case["d"])
            x0 = u / np.linalg.norm(u) * math.exp(rng.uniform(math.log(1e-2), math.log(5.0)))
            sol = flows.integrate_flow(flow, x0, lam0, times[-1], t_eval=times, method="LSODA")
            description = (f"{case['family']}, d={case['d']}, K={k}, {case['kind']} c={case['scales'].round(4)}, "
                           f"i={i}, theta={case['theta']:.3g}, |x0|={np.linalg.norm(x0):.3g}")
            xdot, lamdot = flow.field(x0, lam0)
            details[reading].append({"instance": description, "lambda_j(0)": lam0[others],
                                     "d lambda_j/dt at t=0": lamdot[others],
                                     "lambda_j(1000)": sol.lam[-1, others] if sol.success else None})
            if not best:
                continue
            if not sol.success:
                rows.append((math.nan, math.nan, 0.0, 1.0, description + ", solver failed"))
                continue
            residual = np.max(sol.lam[:, others], axis=1)
            previous = float(np.max(residual[(times >= 250) & (times <= 500)]))
            last = float(np.max(residual[times >= 500]))
            rows.append((last, max(1e-8, PERSISTENCE_RATIO * previous), 0.0, max(previous, 1e-8), description))
    sweep_rows(ctx, rows, "<=", "max_{j != i} lambda_j on the tail: vanishes or decays when T doubles")
    ctx.note("runs", details)
    return ctx.result()
