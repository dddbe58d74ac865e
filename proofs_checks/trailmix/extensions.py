r"""TRAILMIX Appendices M–O — constrained problems, high probability, variance reduction.

Claims ``trailmix.lemma19`` (alignment under projection (229)) with
``trailmix.lemma19.corrected``, ``trailmix.theorem16`` (Azuma–Hoeffding
concentration (236)), ``trailmix.theorem17`` (high-probability bound (242)),
``trailmix.lemma20.per-sample`` / ``trailmix.lemma20.as-stated`` (the SVRG
variance bound (244) in its two readings) and ``trailmix.theorem18`` (linear
convergence with SVRG bases).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from scipy.special import expit

from proofs_checks.trailmix._stochastic_helpers import EPS, TwoPointLaw, clopper_pearson, svrg_direction
from theorylab import problems
from theorylab.claims import CheckResult, Context, NumericalFailure, claim
from theorylab.rates import fit_linear_rate
from theorylab.simplex import project_to_simplex

FloatArray = np.ndarray

# --------------------------------------------------------------------------- Appendix M: projections


def project(kind: str, z: FloatArray, normal: FloatArray | None = None) -> FloatArray:
    r"""Euclidean projection onto a closed convex set: ``"half-space"`` :math:`\{a^\top x \le 0\}` (unit
    ``normal`` :math:`a`), ``"box"`` :math:`[-1, 1]^d`, ``"ball"`` (unit, centred at 0), ``"simplex"`` :math:`\Delta_d`
    (the engine's Algorithm 2)."""
    z = np.asarray(z, dtype=float)
    if kind == "half-space":
        return z - max(float(normal @ z), 0.0) * normal
    if kind == "box":
        return np.clip(z, -1.0, 1.0)
    if kind == "ball":
        norm = float(np.linalg.norm(z))
        return z if norm <= 1.0 else z / norm
    return project_to_simplex(z)


@dataclass(frozen=True)
class ConstrainedCase:
    """One instance of Lemma 19: set, objective, point x in the set, preconditioner P, alignment constant c."""

    kind: str
    normal: FloatArray | None
    objective: str
    problem: problems.Problem
    matrix: FloatArray | None
    point: FloatArray
    preconditioner: FloatArray
    alignment: float

    def value_difference(self, y: FloatArray) -> float:
        r""":math:`f(y) - f(x)`, exactly rearranged for quadratic and affine :math:`f` (no cancellation)."""
        step = y - self.point
        grad = self.problem.grad(self.point).reshape(-1)
        if self.objective == "quadratic":
            return float(grad @ step + 0.5 * step @ self.matrix @ step)
        if self.objective == "affine":
            return float(grad @ step)
        return float(self.problem.value(y) - self.problem.value(self.point))


def _affine_problem(g: FloatArray) -> problems.Problem:
    r"""Affine :math:`f(x) = g^\top x` (:math:`L = 0`), as a :class:`~theorylab.problems.Problem`."""
    d = g.size
    return problems.Problem(
        name=f"affine(g={np.round(g, 3).tolist()})", family="affine", dim=d,
        _value=lambda x: x @ g, _grad=lambda x: np.broadcast_to(g, x.shape).copy(),
        _hess=lambda x: np.zeros((x.shape[0], d, d)),
        hypotheses=problems.Hypotheses(True, False, False, False, True, True), L=0.0, f_star=-math.inf,
        gradient_bound=float(np.linalg.norm(g)), notes="affine: L = 0")


@st.composite
def _constrained_specs(draw: st.DrawFn, preconditioned: bool = True) -> dict[str, Any]:
    """Discrete choices (shrinkable) and a seed for the numeric draws of a Lemma 19 instance."""
    kind = draw(st.sampled_from(("half-space", "box", "ball", "simplex")))
    dim = draw(st.integers(2 if kind == "simplex" else 1, 3))
    return {"set": kind, "dim": dim, "objective": draw(st.sampled_from(("affine", "quadratic", "softplus"))),
            "point": draw(st.sampled_from(("boundary", "interior", "constrained minimiser"))),
            "alignment": draw(st.sampled_from(("lambda_min(P)", "tight"))) if preconditioned else "scaled",
            "seed": draw(st.integers(0, 2**31 - 1))}


def build_constrained_case(spec: dict[str, Any]) -> ConstrainedCase:
    r"""Instantiate a spec: objective (F-QUAD with a random centre, affine, or F-SP), point, :math:`P`, :math:`c`.

    Points: interior at distance :math:`\ge 0.1` from the boundary; boundary
    (a random face point); constrained minimiser (approximately: 300
    projected-gradient steps of :math:`1/L`; for affine :math:`f` the exact minimiser, none
    on a half-space, where a boundary point is used). ``P``: :math:`MM^\top + cI`
    with :math:`M \sim N(0,1)`, :math:`c \sim U[0.05, 1]` (catalogue B-SPD),
    or :math:`cI` with :math:`c` log-uniform in :math:`[0.05, 5]` for
    ``"scaled"``.
    """
    rng = np.random.default_rng(spec["seed"])
    d, kind = spec["dim"], spec["set"]
    normal = None
    if kind == "half-space":
        normal = rng.standard_normal(d)
        normal /= np.linalg.norm(normal)
    matrix = None
    if spec["objective"] == "quadratic":
        q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        matrix = (q * 10.0 ** rng.uniform(-1, 1, d)) @ q.T
        matrix = 0.5 * (matrix + matrix.T)
        problem = problems.quadratic(matrix, x_star=2.0 * rng.standard_normal(d))
    elif spec["objective"] == "affine":
        problem = _affine_problem(rng.standard_normal(d))
    else:
        m = rng.integers(2, 6)
        problem = problems.softplus_sum(rng.choice([-1.0, 1.0], m) * rng.uniform(0.2, 2.0, m),
                                        rng.standard_normal((m, d)))

    def boundary_point() -> FloatArray:
        if kind == "half-space":
            w = rng.standard_normal(d)
            return w - (w @ normal) * normal
        if kind == "box":
            x = rng.uniform(-1.0, 1.0, d)
            x[rng.integers(d)] = rng.choice([-1.0, 1.0])
            return x
        if kind == "ball":
            w = rng.standard_normal(d)
            return w / np.linalg.norm(w)
        support = rng.random(d) < 0.5
        support[rng.integers(d)] = True
        lam = np.where(support, rng.dirichlet(np.ones(d)), 0.0)
        if np.all(lam > 0):
            lam[rng.integers(d)] = 0.0
        return lam / lam.sum()

    if spec["point"] == "interior":
        if kind == "half-space":
            w = rng.standard_normal(d)
            point = w - (w @ normal) * normal - rng.uniform(0.1, 2.0) * normal
        elif kind == "box":
            point = rng.uniform(-0.9, 0.9, d)
        elif kind == "ball":
            w = rng.standard_normal(d)
            point = rng.uniform(0.0, 0.9) * w / np.linalg.norm(w)
        else:
            point = 0.5 * rng.dirichlet(np.ones(d)) + 0.5 / d
    elif spec["point"] == "constrained minimiser" and not (spec["objective"] == "affine" and kind == "half-space"):
        point = boundary_point()
        if spec["objective"] == "affine":
            g = problem.grad(point).reshape(-1)
            point = {"box": -np.sign(g), "ball": -g / np.linalg.norm(g),
                     "simplex": np.eye(d)[int(np.argmin(g))]}[kind]
        else:
            step = 1.0 / max(problem.L or 1.0, 1e-3)
            for _ in range(300):
                point = project(kind, point - step * problem.grad(point).reshape(-1), normal)
    else:
        point = boundary_point()
    m = rng.standard_normal((d, d))
    if spec["alignment"] == "scaled":
        scale = float(10.0 ** rng.uniform(math.log10(0.05), math.log10(5.0)))
        preconditioner, alignment = scale * np.eye(d), scale
    else:
        preconditioner = m @ m.T + rng.uniform(0.05, 1.0) * np.eye(d)
        g = problem.grad(point).reshape(-1)
        alignment = (float(np.linalg.eigvalsh(preconditioner)[0]) if spec["alignment"] == "lambda_min(P)"
                     else float(g @ preconditioner @ g) / max(float(g @ g), 1e-300))
    return ConstrainedCase(kind, normal, spec["objective"], problem, matrix, np.asarray(point, dtype=float),
                           preconditioner, alignment)


def first_order_coefficient(case: ConstrainedCase, step: float) -> float:
    r"""Richardson estimate of :math:`\kappa = \lim_{\alpha\to0} D(\alpha)/\alpha` from steps :math:`\alpha, 2\alpha`.

    .. math::

        D(\alpha) = f(\Pi_{\mathcal C}(x - \alpha d)) - f(x) + \alpha c\|\nabla f(x)\|^2
        = \kappa\alpha + K\alpha^2 + o(\alpha^2)\ \Rightarrow\
        \kappa = 2\frac{D(\alpha)}{\alpha} - \frac{D(2\alpha)}{2\alpha} + O(\alpha^2).
    """
    grad = case.problem.grad(case.point).reshape(-1)
    direction = case.preconditioner @ grad
    norm_sq = float(grad @ grad)

    def defect(alpha: float) -> float:
        y = project(case.kind, case.point - alpha * direction, case.normal)
        return case.value_difference(y) + alpha * case.alignment * norm_sq

    return 2.0 * defect(step) / step - defect(2.0 * step) / (2.0 * step)


@claim(
    id="trailmix.lemma19",
    title="Alignment under projection",
    source="Defs. 15–16 (227)–(228) seed L1701–L1711; Lemma 19 (229) seed L1713–L1717; proof (230)–(235)",
    statement=(
        "C closed convex; if d satisfies alignment at x in C (<grad f(x), d> >= c ||grad f(x)||^2), then for small "
        "enough alpha: f(Pi_C(x - alpha d)) <= f(x) - alpha c ||grad f(x)||^2 + O(alpha^2)."
    ),
    kind="inequality",
)
def lemma19(ctx: Context) -> CheckResult:
    r"""The first-order coefficient of the defect :math:`D(\alpha)` must be :math:`\le 0`.

    .. math::

        D(\alpha) = f(\Pi_{\mathcal C}(x - \alpha d)) - f(x) + \alpha c\|\nabla f(x)\|^2 = O(\alpha^2)
        \iff \kappa = \lim_{\alpha\to 0}\frac{D(\alpha)}{\alpha} \le 0 ,

    since :math:`\alpha \mapsto \Pi_{\mathcal C}(x - \alpha d)` is directionally
    differentiable (piecewise linear near 0 for polyhedral sets, smooth for the
    ball), so :math:`D(\alpha) = \kappa\alpha + O(\alpha^2)`; :math:`\kappa > 0`
    makes :math:`D(\alpha)/\alpha^2 \to \infty` (the catalogue's criterion).
    :math:`\kappa` is estimated by Richardson extrapolation
    (:func:`first_order_coefficient`) at :math:`\alpha = 10^{-5}` and, as a
    consistency check, :math:`10^{-6}` (disagreement beyond the tolerance is a
    numerical failure); :math:`D(\alpha)/\alpha^2` at
    :math:`\alpha = 10^{-1}..10^{-6}` of the counterexample is in the details.

    Domain (catalogue): :math:`d \in \{1, 2, 3\}`; :math:`\mathcal C` a
    half-space, the box :math:`[-1,1]^d`, the unit ball or the simplex; F-QUAD
    (random centre), affine :math:`f`, F-SP; :math:`x` interior, on the
    boundary, or a constrained minimiser; :math:`d = P\nabla f(x)` with
    B-SPD :math:`P` and :math:`c = \lambda_{\min}(P)` or the tight
    :math:`c = \langle\nabla f, P\nabla f\rangle/\|\nabla f\|^2` (interior
    points then have :math:`\kappa = 0`, so the check has teeth). Scale
    :math:`c\|\nabla f(x)\|^2`; tolerance :math:`10^{-8}` of it plus
    :math:`64\varepsilon(|f(x)| + \|x\|\|\nabla f\| + 1)/\alpha` (rounding of
    the difference quotient). 200 (quick) / 5000 (full) instances.
    """
    witness: dict[str, Any] = {}

    def check(spec: dict[str, Any]) -> None:
        case = build_constrained_case(spec)
        grad = case.problem.grad(case.point).reshape(-1)
        ctx.assume(bool(grad @ grad > 0))
        scale = case.alignment * float(grad @ grad)
        value = abs(float(case.problem.value(case.point)))
        rounding = 64 * EPS * (value + float(np.linalg.norm(case.point) * np.linalg.norm(grad)) + 1.0)
        coarse, fine = first_order_coefficient(case, 1e-5), first_order_coefficient(case, 1e-6)
        if abs(coarse - fine) > 1e-6 * scale + rounding / 1e-6:
            raise NumericalFailure(f"Richardson estimates of kappa disagree: {coarse:.6g} (1e-5) vs {fine:.6g} (1e-6)")
        ctx.compare(coarse, 0.0, "<=", rtol=0.0, atol=1e-8 * scale + rounding / 1e-5, scale=scale,
                    label="kappa = lim D(alpha)/alpha <= 0 (D = O(alpha^2))")
        ctx.event(f"{spec['point']}: kappa {'> 0' if coarse > 1e-8 * scale + rounding / 1e-5 else '<= 0'}")
        if coarse > 1e-8 * scale + rounding / 1e-5:
            alphas = 10.0 ** -np.arange(1, 7)
            direction = case.preconditioner @ grad
            ratios = [(case.value_difference(project(case.kind, case.point - a * direction, case.normal))
                       + a * case.alignment * float(grad @ grad)) / a**2 for a in alphas]
            witness.update({"x": case.point, "grad f(x)": grad, "d": direction, "c": case.alignment,
                            "kappa": coarse, "D(alpha)/alpha^2 at alpha = 1e-1..1e-6": ratios})

    ctx.search(check, _constrained_specs(), label="sets x objectives x points", max_examples=ctx.pick(200, 5000))
    if witness:
        ctx.note("last violating instance", witness)
    return ctx.result()


@claim(
    id="trailmix.lemma19.corrected",
    title="Sufficient decrease of a projected scaled-gradient step",
    source="Lemma 19 (229), proof (230)–(233), seed L1713–L1717 (corrected)",
    statement=(
        "C closed convex, f L-smooth, x in C, d = c grad f(x) with c > 0, alpha > 0, y = Pi_C(x - alpha d): "
        "f(y) <= f(x) - (1/(c alpha) - L/2) ||y - x||^2."
    ),
    kind="inequality",
)
def lemma19_corrected(ctx: Context) -> CheckResult:
    r"""What the proof of Lemma 19 does establish, for scaled-gradient directions.

    .. math::

        y = \Pi_{\mathcal C}(x - \alpha c\nabla f(x)):\quad
        f(y) \le f(x) - \Bigl(\frac{1}{c\alpha} - \frac L2\Bigr)\|y - x\|^2 .

    Derivation: (231) with :math:`z = x` gives
    :math:`\|x - y\|^2 \le \alpha c\langle\nabla f(x), x - y\rangle`; with the
    descent lemma (233),
    :math:`f(y) \le f(x) - \frac{1}{c\alpha}\|y - x\|^2 + \frac L2\|y - x\|^2`.
    The step (234) of the paper replaces :math:`\langle\nabla f, y - x\rangle`
    by :math:`-\alpha\langle\nabla f, d\rangle`, which is false when the
    projection is active (``trailmix.lemma19``). When it is inactive the
    bound reads :math:`-\alpha c\|\nabla f\|^2 + \frac L2\alpha^2c^2\|\nabla f\|^2`,
    i.e. (229) with an explicit :math:`O(\alpha^2)`. For a preconditioned
    :math:`d = P\nabla f` the same argument needs the projection in the
    :math:`P^{-1}`-metric, so the corrected statement is restricted to
    :math:`P = cI`.

    Domain: the sets, objectives and points of ``trailmix.lemma19`` with
    :math:`d = c\nabla f`, :math:`c` log-uniform in :math:`[0.05, 5]`;
    :math:`\alpha \in \{10^{-6}, \dots, 1\} \cup \{2/(cL), 10/(cL)\}`
    (all :math:`\alpha > 0` are covered by the derivation; the large ones
    probe the sign change of the coefficient). :math:`L` is the problem's
    global constant (F-SP: the engine's bound). Both sides are differences
    from :math:`f(x)`; tolerance relative :math:`10^{-10}` plus the rounding
    term of ``trailmix.lemma19``; 100 (quick) / 5000 (full) instances;
    scale: the larger of the two sides, the first-order decrease
    :math:`\alpha c\|\nabla f\|^2` and :math:`10^{10}` times the rounding
    term (so that round-off differences count as relative :math:`10^{-10}`).
    Equality holds when the projection is inactive and :math:`\nabla f` is a
    top eigenvector of :math:`A`, so the check has teeth.
    """

    def check(spec: dict[str, Any]) -> None:
        case = build_constrained_case(spec)
        grad = case.problem.grad(case.point).reshape(-1)
        ctx.assume(bool(grad @ grad > 0))
        smooth = float(case.problem.L)
        c = case.alignment
        value = abs(float(case.problem.value(case.point)))
        rounding = 64 * EPS * (value + float(np.linalg.norm(case.point) * np.linalg.norm(grad)) + 1.0)
        alphas = list(10.0 ** -np.arange(0, 7)) + ([2.0 / (c * smooth), 10.0 / (c * smooth)] if smooth > 0 else [])
        for alpha in alphas:
            y = project(case.kind, case.point - alpha * c * grad, case.normal)
            move = float(np.sum((y - case.point) ** 2))
            lhs, rhs = case.value_difference(y), -(1.0 / (c * alpha) - smooth / 2.0) * move
            scale = max(abs(lhs), abs(rhs), alpha * c * float(grad @ grad), 1e10 * rounding)
            ctx.compare(lhs, rhs, "<=", rtol=1e-10, atol=rounding, scale=scale,
                        label="f(y) - f(x) <= -(1/(c alpha) - L/2) ||y - x||^2")
        ctx.event(spec["point"])

    ctx.search(check, _constrained_specs(preconditioned=False), label="sets x objectives x points",
               max_examples=ctx.pick(100, 5000))
    return ctx.result()


# --------------------------------------------------------------------------- Appendix N: bounded-direction SGD


@dataclass(frozen=True)
class BoundedInstance:
    r"""SGD :math:`x_{t+1} = x_t - \alpha_t d_t`, :math:`\alpha_t = \alpha_0/\sqrt{t+1}`, :math:`\|d_t\| \le G` a.s.

    Families: ``"affine"`` :math:`f = a^\top x` with :math:`d = a(1+\eta)`;
    ``"quadratic"`` :math:`f = \tfrac12\sum_i a_ix_i^2` with
    :math:`d = \nabla f(x)(1 + \eta)`; ``"pseudo-huber"`` with
    :math:`d = \nabla f(x) + s\,z\,u` (:math:`u` a fixed unit vector). The
    noise :math:`\eta` or :math:`z` is zero-mean and bounded: uniform on
    :math:`[-b, b]` or a two-point law. In every family
    :math:`\mathbb E[d_t\mid x_t] = \nabla f(x_t)`, so the alignment constant
    is :math:`c_{\min} = 1`.
    """

    family: str
    dim: int
    curvatures: tuple[float, ...]
    start: tuple[float, ...]
    alpha0: float
    horizon: int
    delta: float
    noise: str
    noise_size: float
    prob_high: float = 0.5
    huber_scale: float = 1.0
    huber_width: float = 1.0

    def describe(self) -> str:
        parts = [self.family, f"|x0| = {np.linalg.norm(self.start):.3g}", f"alpha0 = {self.alpha0:g}",
                 f"T = {self.horizon}", f"delta = {self.delta:g}", f"noise {self.noise}({self.noise_size:g}"
                 + (f", P(high) = {self.prob_high:g})" if self.noise == "two-point" else ")")]
        if self.family == "quadratic":
            parts.insert(1, f"a = {np.round(self.curvatures, 3).tolist()}")
        if self.family == "pseudo-huber":
            parts.insert(1, f"B = {self.huber_scale:g}, w = {self.huber_width:g}")
        return ", ".join(parts)

    @property
    def steps(self) -> FloatArray:
        return self.alpha0 / np.sqrt(np.arange(self.horizon) + 1.0)

    def noise_atoms(self) -> tuple[float, float]:
        """Smallest and largest value of the scalar noise."""
        if self.noise == "uniform":
            return -self.noise_size, self.noise_size
        law = TwoPointLaw(self.noise_size, self.prob_high)
        return law.low, law.high

    def sample_noise(self, rng: np.random.Generator, shape: int | tuple[int, ...]) -> FloatArray:
        if self.noise == "uniform":
            return rng.uniform(-self.noise_size, self.noise_size, shape)
        return TwoPointLaw(self.noise_size, self.prob_high).sample(rng, shape)

    def noise_variance(self) -> float:
        if self.noise == "uniform":
            return self.noise_size**2 / 3.0
        law = TwoPointLaw(self.noise_size, self.prob_high)
        return float(law.probs @ law.atoms**2)

    def constants(self) -> dict[str, float]:
        r""":math:`L`, :math:`f_*`, :math:`f(x_0)` and an almost-sure bound :math:`G \ge \sup_t\|d_t\|`.

        Quadratic: per coordinate :math:`|x_{t,i}| \le |x_{0,i}|\prod_{s<t}\max_\eta|1 - \alpha_sa_i(1+\eta)|`
        (the maximum over the noise range is at an end point), so
        :math:`\|d_t\| \le (1 + \eta_{\max})\|(a_i\,\mathrm{bound}_{t,i})_i\|` on every path.
        """
        low, high = self.noise_atoms()
        start = np.asarray(self.start)
        gain = max(abs(1 + low), abs(1 + high))  # sup |1 + eta|
        if self.family == "affine":
            a = np.asarray(self.curvatures)
            return {"L": 0.0, "f_star": -math.inf, "f0": float(a @ start), "G": float(np.linalg.norm(a)) * gain}
        if self.family == "quadratic":
            a = np.asarray(self.curvatures)
            factors = np.maximum(np.abs(1 - np.outer(self.steps, a) * (1 + low)),
                                 np.abs(1 - np.outer(self.steps, a) * (1 + high)))
            bounds = np.abs(start) * np.vstack([np.ones(a.size), np.cumprod(factors, axis=0)[:-1]])
            g_bound = gain * float(np.max(np.linalg.norm(a * bounds, axis=1)))
            return {"L": float(np.max(a)), "f_star": 0.0, "f0": float(0.5 * a @ start**2), "G": g_bound}
        problem = problems.pseudo_huber(self.huber_scale, self.huber_width, self.dim)
        return {"L": float(problem.L), "f_star": 0.0, "f0": float(problem.value(start)),
                "G": self.huber_scale + max(abs(low), abs(high))}

    def simulate(self, n_runs: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        r"""Final values :math:`f(x_T)` and :math:`\min_{t<T}\|\nabla f(x_t)\|^2` of ``n_runs`` independent runs."""
        steps = self.steps
        start = np.broadcast_to(np.asarray(self.start), (n_runs, self.dim)).copy()
        if self.family == "affine":
            a = np.asarray(self.curvatures)
            noise = self.sample_noise(rng, (n_runs, self.horizon))
            travelled = (1 + noise) @ steps
            return start @ a - float(a @ a) * travelled, np.full(n_runs, float(a @ a))
        x = start
        best = np.full(n_runs, np.inf)
        problem = None if self.family == "quadratic" else problems.pseudo_huber(self.huber_scale, self.huber_width,
                                                                                 self.dim)
        a = np.asarray(self.curvatures)
        direction = np.eye(self.dim)[0]
        for alpha in steps:
            grad = a * x if problem is None else problem._grad(x)
            best = np.minimum(best, np.sum(grad * grad, axis=1))
            noise = self.sample_noise(rng, n_runs)
            d = grad * (1 + noise)[:, None] if problem is None else grad + noise[:, None] * direction
            x = x - alpha * d
        values = 0.5 * (x * x) @ a if problem is None else problem._value(x)
        return values, best

    def exact_mean(self) -> float | None:
        r""":math:`\mathbb E f(x_T)` in closed form (affine, quadratic), ``None`` otherwise.

        Quadratic: the coordinates evolve independently given the common
        noise,

        .. math::

            \mathbb E x_{T,i}^2 = x_{0,i}^2\prod_t\bigl[(1 - \alpha_ta_i)^2 + \alpha_t^2a_i^2\mathrm{Var}\,\eta\bigr].
        """
        start = np.asarray(self.start)
        if self.family == "affine":
            a = np.asarray(self.curvatures)
            return float(a @ start - (a @ a) * self.steps.sum())
        if self.family == "quadratic":
            a = np.asarray(self.curvatures)
            factors = (1 - np.outer(self.steps, a)) ** 2 + np.outer(self.steps**2, a**2) * self.noise_variance()
            return float(0.5 * np.sum(a * start**2 * np.prod(factors, axis=0)))
        return None


def _high_probability_instances(ctx: Context, theorem: int) -> list[BoundedInstance]:
    r"""Instances, simplest first (catalogue): affine (:math:`L = 0`, Theorem 16 only: :math:`f_* = -\infty`
    makes (242) vacuous), F-QUAD near and far from the minimiser, F-PH with :math:`B, w` log-uniform in
    :math:`[0.1, 10^3]`; bounded zero-mean noise (uniform, asymmetric two-point); :math:`\alpha_0/\sqrt{t+1}`;
    horizons :math:`T \in [10, 1000]` (Theorem 17 also :math:`T \in \{1, 2, 3, 5\}`); :math:`\delta \in
    \{0.01, 0.05, 0.1\}`."""
    rng = ctx.rng
    out: list[BoundedInstance] = []
    horizons = (10, 100, 1000) if theorem == 16 else (1, 2, 3, 5, 10, 100, 1000)
    deltas = (0.01, 0.05, 0.1)
    if theorem == 16:
        for horizon in (10, 100):
            out.append(BoundedInstance("affine", 2, (1.0, -0.5), (1.0, 2.0), 0.1, horizon, 0.05, "uniform", 0.5))
    n_random = ctx.pick(6, 20)
    for _ in range(n_random):
        for start_scale in (0.1, 100.0):
            curvatures = tuple(10.0 ** rng.uniform(-1, 1, 2))
            direction = rng.standard_normal(2)
            start = tuple(start_scale * direction / np.linalg.norm(direction))
            alpha0 = float(10.0 ** rng.uniform(-2, 0)) / max(curvatures)
            noise = ("uniform", float(rng.uniform(0.1, 0.9)), 0.5) if rng.random() < 0.5 else (
                "two-point", float(rng.uniform(0.2, 2.0)), float(rng.uniform(0.05, 0.5)))
            out.append(BoundedInstance("quadratic", 2, curvatures, start, alpha0, int(rng.choice(horizons)),
                                       float(rng.choice(deltas)), noise[0], noise[1], noise[2]))
    for _ in range(n_random):
        scale, width = (float(10.0 ** rng.uniform(-1, 3)) for _ in range(2))
        start = tuple(width * 10.0 ** rng.uniform(-1, 2) * np.array([1.0, 0.0]))
        out.append(BoundedInstance("pseudo-huber", 2, (0.0, 0.0), start, float(10.0 ** rng.uniform(-2, 1)) * width
                                   / scale, int(rng.choice(horizons)), float(rng.choice(deltas)), "two-point",
                                   float(scale * rng.uniform(0.5, 3.0)), float(rng.uniform(0.05, 0.5)),
                                   huber_scale=scale, huber_width=width))
    return out


def _record_probabilities(ctx: Context, instances: list[BoundedInstance], violated: list[int], n_runs: int,
                          label: str, notes: dict[str, Any]) -> None:
    lows, highs = [], []
    for count in violated:
        low, high = clopper_pearson(count, n_runs, 0.99)
        lows.append(low)
        highs.append(high)
    deltas = np.array([inst.delta for inst in instances])
    ctx.sweep(lows, deltas, "<=", rtol=0.0, atol=0.0, scale=deltas, label=label,
              examples={"instance": [inst.describe() for inst in instances],
                        "violation frequency": [c / n_runs for c in violated],
                        "99% Clopper-Pearson upper bound": highs})
    ctx.note("instances: violations / runs, 99% interval, constants", notes)


@claim(
    id="trailmix.theorem16",
    title="Azuma-Hoeffding concentration of f(x_T)",
    source="Theorem 16 (236), seed L1743–L1747; proof (237)–(241)",
    statement=(
        "If ||d_t|| <= G almost surely, then for all delta > 0, with probability >= 1 - delta: "
        "|f(x_T) - E[f(x_T)]| <= L G sqrt(2 log(2/delta)) sqrt(sum_{t<T} alpha_t^2)."
    ),
    kind="inequality",
)
def theorem16(ctx: Context) -> CheckResult:
    r"""Monte-Carlo frequency of the event :math:`|f(x_T) - \mathbb E f(x_T)| > LG\sqrt{2\log(2/\delta)}\,\|\alpha\|_2`.

    .. math::

        \mathbb P\Bigl(|f(x_T) - \mathbb E f(x_T)| > LG\sqrt{2\log(2/\delta)}
        \sqrt{\textstyle\sum_{t<T}\alpha_t^2}\Bigr) \le \delta .

    Instances: :func:`_high_probability_instances` (:class:`BoundedInstance`);
    :math:`G` is an almost-sure bound on :math:`\|d_t\|` over every path
    (:meth:`BoundedInstance.constants`), :math:`L` the smoothness constant
    of A5 (0 for affine :math:`f`, :math:`\max_ia_i`, :math:`B/w`).
    :math:`\mathbb E f(x_T)` is exact for affine and quadratic :math:`f`
    (:meth:`BoundedInstance.exact_mean`) and, for F-PH, the mean of an
    independent batch of the same size (catalogue). 2000 (quick) / 20000
    (full) runs per instance. Per the catalogue's convention for probabilistic
    claims, the recorded sides are the lower end of the 99 %
    Clopper–Pearson interval of the violation frequency and :math:`\delta`
    (scale :math:`\delta`): the claim is refuted only if the whole interval
    lies above :math:`\delta`.
    """
    n_runs = ctx.pick(2000, 20000)
    instances = _high_probability_instances(ctx, 16)
    violated, notes = [], {}
    for inst in instances:
        constants = inst.constants()
        values, _ = inst.simulate(n_runs, ctx.rng)
        mean = inst.exact_mean()
        if mean is None:
            mean = float(np.mean(inst.simulate(n_runs, ctx.rng)[0]))
        if not np.all(np.isfinite(values)) or not math.isfinite(mean):
            raise NumericalFailure(f"non-finite values in {inst.describe()}")
        bound = constants["L"] * constants["G"] * math.sqrt(2 * math.log(2 / inst.delta)) * math.sqrt(
            float(np.sum(inst.steps**2)))
        count = int(np.sum(np.abs(values - mean) > bound))
        violated.append(count)
        notes[inst.describe()] = {"violations": count, "runs": n_runs, "bound (236)": bound,
                                  "std of f(x_T)": float(np.std(values)), **constants}
    _record_probabilities(ctx, instances, violated, n_runs,
                          "P(|f(x_T) - E f(x_T)| > bound (236)): lower 99% CP bound <= delta", notes)
    return ctx.result()


@claim(
    id="trailmix.theorem17",
    title="High-probability bound on min_t ||grad f(x_t)||^2",
    source="Theorem 17 (242), seed L1765–L1770",
    statement=(
        "Under the conditions of Theorem 16, with probability >= 1 - delta: min_{t<T} ||grad f(x_t)||^2 <= "
        "(1/c_min) [ (f(x_0) - f_*)/sum alpha_t + L G^2 sum alpha_t^2/sum alpha_t + L G sqrt(2 log(2/delta)) "
        "sqrt(sum alpha_t^2)/sum alpha_t ]."
    ),
    kind="inequality",
)
def theorem17(ctx: Context) -> CheckResult:
    r"""Monte-Carlo frequency of the event that :math:`\min_{t<T}\|\nabla f(x_t)\|^2` exceeds (242).

    .. math::

        \mathbb P\Bigl(\min_{t<T}\|\nabla f(x_t)\|^2 > \frac{1}{c_{\min}}\Bigl[
        \frac{f(x_0) - f_*}{\sum_t\alpha_t} + \frac{LG^2\sum_t\alpha_t^2}{\sum_t\alpha_t}
        + \frac{LG\sqrt{2\log(2/\delta)}\sqrt{\sum_t\alpha_t^2}}{\sum_t\alpha_t}\Bigr]\Bigr) \le \delta .

    Instances as ``trailmix.theorem16`` without the affine family
    (:math:`f_* = -\infty` makes the bound infinite), with the small
    horizons :math:`T \in \{1, 2, 3, 5\}` added, and asymmetric two-point
    noise (the catalogue's adversarial bounded laws; alignment in
    expectation is exact, :math:`c_{\min} = 1`). :math:`G` and :math:`L` as
    in ``trailmix.theorem16``. 2000 (quick) / 20000 (full) runs per
    instance; compared sides: the lower end of the 99 % Clopper–Pearson
    interval and :math:`\delta` (scale :math:`\delta`), refuted only if the
    whole interval lies above :math:`\delta`.
    """
    n_runs = ctx.pick(2000, 20000)
    instances = _high_probability_instances(ctx, 17)
    violated, notes = [], {}
    for inst in instances:
        constants = inst.constants()
        _, best = inst.simulate(n_runs, ctx.rng)
        if not np.all(np.isfinite(best)):
            raise NumericalFailure(f"non-finite gradients in {inst.describe()}")
        steps = inst.steps
        s1, s2 = float(np.sum(steps)), float(np.sum(steps**2))
        lg = constants["L"] * constants["G"]
        bound = ((constants["f0"] - constants["f_star"]) / s1 + lg * constants["G"] * s2 / s1
                 + lg * math.sqrt(2 * math.log(2 / inst.delta)) * math.sqrt(s2) / s1)
        count = int(np.sum(best > bound))
        violated.append(count)
        quantile = float(np.quantile(best, 1 - inst.delta))
        notes[inst.describe()] = {"violations": count, "runs": n_runs, "bound (242)": bound,
                                  "(1 - delta)-quantile of min_t ||grad f||^2 / bound":
                                      quantile / bound if bound > 0 else math.inf, **constants}
    _record_probabilities(ctx, instances, violated, n_runs,
                          "P(min_t ||grad f(x_t)||^2 > bound (242)): lower 99% CP bound <= delta", notes)
    return ctx.result()


# --------------------------------------------------------------------------- Appendix O: SVRG variance


def _svrg_variance(deltas: FloatArray) -> float:
    r"""Exact :math:`\mathbb E_\xi\|\delta_\xi - \bar\delta\|^2` over a uniform index.

    Rows of ``deltas`` are :math:`\delta_\xi = g(x,\xi) - g(\tilde x,\xi)`.

    Equals :math:`\mathbb E\|d^{SVRG} - \nabla f(x)\|^2` by (245)–(246).
    """
    centred = deltas - deltas.mean(axis=0)
    return float(np.mean(np.sum(centred * centred, axis=1)))


def _component_gradients(kind: FloatArray, matrices: FloatArray, offsets: FloatArray, features: FloatArray,
                         labels: FloatArray, x: FloatArray) -> FloatArray:
    r"""Per-component gradients at ``x``: quadratic :math:`A_i(x - b_i)` or logistic
    :math:`-y_i\sigma(-y_ia_i^\top x)a_i` (``kind`` 0 / 1 per component)."""
    quadratic = np.einsum("nij,nj->ni", matrices, x - offsets)
    margins = labels * (features @ x)
    logistic = -(labels * expit(-margins))[:, None] * features
    return np.where(kind[:, None] == 0, quadratic, logistic)


def _random_symmetric(rng: np.random.Generator, n: int, d: int) -> FloatArray:
    m = rng.standard_normal((n, d, d))
    return 0.5 * (m + np.swapaxes(m, 1, 2))


@claim(
    id="trailmix.lemma20.per-sample",
    title="SVRG variance bound, per-sample Lipschitz gradients",
    source="Def. 17 (243) seed L1775–L1779; Lemma 20 (244) seed L1781–L1783; proof (245)–(248)",
    statement=(
        "d^SVRG = g(x_t, xi) - g(x_ref, xi) + grad f(x_ref); if every sample gradient g(., xi) is L-Lipschitz: "
        "E||d^SVRG - grad f(x_t)||^2 <= 2 L^2 ||x_t - x_ref||^2."
    ),
    kind="inequality",
)
def lemma20_per_sample(ctx: Context) -> CheckResult:
    r"""(244) with :math:`L = \max_\xi` (Lipschitz constant of :math:`g(\cdot, \xi)`), exact expectations.

    .. math::

        \mathbb E_\xi\|g(x,\xi) - g(\tilde x,\xi) + \nabla f(\tilde x) - \nabla f(x)\|^2 \le 2L^2\|x - \tilde x\|^2 .

    Finite sums :math:`f = \frac1n\sum_\xi f_\xi`, :math:`n \in [2, 50]`,
    :math:`d \in [1, 4]`, the direction (243) evaluated for every index
    (exact expectation, :func:`_svrg_variance`). Components: quadratics
    :math:`\tfrac12(x - b_\xi)^\top A_\xi(x - b_\xi)` with symmetric (also
    indefinite) :math:`A_\xi`, :math:`\|A_\xi\|_2` uniform in :math:`(0, L]`,
    and logistic losses with :math:`\|a_\xi\|^2/4 \le L`, mixed;
    :math:`L` log-uniform in :math:`[0.1, 10]`; :math:`x, \tilde x` Gaussian
    with scales log-uniform in :math:`[10^{-3}, 10^2]`. 2000 (quick) /
    :math:`10^4` (full, the catalogue's count) draws (``ctx.rng``) plus the
    extremal pair :math:`A_1 = LI`, :math:`A_2 = -LI`. The proof's (247)–(248)
    give the sharper :math:`L^2\|x - \tilde x\|^2`, attained by the extremal
    pair, so the stated factor 2 leaves a slack of one half: the search
    cannot refute a tightening below 50 % (reported as "no teeth").
    Tolerance relative :math:`10^{-10}`.
    """
    rng = ctx.rng
    n_draws = ctx.pick(2000, 10_000)
    lhs, rhs, sizes = [], [], []
    for draw in range(n_draws + 1):
        if draw == n_draws:  # extremal pair
            n, d, lipschitz = 2, 2, 1.0
            kind = np.zeros(2)
            matrices = np.array([np.eye(2), -np.eye(2)])
        else:
            n, d = int(rng.integers(2, 51)), int(rng.integers(1, 5))
            lipschitz = float(10.0 ** rng.uniform(-1, 1))
            kind = rng.integers(0, 2, n) if rng.random() < 0.5 else np.full(n, rng.integers(0, 2))
            matrices = _random_symmetric(rng, n, d)
            matrices *= (lipschitz * rng.uniform(0.0, 1.0, n) / np.linalg.norm(matrices, ord=2, axis=(1, 2)))[
                :, None, None]
        offsets = rng.standard_normal((n, d))
        features = rng.standard_normal((n, d))
        features *= (2.0 * np.sqrt(lipschitz * rng.uniform(0.0, 1.0, n)) / np.linalg.norm(features, axis=1))[:, None]
        labels = rng.choice([-1.0, 1.0], n)
        x = rng.standard_normal(d) * 10.0 ** rng.uniform(-3, 2)
        x_ref = x + rng.standard_normal(d) * 10.0 ** rng.uniform(-3, 2)
        deltas = (_component_gradients(kind, matrices, offsets, features, labels, x)
                  - _component_gradients(kind, matrices, offsets, features, labels, x_ref))
        lhs.append(_svrg_variance(deltas))
        rhs.append(2.0 * lipschitz**2 * float(np.sum((x - x_ref) ** 2)))
        sizes.append(f"n = {n}, d = {d}, L = {lipschitz:.3g}, components {'quadratic' if not kind.any() else 'mixed'}")
    ctx.sweep(lhs, rhs, "<=", rtol=1e-10, atol=0.0, examples={"instance": sizes},
              label="E||d_SVRG - grad f(x)||^2 <= 2 L^2 ||x - x_ref||^2")
    ctx.note("largest ratio E||d - grad f||^2 / (2 L^2 ||x - x_ref||^2)", float(np.max(np.array(lhs) / np.array(rhs))))
    return ctx.result()


@claim(
    id="trailmix.lemma20.as-stated",
    title="SVRG variance bound with only grad f L-Lipschitz (A5)",
    source="Def. 17 (243) seed L1775–L1779; Lemma 20 (244) seed L1781–L1783",
    statement=(
        "As lemma20.per-sample with L the Lipschitz constant of grad f only: "
        "E||d^SVRG - grad f(x_t)||^2 <= 2 L^2 ||x_t - x_ref||^2."
    ),
    kind="inequality",
)
def lemma20_as_stated(ctx: Context) -> CheckResult:
    r"""(244) with :math:`L` the Lipschitz constant of :math:`\nabla f` (A5), components of any curvature.

    .. math::

        f = \frac1n\sum_\xi f_\xi,\quad f_\xi(x) = \tfrac12 x^\top(\bar A + M_\xi)x - b_\xi^\top x,\quad
        \sum_\xi M_\xi = 0,\quad L = \|\bar A\|_2 .

    Then :math:`\nabla f = \bar Ax - \bar b` is exactly :math:`L`-Lipschitz
    while the components' curvatures :math:`\bar A + M_\xi` can be anything
    (also negative). :math:`\bar A` random symmetric (indefinite allowed) with
    :math:`L` log-uniform in :math:`[0.1, 10]`; :math:`M_\xi` random
    symmetric, centred, scaled to spread :math:`sL` with :math:`s`
    log-uniform in :math:`[10^{-2}, 10^2]`; :math:`n \in [2, 50]`,
    :math:`d \in [1, 4]`; exact expectation over :math:`\xi`. 2000 (quick) /
    :math:`10^4` (full) draws (``ctx.rng``), in increasing :math:`s` (the
    first violation is the counterexample with the smallest spread).
    Tolerance relative :math:`10^{-10}`.
    """
    rng = ctx.rng
    n_draws = ctx.pick(2000, 10_000)
    spreads = np.sort(10.0 ** rng.uniform(-2, 2, n_draws))
    lhs, rhs, labels = [], [], []
    for spread in spreads:
        n, d = int(rng.integers(2, 51)), int(rng.integers(1, 5))
        lipschitz = float(10.0 ** rng.uniform(-1, 1))
        mean_matrix = _random_symmetric(rng, 1, d)[0]
        mean_matrix *= lipschitz / np.linalg.norm(mean_matrix, ord=2)
        deviations = _random_symmetric(rng, n, d)
        deviations -= deviations.mean(axis=0)
        norms = np.linalg.norm(deviations, ord=2, axis=(1, 2))
        deviations *= spread * lipschitz / max(float(np.max(norms)), 1e-300)
        x = rng.standard_normal(d) * 10.0 ** rng.uniform(-3, 2)
        x_ref = x + rng.standard_normal(d) * 10.0 ** rng.uniform(-3, 2)
        deltas = np.einsum("nij,j->ni", mean_matrix[None] + deviations, x - x_ref)
        lhs.append(_svrg_variance(deltas))
        rhs.append(2.0 * lipschitz**2 * float(np.sum((x - x_ref) ** 2)))
        largest = float(np.max(np.linalg.norm(mean_matrix + deviations, ord=2, axis=(1, 2))))
        labels.append(f"n = {n}, d = {d}, L = ||mean A|| = {lipschitz:.3g}, spread max ||M_i|| = {spread:.3g} L, "
                      f"largest component curvature {largest:.3g}")
    ctx.sweep(lhs, rhs, "<=", rtol=1e-10, atol=0.0, examples={"instance": labels},
              label="E||d_SVRG - grad f(x)||^2 <= 2 L^2 ||x - x_ref||^2, L of grad f only")
    return ctx.result()


# --------------------------------------------------------------------------- Theorem 18: SVRG mixtures


@dataclass(frozen=True)
class FiniteSum:
    r"""A strongly convex finite sum :math:`f = \frac1n\sum_i f_i + \frac\mu2\|x\|^2`.

    ``"least squares"``: :math:`f_i = \tfrac12(a_i^\top x - y_i)^2`;
    ``"logistic"``: :math:`f_i = \log(1 + e^{-y_ia_i^\top x})`. :math:`x^*`
    exactly (normal equations) or by Newton's method to a gradient norm of
    :math:`10^{-14}`.
    """

    kind: str
    features: FloatArray
    targets: FloatArray
    mu: float

    @property
    def n(self) -> int:
        return self.features.shape[0]

    @property
    def smoothness(self) -> float:
        """Largest per-component smoothness constant L_max."""
        norms = np.sum(self.features**2, axis=1)
        return float(np.max(norms if self.kind == "least squares" else norms / 4.0)) + self.mu

    def component_grad(self, x: FloatArray, index: FloatArray) -> FloatArray:
        """Gradients of f_i + mu/2 ||x||^2 at rows x (R, d) for indices (R,)."""
        a, y = self.features[index], self.targets[index]
        margin = np.sum(a * x, axis=1)
        if self.kind == "least squares":
            return (margin - y)[:, None] * a + self.mu * x
        return -(y * expit(-y * margin))[:, None] * a + self.mu * x

    def full_grad(self, x: FloatArray) -> FloatArray:
        margins = x @ self.features.T  # (R, n)
        if self.kind == "least squares":
            return (margins - self.targets) @ self.features / self.n + self.mu * x
        weights = -self.targets * expit(-self.targets * margins)
        return weights @ self.features / self.n + self.mu * x

    def value(self, x: FloatArray) -> FloatArray:
        margins = x @ self.features.T
        if self.kind == "least squares":
            losses = 0.5 * (margins - self.targets) ** 2
        else:
            losses = np.logaddexp(0.0, -self.targets * margins)
        return losses.mean(axis=1) + 0.5 * self.mu * np.sum(x * x, axis=1)

    def minimiser(self) -> FloatArray:
        d = self.features.shape[1]
        if self.kind == "least squares":
            gram = self.features.T @ self.features / self.n + self.mu * np.eye(d)
            return np.linalg.solve(gram, self.features.T @ self.targets / self.n)
        x = np.zeros(d)
        for _ in range(100):
            grad = self.full_grad(x[None])[0]
            if np.linalg.norm(grad) <= 1e-14:
                break
            s = expit(self.targets * (self.features @ x))
            hess = (self.features.T * (s * (1 - s))) @ self.features / self.n + self.mu * np.eye(d)
            x = x - np.linalg.solve(hess, grad)
        if np.linalg.norm(self.full_grad(x[None])[0]) > 1e-12:
            raise NumericalFailure("Newton's method did not find the minimiser of the logistic finite sum")
        return x


#: The mixtures of Theorem 18's check: weights of (SVRG, GD, SGD).
MIXTURES = {"SVRG": (1.0, 0.0, 0.0), "0.5 SVRG + 0.5 GD": (0.5, 0.5, 0.0), "0.5 SVRG + 0.5 SGD": (0.5, 0.0, 0.5)}


def svrg_mixture_gaps(problem: FiniteSum, mixture: tuple[float, float, float], epoch_length: int, step: float,
                      n_epochs: int, n_runs: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    r"""Mean optimality gap at each snapshot against the cumulative number of component-gradient evaluations.

    Epoch: :math:`\tilde x = x`, :math:`\nabla f(\tilde x)` (:math:`n`
    evaluations); then ``epoch_length`` steps with one sample :math:`\xi`
    shared by the bases (Alg. 1 line 4): SVRG (243) (2 evaluations; the
    SGD base reuses :math:`g(x, \xi)`), GD :math:`\nabla f(x)` (:math:`n`
    evaluations when its weight is positive), SGD :math:`g(x, \xi)`;
    :math:`x \leftarrow x - \alpha\sum_k\lambda_kd_k`. :math:`x_0 = 0`.
    """
    d = problem.features.shape[1]
    x = np.zeros((n_runs, d))
    x_star = problem.minimiser()
    f_star = float(problem.value(x_star[None])[0])
    w_svrg, w_gd, w_sgd = mixture
    per_step = 2 + (problem.n if w_gd > 0 else 0)
    evaluations, gaps = [0.0], [float(np.mean(problem.value(x))) - f_star]
    for _ in range(n_epochs):
        x_ref = x.copy()
        full_ref = problem.full_grad(x_ref)
        for _ in range(epoch_length):
            index = rng.integers(0, problem.n, n_runs)
            sample = problem.component_grad(x, index)
            direction = w_svrg * svrg_direction(problem.component_grad, x, x_ref, full_ref, index)
            if w_gd:
                direction = direction + w_gd * problem.full_grad(x)
            if w_sgd:
                direction = direction + w_sgd * sample
            x = x - step * direction
        evaluations.append(evaluations[-1] + problem.n + epoch_length * per_step)
        gaps.append(float(np.mean(problem.value(x))) - f_star)
    return np.array(evaluations), np.array(gaps)


def _random_finite_sums(ctx: Context) -> list[FiniteSum]:
    """Least squares and l2-regularised logistic finite sums (n = 20, d = 5 in quick; more in full)."""
    out = []
    sizes = ctx.pick([(20, 5)], [(20, 5), (50, 10)])
    for n, d in sizes:
        features = ctx.rng.standard_normal((n, d))
        out.append(FiniteSum("least squares", features, features @ ctx.rng.standard_normal(d)
                             + 0.5 * ctx.rng.standard_normal(n), float(10.0 ** ctx.rng.uniform(-1, 0))))
        features = ctx.rng.standard_normal((n, d))
        out.append(FiniteSum("logistic", features, ctx.rng.choice([-1.0, 1.0], n),
                             float(10.0 ** ctx.rng.uniform(-1.5, -0.5))))
    return out


def classify_rate(evaluations: FloatArray, gaps: FloatArray, target: float) -> dict[str, Any]:
    r"""Whether a gap curve converges linearly to ``target`` (relative) without a plateau.

    Uses the points down to :math:`10^{-1}\cdot` ``target`` (below, round-off
    of :math:`f - f_*` takes over): a linear fit of :math:`\log` gap against
    evaluations (:func:`theorylab.rates.fit_linear_rate`, 99 % band, floor
    detection on), and the slopes of the first and second half of those
    points.
    """
    relative = gaps / gaps[0]
    reached = bool(np.any(relative <= target))
    stop = int(np.argmax(relative <= 0.1 * target)) + 1 if np.any(relative <= 0.1 * target) else relative.size
    used_e, used_g = evaluations[:stop], np.maximum(relative[:stop], 1e-300)
    out: dict[str, Any] = {"reached": reached, "final relative gap": float(np.min(relative))}
    if used_e.size < 6 or np.any(used_g <= 0):
        out.update(linear=False, reason="too few points")
        return out
    try:
        fit = fit_linear_rate(used_e, used_g, confidence=0.99, min_points=5)
    except ValueError as exc:  # a detected floor left too few points: a plateau
        out.update(linear=False, reason=f"plateau: {exc}")
        return out
    half = used_e.size // 2
    early = np.polyfit(used_e[:half + 1], np.log(used_g[:half + 1]), 1)[0]
    late = np.polyfit(used_e[half:], np.log(used_g[half:]), 1)[0]
    out.update(slope=fit.slope, band=fit.band, floor=fit.floor_detected, early=float(early), late=float(late),
               linear=reached and fit.band[1] < 0 and not fit.floor_detected and late <= 0.5 * early < 0)
    return out


@claim(
    id="trailmix.theorem18",
    title="Linear convergence with SVRG bases",
    source="Theorem 18, seed L1797–L1803",
    statement=(
        "A mixture including SVRG-style bases can achieve linear convergence for strongly convex functions with "
        "appropriate epoch structures."
    ),
    kind="rate",
)
def theorem18(ctx: Context) -> CheckResult:
    r"""Existential: for each strongly convex finite sum, a mixture with an SVRG base that converges linearly.

    .. math::

        \exists\ (\lambda, m, \alpha):\quad \mathbb E f(x_k) - f_* \le C\rho^{k}\ \ (\rho < 1)
        \ \text{down to}\ 10^{-10}(f(x_0) - f_*),

    :math:`k` counting component-gradient evaluations. Problems: least
    squares and :math:`\ell_2`-regularised logistic finite sums
    (:class:`FiniteSum`; :math:`n = 20, d = 5` in quick, also
    :math:`n = 50, d = 10` in full). Configurations (catalogue): mixtures
    SVRG, 0.5 SVRG + 0.5 GD, 0.5 SVRG + 0.5 SGD (:data:`MIXTURES`); epoch
    length :math:`m = 2n` and :math:`\alpha = 0.3/L_{\max}` (quick) /
    :math:`m \in \{n, 2n, 5n\}`, :math:`\alpha \in \{0.05, 0.1, 0.2, 0.3\}/L_{\max}`
    (full); the mean gap over 4 (quick) / 20 (full) runs at every snapshot,
    up to 40 / 200 epochs.
    "Linear without a plateau" (:func:`classify_rate`): the gap reaches
    :math:`10^{-10}` of the initial gap, the 99 % band of the fitted
    log-linear slope is below 0, no floor is detected, and the second half of
    the curve decreases at least half as fast as the first.

    For each problem the witness is the linear configuration that reaches
    the target with the fewest evaluations (chosen by that rule, not by
    hand); its three criteria are recorded as comparisons. If no
    configuration of the grid is linear the check is inconclusive (an
    existential claim is not refuted by a finite grid). Every configuration's
    classification is in the details and in the figure. The sensitivity of an
    existence witness measures only how clearly the witness is linear.
    """
    n_epochs, n_runs = ctx.pick(40, 200), ctx.pick(4, 20)
    lengths = ctx.pick((2,), (1, 2, 5))
    steps = ctx.pick((0.3,), (0.05, 0.1, 0.2, 0.3))
    curves: dict[str, Any] = {}
    table: dict[str, Any] = {}
    for index, problem in enumerate(_random_finite_sums(ctx)):
        name = f"{problem.kind} (n = {problem.n}, d = {problem.features.shape[1]}, mu = {problem.mu:.3g})"
        results = []
        for mixture_name, mixture in MIXTURES.items():
            for length in lengths:
                for factor in steps:
                    config = f"{mixture_name}, m = {length}n, alpha = {factor:g}/L_max"
                    evaluations, gaps = svrg_mixture_gaps(problem, mixture, length * problem.n,
                                                          factor / problem.smoothness, n_epochs, n_runs, ctx.rng)
                    if not np.all(np.isfinite(gaps)):
                        raise NumericalFailure(f"{name}, {config}: non-finite gap")
                    verdict = classify_rate(evaluations, gaps, 1e-10)
                    ctx.event(f"{mixture_name}: {'linear' if verdict['linear'] else 'not linear'}")
                    cost = (float(evaluations[int(np.argmax(gaps / gaps[0] <= 1e-10))]) if verdict["reached"]
                            else math.inf)
                    results.append((config, verdict, cost))
                    if index == 0:
                        curves[config] = (evaluations, gaps / gaps[0])
        table[name] = {config: {k: v for k, v in verdict.items() if k != "band"} | {"evaluations to 1e-10": cost}
                       for config, verdict, cost in results}
        linear = [r for r in results if r[1]["linear"]]
        if not linear:
            ctx.note("configurations", table)
            return ctx.inconclusive(f"no configuration of the grid converged linearly on {name}")
        config, verdict, cost = min(linear, key=lambda r: r[2])
        ctx.compare(verdict["final relative gap"], 1e-10, "<=", rtol=0.0, atol=0.0,
                    label=f"{name}: witness {config} reaches 1e-10 of the initial gap")
        ctx.compare(verdict["band"][1], 0.0, "<", rtol=0.0, atol=0.0, scale=abs(verdict["slope"]),
                    label=f"{name}: witness {config}: upper 99% band of the log-gap slope < 0")
        ctx.compare(verdict["late"], 0.5 * verdict["early"], "<=", rtol=0.0, atol=0.0, scale=abs(verdict["early"]),
                    label=f"{name}: witness {config}: late slope <= half the early slope (no plateau)")
    ctx.note("configurations", table)
    if ctx.out_dir is not None and curves:
        _plot_svrg_curves(ctx, curves)
    return ctx.result()


def _plot_svrg_curves(ctx: Context, curves: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    colours = {"SVRG": "tab:blue", "0.5 SVRG + 0.5 GD": "tab:green", "0.5 SVRG + 0.5 SGD": "tab:red"}
    for config, (evaluations, relative) in curves.items():
        mixture = config.split(",")[0]
        ax.semilogy(evaluations, np.maximum(relative, 1e-16), color=colours[mixture], alpha=0.8, lw=1.2,
                    label=mixture if mixture not in ax.get_legend_handles_labels()[1] else None)
    ax.axhline(1e-10, color="grey", ls="--", lw=0.8, label="target 1e-10")
    ax.set_xlabel("component-gradient evaluations")
    ax.set_ylabel("(E f(x) - f*) / (f(x0) - f*)")
    ax.set_title("trailmix.theorem18: SVRG mixtures on a least-squares finite sum")
    ax.legend(fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.92)
    fig.savefig(ctx.figure_path("svrg-mixtures"), dpi=110)
    plt.close(fig)
