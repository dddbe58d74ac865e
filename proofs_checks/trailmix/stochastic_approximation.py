r"""TRAILMIX Appendix H — stochastic approximation.

Claims ``trailmix.lemma15`` (Robbins–Monro convergence (184)) and
``trailmix.theorem11`` (projected stochastic approximation (185)–(188)), with
``trailmix.lemma15.corrected`` (the classical statement, which assumes bounded
iterates and a globally asymptotically stable equilibrium set).

Convergence is judged in ODE time :math:`\tau_t = \sum_{s<t}\gamma_s`, the
clock on which the iterates track :math:`\dot z = h(z)`: over the last four
doublings of :math:`\tau` the distance :math:`D` of the iterates to the
stationary set is summarised per doubling window (its mean over the
window), and the claimed limit 0 is operationalised as
:math:`D_0 \le 3\max(0, \max_{k=1,2,3} D_k - D_0) + \text{floor}`: the last
window's level against three times the decrease seen over the previous three
doublings (plus a noise floor :math:`6\sigma\sqrt{\gamma_T}`). A distance
that still decreases fast enough to reach 0 (exponentially, or like
:math:`\tau^{-q}` with :math:`q \ge 0.14`; the slowest field here decays like
:math:`\tau^{-1/2}`) passes; one that has settled at a positive level, or
grows, does not. Escape to infinity is
decided by explicit certificates (see :func:`robbins_monro_runs`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from theorylab import problems
from theorylab.claims import CheckResult, Context, claim

#: Smallest ODE time :math:`\tau_T` for a run to decide anything (the fields have time scale 1).
MIN_ODE_TIME = 20.0

#: A linear-field run beyond this norm has escaped (see :func:`robbins_monro_runs`).
ESCAPE_NORM = 1e100

FloatArray = np.ndarray


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class Field:
    r"""A vector field :math:`h` on :math:`\mathbb R^d` with stationary set :math:`\{0\}` and its properties.

    ``cubic`` is :math:`(\mu, \omega)` for the polynomial fields
    :math:`h(z) = (\mu - \|z\|^2)z + \omega Jz` (escape certificate), ``None``
    otherwise; ``linear`` marks :math:`h(z) = -Bz`.
    """

    name: str
    rhs: Callable[[FloatArray], FloatArray] = field(repr=False)
    properties: dict[str, Any]
    cubic: tuple[float, float] | None = None
    linear: bool = False


def _rotation(z: FloatArray) -> FloatArray:
    return np.stack([-z[:, 1], z[:, 0]], axis=1)


def cubic_field(mu: float, omega: float) -> Field:
    r""":math:`h(z) = (\mu - \|z\|^2)z + \omega Jz` on :math:`\mathbb R^2`.

    :math:`\mu \le 0`: the origin is globally asymptotically stable
    (:math:`\frac{d}{dt}\|z\|^2 = 2(\mu - \|z\|^2)\|z\|^2 < 0`); :math:`\mu > 0`:
    Hopf normal form, the global attractor is the closed disc of radius
    :math:`\sqrt\mu`, which contains the periodic orbit :math:`\|z\| = \sqrt\mu`
    and the only stationary point 0 (unstable). Locally, not globally, Lipschitz.
    """

    def rhs(z: FloatArray) -> FloatArray:
        return (mu - np.sum(z * z, axis=1, keepdims=True)) * z + omega * _rotation(z)

    kind = "Hopf: global attractor = disc of radius sqrt(mu) with a periodic orbit" if mu > 0 else \
        "globally asymptotically stable origin"
    return Field(f"cubic(mu={mu:g}, omega={omega:g})", rhs,
                 {"locally Lipschitz": True, "globally Lipschitz": False, "global attractor": kind,
                  "stationary set": "{0}", "GAS equilibrium": mu <= 0}, cubic=(mu, omega))


def linear_field(matrix: FloatArray) -> Field:
    r""":math:`h(z) = -Bz` with every eigenvalue of :math:`B` of positive real part (globally asymptotically stable)."""
    b = np.asarray(matrix, dtype=float)

    def rhs(z: FloatArray) -> FloatArray:
        return -z @ b.T

    eig = np.linalg.eigvals(b)
    return Field(f"linear(eig B = {np.round(eig, 3).tolist()})", rhs,
                 {"locally Lipschitz": True, "globally Lipschitz": True, "GAS equilibrium": True,
                  "stationary set": "{0}", "global attractor": "{0}"}, linear=True)


def gradient_field() -> Field:
    r""":math:`h = -\nabla f`, F-PLNC :math:`f(z) = \sum_j z_j^2 + 3\sin^2 z_j` (PL: 0 is the only critical point)."""
    problem = problems.pl_nonconvex(2)
    return Field("gradient of F-PLNC", lambda z: -problem._grad(z),
                 {"locally Lipschitz": True, "globally Lipschitz": True, "GAS equilibrium": True,
                  "stationary set": "{0}", "global attractor": "{0}"})


# --------------------------------------------------------------------------- the recursion (184)


@dataclass
class RunSummary:
    """Per run: ``outcome``, the compared ``value`` and its ``allowance`` (module docstring), the ODE time."""

    outcome: str
    value: float
    allowance: float
    ode_time: float


def robbins_monro_runs(fld: Field, z0: FloatArray, gamma0: FloatArray, power: FloatArray, noise_sd: FloatArray,
                       n_steps: int, rng: np.random.Generator) -> list[RunSummary]:
    r"""Vectorised runs of (184), one row per run with its own :math:`\gamma_0, p, \sigma`.

    .. math::

        z_{t+1} = z_t + \gamma_t\bigl(h(z_t) + M_{t+1}\bigr),\qquad \gamma_t = \gamma_0(t+1)^{-p},\qquad
        M_{t+1} \sim N(0, \sigma^2 I)\ \text{i.i.d. (or 0)}.

    The distance :math:`\|z_t\|` to :math:`S = \{0\}` is summarised on the
    fly by its mean over each of the last four doublings of ODE time
    (:func:`summarise`; a mean, unlike a maximum, does not grow with the
    number of steps in a window, which grows with :math:`t`). Escape certificates (the run is then frozen):

    * cubic fields, :math:`M = 0`: if :math:`\gamma_t\|z_t\|^2 \ge 3 + \gamma_t\max(\mu, 0)`,
      then :math:`\|z_{t+1}\| \ge (\gamma_t\|z_t\|^2 - 1 - \gamma_t\mu)\|z_t\| \ge 2\|z_t\|`
      and, as :math:`\gamma_{t+1} \ge 2^{-p}\gamma_t \ge \gamma_t/2`,
      :math:`\gamma_{t+1}\|z_{t+1}\|^2 \ge 2\gamma_t\|z_t\|^2`, so the condition
      persists and :math:`\|z_t\| \to \infty`;
    * linear fields: :math:`\|z_t\| \ge 10^{100}` (each step changes the
      norm by a factor at most :math:`1 + \gamma_t\|B\|` up to noise of size
      :math:`\gamma_t\sigma`, so the run cannot return within any horizon
      simulated here).
    """
    from proofs_checks.trailmix._stochastic_helpers import power_sum_fast

    z = np.array(z0, dtype=float)
    n_runs = z.shape[0]
    # tau_T = gamma_0 sum_{t<T} (t+1)^-p, exactly, so that the windows are known before the run
    tau_end = gamma0 * np.array([power_sum_fast(float(p), n_steps) for p in power])
    lower = [tau_end / 2 ** (k + 1) for k in range(4)]
    upper = [tau_end / 2**k for k in range(4)]
    tau = np.zeros(n_runs)
    sums = np.zeros((4, n_runs))
    counts = np.zeros((4, n_runs))
    escaped = np.zeros(n_runs, dtype=bool)
    frozen_norm = np.full(n_runs, np.nan)
    noisy = noise_sd > 0
    mu_plus = max(fld.cubic[0], 0.0) if fld.cubic is not None else 0.0
    gamma = gamma0.copy()
    with np.errstate(all="ignore"):
        for t in range(n_steps + 1):
            dist = np.sqrt(np.sum(z * z, axis=1))
            for k in range(4):
                inside = (tau >= lower[k]) & (tau <= upper[k] * (1 + 1e-12))
                sums[k] += np.where(inside, dist, 0.0)
                counts[k] += inside
            if t == n_steps:
                break
            gamma = gamma0 / (t + 1.0) ** power
            if fld.cubic is not None:
                cert = ~escaped & ~noisy & (gamma * dist**2 >= 3.0 + gamma * mu_plus)
            elif fld.linear:
                cert = ~escaped & (dist >= ESCAPE_NORM)
            else:
                cert = np.zeros(n_runs, dtype=bool)
            frozen_norm[cert] = dist[cert]
            escaped |= cert
            step = fld.rhs(z)
            if noisy.any():
                step = step + noise_sd[:, None] * rng.standard_normal(z.shape)
            z = np.where(escaped[:, None], z, z + gamma[:, None] * step)
            tau = tau + gamma
    floor = 6.0 * noise_sd * np.sqrt(gamma) + 1e-12
    with np.errstate(all="ignore"):
        levels = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        final_dist = np.linalg.norm(z, axis=1)
        speed = np.linalg.norm(fld.rhs(z), axis=1)
    moving = (final_dist == 0) | (speed * tau_end / 2 >= final_dist)
    return [summarise(bool(escaped[i]), float(frozen_norm[i]), levels[:, i], float(tau_end[i]), float(floor[i]),
                      bool(moving[i])) for i in range(n_runs)]


def summarise(escaped: bool, frozen_norm: float, levels: FloatArray, tau_end: float, noise_floor: float,
              moving: bool) -> RunSummary:
    r"""The compared value and allowance of one run (module docstring).

    Outcomes: ``"escaped"`` (certificate; value = the norm at the
    certificate, a finite lower bound of :math:`\liminf\|z_t\| = \infty`,
    allowance 0); ``"undecided"`` (non-finite without certificate, ODE time
    :math:`\tau_T <` :data:`MIN_ODE_TIME`, or not ``moving``: the field at the
    last iterate would move it by less than its distance to :math:`S` over
    the last window, :math:`\|h(z_T)\|\tau_T/2 < \|z_T\|`, so the run is
    still on a time scale longer than the horizon, as near the degenerate
    equilibrium of :math:`-\|z\|^2z`); ``"bounded"`` (value
    :math:`D_0`, allowance :math:`3\max(0, \max_{k\ge1} D_k - D_0) +`
    ``noise_floor``).
    """
    if escaped:
        return RunSummary("escaped", frozen_norm, 0.0, tau_end)
    if not np.all(np.isfinite(levels)) or tau_end < MIN_ODE_TIME or not moving:
        return RunSummary("undecided", math.nan, math.nan, tau_end)
    decrease = max(0.0, float(np.max(levels[1:])) - float(levels[0]))
    return RunSummary("bounded", float(levels[0]), 3.0 * decrease + noise_floor, tau_end)


# --------------------------------------------------------------------------- instances


@dataclass(frozen=True)
class Instance:
    fld: Field
    gamma0: float
    power: float
    noise_sd: float

    def describe(self) -> str:
        return f"{self.fld.name}, gamma_0 = {self.gamma0:g}, p = {self.power:g}, sigma = {self.noise_sd:g}"


def _random_stable_matrix(rng: np.random.Generator) -> FloatArray:
    """A non-normal 2x2 matrix with eigenvalues of positive real part in [0.1, 2] (complex pairs included)."""
    if rng.random() < 0.5:
        upper = np.array([[rng.uniform(0.1, 2.0), rng.uniform(-3, 3)], [0.0, rng.uniform(0.1, 2.0)]])
    else:
        real, imag = rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0)
        upper = np.array([[real, imag * rng.uniform(0.3, 3)], [-imag / rng.uniform(0.3, 3), real]])
    q, _ = np.linalg.qr(rng.standard_normal((2, 2)))
    return q @ upper @ q.T


def lemma15_instances(ctx: Context, attractor: str) -> list[Instance]:
    r"""Instances for one stratum: ``"gas"`` (a globally asymptotically stable equilibrium) or ``"periodic"``.

    Step sizes :math:`(\gamma_0, p) \in \{(1, 0.6), (10, 0.6), (10, 1)\}`
    (quick) / 12 draws with :math:`\gamma_0` log-uniform in
    :math:`[10^{-2}, 10]` and :math:`p` uniform in :math:`(1/2, 1]` (full);
    :math:`\sigma \in \{0, 0.5\}`.
    """
    if attractor == "gas":
        fields = [linear_field(_random_stable_matrix(ctx.rng)), gradient_field(), cubic_field(0.0, 0.0),
                  cubic_field(-1.0, 2.0)]
    else:
        fields = [cubic_field(1.0, 1.0), cubic_field(4.0, 0.5)]
    if ctx.budget == "quick":
        grid = [(1.0, 0.6), (10.0, 0.6), (10.0, 1.0)]
    else:
        grid = [(float(10.0 ** ctx.rng.uniform(-2, 1)), float(ctx.rng.uniform(0.5 + 1e-3, 1.0))) for _ in range(12)]
    return [Instance(f, g, p, s) for f in fields for g, p in grid for s in (0.0, 0.5)]


def start_points(rng: np.random.Generator, n: int) -> FloatArray:
    r"""Starts in the box of radius 10: half uniform in :math:`[-10, 10]^2`, half at a log-uniform radius in
    :math:`[10^{-2}, 10]` (uniform direction), so that starts near the stationary point occur."""
    uniform = rng.uniform(-10.0, 10.0, (n, 2))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    radial = (10.0 ** rng.uniform(-2, 1, n))[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return np.where((np.arange(n) % 2 == 0)[:, None], uniform, radial)


def _record_instances(ctx: Context, instances: list[Instance], label: str, n_runs: int, n_steps: int,
                      bounded_only: bool = False) -> dict[str, Any]:
    """Run every instance (batched per field), sweep the per-run comparisons in instance order, summarise."""
    by_field: dict[str, list[int]] = {}
    for index, inst in enumerate(instances):
        by_field.setdefault(inst.fld.name, []).append(index)
    results: dict[int, tuple[FloatArray, list[RunSummary]]] = {}
    for indices in by_field.values():
        fld = instances[indices[0]].fld
        rows = np.repeat(indices, n_runs)
        z0 = start_points(ctx.rng, rows.size)
        runs = robbins_monro_runs(fld, z0, np.array([instances[i].gamma0 for i in rows]),
                                  np.array([instances[i].power for i in rows]),
                                  np.array([instances[i].noise_sd for i in rows]), n_steps, ctx.rng)
        for position, index in enumerate(indices):
            chunk = slice(position * n_runs, (position + 1) * n_runs)
            results[index] = (np.linalg.norm(z0[chunk], axis=1), runs[chunk])
    values, allowances, scales, examples = [], [], [], []
    summary: dict[str, Any] = {}
    for index, inst in enumerate(instances):
        starts, runs = results[index]
        outcomes = [r.outcome for r in runs]
        summary[inst.describe()] = {k: outcomes.count(k) for k in ("bounded", "escaped", "undecided")} | {
            "ODE time": round(runs[0].ode_time, 2),
            "largest final level of bounded runs": max((r.value for r in runs if r.outcome == "bounded"),
                                                       default=None),
            "bounded runs that settle away from S": sum(r.outcome == "bounded" and r.value > r.allowance
                                                        for r in runs)}
        for run, start in zip(runs, starts, strict=True):
            ctx.event(f"{label}: {run.outcome}")
            if run.outcome == "undecided" or (bounded_only and run.outcome == "escaped"):
                continue
            values.append(run.value)
            allowances.append(run.allowance)
            scales.append(run.allowance if run.allowance > 0 else max(run.value, 1e-300))
            examples.append(f"{inst.describe()}, |z_0| = {start:.3g}, {run.outcome}")
    if values:
        ctx.sweep(values, allowances, "<=", rtol=0.0, atol=0.0, scale=np.asarray(scales), examples={"run": examples},
                  label=f"{label}: dist(z_t, S) in the last doubling of ODE time <= 3 x its decrease over the "
                        "previous three + noise floor (limit 0)")
    return summary


# --------------------------------------------------------------------------- Lemma 15

_LEMMA15_DOC = r"""

    Fields on :math:`\mathbb R^2`, all with stationary set :math:`S = \{0\}`:
    a random non-normal linear field :math:`-Bz` (eigenvalues of positive real
    part), :math:`-\nabla f` for F-PLNC, the cubic fields
    :math:`(\mu - \|z\|^2)z + \omega Jz` with :math:`\mu \le 0` (GAS origin)
    and :math:`\mu > 0` (Hopf: the global attractor, the closed disc of
    radius :math:`\sqrt\mu`, contains a periodic orbit). Steps
    :math:`\gamma_t = \gamma_0(t+1)^{-p}` (:math:`\sum\gamma_t = \infty`,
    :math:`\sum\gamma_t^2 < \infty`): :math:`(\gamma_0, p) \in \{(1, 0.6),
    (10, 0.6), (10, 1)\}` (quick) / 12 draws :math:`\gamma_0` log-uniform in
    :math:`[10^{-2}, 10]`, :math:`p \in (1/2, 1]` (full); noise :math:`M = 0`
    (decisive: the run is deterministic) and Gaussian :math:`N(0, 0.25 I)`;
    12 (quick) / 40 (full) starts per instance in the box of radius 10
    (:func:`start_points`: half uniform, half at log-uniform radii);
    :math:`T = 2000` (quick) / :math:`10^6` (full) steps. Each comparison is
    scaled by its allowance, so the sensitivity is the smallest relative
    shrinking of the allowance that some run violates. Runs whose ODE time :math:`\tau_T` is below
    :data:`MIN_ODE_TIME` = 20, and noisy runs that overflow without a
    certificate, decide nothing and are counted as "undecided" (events).
    """


def _lemma15_check(ctx: Context, corrected: bool) -> CheckResult:
    n_runs, n_steps = ctx.pick(12, 40), ctx.pick(2_000, 1_000_000)
    summaries = {}
    for attractor, label in (("gas", "reading (ii): globally asymptotically stable equilibrium"),
                             ("periodic", "reading (i) only: global attractor with a periodic orbit")):
        if corrected and attractor == "periodic":
            continue
        summaries[label] = _record_instances(ctx, lemma15_instances(ctx, attractor), label, n_runs, n_steps,
                                             bounded_only=corrected)
    ctx.note("runs per instance (bounded / escaped / undecided)", summaries)
    ctx.note("per stratum: escaped runs / bounded runs settling away from S",
             {label: [sum(v["escaped"] for v in table.values()),
                      sum(v["bounded runs that settle away from S"] for v in table.values())]
              for label, table in summaries.items()})
    return ctx.result()


@claim(
    id="trailmix.lemma15",
    title="Robbins-Monro convergence",
    source="Lemma 15 (184), seed L1432–L1452",
    statement=(
        "z_{t+1} = z_t + gamma_t (h(z_t) + M_{t+1}) (184), {M_t} a martingale-difference sequence. If (1) sum gamma_t "
        "= inf and sum gamma_t^2 < inf, (2) h is locally Lipschitz with a global attractor, (3) sup_t E[||M_t||^2 | "
        "F_{t-1}] < inf, then z_t converges almost surely to the set of stationary points of dz/dt = h(z)."
    ),
    kind="stability",
)
def lemma15(ctx: Context) -> CheckResult:
    return _lemma15_check(ctx, corrected=False)


lemma15.__doc__ = r"""Simulated Robbins–Monro recursions (184) against convergence to the stationary set.

    .. math::

        z_{t+1} = z_t + \gamma_t\bigl(h(z_t) + M_{t+1}\bigr)
        \ \overset{?}{\Longrightarrow}\ \operatorname{dist}(z_t, \{h = 0\}) \to 0 \text{ a.s.}

    "Global attractor" is not defined in the paper: reading (i) a compact
    invariant set attracting all bounded sets (the standard meaning), reading
    (ii) a globally asymptotically stable equilibrium. A GAS equilibrium is a
    global attractor in both readings, so the two strata are both instances of
    the statement as written; each is its own sweep (reading (ii) first). The
    statement omits the boundedness (stability) hypothesis of the classical
    theorem, so escapes to infinity are part of what is checked (escape
    certificates in :func:`robbins_monro_runs`).""" + _LEMMA15_DOC


@claim(
    id="trailmix.lemma15.corrected",
    title="Robbins-Monro convergence with bounded iterates and a globally asymptotically stable equilibrium",
    source="Lemma 15 (184), seed L1432–L1452 (corrected)",
    statement=(
        "Under (1) and (3) of Lemma 15, if h is locally Lipschitz with a globally asymptotically stable equilibrium "
        "set S (e.g. h = -grad V with V coercive and isolated critical points) and sup_t ||z_t|| < inf a.s., then "
        "z_t converges almost surely to S."
    ),
    kind="stability",
)
def lemma15_corrected(ctx: Context) -> CheckResult:
    return _lemma15_check(ctx, corrected=True)


lemma15_corrected.__doc__ = r"""The classical Robbins–Monro/ODE theorem, on Lemma 15's recursions under its hypotheses.

    .. math::

        \sup_t\|z_t\| < \infty \text{ a.s.},\ S \text{ globally asymptotically stable}
        \ \Longrightarrow\ \operatorname{dist}(z_t, S) \to 0 \text{ a.s.}

    Derivation: with bounded iterates, (1) and (3) make the interpolated
    iterates an asymptotic pseudo-trajectory of :math:`\dot z = h(z)`
    (Benaïm 1999, Prop. 4.1), whose limit set is internally chain transitive
    (Thm. 5.7); an internally chain transitive set of a flow with a globally
    asymptotically stable equilibrium set lies in that set (Benaïm, Cor.
    5.4/6.6 with a strict Lyapunov function). The two corrections are exactly
    what the refutation of ``trailmix.lemma15`` exhibits: escapes with large
    early steps (boundedness fails) and limit cycles inside the global
    attractor (reading (i)). Checked on the GAS stratum of
    ``trailmix.lemma15``; runs that escape do not satisfy the boundedness
    hypothesis and are not compared (counted as events).""" + _LEMMA15_DOC


# --------------------------------------------------------------------------- Theorem 11


@dataclass(frozen=True)
class CoupledInstance:
    r"""(185)–(186) with :math:`F(x, \lambda)` of one family and a random Lipschitz
    :math:`G(x, \lambda) = W\lambda + U\tanh(x) + b`."""

    family: str
    weights: tuple[float, ...]
    matrix: tuple[tuple[float, ...], ...]
    g_linear: tuple[tuple[float, ...], ...]
    g_state: tuple[tuple[float, ...], ...]
    g_offset: tuple[float, ...]
    meta_power: float
    noise_sd: float

    def describe(self) -> str:
        return (f"{self.family}, c_i = {np.round(self.weights, 3).tolist()}, "
                f"beta_t = (t+1)^-{self.meta_power:g}, sigma = {self.noise_sd:g}")


#: Properties of each family of F (the theorem states no hypothesis on F or G).
FAMILY_PROPERTIES = {
    "aligned gradient, quadratic": "F = c(lambda) A x, A SPD: f = x'Ax/2 coercive Lyapunov, F globally Lipschitz",
    "aligned gradient, F-PLNC": "F = c(lambda) grad f, f = F-PLNC: coercive, PL, F globally Lipschitz",
    "aligned gradient, quartic": "F = c(lambda) ||x||^2 x = c grad(||x||^4/4): coercive Lyapunov, locally Lipschitz",
    "linear, indefinite": "F = B x, B symmetric with eigenvalues of both signs: hyperbolic saddle, globally Lipschitz",
    "linear, rotational": "F = B x, B = a I + w J in a random basis (a > 0): -Bx spirals into 0, globally Lipschitz",
}


def theorem11_instances(ctx: Context) -> list[CoupledInstance]:
    """Families in order (coercive first); K = 3, d = 2; beta_t in {alpha_t, (t+1)^-0.9}; sigma in {0, 0.5}."""
    out = []
    for family in FAMILY_PROPERTIES:
        for meta_power in (0.6, 0.9):
            for noise_sd in (0.0, 0.5):
                q, _ = np.linalg.qr(ctx.rng.standard_normal((2, 2)))
                if family == "linear, indefinite":
                    eig = np.array([ctx.rng.uniform(0.1, 1.0), -ctx.rng.uniform(0.1, 1.0)])
                else:
                    eig = 10.0 ** ctx.rng.uniform(-1, 0.5, 2)
                matrix = (q * eig) @ q.T
                matrix = 0.5 * (matrix + matrix.T)
                if family == "linear, rotational":  # eigenvalues a +- i w, a in [0.1, 1], w in [0.5, 3]
                    rotation = np.array([[ctx.rng.uniform(0.1, 1.0), -ctx.rng.uniform(0.5, 3.0)], [0.0, 0.0]])
                    rotation[1] = [-rotation[0, 1], rotation[0, 0]]
                    matrix = q @ rotation @ q.T
                out.append(CoupledInstance(
                    family, tuple(ctx.rng.uniform(0.5, 2.0, 3)), tuple(map(tuple, matrix)),
                    tuple(map(tuple, ctx.rng.standard_normal((3, 3)))),
                    tuple(map(tuple, ctx.rng.standard_normal((3, 2)))), tuple(ctx.rng.standard_normal(3)),
                    meta_power, noise_sd))
    return out


def projected_sa_runs(instances: list[CoupledInstance], x0: FloatArray, n_steps: int,
                      rng: np.random.Generator) -> list[RunSummary]:
    r"""Vectorised runs of (185)–(186), one row per run (``x0`` rows, grouped by instance, equal counts).

    .. math::

        x_{t+1} = x_t - \alpha_t(F(x_t, \lambda_t) + M^x_{t+1}),\qquad
        \lambda_{t+1} = \Pi_{\Delta_K}\bigl(\lambda_t + \beta_t(G(x_t, \lambda_t) + M^\lambda_{t+1})\bigr),

    :math:`\alpha_t = (t+1)^{-0.6}`, :math:`\beta_t = (t+1)^{-q}`,
    :math:`\lambda_0` uniform, Gaussian martingale differences of standard
    deviation :math:`\sigma` (or 0), projection by the engine's
    :func:`theorylab.simplex.project_to_simplex`. The distance is
    :math:`\|x_t\|` to the :math:`x`-projection :math:`\{0\}` of the internally
    chain-recurrent set (see :func:`theorem11`), summarised as in
    :func:`robbins_monro_runs`. Escape certificates: the quartic family with
    :math:`\sigma = 0` when :math:`\alpha_t c_{\min}\|x_t\|^2 \ge 3` (the
    argument of :func:`robbins_monro_runs` with :math:`c(\lambda) \ge c_{\min}`);
    the linear family when :math:`\|x_t\| \ge 10^{100}`.
    """
    from theorylab.simplex import project_to_simplex

    per = x0.shape[0] // len(instances)
    owner = np.repeat(np.arange(len(instances)), per)
    n_runs, k = x0.shape[0], len(instances[0].weights)
    x = np.array(x0, dtype=float)
    lam = np.full((n_runs, k), 1.0 / k)
    weights = np.array([instances[i].weights for i in owner])
    matrices = np.array([instances[i].matrix for i in owner])
    g_linear = np.array([instances[i].g_linear for i in owner])
    g_state = np.array([instances[i].g_state for i in owner])
    g_offset = np.array([instances[i].g_offset for i in owner])
    noise_sd = np.array([instances[i].noise_sd for i in owner])
    meta_power = np.array([instances[i].meta_power for i in owner])
    families = np.array([instances[i].family for i in owner])
    masks = {f: families == f for f in FAMILY_PROPERTIES}
    quartic_certified = masks["aligned gradient, quartic"] & (noise_sd == 0)
    c_min = weights.min(axis=1)
    linear_family = masks["linear, indefinite"] | masks["linear, rotational"]

    def drift(x: FloatArray, lam: FloatArray) -> FloatArray:
        c = np.sum(lam * weights, axis=1)[:, None]
        linear = np.einsum("nij,nj->ni", matrices, x)
        out = np.where(masks["aligned gradient, quadratic"][:, None], c * linear, linear)
        out = np.where(masks["aligned gradient, F-PLNC"][:, None], c * (2 * x + 3 * np.sin(2 * x)), out)
        return np.where(masks["aligned gradient, quartic"][:, None], c * np.sum(x * x, axis=1, keepdims=True) * x,
                        out)

    alphas = (np.arange(n_steps) + 1.0) ** -0.6
    ode_time = np.concatenate([[0.0], np.cumsum(alphas)])
    tau_end = float(ode_time[-1])
    windows = [(tau_end / 2 ** (j + 1), tau_end / 2**j) for j in range(4)]
    sums, counts = np.zeros((4, n_runs)), np.zeros(4)
    escaped = np.zeros(n_runs, dtype=bool)
    frozen_norm = np.full(n_runs, np.nan)
    with np.errstate(all="ignore"):
        for t in range(n_steps + 1):
            dist = np.sqrt(np.sum(x * x, axis=1))
            for j, (low, high) in enumerate(windows):
                if low <= ode_time[t] <= high:
                    sums[j] += dist
                    counts[j] += 1
            if t == n_steps:
                break
            cert = ~escaped & ((quartic_certified & (alphas[t] * c_min * dist**2 >= 3.0))
                               | (linear_family & (dist >= ESCAPE_NORM)))
            frozen_norm[cert] = dist[cert]
            escaped |= cert
            step_x = drift(x, lam) + noise_sd[:, None] * rng.standard_normal(x.shape)
            meta = (np.einsum("nij,nj->ni", g_linear, lam) + np.einsum("nij,nj->ni", g_state, np.tanh(x)) + g_offset
                    + noise_sd[:, None] * rng.standard_normal(lam.shape))
            x = np.where(escaped[:, None], x, x - alphas[t] * step_x)
            z = lam + ((t + 1.0) ** -meta_power)[:, None] * meta
            finite = np.all(np.isfinite(z), axis=1)
            if finite.any():
                lam[finite] = project_to_simplex(z[finite])
        levels = sums / np.maximum(counts, 1)[:, None]
        speed = np.linalg.norm(drift(x, lam), axis=1)
        final = np.linalg.norm(x, axis=1)
    floor = 6.0 * noise_sd * math.sqrt(alphas[-1]) + 1e-12
    moving = (final == 0) | (speed * tau_end / 2 >= final)
    return [summarise(bool(escaped[i]), float(frozen_norm[i]), levels[:, i], tau_end, float(floor[i]),
                      bool(moving[i])) for i in range(n_runs)]


@claim(
    id="trailmix.theorem11",
    title="Convergence of projected stochastic approximation",
    source="Theorem 11 (185)–(188), seed L1455–L1467; proof steps (189)–(194), seed L1469–L1497",
    statement=(
        "x_{t+1} = x_t - alpha_t (F(x_t, lambda_t) + M^x_{t+1}) (185), lambda_{t+1} = Pi_Delta(lambda_t + beta_t "
        "(G(x_t, lambda_t) + M^lambda_{t+1})) (186), martingale differences with bounded second moments; under "
        "Robbins-Monro conditions on alpha_t, beta_t the iterates converge almost surely to the internally "
        "chain-recurrent set of dx/dt = -F(x, lambda) (187), dlambda/dt = Pi_{T_Delta(lambda)}(G(x, lambda)) (188)."
    ),
    kind="stability",
)
def theorem11(ctx: Context) -> CheckResult:
    r"""Simulated projected SA (185)–(186) against convergence to the internally chain-recurrent set of (187)–(188).

    .. math::

        \operatorname{dist}\bigl((x_t, \lambda_t), \mathcal R\bigr) \to 0 \text{ a.s.},\qquad
        \mathcal R = \text{internally chain-recurrent set of (187)–(188)}.

    Families of :math:`F` (in this order; properties in the details; the
    theorem states no hypothesis on :math:`F` or :math:`G`), :math:`K = 3`,
    :math:`d = 2`, :math:`c_i \in [0.5, 2]`:

    * aligned gradient fields of coercive objectives,
      :math:`F = c(\lambda)\nabla f` with :math:`c(\lambda) = \sum_i\lambda_ic_i`,
      for :math:`f = \tfrac12x^\top Ax` (random SPD :math:`A`), F-PLNC and
      :math:`\|x\|^4/4`: :math:`f` decreases along (187) for every
      :math:`\lambda`-path, so the :math:`x`-projection of :math:`\mathcal R`
      is the critical set :math:`\{0\}`;
    * :math:`F = Bx`, :math:`B` symmetric with eigenvalues of both signs: the
      chain-recurrent set of the hyperbolic flow :math:`\dot x = -Bx` is
      :math:`\{0\}`;
    * rotational :math:`F = Bx`, :math:`B = Q(aI + \omega J)Q^\top`
      (:math:`a \in [0.1, 1]`, :math:`\omega \in [0.5, 3]`, :math:`Q` random
      orthogonal): :math:`\dot x = -Bx` spirals into 0, chain-recurrent set
      :math:`\{0\}`.

    So in every family the distance to :math:`\mathcal R` is at least
    :math:`\|x_t\|`, and the claim implies :math:`\|x_t\| \to 0`, judged as in
    :func:`summarise` (module docstring) with escape certificates of
    :func:`projected_sa_runs`. :math:`G(x, \lambda) = W\lambda + U\tanh(x) + b`
    with standard normal entries (Lipschitz); :math:`\alpha_t = (t+1)^{-0.6}`,
    :math:`\beta_t \in \{\alpha_t, (t+1)^{-0.9}\}` (catalogue); noise 0
    (decisive) or Gaussian with :math:`\sigma = 0.5`; :math:`x_0` uniform in
    :math:`[-5, 5]^2` (D0), :math:`\lambda_0` uniform; 12 (quick) / 50 (full)
    runs per instance, :math:`T = 2000` / :math:`10^6` steps. The proof's
    "the projection ensures boundedness of iterates" bounds :math:`\lambda`
    only; the classical theorem (Benaïm 1999) assumes
    :math:`\sup_t\|x_t\| < \infty` a.s.
    """
    n_runs, n_steps = ctx.pick(12, 50), ctx.pick(2_000, 1_000_000)
    values, allowances, scales, examples = [], [], [], []
    summary: dict[str, Any] = {}
    instances = theorem11_instances(ctx)
    all_x0 = ctx.rng.uniform(-5.0, 5.0, (n_runs * len(instances), 2))
    all_runs = projected_sa_runs(instances, all_x0, n_steps, ctx.rng)
    for index, inst in enumerate(instances):
        chunk = slice(index * n_runs, (index + 1) * n_runs)
        x0, runs = all_x0[chunk], all_runs[chunk]
        outcomes = [r.outcome for r in runs]
        summary[inst.describe()] = {k: outcomes.count(k) for k in ("bounded", "escaped", "undecided")} | {
            "largest final level of bounded runs": max((r.value for r in runs if r.outcome == "bounded"),
                                                       default=None)}
        for run, start in zip(runs, np.linalg.norm(x0, axis=1), strict=True):
            ctx.event(f"{inst.family}: {run.outcome}")
            if run.outcome == "undecided":
                continue
            values.append(run.value)
            allowances.append(run.allowance)
            scales.append(run.allowance if run.allowance > 0 else max(run.value, 1e-300))
            examples.append(f"{inst.describe()}, |x_0| = {start:.3g}, {run.outcome}")
    ctx.note("families of F", FAMILY_PROPERTIES)
    ctx.note("runs per instance (bounded / escaped / undecided)", summary)
    ctx.sweep(values, allowances, "<=", rtol=0.0, atol=0.0, scale=np.asarray(scales), examples={"run": examples},
              label="||x_t|| in the last doubling of ODE time <= 3 x its decrease over the previous three + noise "
                    "floor (limit 0 = distance to the x-projection of the chain-recurrent set)")
    return ctx.result()
