r"""TRAILMIX Appendix I — trust regions (clipping).

Claims ``trailmix.lemma16`` (deterministic clipping preserves alignment),
``trailmix.theorem12`` (the convergence results survive clipping) and
``trailmix.theorem12.second-moment`` (:math:`\mathbb E\|\mathrm{clip}(d; R)\|^2 \le R^2`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from proofs_checks.trailmix._stochastic_helpers import TwoPointLaw, clip
from theorylab.claims import CheckResult, Context, NumericalFailure, claim
from theorylab.rates import fit_sublinear_rate
from theorylab.testing.strategies import box_vectors, log_uniform

# --------------------------------------------------------------------------- Lemma 16


def _aligned_directions(rng: np.random.Generator, n: int, dim: int) -> dict[str, np.ndarray]:
    r"""Random :math:`(g, d, c, R)` with :math:`\langle g, d\rangle \ge c\|g\|^2` (catalogue construction).

    :math:`d = cg + w_\perp + sg`, :math:`w_\perp \perp g` (zero in
    dimension 1) with :math:`\|w_\perp\|` up to :math:`10^2 c\|g\|`, :math:`s = 0` (the
    hypothesis with equality) for half the draws and :math:`s \ge 0`
    otherwise; :math:`c` log-uniform in :math:`[0.05, 5]`, :math:`R`
    log-uniform in :math:`[10^{-3}, 10^3]`, :math:`\|g\|` log-uniform in
    :math:`[10^{-3}, 10^3]`.
    """
    g = rng.standard_normal((n, dim))
    g *= (10.0 ** rng.uniform(-3, 3, (n, 1))) / np.linalg.norm(g, axis=1, keepdims=True)
    c = 10.0 ** rng.uniform(math.log10(0.05), math.log10(5.0), n)
    radius = 10.0 ** rng.uniform(-3, 3, n)
    w = np.zeros((n, dim))
    if dim > 1:  # a direction orthogonal to g (none in dimension 1); projected out twice against round-off
        w = rng.standard_normal((n, dim))
        for _ in range(2):
            w -= (np.sum(w * g, axis=1) / np.sum(g * g, axis=1))[:, None] * g
        w /= np.linalg.norm(w, axis=1, keepdims=True)
        w *= (c * np.linalg.norm(g, axis=1) * 10.0 ** rng.uniform(-3, 2, n))[:, None]
    extra = np.where(rng.random(n) < 0.5, 0.0, c * 10.0 ** rng.uniform(-3, 1, n))
    d = (c + extra)[:, None] * g + w
    return {"g": g, "d": d, "c": c, "R": radius}


def lemma16_sides(g: np.ndarray, d: np.ndarray, c: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Both sides of (196) divided by :math:`\|\nabla f\|^2`: :math:`\langle g, \mathrm{clip}(d;R)\rangle/\|g\|^2` and
    :math:`\min\{c, cR/\|d\|\}`."""
    clipped = clip(d, radius[:, None])
    norm_sq = np.sum(g * g, axis=1)
    lhs = np.sum(g * clipped, axis=1) / norm_sq
    rhs = np.minimum(c, c * radius / np.linalg.norm(d, axis=1))
    return lhs, rhs


@st.composite
def _lemma16_edge_cases(draw: st.DrawFn) -> dict[str, Any]:
    """Edge cases: R exactly ||d||, R just above/below, w = 0, tiny and huge scales."""
    dim = draw(st.integers(1, 5))
    g = draw(box_vectors(dim, -10.0, 10.0))
    c = draw(log_uniform(0.05, 5.0))
    w = draw(box_vectors(dim, -10.0, 10.0))
    extra = draw(st.sampled_from((0.0, 1.0))) * draw(log_uniform(1e-3, 10.0))
    where = draw(st.sampled_from(("at ||d||", "log-uniform", "just below ||d||", "just above ||d||")))
    return {"g": g, "c": c, "w": w, "extra": extra, "R": where, "R_value": draw(log_uniform(1e-3, 1e3))}


