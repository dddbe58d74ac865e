"""Tests for the TrailMix Appendix D, F, K and L claims (same_timescale, preconditioned_inertial, selectors).

No test asserts the verdict of a real claim. The helpers are checked against
closed forms; the mutation tests break an engine function (or a helper the
check relies on) and assert that the claim then refutes, which shows the
checks can fail.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from proofs_checks.trailmix import _coupled_helpers as ch
from proofs_checks.trailmix import preconditioned_inertial, same_timescale, selectors
from sims import trailmix_coupled_flow
from theorylab import flows, problems, simplex
from theorylab.claims import VERDICTS, load_claims, run_claim

REGISTRY = load_claims()
MODULES = (same_timescale.__name__, preconditioned_inertial.__name__, selectors.__name__)
OURS = sorted(i for i, c in REGISTRY.items() if c.module in MODULES)

CATALOGUE = {
    "trailmix.lemma8.tau0", "trailmix.lemma8.proj-align", "trailmix.lemma8.proj-adv", "trailmix.lemma8.rep-align",
    "trailmix.lemma8.rep-adv", "trailmix.lemma8.interior-projection", "trailmix.lemma8.trajectory",
    "trailmix.theorem7.def3-h", "trailmix.theorem7.generic-h", "trailmix.theorem7.var-equivalence",
    "trailmix.theorem7.sublevel", "trailmix.theorem8", "trailmix.lemma10", "trailmix.lemma10.inertial",
    "trailmix.theorem9", "trailmix.eq152", "trailmix.lemma11.momentum-minus", "trailmix.lemma11.momentum-plus",
    "trailmix.theorem10.convergence", "trailmix.theorem10.rate", "trailmix.theorem14",
    "trailmix.theorem15.nbhd-closed", "trailmix.theorem15.nbhd-punctured", "trailmix.theorem15.selection",
}


def run(claim_id: str, out_dir=None):
    return run_claim(REGISTRY[claim_id], seed=0, budget="quick", out_dir=out_dir)


def _assert_refuted(claim_id: str) -> None:
    r = run(claim_id)
    assert r.verdict == "refuted", (claim_id, r.verdict, r.message)


# --------------------------------------------------------------------------- registration


def test_every_catalogue_id_is_registered_once_with_its_corrections():
    assert CATALOGUE <= set(OURS)
    assert all(i in CATALOGUE or i.removesuffix(".corrected") in CATALOGUE for i in OURS)


def test_docstrings_state_the_procedure():
    for claim_id in OURS:
        assert len(REGISTRY[claim_id].procedure) > 200, claim_id


# --------------------------------------------------------------------------- helpers against closed forms


def test_exact_tangent_projection_on_a_vertex_and_against_the_engine():
    lam = [Fraction(1), Fraction(0)]
    assert ch.exact_tangent_cone_projection([Fraction(0), Fraction(1)], lam) == [Fraction(-1, 2), Fraction(1, 2)]
    assert ch.exact_tangent_cone_projection([Fraction(1), Fraction(0)], lam) == [Fraction(0), Fraction(0)]
    rng = np.random.default_rng(3)
    for _ in range(200):
        k = int(rng.integers(2, 7))
        weights = rng.integers(0, 4, size=k)
        if not weights.any():
            weights[0] = 1
        lam = [Fraction(int(w), int(weights.sum())) for w in weights]
        v = [Fraction(int(x), 4) for x in rng.integers(-20, 21, size=k)]
        exact = ch.exact_tangent_cone_projection(v, lam)
        assert ch.exact_tangent_kkt_holds(exact, v, lam)
        engine = simplex.tangent_cone_projection([float(x) for x in v], [float(w) for w in lam])
        np.testing.assert_allclose(engine, [float(x) for x in exact], atol=1e-12)


def test_exact_kkt_certificate_rejects_a_wrong_projection():
    lam = [Fraction(1, 2), Fraction(1, 2), Fraction(0)]
    v = [Fraction(1), Fraction(0), Fraction(-3)]
    right = ch.exact_tangent_cone_projection(v, lam)
    assert ch.exact_tangent_kkt_holds(right, v, lam)
    interior_formula = [x - sum(v, Fraction(0)) / 3 for x in v]
    assert not ch.exact_tangent_kkt_holds(interior_formula, v, lam)


def test_rates_by_hand_reproduce_the_worked_counterexample():
    # f = x^2/2, c = (0.1, 2), theta = 5, tau = 1, x = 3, lambda = (0.3, 0.7), replicator + advantage score
    problem = problems.quadratic(np.eye(1))
    bases = flows.scaled_bases([0.1, 2.0], 1)
    lam = np.array([0.3, 0.7])
    hand = ch.rates_by_hand(problem, bases, np.array([3.0]), lam, 5.0, 1.0, "rep", "adv")
    a = np.array([0.1, 2.0]) * 9.0
    h = a - lam @ a
    expected = -lam @ a + 5.0 * ch.log_weight_covariance(lam, h)
    assert hand["free_energy_rate"] == pytest.approx(expected, rel=1e-12)
    assert hand["free_energy_rate"] == pytest.approx(2.3432, abs=1e-4)
    assert hand["claimed_bound"] == pytest.approx(-319.9005, abs=1e-4)
    engine = flows.lyapunov_rates(flows.CoupledFlow(problem, bases, "rep", "adv", 5.0), [3.0], lam, 1.0)
    assert engine.free_energy_rate == pytest.approx(hand["free_energy_rate"], rel=1e-12)


def test_covariances_vanish_at_the_uniform_point_and_match_a_direct_sum():
    h = np.array([1.0, -2.0, 0.5])
    assert ch.log_weight_covariance(np.full(3, 1 / 3), h) == pytest.approx(0.0, abs=1e-15)
    lam = np.array([0.2, 0.5, 0.3])
    direct = np.sum(lam * np.log(lam) * h) - np.sum(lam * np.log(lam)) * np.sum(lam * h)
    assert ch.log_weight_covariance(lam, h) == pytest.approx(direct, rel=1e-12)
    assert ch.uniform_log_weight_covariance(lam, h) == pytest.approx(
        np.sum(np.log(lam) * (h - h.mean())), rel=1e-12)


def test_effective_rate_row_recovers_an_exponential_and_flags_a_slower_one():
    times = np.linspace(0.0, 10.0, 501)
    gaps = 3.0 * np.exp(-0.7 * times)
    rate, claimed, tol, _, _ = ch.effective_rate_row(times, gaps, 0.7, 1e-12, "exact")
    assert rate == pytest.approx(0.7, rel=1e-9) and rate + tol >= claimed
    rate, claimed, tol, _, _ = ch.effective_rate_row(times, 3.0 * np.exp(-0.6 * times), 0.7, 1e-12, "slow")
    assert rate + tol < claimed


def test_doubling_tail_residuals_follows_a_persistent_residual_to_the_cap_and_stops_on_decay():
    def constant(t0, t1):
        t = np.linspace(t0, t1, 11)
        return t, {"r": np.ones_like(t)}

    previous, last, horizon = ch.doubling_tail_residuals(constant, 10.0, 160.0, {"r": 1e-8})["r"]
    assert (previous, last, horizon) == (1.0, 1.0, 160.0)

    def decaying(t0, t1):
        t = np.linspace(t0, t1, 11)
        return t, {"r": np.exp(-0.1 * t)}

    previous, last, horizon = ch.doubling_tail_residuals(decaying, 10.0, 160.0, {"r": 1e-8})["r"]
    assert horizon == 20.0 and last < ch.PERSISTENCE_RATIO * previous


def test_sublevel_radius_is_attained_on_the_bottom_eigenvector():
    problem = ch.make_problem("F-QUAD", 3, 11)
    eig, vec = np.linalg.eigh(problem.hess(np.zeros(3)))
    x = 2.0 * vec[:, 0]
    assert same_timescale._sublevel_radius(problem, problem.value(x)) == pytest.approx(2.0, rel=1e-12)
    ph = problems.pseudo_huber(3.0, 0.5, 2)
    x = np.array([1.2, -0.5])
    assert same_timescale._sublevel_radius(ph, ph.value(x)) == pytest.approx(np.linalg.norm(x), rel=1e-12)


def test_ray_test_finds_the_logistic_escape_direction_and_bounds_a_quadratic():
    rng = np.random.default_rng(0)
    logistic = problems.logistic(np.array([1.0, -2.0]))
    bounded, witness = same_timescale._sublevel_bounded_by_rays(logistic, np.zeros(2), logistic.value(np.zeros(2)), rng)
    assert not bounded and witness
    quad = ch.make_problem("F-QUAD", 2, 5)
    bounded, _ = same_timescale._sublevel_bounded_by_rays(quad, np.ones(2), quad.value(np.ones(2)) + 1.0, rng)
    assert bounded


def test_slaved_limit_is_the_scalar_exponential():
    system = flows.InertialFlow(problems.quadratic(np.array([[3.0]])), np.array([[[0.5]], [[0.5]]]), 0.2, 0.8, -1.0)
    times = np.array([0.0, 1.0])
    x = preconditioned_inertial._slaved_limit(system, np.array([0.5, 0.5]), np.array([2.0]), times)
    assert x[-1, 0] == pytest.approx(2.0 * math.exp(-(1 - 0.2 / 0.8) * 0.5 * 3.0), rel=1e-9)


def test_jacobian_at_a_selector_vertex_has_zero_eigenvalues():
    case = {"d": 1, "K": 2, "i": 1, "family": "quadratic", "A": np.array([[2.0]]), "theta": 1.5,
            "P": np.array([[[0.5]], [[2.0]]]), "scales": np.array([0.5, 2.0])}
    eigenvalues = sorted(z.real for z in selectors._jacobian_eigenvalues(case))
    assert eigenvalues == pytest.approx([-4.0, 0.0], abs=1e-12)


def test_condition_220_is_false_at_the_minimiser_and_follows_the_loewner_order():
    problem = problems.quadratic(np.eye(2))
    case = {"d": 2, "K": 2, "i": 1, "P": np.array([np.eye(2), 2 * np.eye(2)])}
    condition = selectors._condition_220(case, problem, np.random.default_rng(0), 500)
    assert condition == {"at x*": False, "punctured samples": True, "exact (punctured)": True}
    case["i"] = 0
    condition = selectors._condition_220(case, problem, np.random.default_rng(0), 500)
    assert not condition["punctured samples"] and not condition["exact (punctured)"]


def test_state_dependent_preconditioners_respect_their_floor():
    fn, floor = ch.state_dependent_spd(np.random.default_rng(1), 3, 2)
    x = np.random.default_rng(2).uniform(-5, 5, size=(100, 2))
    eig = np.linalg.eigvalsh(fn(x))
    assert np.all(eig[..., 0] >= floor[None, :] - 1e-12)


def test_coupled_flow_reproduction_writes_its_files(tmp_path):
    rep = trailmix_coupled_flow.run(tmp_path, budget="quick", seed=0)
    assert all(p.exists() for p in rep.data + rep.figures)
    assert rep.summary


# --------------------------------------------------------------------------- quick tier


@pytest.mark.parametrize("claim_id", ["trailmix.lemma8.trajectory", "trailmix.theorem8", "trailmix.eq152"])
def test_claims_with_figures_attach_existing_files(claim_id, tmp_path):
    r = run(claim_id, out_dir=tmp_path)
    assert r.verdict in VERDICTS and r.figures
    assert all((tmp_path / fig).exists() for fig in r.figures)


# --------------------------------------------------------------------------- mutation tests


def test_tau0_refutes_when_the_engine_rate_is_wrong(monkeypatch):
    original = flows.lyapunov_rates

    def halved(flow, x, lam, tau):
        r = original(flow, x, lam, tau)
        return flows.LyapunovRates(r.objective_rate, r.entropy_rate, 0.5 * r.free_energy_rate, r.alignment_term,
                                   r.variance_term, r.claimed_bound)

    monkeypatch.setattr(flows, "lyapunov_rates", halved)
    _assert_refuted("trailmix.lemma8.tau0")


def test_tau0_refutes_when_alignment_constants_are_overstated(monkeypatch):
    original = flows.scaled_bases

    def overstated(scales, dim):
        bases = original(scales, dim)
        return flows.BaseDirections(bases.name, bases.n_bases, bases.dim, bases._directions, 2.0 * bases.alignment)

    monkeypatch.setattr(flows, "scaled_bases", overstated)
    _assert_refuted("trailmix.lemma8.tau0")


def test_theorem8_refutes_when_alignment_constants_are_overstated(monkeypatch):
    original = flows.scaled_bases

    def overstated(scales, dim):
        bases = original(scales, dim)
        return flows.BaseDirections(bases.name, bases.n_bases, bases.dim, bases._directions, 3.0 * bases.alignment)

    monkeypatch.setattr(flows, "scaled_bases", overstated)
    _assert_refuted("trailmix.theorem8")


def test_projection_checks_refute_an_unprojected_engine(monkeypatch):
    monkeypatch.setattr(simplex, "tangent_cone_projection", lambda v, lam: np.asarray(v, dtype=float))
    _assert_refuted("trailmix.lemma8.interior-projection.corrected")
    _assert_refuted("trailmix.theorem14")


def test_var_equivalence_corrected_refutes_the_interior_formula_on_faces(monkeypatch):
    def interior_formula(v, lam):
        v = [Fraction(x) for x in v]
        mean = sum(v, Fraction(0)) / len(v)
        return [x - mean for x in v]

    monkeypatch.setattr(same_timescale, "exact_tangent_cone_projection", interior_formula)
    _assert_refuted("trailmix.theorem7.var-equivalence.corrected")


def test_lemma10_refutes_when_the_engine_reports_the_largest_eigenvalue(monkeypatch):
    original = flows.preconditioned_bases

    def largest(preconditioners, *, dim=None, alignment=None):
        bases = original(preconditioners, dim=dim, alignment=alignment)
        top = np.linalg.eigvalsh(np.asarray(preconditioners))[:, -1]
        return flows.BaseDirections(bases.name, bases.n_bases, bases.dim, bases._directions, top)

    monkeypatch.setattr(flows, "preconditioned_bases", largest)
    _assert_refuted("trailmix.lemma10")


def test_lemma11_corrected_refutes_a_wrong_damping_sign(monkeypatch):
    original = flows.InertialFlow.field

    def undamped(self, x, v, lam):
        xdot, vdot, lamdot = original(self, x, v, lam)
        return xdot, vdot + 2 * self.gamma * v, lamdot

    monkeypatch.setattr(flows.InertialFlow, "field", undamped)
    _assert_refuted("trailmix.lemma11.momentum-minus.corrected")


def test_eq152_corrected_refutes_a_recursion_without_momentum(monkeypatch):
    original = preconditioned_inertial._recursion_states

    def without_momentum(system, x0, v0, lam, alpha, steps):
        plain = flows.InertialFlow(system.problem, system.preconditioners, 1e-12, system.gamma,
                                   system.momentum_sign)
        return original(plain, x0, v0, lam, alpha, steps)

    monkeypatch.setattr(preconditioned_inertial, "_recursion_states", without_momentum)
    _assert_refuted("trailmix.eq152.corrected")


def test_theorem7_def3_refutes_when_the_scores_rotate(monkeypatch):
    def rotating(case, problem):
        k = case["K"]
        rng = np.random.default_rng(case["seed"])
        m = rng.standard_normal((k, k))
        centre = np.eye(k) - np.ones((k, k)) / k
        return flows.linear_meta_score(problem, centre @ (m - m.T) @ centre)  # rock-paper-scissors for K >= 3

    monkeypatch.setattr(same_timescale, "_meta_score", rotating)
    _assert_refuted("trailmix.theorem7.def3-h")


def test_theorem15_closed_refutes_if_the_jacobian_were_stable(monkeypatch):
    monkeypatch.setattr(selectors, "_jacobian_eigenvalues", lambda case: [complex(-1.0, 0.0)])
    _assert_refuted("trailmix.theorem15.nbhd-closed")


def test_theorem10_convergence_refutes_a_trajectory_that_stalls_off_the_critical_point(monkeypatch):
    original = flows.integrate_inertial

    def stalled(system, x0, v0, lam0, t_eval, **kwargs):
        sol = original(system, x0, v0, lam0, t_eval, **kwargs)
        return flows.InertialSolution(sol.t, sol.x + 1.0, sol.v, sol.lam, sol.success, sol.message)

    monkeypatch.setattr(flows, "integrate_inertial", stalled)
    _assert_refuted("trailmix.theorem10.convergence")


def test_theorem8_switching_trajectory_matches_the_piecewise_closed_form():
    # 1-D quadratic f = x^2 (a = 2), B-SCALED: x(t) = x0 exp(-a int_0^t c(lambda(s)) ds)
    problem = problems.quadratic(np.array([[2.0]]))
    c = np.array([0.5, 3.0])
    case = {"dynamics": "switching", "K": 2, "x0": np.array([1.5])}
    times = np.linspace(0.0, 2.0, 201)
    xs, lams = same_timescale._theorem8_trajectory(case, problem, flows.scaled_bases(c, 1), times,
                                                    np.random.default_rng(4))
    rng = np.random.default_rng(4)  # the same draws as the trajectory: pieces, switch times, weights
    n_pieces = int(rng.integers(2, 12))
    switches = np.sort(rng.uniform(times[0], times[-1], size=n_pieces - 1))
    weights = rng.dirichlet(np.ones(2), size=n_pieces)
    edges = np.concatenate([[0.0], switches])
    rates_ = 2.0 * (weights @ c)
    exponent = np.array([np.sum(rates_ * np.clip(t - edges, 0.0, np.diff(np.concatenate([edges, [np.inf]]))))
                         for t in times])
    np.testing.assert_allclose(xs[:, 0], 1.5 * np.exp(-exponent), rtol=1e-7)
    np.testing.assert_allclose(lams, weights[np.searchsorted(switches, times, side="right")], rtol=1e-14)
