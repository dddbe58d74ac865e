r"""Helpers shared by the TrailMix checks of Appendices D, F, K and L.

Objective and base-direction families of the catalogue (F-*, B-*) built from a
seed, so that hypothesis examples stay small and printable; the exact
(rational) tangent-cone projection; the Lemma 8 rates computed by hand; the
"residual vanishes or keeps decaying" comparison used by the stability claims;
and the exponential-bound comparison of Theorems 8 and 10. The simulation
engines themselves (coupled, selector, switching and inertial systems) are in
:mod:`theorylab.flows`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st
from scipy.special import entr

from theorylab import flows, problems
from theorylab.claims import Context, NumericalFailure
from theorylab.problems import Problem
from theorylab.testing.strategies import box_vectors, dimensions, log_uniform, simplex_points

#: float64 machine epsilon.
EPS = float(np.finfo(float).eps)

#: Objective families of the Lemma 8 pointwise checks (catalogue: F-QUAD, F-PLNC, F-SP).
LEMMA8_FAMILIES = ("F-QUAD", "F-PLNC", "F-SP")

#: Base families: scaled, constant SPD (well and ill conditioned), state-dependent SPD.
BASE_KINDS = ("B-SCALED", "B-SPD", "B-SPD-ill", "B-SPD(x)")

#: Default ODE tolerances of the catalogue.
ODE_RTOL, ODE_ATOL = 1e-10, 1e-12


# --------------------------------------------------------------------------- objectives


def make_problem(family: str, dim: int, seed: int, *, bounded_below: bool = False) -> Problem:
    r"""An objective of a catalogue family, built from ``seed``.

    - ``F-QUAD``: :math:`\tfrac12 x^\top A x`, eigenvalues log-uniform in
      :math:`[10^{-2}, 10^2]`, Haar eigenbasis; ``F-QUAD-singular`` has one zero
      eigenvalue (needs ``dim >= 2``, otherwise SPD);
    - ``F-PLNC``: :math:`\sum_j x_j^2 + 3\sin^2 x_j`;
    - ``F-SP``: softplus sum with 2..5 terms, weights of both signs, rows
      :math:`w_k \sim N(0, I)`; with ``bounded_below`` the draw is repeated
      (same seed stream) until the engine certifies boundedness below;
    - ``F-PH``: pseudo-Huber with :math:`B, w` log-uniform in :math:`[0.1, 100]`;
    - ``F-LOG``: logistic loss with :math:`a \sim N(0, I)`;
    - ``F-SURF:<name>``: an App. R.5 surface (``dim`` ignored, 2-D).
    """
    rng = np.random.default_rng(seed)
    if family == "F-QUAD":
        return problems.random_quadratic(rng, dim)
    if family == "F-QUAD-singular":
        return problems.random_quadratic(rng, dim, n_zero=1 if dim >= 2 else 0)
    if family == "F-PLNC":
        return problems.pl_nonconvex(dim)
    if family == "F-PH":
        scale, width = np.exp(rng.uniform(np.log(0.1), np.log(100.0), size=2))
        return problems.pseudo_huber(float(scale), float(width), dim)
    if family == "F-LOG":
        return problems.logistic(rng.standard_normal(dim) + 0.1)
    if family == "F-SP":
        for _ in range(200):
            m = int(rng.integers(2, 6))
            weights = rng.choice([-1.0, 1.0], size=m, p=[0.3, 0.7]) * np.exp(rng.uniform(-1.0, 1.0, size=m))
            directions = rng.standard_normal((m, dim))
            problem = problems.softplus_sum(weights, directions)
            if not bounded_below or problem.hypotheses.bounded_below:
                return problem
        raise NumericalFailure(f"no bounded-below F-SP objective found from seed {seed}")
    if family.startswith("F-SURF:"):
        return problems.surfaces()[family.split(":", 1)[1]]
    raise ValueError(f"unknown objective family {family!r}")


def stationary_point(problem: Problem) -> np.ndarray | None:
    """A known stationary point of ``problem`` (its minimiser), or ``None``."""
    return None if problem.x_star is None else np.asarray(problem.x_star, dtype=float)


# --------------------------------------------------------------------------- bases


def spd_matrices_from_rng(rng: np.random.Generator, k: int, d: int, ill_conditioned: bool = False) -> np.ndarray:
    r"""K symmetric positive definite matrices (catalogue D0).

    Well conditioned: :math:`P = MM^\top + cI`, :math:`M \sim N(0,1)^{d\times d}`,
    :math:`c \sim U[0.05, 1]`. Ill conditioned: :math:`Q\,\mathrm{diag}(e)Q^\top`
    with :math:`e` log-uniform in :math:`[s\cdot 10^{-3}, s]`, :math:`s \sim U[0.5, 5]`
    (condition number up to :math:`10^3`).
    """
    out = np.empty((k, d, d))
    for i in range(k):
        if ill_conditioned:
            q, r = np.linalg.qr(rng.standard_normal((d, d)))
            q = q * np.sign(np.diag(r))
            top = rng.uniform(0.5, 5.0)
            eig = top * np.exp(rng.uniform(np.log(1e-3), 0.0, size=d))
            p = (q * eig) @ q.T
        else:
            m = rng.standard_normal((d, d))
            p = m @ m.T + rng.uniform(0.05, 1.0) * np.eye(d)
        out[i] = 0.5 * (p + p.T)
    return out


def state_dependent_spd(rng: np.random.Generator, k: int, d: int) -> tuple[Callable[[np.ndarray], np.ndarray],
                                                                           np.ndarray]:
    r"""State-dependent SPD preconditioners :math:`P_i(x) = M_i(x)M_i(x)^\top + c_iI` (Definition 5).

    :math:`M_i(x) = M_{i,0} + \sin(x_1)M_{i,1}` (smooth, locally Lipschitz), so
    :math:`\lambda_{\min}(P_i(x)) \ge c_i` with :math:`c_i \sim U[0.05, 1]`.

    Returns
    -------
    preconditioners : callable
        ``x (N, d) -> (N, K, d, d)``.
    lower_bounds : numpy.ndarray
        :math:`\underline\lambda_i = c_i`.
    """
    m0 = rng.standard_normal((k, d, d))
    m1 = 0.5 * rng.standard_normal((k, d, d))
    floor = rng.uniform(0.05, 1.0, size=k)

    def preconditioners(x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        m = m0[None] + np.sin(x[:, :1])[:, :, None, None] * m1[None]
        return np.einsum("nkij,nklj->nkil", m, m) + floor[None, :, None, None] * np.eye(d)[None, None]

    return preconditioners, floor


def make_bases(kind: str, k: int, d: int, seed: int, scales: Sequence[float] | None = None) -> flows.BaseDirections:
    r"""Base directions of a catalogue family (alignment constants attached).

    ``B-SCALED`` uses ``scales`` (:math:`c_i`); ``B-SPD`` / ``B-SPD-ill`` constant
    SPD matrices (:func:`spd_matrices_from_rng`), alignment
    :math:`\lambda_{\min}(P_i)` (Lemma 10); ``B-SPD(x)``
    :func:`state_dependent_spd` with the lower bounds as alignment constants.
    """
    rng = np.random.default_rng(seed)
    if kind == "B-SCALED":
        if scales is None:
            scales = np.exp(rng.uniform(np.log(0.05), np.log(5.0), size=k))
        return flows.scaled_bases(np.asarray(scales, dtype=float), d)
    if kind in ("B-SPD", "B-SPD-ill"):
        return flows.preconditioned_bases(spd_matrices_from_rng(rng, k, d, kind == "B-SPD-ill"))
    if kind == "B-SPD(x)":
        fn, floor = state_dependent_spd(rng, k, d)
        return flows.preconditioned_bases(fn, dim=d, alignment=floor)
    raise ValueError(f"unknown base family {kind!r}")


# --------------------------------------------------------------------------- hypothesis cases


#: The strategies of :func:`coupled_states`, built once (rebuilding them per draw costs more than the draw).
_STATE_STRATEGIES: dict[Any, st.SearchStrategy[Any]] = {
    "K": dimensions(2, 6),
    "d": st.integers(1, 4),
    "seed": st.integers(0, 2**31 - 1),
    "where": st.sampled_from(("box", "stationary")),
    "theta": log_uniform(0.01, 10.0),
    "tau": st.floats(0.0, 5.0, exclude_min=True),
    **{("scales", k): st.lists(log_uniform(0.05, 5.0), min_size=k, max_size=k) for k in range(2, 7)},
    **{("x", d): box_vectors(d, -5.0, 5.0) for d in range(1, 5)},
    **{("lam interior", k): simplex_points(k, min_entry=1e-6) for k in range(2, 7)},
    **{("lam anywhere", k): simplex_points(k, allow_zeros=True) for k in range(2, 7)},
}


@st.composite
def coupled_states(
    draw: st.DrawFn,
    *,
    families: Sequence[str] = LEMMA8_FAMILIES,
    base_kinds: Sequence[str] = BASE_KINDS,
    interior: bool = True,
    positive_tau: bool = True,
) -> dict[str, Any]:
    r"""A state of the coupled system (101) with its parameters, as plain data.

    K in 2..6, d in 1..4, objective family and base family drawn, matrices from
    a drawn seed, :math:`c_i` log-uniform in :math:`[0.05, 5]` (B-SCALED),
    :math:`x \in [-5, 5]^d` or :math:`x = x^*` (:math:`\nabla f = 0`),
    :math:`\lambda` interior with :math:`\min\lambda_i \ge 10^{-6}` (or any
    point incl. faces and vertices when ``interior`` is false),
    :math:`\theta` log-uniform in :math:`[0.01, 10]`, :math:`\tau \sim U(0, 5]`
    (or 0 when ``positive_tau`` is false).
    """
    k = draw(_STATE_STRATEGIES["K"])
    d = draw(_STATE_STRATEGIES["d"])
    family = draw(st.sampled_from(tuple(families)))
    base_kind = draw(st.sampled_from(tuple(base_kinds)))
    seed = draw(_STATE_STRATEGIES["seed"])
    scales = draw(_STATE_STRATEGIES["scales", k])
    where = draw(_STATE_STRATEGIES["where"])
    x = draw(_STATE_STRATEGIES["x", d])
    lam = draw(_STATE_STRATEGIES["lam interior" if interior else "lam anywhere", k])
    theta = draw(_STATE_STRATEGIES["theta"])
    tau = draw(_STATE_STRATEGIES["tau"]) if positive_tau else 0.0
    return {"family": family, "bases": base_kind, "K": k, "d": d, "seed": seed, "scales": np.array(scales),
            "x": x, "at_stationary_point": where == "stationary", "lam": lam, "theta": theta, "tau": tau}


def build_case(case: dict[str, Any]) -> tuple[Problem, flows.BaseDirections, np.ndarray]:
    """Objective, bases and the state ``x`` of a :func:`coupled_states` case."""
    problem = make_problem(case["family"], case["d"], case["seed"])
    bases = make_bases(case["bases"], case["K"], case["d"], case["seed"] + 1, case["scales"])
    x = np.asarray(case["x"], dtype=float)
    if case["at_stationary_point"]:
        star = stationary_point(problem)
        if star is not None:
            x = star.copy()
    return problem, bases, x


# --------------------------------------------------------------------------- Lemma 8 by hand


def meta_scores(alignments: np.ndarray, lam: np.ndarray, score: str) -> np.ndarray:
    r"""Definition 3 scores from the alignments :math:`a_i = \langle\nabla f, d_i\rangle`.

    ``align``: :math:`h_i = -a_i`; ``adv``: :math:`h_i = a_i - \sum_j\lambda_ja_j`.
    """
    if score == "align":
        return -alignments
    return alignments - float(lam @ alignments)


def weight_velocity(h: np.ndarray, lam: np.ndarray, theta: float, dynamics: str) -> np.ndarray:
    r"""Interior :math:`\dot\lambda`.

    ``rep``: :math:`\theta\lambda_i(h_i - \bar h_\lambda)`; ``proj``: :math:`\theta(h_i - \mathrm{mean}(h))`.
    """
    if dynamics == "rep":
        return theta * lam * (h - float(lam @ h))
    return theta * (h - float(np.mean(h)))


def rates_by_hand(problem: Problem, bases: flows.BaseDirections, x: np.ndarray, lam: np.ndarray, theta: float,
                  tau: float, dynamics: str, score: str) -> dict[str, float]:
    r"""The quantities of Lemma 8 at one interior state, computed without the flow engine.

    .. math::

        \dot{\mathcal V} = \langle\nabla f, \dot x\rangle - \tau\langle\nabla H(\lambda), \dot\lambda\rangle,
        \quad \dot x = -\sum_i\lambda_i d_i,\quad \nabla H = -(\log\lambda_i + 1)_i,

    the right-hand side of (104), :math:`-c(\lambda)\|\nabla f\|^2 - \tau\theta\mathrm{Var}_\lambda(h)`,
    the entropy term :math:`E = -\langle\nabla H, \dot\lambda\rangle`, and a rounding bound
    ``resolution`` for sums of these terms (:math:`32Kd\varepsilon` times the sum of the
    absolute values of the products involved).
    """
    g = problem.grad(x)
    directions = bases(x, g)
    alignments = directions @ g
    xdot = -(lam @ directions)
    h = meta_scores(alignments, lam, score)
    lamdot = weight_velocity(h, lam, theta, dynamics)
    grad_entropy = -(np.log(lam) + 1.0)
    entropy_term = -math.fsum(grad_entropy * lamdot)
    objective_rate = math.fsum(g * xdot)
    mean_h = math.fsum(lam * h)
    variance = math.fsum(lam * (h - mean_h) ** 2)
    c_lam = float(lam @ bases.alignment)
    grad_sq = math.fsum(g * g)
    k, d = lam.size, g.size
    magnitude = (float(lam @ np.abs(alignments)) + c_lam * grad_sq
                 + tau * float(np.abs(grad_entropy) @ np.abs(lamdot)) + tau * theta * float(lam @ h**2))
    return {
        "objective_rate": objective_rate,
        "entropy_term": entropy_term,
        "free_energy_rate": objective_rate + tau * entropy_term,
        "alignment_term": -c_lam * grad_sq,
        "variance_term": -tau * theta * variance,
        "claimed_bound": -c_lam * grad_sq - tau * theta * variance,
        "variance": variance,
        "resolution": 32 * k * d * EPS * magnitude,
        "grad_norm": math.sqrt(grad_sq),
    }


def entropy_rows(lam: np.ndarray) -> np.ndarray:
    r"""Shannon entropy :math:`-\sum_i\lambda_i\log\lambda_i` of each row (``0 log 0 = 0``), vectorised."""
    return np.sum(entr(np.maximum(lam, 0.0)), axis=-1)


def log_weight_covariance(lam: np.ndarray, h: np.ndarray) -> float:
    r"""Weighted covariance of :math:`\log\lambda` and :math:`h`, centred.

    :math:`\mathrm{Cov}_\lambda(\log\lambda, h)
    = \sum_i\lambda_i(\log\lambda_i - \overline{\log\lambda})(h_i - \bar h)`.
    """
    log_lam = np.log(lam)
    return math.fsum(lam * (log_lam - math.fsum(lam * log_lam)) * (h - math.fsum(lam * h)))


def uniform_log_weight_covariance(lam: np.ndarray, h: np.ndarray) -> float:
    r"""Unweighted covariance term of the interior projected dynamics.

    :math:`\sum_i(\log\lambda_i - \mathrm{mean}(\log\lambda))(h_i - \mathrm{mean}(h))`.
    """
    log_lam = np.log(lam)
    return math.fsum((log_lam - np.mean(log_lam)) * (h - np.mean(h)))


# --------------------------------------------------------------------------- exact tangent cone


def exact_tangent_cone_projection(v: Sequence[Fraction], lam: Sequence[Fraction]) -> list[Fraction]:
    r"""Exact :math:`\Pi_{T_\Delta(\lambda)}(v)` in rational arithmetic.

    KKT of :math:`\min\|u - v\|^2` over :math:`T_\Delta(\lambda) = \{\sum u = 0,\ u_j \ge 0\ (\lambda_j = 0)\}`:
    :math:`u_i = v_i - \nu` on the support :math:`I`, :math:`u_j = (v_j - \nu)^+` off it,
    with :math:`\nu` the root of :math:`\sum_I(v_i - \nu) + \sum_{j\notin I}(v_j - \nu)^+ = 0`.
    With the off-support values sorted decreasingly :math:`b_1 \ge \dots \ge b_m`,
    :math:`\nu_k = (\sum_I v_i + \sum_{l\le k}b_l)/(|I| + k)` for the first :math:`k`
    with :math:`b_{k+1} \le \nu_k`; the result is certified by
    :func:`exact_tangent_kkt_holds`.
    """
    v = [Fraction(x) for x in v]
    lam = [Fraction(x) for x in lam]
    support = [i for i, w in enumerate(lam) if w > 0]
    if not support:
        raise ValueError("lam must have a nonzero entry")
    off = sorted((j for j, w in enumerate(lam) if w == 0), key=lambda j: v[j], reverse=True)
    total = sum((v[i] for i in support), Fraction(0))
    count = len(support)
    nu = total / count
    for j in off:
        if v[j] <= nu:
            break
        total += v[j]
        count += 1
        nu = total / count
    out = [v[i] - nu if lam[i] > 0 else max(v[i] - nu, Fraction(0)) for i in range(len(v))]
    if not exact_tangent_kkt_holds(out, v, lam):
        raise AssertionError("exact tangent-cone projection failed its KKT certificate")
    return out


def exact_tangent_kkt_holds(u: Sequence[Fraction], v: Sequence[Fraction], lam: Sequence[Fraction]) -> bool:
    r"""Whether ``u`` is :math:`\Pi_{T_\Delta(\lambda)}(v)` exactly.

    Feasibility (:math:`\sum u = 0`, :math:`u_j \ge 0` off the support) and the
    KKT conditions with one multiplier :math:`\nu`: :math:`u_i - v_i = -\nu` where
    :math:`u_i` is free (support, or :math:`u_j > 0`), and
    :math:`v_j - \nu \le 0` where :math:`u_j = 0` off the support.
    """
    if sum(u, Fraction(0)) != 0:
        return False
    off = [j for j in range(len(lam)) if lam[j] == 0]
    if any(u[j] < 0 for j in off):
        return False
    free = [i for i in range(len(lam)) if lam[i] > 0 or u[i] > 0]
    shifts = {v[i] - u[i] for i in free}
    if len(shifts) != 1:
        return False
    nu = shifts.pop()
    return all(v[j] - nu <= 0 for j in off if u[j] == 0)


# --------------------------------------------------------------------------- stability comparisons

#: A residual that shrinks by less than this factor when the horizon doubles "persists".
PERSISTENCE_RATIO = 0.99


def tail_max(values: np.ndarray, times: np.ndarray, horizon: float) -> float:
    """Largest value on the tail window ``[horizon/2, horizon]`` of a dense trajectory."""
    sel = (times >= horizon / 2) & (times <= horizon * (1 + 1e-12))
    if not sel.any():
        raise NumericalFailure(f"no dense output on the tail [{horizon / 2}, {horizon}]")
    return float(np.max(values[sel]))


def doubling_tail_residuals(
    advance: Callable[[float, float], tuple[np.ndarray, dict[str, np.ndarray]]],
    first_horizon: float,
    cap: float,
    floors: dict[str, float],
) -> dict[str, tuple[float, float, float]]:
    r"""Tail residuals over doubling horizons, as in "a residual that persists when T doubles".

    ``advance(t0, t1)`` continues the trajectory from ``t0`` to ``t1`` and
    returns the dense times of ``[t0, t1]`` and the residuals there. With
    :math:`r_T = \max_{[T/2, T]} r`, the horizon doubles from ``first_horizon``
    while some residual neither vanishes (``<= floor``) nor shrinks by 1 %
    (:data:`PERSISTENCE_RATIO`), up to ``cap``: a residual is judged at the
    last horizon reached (a slowly decaying residual gets the time it needs,
    a persistent one is followed to the cap).

    Returns
    -------
    dict
        ``name -> (r_{T/2}, r_T, T)`` at the last horizon.
    """
    times, values = advance(0.0, first_horizon)
    previous = {name: tail_max(v, times, first_horizon) for name, v in values.items()}
    horizon = first_horizon
    while True:
        times, values = advance(horizon, 2 * horizon)
        last = {name: float(np.max(v)) for name, v in values.items()}
        horizon *= 2
        settled = all(last[n] <= max(floors[n], PERSISTENCE_RATIO * previous[n]) for n in last)
        if settled or 2 * horizon > cap:
            return {n: (previous[n], last[n], horizon) for n in last}
        previous = last


# --------------------------------------------------------------------------- exponential bounds


Row = tuple[float, float, float, float, str]


def effective_rate_row(times: np.ndarray, gaps: np.ndarray, claimed_rate: float, floor: float,
                       description: str) -> Row | None:
    r"""The worst point of :math:`f(x(t)) - f_* \le (f(x(0)) - f_*)e^{-\kappa t}` on a dense grid, as a rate row.

    Pointwise the bound is equivalent to
    :math:`\kappa_{\mathrm{eff}}(t) = -\log(\mathrm{gap}(t)/\mathrm{gap}(0))/t \ge \kappa`.
    Points with :math:`\mathrm{gap}(t) \le` ``floor`` (integration accuracy)
    cannot decide and are skipped; every other point gets the tolerance
    :math:`\delta(t)/t`, :math:`\delta(t) = 10^{-7} + \text{floor}/\mathrm{gap}(t)`
    (accuracy of the integrated gap in log units). Returns
    ``(rate, claimed, tolerance, scale, description)`` at the worst point, on
    the scale :math:`\kappa` (a sensitivity of 1 % means some trajectory
    decays within 1 % of the claimed rate), or ``None`` when no point is above
    the floor.
    """
    gap0 = float(gaps[0])
    if not gap0 > floor:
        return None
    sel = (times > 0) & (gaps > floor)
    if not sel.any():
        return None
    t, g = times[sel], gaps[sel]
    if np.any(g < 0):
        raise NumericalFailure("negative optimality gap on the trajectory")
    rate = -np.log(g / gap0) / t
    tol = (1e-7 + floor / g) / t
    j = int(np.argmin(rate + tol - claimed_rate))
    return float(rate[j]), claimed_rate, float(tol[j]), claimed_rate, f"{description}, worst t={t[j]:.4g}"


def sweep_rows(ctx: Context, rows: Sequence[Row], relation: str, label: str, rtol: float = 0.0) -> np.ndarray:
    """Record rows ``(lhs, rhs, tolerance, scale, description)`` as one sweep, in the order given.

    The per-row tolerance is applied as a shift of the left-hand side towards
    the claim (``lhs + tol >= rhs`` / ``lhs - tol <= rhs``), so the first
    violation in the order given is the counterexample. Returns a boolean
    array: which rows violate.
    """
    lhs = np.array([r[0] for r in rows], dtype=float)
    rhs = np.array([r[1] for r in rows], dtype=float)
    tol = np.array([r[2] for r in rows], dtype=float)
    scale = np.array([r[3] for r in rows], dtype=float)
    shifted = lhs + tol if relation in (">=", ">") else lhs - tol
    ctx.sweep(shifted, rhs, relation, rtol=rtol, atol=0.0, scale=scale,
              examples={"case": [r[4] for r in rows]}, label=label)
    with np.errstate(invalid="ignore"):
        bad = shifted < rhs - rtol * np.maximum(np.abs(shifted), np.abs(rhs)) if relation in (">=", ">") else \
            shifted > rhs + rtol * np.maximum(np.abs(shifted), np.abs(rhs))
    return bad