@claim(
    id="trailmix.lemma16",
    title="Deterministic clipping preserves alignment",
    source="Def. 10 (195) seed L1502–L1504; Lemma 16 (196) seed L1506–L1510",
    statement=(
        "If <grad f(x), d> >= c ||grad f(x)||^2 then <grad f(x), clip(d; R)> >= min{c ||grad f||^2, "
        "(c R/||d||) ||grad f||^2}, clip(d; R) = d if ||d|| <= R, R d/||d|| otherwise."
    ),
    kind="inequality",
)
def lemma16(ctx: Context) -> CheckResult:
    r"""(196) on random aligned directions and on edge cases, both sides divided by :math:`\|\nabla f\|^2`.

    .. math::

        \langle g, d\rangle \ge c\|g\|^2 \ \Rightarrow\
        \frac{\langle g, \mathrm{clip}(d; R)\rangle}{\|g\|^2} \ge \min\Bigl\{c, \frac{cR}{\|d\|}\Bigr\}.

    Sweep (``ctx.rng``): :math:`3\cdot10^4` (quick) / :math:`10^6` (full, the
    catalogue's count) draws of :func:`_aligned_directions` in dimensions
    1–6 — :math:`d = cg + w_\perp + sg` covers every :math:`d` satisfying the
    hypothesis; half the draws have :math:`s = 0`, where the bound is
    attained whenever :math:`\|d\| \ne R` is on either side, so the check has
    teeth. Search: edge cases with :math:`R = \|d\|` exactly, just above and
    below it, :math:`w = 0`, and the hypothesis' own construction from drawn
    vectors (100 quick / 5000 full), evaluated after the exact rescaling
    :math:`(g, d, R) \to (g, d, R)/\|g\|` (both sides of (196) divided by
    :math:`\|g\|^2` are invariant), which keeps drawn vectors such as
    :math:`\|g\| = 10^{-161}` out of the subnormal range. Tolerance: relative :math:`10^{-10}` (the float error of the
    ratio is at most about :math:`10^{-13}` for
    :math:`\|w_\perp\| \le 10^2c\|g\|`).
    """
    n = ctx.pick(30_000, 1_000_000)
    for dim in range(1, 7):
        draws = _aligned_directions(ctx.rng, n // 6, dim)
        lhs, rhs = lemma16_sides(draws["g"], draws["d"], draws["c"], draws["R"])
        ctx.sweep(lhs, rhs, ">=", rtol=1e-10, atol=0.0, label=f"random aligned directions, dimension {dim}",
                  examples={"c": draws["c"], "R": draws["R"], "||g||": np.linalg.norm(draws["g"], axis=1),
                            "||d||": np.linalg.norm(draws["d"], axis=1)})

    def edge(case: dict[str, Any]) -> None:
        g = np.asarray(case["g"], dtype=float)
        norm_g = float(np.linalg.norm(g))
        ctx.assume(norm_g > 0)
        # (196) is invariant under (g, d, R) -> (g, d, R)/s; s = ||g|| keeps every product in the normal range
        g, w = g / norm_g, np.asarray(case["w"], dtype=float) / norm_g
        w = w - (w @ g) * g
        d = (case["c"] + case["extra"]) * g + w
        ctx.assume(bool(g @ d >= case["c"]))  # the lemma's hypothesis, in floating point (||g|| = 1)
        norm_d = float(np.linalg.norm(d))
        radius = {"at ||d||": norm_d, "just below ||d||": norm_d * (1 - 1e-12),
                  "just above ||d||": norm_d * (1 + 1e-12)}.get(case["R"], case["R_value"] / norm_g)
        ctx.assume(radius > 0)
        lhs, rhs = lemma16_sides(g[None, :], d[None, :], np.array([case["c"]]), np.array([radius]))
        ctx.compare(lhs[0], rhs[0], ">=", rtol=1e-10, atol=0.0, label="<g, clip(d;R)>/||g||^2 >= min(c, cR/||d||)")
        ctx.event(f"R {case['R']}")

    ctx.search(edge, _lemma16_edge_cases(), label="edge cases", max_examples=ctx.pick(100, 5000))
    return ctx.result()


# --------------------------------------------------------------------------- noise laws


@dataclass(frozen=True)
class NoiseLaw:
    r"""Zero-mean gradient noise :math:`\xi`: ``"two-point"`` (:math:`z u`, :math:`z` two-point, :math:`u` unit),
    ``"gaussian"`` (:math:`N(0, s^2 I)`) or ``"student-t"`` (i.i.d. coordinates, :math:`s\,t_\nu`)."""

    kind: str
    scale: float
    prob_high: float = 0.5
    dof: float = 3.0
    direction: tuple[float, ...] = (1.0,)

    def describe(self) -> str:
        if self.kind == "two-point":
            law = TwoPointLaw(self.scale, self.prob_high)
            return (f"two-point z in {{{law.high:.3g}, {law.low:.3g}}}, P(high) = {self.prob_high:g}, "
                    f"along {np.round(self.direction, 3).tolist()}")
        if self.kind == "gaussian":
            return f"N(0, {self.scale:g}^2 I)"
        return f"{self.scale:g} t_{self.dof:g} (i.i.d. coordinates)"

    def sample(self, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
        if self.kind == "two-point":
            z = TwoPointLaw(self.scale, self.prob_high).sample(rng, shape[0])
            return z[:, None] * np.asarray(self.direction)[None, :]
        if self.kind == "gaussian":
            return self.scale * rng.standard_normal(shape)
        return self.scale * rng.standard_t(self.dof, shape)


@dataclass(frozen=True)
class ClippedProblem:
    r""":math:`f = \tfrac12 x^\top A x`, direction :math:`d = P(\nabla f(x) + \xi)`, clipped at radius :math:`R`."""

    a_matrix: np.ndarray
    preconditioner: np.ndarray
    noise: NoiseLaw
    radius: float

    @property
    def dim(self) -> int:
        return self.a_matrix.shape[0]

    def expected_clipped(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\mathbb E\,\mathrm{clip}(P(Ax + \xi); R)` at points ``x`` of shape ``(N, d)``.

        Exact for the two-point law (two atoms); in closed form
        (:func:`expected_clip_1d`) for the continuous laws in dimension 1.
        Continuous laws in higher dimension are not supported (``ValueError``).
        """
        grad = x @ self.a_matrix
        if self.noise.kind == "two-point":
            law = TwoPointLaw(self.noise.scale, self.noise.prob_high)
            u = np.asarray(self.noise.direction)
            total = np.zeros_like(grad)
            for z, prob in zip(law.atoms, law.probs, strict=True):
                total += prob * clip((grad + z * u) @ self.preconditioner.T, self.radius)
            return total
        if self.dim != 1:
            raise ValueError("continuous noise laws are integrated in dimension 1 only")
        p = float(self.preconditioner[0, 0])
        return p * expected_clip_1d(grad, self.noise, self.radius / p)


def expected_clip_1d(centre: np.ndarray, noise: NoiseLaw, radius: float) -> np.ndarray:
    r""":math:`\mathbb E\,\mathrm{clip}(Y; R)`, :math:`Y = g + \xi`, Gaussian or Student-t :math:`\xi`, in closed form.

    With :math:`a = (-R - g)/s`, :math:`b = (R - g)/s` and the standardised
    law's cdf :math:`F`, density :math:`f` and partial mean
    :math:`M(u) = \int^u t f(t)\,dt` (:math:`-f(u)` for the normal,
    :math:`-\frac{\nu + u^2}{\nu - 1}f(u)` for :math:`t_\nu`, :math:`\nu > 1`):

    .. math::

        \mathbb E\,\mathrm{clip}(Y; R) = R\,(1 - F(b)) - R\,F(a) + g\,(F(b) - F(a)) + s\,(M(b) - M(a)).
    """
    g = np.asarray(centre, dtype=float)
    s = noise.scale
    a, b = (-radius - g) / s, (radius - g) / s
    if noise.kind == "gaussian":
        law = stats.norm()

        def partial_mean(u: np.ndarray) -> np.ndarray:
            return -law.pdf(u)
    elif noise.kind == "student-t" and noise.dof > 1:
        law = stats.t(noise.dof)

        def partial_mean(u: np.ndarray) -> np.ndarray:
            return -(noise.dof + u * u) / (noise.dof - 1.0) * law.pdf(u)
    else:
        raise ValueError(f"no closed form for {noise.kind} noise (dof {noise.dof})")
    return (radius * law.sf(b) - radius * law.cdf(a) + g * (law.cdf(b) - law.cdf(a))
            + s * (partial_mean(b) - partial_mean(a)))


def expected_clip_1d_quadrature(centre: float, noise: NoiseLaw, radius: float) -> float:
    """The same expectation by adaptive quadrature split at the kinks (independent check of the closed form)."""
    law = stats.norm(scale=noise.scale) if noise.kind == "gaussian" else stats.t(noise.dof, scale=noise.scale)
    cuts = sorted((radius - centre, -radius - centre))
    total, error = 0.0, 0.0
    for low, high in ((-np.inf, cuts[0]), (cuts[0], cuts[1]), (cuts[1], np.inf)):
        value, err = integrate.quad(lambda xi: float(np.clip(centre + xi, -radius, radius)) * law.pdf(xi),
                                    low, high, limit=200, epsabs=1e-14, epsrel=1e-11)
        total += value
        error += err
    if not math.isfinite(total) or error > 1e-8 * max(1.0, abs(total)):
        raise NumericalFailure(f"quadrature of E clip(d; R) inaccurate (estimate {total:.3g}, error {error:.3g})")
    return total


def _instances(ctx: Context) -> list[ClippedProblem]:
    r"""Instances, simplest first: dimension 1 then 2; Gaussian, Student-t, asymmetric two-point laws."""
    out = []
    laws_1d = [NoiseLaw("gaussian", 1.0), NoiseLaw("student-t", 1.0, dof=2.5),
               NoiseLaw("two-point", 10.0, prob_high=0.1), NoiseLaw("two-point", 3.0, prob_high=0.3)]
    for law in laws_1d:
        for radius in ctx.pick((0.5,), (0.5, 2.0)):
            out.append(ClippedProblem(np.eye(1), np.eye(1), law, radius))
    for _ in range(ctx.pick(1, 10)):
        q, _ = np.linalg.qr(ctx.rng.standard_normal((2, 2)))
        a_matrix = (q * 10.0 ** ctx.rng.uniform(-0.5, 0.5, 2)) @ q.T
        m = ctx.rng.standard_normal((2, 2))
        preconditioner = m @ m.T + ctx.rng.uniform(0.05, 1.0) * np.eye(2)
        angle = ctx.rng.uniform(0, 2 * np.pi)
        law = NoiseLaw("two-point", float(10.0 ** ctx.rng.uniform(0, 1.5)),
                       prob_high=float(ctx.rng.uniform(0.05, 0.4)), direction=(math.cos(angle), math.sin(angle)))
        out.append(ClippedProblem(0.5 * (a_matrix + a_matrix.T), preconditioner, law,
                                  float(10.0 ** ctx.rng.uniform(-1, 1))))
    return out


def _describe(problem: ClippedProblem) -> str:
    eig_a = np.linalg.eigvalsh(problem.a_matrix)
    eig_p = np.linalg.eigvalsh(problem.preconditioner)
    return (f"d = {problem.dim}, eig(A) = {np.round(eig_a, 3).tolist()}, eig(P) = {np.round(eig_p, 3).tolist()}, "
            f"noise {problem.noise.describe()}, R = {problem.radius:g}")


# --------------------------------------------------------------------------- Theorem 12


def clipped_sgd_gradient_norms(problem: ClippedProblem, alpha0: float, x0: np.ndarray, n_steps: int,
                               n_runs: int, rng: np.random.Generator) -> np.ndarray:
    r"""Monte-Carlo :math:`\mathbb E\|\nabla f(x_t)\|^2`, :math:`t < T`, for clipped SGD (Theorem 3's schedule).

    .. math::

        x_{t+1} = x_t - \frac{\alpha_0}{\sqrt{t+1}}\,\mathrm{clip}\bigl(P(Ax_t + \xi_t); R\bigr).
    """
    x = np.broadcast_to(x0, (n_runs, problem.dim)).copy()
    out = np.empty(n_steps)
    for t in range(n_steps):
        grad = x @ problem.a_matrix
        out[t] = float(np.mean(np.sum(grad * grad, axis=1)))
        noise = problem.noise.sample(rng, (n_runs, problem.dim))
        x -= alpha0 / math.sqrt(t + 1) * clip((grad + noise) @ problem.preconditioner.T, problem.radius)
    return out


def _mean_field_root(problem: ClippedProblem) -> float | None:
    r"""Squared gradient norm at a zero of :math:`\phi(x) = \mathbb E\,\mathrm{clip}(x + \xi; R)` other than
    :math:`x = 0` (dimension 1, :math:`A = P = 1`, two-point laws: exact :math:`\phi`), by ``brentq`` on
    :math:`\pm[0, 50]`; ``None`` if none or not computed."""
    if problem.dim != 1 or problem.noise.kind != "two-point":
        return None

    def phi(x: float) -> float:
        return float(problem.expected_clipped(np.array([[x]]))[0, 0])

    grid = np.linspace(1e-6, 50.0, 400)
    values = [phi(x) for x in grid]
    for left, right, vl, vr in zip(grid[:-1], grid[1:], values[:-1], values[1:], strict=True):
        if vl == 0.0 or vl * vr < 0:
            return optimize.brentq(phi, left, right, xtol=1e-14) ** 2
    values = [phi(-x) for x in grid]
    for left, right, vl, vr in zip(grid[:-1], grid[1:], values[:-1], values[1:], strict=True):
        if vl == 0.0 or vl * vr < 0:
            return optimize.brentq(lambda x: phi(-x), left, right, xtol=1e-14) ** 2
    return None


@claim(
    id="trailmix.theorem12",
    title="Convergence results remain valid under trust-region clipping",
    source="Theorem 12, seed L1524–L1530",
    statement=(
        "All convergence results remain valid when updates are passed through trust regions, with potentially "
        "modified constants. Proof: by Lemma 16, trust regions preserve the alignment property with a potentially "
        "smaller constant; the bounded second moment assumption is automatically satisfied with G = R."
    ),
    kind="consistency",
)
def theorem12(ctx: Context) -> CheckResult:
    r"""Theorem 3's conclusion for clipped stochastic directions, and the alignment step of the proof.

    .. math::

        x_{t+1} = x_t - \alpha_t\,\mathrm{clip}(d_t; R):\quad
        \min_{t<T}\mathbb E\|\nabla f(x_t)\|^2 = O\Bigl(\frac{\log T}{\sqrt T}\Bigr),\qquad
        \inf_x \frac{\langle\nabla f(x), \mathbb E\,\mathrm{clip}(d; R)\rangle}{\|\nabla f(x)\|^2} > 0 .

    Setting: :math:`f = \tfrac12x^\top Ax`, base direction
    :math:`d = P(\nabla f(x) + \xi)` with zero-mean noise (so A7 holds for
    :math:`d` with :math:`c = \lambda_{\min}(P)`, and :math:`\mathbb E d = P\nabla f`),
    clipped direction :math:`\mathrm{clip}(d; R)`.

    1. Convergence (Theorem 3 with "modified constants"): with
       :math:`\alpha_t = \alpha_0/\sqrt{t+1}`,
       :math:`\min_{t<T}\mathbb E\|\nabla f(x_t)\|^2 = O(\log T/\sqrt T)`.
       Monte Carlo over 400 (quick) / 5000 (full) runs to
       :math:`T = 2^{11}` / :math:`2^{15}`; the normalised quantity
       :math:`\min_{t<T}\mathbb E\|\nabla f(x_t)\|^2\,\sqrt T/\log T` at
       :math:`T = 2^6, \dots` is fitted in :math:`\log T` over the last five
       doublings (rate convention: refuted only by sustained growth, i.e. the
       lower end of the 99 % band of the slope above 0.05). Any fixed
       constants would not change the exponent. For one-dimensional
       instances the details give the squared gradient at the zero of the
       mean field :math:`x \mapsto \mathbb E\,\mathrm{clip}(x + \xi; R)`,
       where the iterates settle if it is not 0.
    2. The proof's step "clipping preserves alignment": the alignment
       constant of the clipped direction,
       :math:`c'(x) = \langle\nabla f, \mathbb E\,\mathrm{clip}(d; R)\rangle/\|\nabla f\|^2`,
       exactly (two-point laws) or in closed form (Gaussian and Student-t,
       1-D; :func:`expected_clip_1d`, cross-checked by adaptive quadrature at
       three points), on a grid of :math:`[-5, 5]^d` (2001 points in 1-D,
       :math:`41^2` in 2-D);
       A7 needs :math:`\inf_x c'(x) > 0` (strict, scale 1).

    Instances (catalogue), simplest first: 1-D with :math:`A = P = 1`,
    Gaussian, Student-t (:math:`\nu = 2.5`), asymmetric two-point laws,
    :math:`R = 0.5` (quick) / :math:`R \in \{0.5, 2\}` (full); then 1
    (quick) / 10 (full) 2-D instances with random SPD :math:`A`, :math:`P`
    (eigenvectors independent) and asymmetric two-point noise along a random
    direction, :math:`R` log-uniform in :math:`[0.1, 10]` (``ctx.rng``).
    :math:`\alpha_0 = 0.5`, :math:`x_0 = 3\,(1, \dots, 1)/\sqrt d`.
    """
    problems_ = _instances(ctx)
    n_runs, log2_horizon = ctx.pick(400, 5000), ctx.pick(11, 15)
    horizons = 2 ** np.arange(6, log2_horizon + 1)
    band_lows, slopes, plateaus, labels = [], [], {}, []
    for index, problem in enumerate(problems_):
        x0 = np.full(problem.dim, 3.0 / math.sqrt(problem.dim))
        grad_sq = clipped_sgd_gradient_norms(problem, 0.5, x0, int(horizons[-1]), n_runs, ctx.rng)
        running_min = np.minimum.accumulate(grad_sq)
        normalised = running_min[horizons - 1] * np.sqrt(horizons) / np.log(horizons)
        fit = fit_sublinear_rate(horizons, normalised, window=(horizons[-6], horizons[-1]), detect_floor=False,
                                 confidence=0.99)
        band_lows.append(fit.band[0])
        slopes.append(fit.slope)
        labels.append(_describe(problem))
        plateau = _mean_field_root(problem)
        plateaus[str(index)] = {"instance": labels[-1], "min_t E||grad f||^2 at T_max": float(running_min[-1]),
                                "mean-field zero: ||grad f||^2": plateau, "fitted slope": fit.slope}
    ctx.sweep(band_lows, 0.05, "<=", rtol=0.0, atol=0.0, scale=0.5, examples={"instance": labels},
              label="growth of min_t E||grad f(x_t)||^2 sqrt(T)/log T (lower 99% band of the slope) <= 0.05")
    ctx.note("clipped SGD runs", plateaus)

    infima, alignment_labels = [], []
    for problem in problems_:
        if problem.dim == 1:
            grid = np.linspace(-5.0, 5.0, 2001)[:, None]
        else:
            axis = np.linspace(-5.0, 5.0, 41)
            grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
        grad = grid @ problem.a_matrix
        keep = np.sum(grad * grad, axis=1) > 0
        grid, grad = grid[keep], grad[keep]
        expected = problem.expected_clipped(grid)
        if problem.noise.kind != "two-point":
            p = float(problem.preconditioner[0, 0])
            for i in (0, grid.shape[0] // 3, grid.shape[0] - 1):
                by_quadrature = p * expected_clip_1d_quadrature(float(grad[i, 0]), problem.noise, problem.radius / p)
                if abs(by_quadrature - expected[i, 0]) > 1e-8 * max(1.0, abs(by_quadrature)):
                    raise NumericalFailure(f"closed form {expected[i, 0]:.12g} and quadrature {by_quadrature:.12g} "
                                           f"of E clip(d; R) disagree ({_describe(problem)})")
        ratios = np.sum(grad * expected, axis=1) / np.sum(grad * grad, axis=1)
        infima.append(float(np.min(ratios)))
        alignment_labels.append(_describe(problem))
    ctx.sweep(infima, 0.0, ">", rtol=0.0, atol=0.0, scale=1.0, examples={"instance": alignment_labels},
              label="alignment of the clipped direction: inf_x <grad f, E clip(d;R)>/||grad f||^2 > 0")
    return ctx.result()


# --------------------------------------------------------------------------- Theorem 12, G = R


@st.composite
def _discrete_laws(draw: st.DrawFn) -> dict[str, Any]:
    """Discrete laws of d: 1-5 atoms in dimension 1-4, probabilities from drawn weights, R log-uniform."""
    dim = draw(st.integers(1, 4))
    n_atoms = draw(st.integers(1, 5))
    spread = draw(log_uniform(1e-3, 1e3))
    atoms = [draw(box_vectors(dim, -1.0, 1.0)) * spread for _ in range(n_atoms)]
    weights = draw(st.lists(st.floats(0.01, 1.0), min_size=n_atoms, max_size=n_atoms))
    return {"atoms": atoms, "weights": weights, "R": draw(log_uniform(1e-2, 1e2))}


@claim(
    id="trailmix.theorem12.second-moment",
    title="Clipped updates satisfy the second-moment bound with G = R",
    source="proof of Theorem 12, seed L1528",
    statement="E[||clip(d; R)||^2] <= R^2 for every random d.",
    kind="inequality",
)
def theorem12_second_moment(ctx: Context) -> CheckResult:
    r""":math:`\mathbb E\|\mathrm{clip}(d; R)\|^2 \le R^2`, exactly for discrete laws and pointwise for samples.

    .. math::

        \|\mathrm{clip}(d; R)\| = \min(\|d\|, R)\ \Rightarrow\ \mathbb E\|\mathrm{clip}(d; R)\|^2 \le R^2 .

    Search: discrete laws of :math:`d` with 1–5 atoms in dimensions 1–4
    (atom spread log-uniform in :math:`[10^{-3}, 10^3]`, so that none, some
    or all atoms are clipped), :math:`R` log-uniform in
    :math:`[10^{-2}, 10^2]`; the expectation is the exact weighted sum
    (``math.fsum``); 100 (quick) / 5000 (full) laws. Sweep:
    :math:`2\cdot10^4` (quick) / :math:`10^6` (full) samples each of
    :math:`d = \nabla f + \xi` and :math:`P(\nabla f + \xi)`
    with Gaussian, Student-t (:math:`\nu = 1.5`, heavy) and asymmetric
    two-point :math:`\xi` (``ctx.rng``), compared pointwise (a pointwise
    bound implies the bound for every law built from these samples).
    Tolerance: relative :math:`10^{-10}` (the rescaled norm rounds at a few
    :math:`\varepsilon`); the bound is attained when every atom is clipped,
    so the check has teeth.
    """

    def discrete(case: dict[str, Any]) -> None:
        atoms = np.array(case["atoms"])
        probs = np.array(case["weights"]) / math.fsum(case["weights"])
        squared = np.sum(clip(atoms, case["R"]) ** 2, axis=1)
        ctx.compare(math.fsum(probs * squared), case["R"] ** 2, "<=", rtol=1e-10, atol=0.0,
                    label="E||clip(d;R)||^2 <= R^2 (exact over the atoms)")
        clipped = int(np.sum(np.linalg.norm(atoms, axis=1) > case["R"]))
        ctx.event("all atoms clipped" if clipped == len(atoms) else "no atom clipped" if clipped == 0 else "some")

    ctx.search(discrete, _discrete_laws(), label="discrete laws", max_examples=ctx.pick(100, 5000))
    n = ctx.pick(20_000, 1_000_000)
    for kind in ("gaussian", "student-t", "two-point"):
        for preconditioned in (False, True):
            dim = 3
            grad = ctx.rng.standard_normal(dim) * 10.0 ** ctx.rng.uniform(-1, 1)
            law = NoiseLaw(kind, float(10.0 ** ctx.rng.uniform(-1, 1)), prob_high=0.1, dof=1.5,
                           direction=tuple(np.eye(dim)[0]))
            samples = grad + law.sample(ctx.rng, (n, dim))
            if preconditioned:
                m = ctx.rng.standard_normal((dim, dim))
                samples = samples @ (m @ m.T + 0.1 * np.eye(dim)).T
            radius = float(np.median(np.linalg.norm(samples, axis=1)))
            squared = np.sum(clip(samples, radius) ** 2, axis=1)
            form = "P(grad + xi)" if preconditioned else "grad + xi"
            ctx.sweep(squared, radius**2, "<=", rtol=1e-10, atol=0.0,
                      label=f"||clip(d;R)||^2 <= R^2 pointwise, d = {form}, xi ~ {law.describe()}")
    return ctx.result()
