"""Tests of theorylab.flows: vector fields, integrators, trackers, discrete recursions."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from theorylab import flows as F
from theorylab import problems as P
from theorylab.simplex import (
    project_to_simplex,
    replicator_closed_form,
    replicator_field,
    tangent_cone_projection,
)

# a 2-D quadratic with three SPD bases whose preferred base changes with the
# gradient direction, so that the projected dynamics hits and leaves faces
QUAD = P.quadratic(np.diag([1.0, 10.0]))
PRECONDITIONERS = np.array([np.eye(2), np.diag([5.0, 0.2]), np.diag([0.2, 5.0])])
SPD = F.preconditioned_bases(PRECONDITIONERS)


def _random_boundary_point(rng: np.random.Generator, k: int) -> np.ndarray:
    lam = rng.dirichlet(np.ones(k))
    lam[rng.random(k) < 0.4] = 0.0
    if lam.sum() == 0.0:
        lam[rng.integers(k)] = 1.0
    return lam / lam.sum()


# ---------------------------------------------------------------------------
# fields and scores
# ---------------------------------------------------------------------------


def test_vectorised_tangent_cone_projection_matches_simplex_module():
    rng = np.random.default_rng(0)
    lams, vs = [], []
    for _ in range(3000):
        k = int(rng.integers(1, 7))
        lam = _random_boundary_point(rng, k)
        v = rng.uniform(-10, 10, k)
        if rng.random() < 0.3:
            v = np.round(v)  # ties
        out = F._tangent_cone_projection_rows(v[None, :], lam[None, :])[0]
        assert np.allclose(out, tangent_cone_projection(v, lam), atol=1e-12), (v, lam)
        if k == 4:
            lams.append(lam)
            vs.append(v)
    batch = F._tangent_cone_projection_rows(np.array(vs), np.array(lams))
    assert np.allclose(batch, [tangent_cone_projection(v, lam) for v, lam in zip(vs, lams, strict=True)], atol=1e-12)


def test_scores_have_the_signs_of_definition_3():
    c = np.array([0.5, 1.0, 3.0])
    prob = P.quadratic(np.eye(2))
    x = np.array([1.0, -2.0])
    lam = np.array([0.2, 0.3, 0.5])
    alignment = c * 5.0  # <grad f, c_i grad f> = c_i |x|^2
    align = F.CoupledFlow(prob, F.scaled_bases(c, 2), score="align").scores(x, lam)
    adv = F.CoupledFlow(prob, F.scaled_bases(c, 2), score="adv").scores(x, lam)
    assert np.allclose(align, -alignment)
    assert np.allclose(adv, alignment - lam @ alignment)


def test_field_matches_simplex_module_and_interior_projection_is_centering():
    rng = np.random.default_rng(1)
    for _ in range(50):
        x = rng.uniform(-3, 3, 2)
        lam = rng.dirichlet(np.ones(3))
        theta = float(rng.uniform(0.1, 5))
        rep = F.CoupledFlow(QUAD, SPD, "rep", "adv", theta=theta)
        proj = F.CoupledFlow(QUAD, SPD, "proj", "adv", theta=theta)
        h = rep.scores(x, lam)
        xdot, lamdot = rep.field(x, lam)
        assert np.allclose(xdot, -lam @ SPD(x, QUAD.grad(x)))
        assert np.allclose(lamdot, replicator_field(lam, h, theta))
        assert np.allclose(proj.field(x, lam)[1], theta * (h - h.mean()), atol=1e-12)
        boundary = _random_boundary_point(rng, 3)
        assert np.allclose(
            proj.field(x, boundary)[1], tangent_cone_projection(theta * proj.scores(x, boundary), boundary)
        )
        assert np.all(F.CoupledFlow(QUAD, SPD, "fixed").field(x, lam)[1] == 0.0)


def test_preconditioned_bases_alignment_is_lambda_min_and_mixture_alignment():
    assert np.allclose(SPD.alignment, [1.0, 0.2, 0.2])
    assert SPD.mixture_alignment([0.5, 0.25, 0.25]) == pytest.approx(0.6)
    g = np.random.default_rng(2).standard_normal((100, 2))
    inner = np.einsum("nkd,nd->nk", SPD(np.zeros((100, 2)), g), g)
    assert np.all(inner >= SPD.alignment * np.sum(g * g, axis=1, keepdims=True) - 1e-12)


def test_state_dependent_preconditioners_and_custom_bases():
    def precond(x):
        m = np.stack([np.eye(2) * (1 + x[:, :1, None] ** 2), np.eye(2)[None].repeat(x.shape[0], 0)], axis=1)
        return m

    bases = F.preconditioned_bases(precond, dim=2, alignment=[1.0, 1.0])
    d = bases([2.0, 0.0], [1.0, 1.0])
    assert np.allclose(d, [[5.0, 5.0], [1.0, 1.0]])
    flipped = F.custom_bases(lambda x, g: np.stack([g, -g], axis=1), 2, 2, alignment=[1.0, -1.0])
    assert np.allclose(flipped([0.0, 0.0], [1.0, 2.0]), [[1.0, 2.0], [-1.0, -2.0]])


def test_two_timescale_flow_is_projected_flow_with_theta_equal_to_ratio():
    slow = F.two_timescale_flow(QUAD, SPD, 0.01, score="align")
    ref = F.CoupledFlow(QUAD, SPD, "proj", "align", theta=0.01)
    x, lam = np.array([1.0, 0.5]), np.array([0.0, 0.4, 0.6])
    assert np.allclose(slow.field(x, lam)[1], ref.field(x, lam)[1])
    assert np.allclose(slow.field(x, lam)[1], 0.01 * tangent_cone_projection(ref.scores(x, lam), lam))


def test_linear_meta_score():
    a = np.array([[0.0, 1.0], [-1.0, 0.0]])
    b = np.array([[1.0, 0.0], [0.0, 2.0]])
    score = F.linear_meta_score(QUAD, a, b)
    x, lam = np.array([[1.0, 1.0]]), np.array([[0.3, 0.7]])
    assert np.allclose(score(x, lam), lam @ a.T + QUAD.grad(x) @ b.T)


# ---------------------------------------------------------------------------
# integration
# ---------------------------------------------------------------------------


def test_replicator_with_constant_payoff_matches_closed_form():
    h = np.array([1.0, -2.0, 0.5, 3.0])
    lam0 = np.array([0.1, 0.2, 0.3, 0.4])
    flow = F.CoupledFlow(QUAD, F.scaled_bases(np.ones(4), 2), "rep", lambda x, lam: np.tile(h, (x.shape[0], 1)), 0.7)
    sol = F.integrate_flow(flow, [1.0, 1.0], lam0, 5.0, n_dense=501)
    ref = replicator_closed_form(lam0, h, 0.7, sol.t)
    assert np.max(np.abs(sol.lam - ref)) < 1e-13
    direct = F.integrate_flow(flow, [1.0, 1.0], lam0, 5.0, n_dense=501, replicator_coordinates="direct")
    assert np.max(np.abs(direct.lam - ref)) < 1e-8
    # faces are invariant: a zero weight stays exactly zero
    lam_face = np.array([0.0, 0.5, 0.5, 0.0])
    face = F.integrate_flow(flow, [1.0, 1.0], lam_face, 5.0, n_dense=51)
    assert np.all(face.lam[:, [0, 3]] == 0.0)
    assert np.max(np.abs(face.lam - replicator_closed_form(lam_face, h, 0.7, face.t))) < 1e-13


def test_entropy_regularised_replicator_relaxes_to_gibbs_point():
    h = np.array([1.0, 0.0, -0.5])
    flow = F.CoupledFlow(
        QUAD, F.scaled_bases(np.ones(3), 2), "rep", lambda x, lam: np.tile(h, (x.shape[0], 1)), 2.0, 0.5
    )
    sol = F.integrate_flow(flow, [0.0, 0.0], [0.8, 0.1, 0.1], 30.0, n_dense=11)
    gibbs = np.exp(h / 0.5) / np.exp(h / 0.5).sum()
    assert np.allclose(sol.lam[-1], gibbs, atol=1e-9)


def _naive_rhs(flow: F.CoupledFlow):
    """Full-coordinate right-hand side written independently of the engine."""
    d, k = flow.dim, flow.n_bases

    def rhs(t, y):
        x, lam = y[:d], y[d:]
        g = flow.problem.grad(x)
        dirs = flow.bases(x, g)
        a = dirs @ g
        h = -a if flow.score == "align" else a - lam @ a
        lamdot = flow.theta * lam * (h - lam @ h)
        return np.concatenate([-lam @ dirs, lamdot])

    return rhs, d, k


@pytest.mark.parametrize("score", ["adv", "align"])
def test_replicator_flow_agrees_with_independent_solve_ivp_at_tight_tolerance(score):
    prob = P.pl_nonconvex(2)
    bases = F.scaled_bases([0.3, 1.0, 2.0], 2)
    flow = F.CoupledFlow(prob, bases, "rep", score, theta=1.5)
    x0, lam0 = np.array([2.0, -1.0]), np.array([0.2, 0.5, 0.3])
    sol = F.integrate_flow(flow, x0, lam0, 4.0, n_dense=201, method="DOP853", rtol=1e-12, atol=1e-14)
    rhs, d, _ = _naive_rhs(flow)
    ref = solve_ivp(rhs, (0.0, 4.0), np.concatenate([x0, lam0]), method="DOP853", rtol=1e-13, atol=1e-15,
                    t_eval=sol.t)
    assert ref.success and sol.success
    assert np.max(np.abs(sol.x - ref.y[:d].T)) < 1e-9
    assert np.max(np.abs(sol.lam - ref.y[d:].T)) < 1e-9


@pytest.mark.parametrize("method", ["Radau", "LSODA", "BDF"])
def test_stiff_methods_agree_with_dop853(method):
    flow = F.CoupledFlow(P.pl_nonconvex(2), F.scaled_bases([0.3, 1.0, 2.0], 2), "rep", "adv", theta=1.5)
    x0, lam0 = np.array([2.0, -1.0]), np.array([0.2, 0.5, 0.3])
    ref = F.integrate_flow(flow, x0, lam0, 4.0, n_dense=201, rtol=1e-12, atol=1e-14)
    rtol = 1e-8 if method == "BDF" else 1e-10
    sol = F.integrate_flow(flow, x0, lam0, 4.0, n_dense=201, method=method, rtol=rtol, atol=rtol * 1e-2)
    assert sol.success and sol.method == method
    assert np.max(np.abs(sol.x - ref.x)) < 1e3 * rtol
    assert np.max(np.abs(sol.lam - ref.lam)) < 1e3 * rtol


def test_projected_flow_matches_small_step_projected_euler_through_face_events():
    flow = F.CoupledFlow(QUAD, SPD, "proj", "adv", theta=3.0)
    x0, lam0 = np.array([2.0, 1.0]), np.array([0.5, 0.3, 0.2])
    sol = F.integrate_flow(flow, x0, lam0, 1.0, trackers=[F.SimplexTracker(tol=1e-14)])
    kinds = {kind for _, _, kind in sol.face_events}
    assert sol.success and kinds == {"hit", "release"}
    assert sol.tracks["simplex"].ok
    errors = []
    for dt in (4e-4, 2e-4):
        x, lam = x0.copy(), lam0.copy()
        n = int(round(1.0 / dt))
        checkpoints = {int(round(t / dt)): t for t in np.linspace(0.0, 1.0, 11)[1:]}
        worst = 0.0
        for i in range(1, n + 1):
            xdot, lamdot = flow.field(x, lam)
            x, lam = x + dt * xdot, project_to_simplex(lam + dt * lamdot)
            if i in checkpoints:
                xs, ls = sol(checkpoints[i])
                worst = max(worst, np.abs(xs - x).max(), np.abs(ls - lam).max())
        errors.append(worst)
    # the Euler reference converges to the event-driven solution at first order
    assert errors[1] < 2e-3 and 1.6 < errors[0] / errors[1] < 2.5, errors


@pytest.mark.parametrize("dynamics", ["rep", "proj", "fixed"])
def test_batch_rk4_agrees_with_solve_ivp(dynamics):
    rng = np.random.default_rng(5)
    flow = F.CoupledFlow(QUAD, SPD, dynamics, "adv", theta=1.0)
    x0 = rng.uniform(-1, 1, (4, 2))
    lam0 = rng.dirichlet(np.ones(3), 4)
    batch = F.integrate_batch(flow, x0, lam0, 1.0, 800, record_every=100)
    assert batch.x.shape == (9, 4, 2) and batch.lam.shape == (9, 4, 3) and batch.finite.all()
    worst = 0.0
    for i in range(4):
        ref = F.integrate_flow(flow, x0[i], lam0[i], 1.0, t_eval=batch.t)
        worst = max(worst, np.abs(ref.x - batch.x[:, i]).max(), np.abs(ref.lam - batch.lam[:, i]).max())
    tol = {"rep": 1e-6, "fixed": 1e-8, "proj": 2e-3}[dynamics]
    assert worst < tol
    sums = batch.lam.sum(axis=2)
    assert np.max(np.abs(sums - 1.0)) < 1e-14 and batch.lam.min() >= 0.0


def test_batch_rk4_replicator_converges_at_fourth_order():
    flow = F.CoupledFlow(P.pl_nonconvex(), F.scaled_bases([0.5, 2.0], 1), "rep", "adv", theta=2.0)
    x0, lam0 = np.array([[2.5]]), np.array([[0.5, 0.5]])
    ref = F.integrate_flow(flow, x0[0], lam0[0], 2.0, t_eval=[2.0], rtol=1e-13, atol=1e-15)
    errors = []
    for steps in (25, 50, 100):
        out = F.integrate_batch(flow, x0, lam0, 2.0, steps, record_every=steps)
        errors.append(abs(out.x[-1, 0, 0] - ref.x[-1, 0]))
    order = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(order > 3.5), errors


@pytest.mark.parametrize("dynamics", ["rep", "proj"])
def test_weights_stay_on_the_simplex_to_round_off(dynamics):
    rng = np.random.default_rng(8)
    for _ in range(3):
        k = int(rng.integers(2, 6))
        bases = F.scaled_bases(np.exp(rng.uniform(np.log(0.05), np.log(5), k)), 2)
        flow = F.CoupledFlow(P.pl_nonconvex(2), bases, dynamics, str(rng.choice(["adv", "align"])), theta=10.0)
        sol = F.integrate_flow(flow, rng.uniform(-5, 5, 2), rng.dirichlet(np.ones(k)), 5.0,
                               trackers=[F.SimplexTracker(tol=1e-14), F.FinitenessTracker(flow.problem)])
        assert sol.success, sol.message
        assert sol.tracks["simplex"].ok, sol.tracks["simplex"].message
        assert sol.tracks["finite"].ok
        assert sol.lam.min() >= 0.0


def test_dense_output_interpolates_between_grid_points():
    flow = F.CoupledFlow(QUAD, SPD, "proj", "adv", theta=3.0)
    sol = F.integrate_flow(flow, [2.0, 1.0], [0.5, 0.3, 0.2], 1.0, n_dense=11)
    x_mid, lam_mid = sol(0.55)
    fine = F.integrate_flow(flow, [2.0, 1.0], [0.5, 0.3, 0.2], 1.0, t_eval=[0.55])
    assert np.allclose(x_mid, fine.x[0], atol=1e-9) and np.allclose(lam_mid, fine.lam[0], atol=1e-9)
    with pytest.raises(ValueError, match="interval"):
        sol(1.5)


def test_lyapunov_rates_match_finite_differences_along_the_trajectory():
    bases = F.scaled_bases([0.1, 2.0], 1)
    prob = P.quadratic(np.eye(1))
    tau = 0.7
    for dynamics in ("rep", "proj"):
        flow = F.CoupledFlow(prob, bases, dynamics, "adv", theta=2.0)
        sol = F.integrate_flow(flow, [1.0], [0.5, 0.5], 0.2, n_dense=5, rtol=1e-12, atol=1e-14)
        for t in sol.t[1:-1]:
            step = 1e-5
            (xa, la), (xb, lb) = sol(t - step), sol(t + step)

            def v(x, lam):
                return prob.value(x) - tau * float(-np.sum(lam * np.log(lam)))

            fd = (v(xb, lb) - v(xa, la)) / (2 * step)
            x, lam = sol(t)
            rates = F.lyapunov_rates(flow, x, lam, tau)
            assert rates.free_energy_rate == pytest.approx(fd, rel=1e-5, abs=1e-8)
            assert rates.objective_rate == pytest.approx(-(lam @ [0.1, 2.0]) * x[0] ** 2, rel=1e-12)
            assert rates.alignment_term == pytest.approx(rates.objective_rate, rel=1e-12)


def test_lyapunov_rates_entropy_rate_is_infinite_when_a_zero_weight_grows():
    flow = F.CoupledFlow(QUAD, SPD, "proj", "adv", theta=1.0)
    x = np.array([1.0, 0.0])  # base 1 (P = diag(5, 0.2)) is the best aligned here
    rates = F.lyapunov_rates(flow, x, [0.5, 0.0, 0.5], tau=1.0)
    assert rates.entropy_rate == math.inf and rates.free_energy_rate == -math.inf


def test_failure_is_reported_not_raised():
    prob = P.quadratic(-np.eye(1))  # unbounded below: x grows like e^{c t}
    flow = F.CoupledFlow(prob, F.scaled_bases([1.0, 2.0], 1), "rep", "adv")
    sol = F.integrate_flow(flow, [1.0], [0.5, 0.5], 1000.0, rtol=1e-6, atol=1e-9, n_dense=1001,
                           trackers=[F.FinitenessTracker(prob)])
    assert not sol.success and sol.message
    assert sol.t[-1] < 1000.0


# ---------------------------------------------------------------------------
# trackers
# ---------------------------------------------------------------------------


def test_find_increases_uses_relative_tolerance():
    values = np.array([5.0, 4.0, 4.0 + 5e-9, 3.0, 3.0 + 2e-9, 0.0, 5e-10])
    bad, excess = F.find_increases(values)
    assert list(bad) == [1]  # 5e-9 > 1e-9*4; 2e-9 < 1e-9*3; 5e-10 < 1e-9*max(1, 0)
    assert excess[1] == pytest.approx(5e-9 - 4e-9, abs=1e-15)
    assert list(F.find_increases([1.0, np.nan, 0.5])[0]) == [0, 1]


def test_tracker_detects_a_planted_increase_in_a_trajectory():
    flow = F.CoupledFlow(QUAD, SPD, "rep", "adv", theta=1.0)
    tracked = [F.objective_tracker(QUAD, non_increasing=True)]
    sol = F.integrate_flow(flow, [2.0, 1.0], [0.3, 0.3, 0.4], 2.0, trackers=tracked)
    values = sol.tracks["objective"].values
    assert sol.tracks["objective"].ok  # f decreases along (101) with aligned bases
    k_star = 1200  # plant a step at t = 1.2; x_1(t) > 0 decreases along this trajectory
    x1_star = sol.x[k_star, 0]
    bump = 10.0 * (values[k_star] - values[k_star + 1])

    def planted(x, lam):
        return QUAD._value(x) + bump * (x[:, 0] <= x1_star)

    tracker = F.FunctionalTracker("planted", planted, non_increasing=True)
    tracker.handle(sol.t, sol.x, sol.lam)
    report = tracker.finalize()
    assert not report.ok and report.n_violations == 1 and report.worst_index == k_star - 1

    for size, flagged in ((1e-10, False), (2e-9, True)):
        step = F.FunctionalTracker("step", lambda x, lam, s=size: 1.0 + s * (x[:, 0] <= x1_star), non_increasing=True)
        step.handle(sol.t, sol.x, sol.lam)
        assert step.finalize().ok is not flagged


def test_free_energy_tracker_values_and_chunked_handling():
    tracker = F.free_energy_tracker(QUAD, tau=2.0)
    x = np.array([[1.0, 0.0], [0.5, 0.0], [0.1, 0.0]])
    lam = np.array([[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]])
    tracker.handle(np.array([0.0, 1.0]), x[:2], lam[:2])
    tracker.handle(np.array([2.0]), x[2:], lam[2:])
    report = tracker.finalize()
    expected = QUAD.value(x) - 2.0 * np.array([math.log(2), math.log(3), 0.0])
    assert np.allclose(report.values, expected)
    assert not report.ok and report.worst_index == 1  # V rises when the entropy collapses


def test_simplex_and_finiteness_trackers_flag_bad_points():
    simplex = F.SimplexTracker(tol=1e-12)
    lam = np.array([[0.5, 0.5], [0.5, 0.5 + 1e-10], [1.0 + 1e-13, -1e-13]])
    simplex.handle(np.arange(3.0), np.zeros((3, 1)), lam)
    report = simplex.finalize()
    assert not report.ok and report.n_violations == 1 and report.worst_index == 1
    finite = F.FinitenessTracker(QUAD)
    finite.handle(np.arange(3.0), np.array([[0.0, 0.0], [np.nan, 0.0], [1e300, 1e300]]), np.ones((3, 3)) / 3)
    report = finite.finalize()
    assert not report.ok and report.n_violations == 2 and report.worst_index == 1


def test_default_trackers_run_on_a_solution():
    flow = F.CoupledFlow(QUAD, SPD, "fixed")
    sol = F.integrate_flow(flow, [1.0, 1.0], [0.2, 0.3, 0.5], 1.0, trackers=F.default_trackers(QUAD, tau=0.5))
    assert set(sol.tracks) == {"objective", "entropy", "free_energy", "simplex", "finite"}
    assert sol.tracks["free_energy"].ok and sol.tracks["simplex"].ok
    assert len(sol.tracks["objective"].values) == 2001


# ---------------------------------------------------------------------------
# discrete recursions
# ---------------------------------------------------------------------------


def test_schedules():
    t = np.arange(4)
    assert np.allclose(F.StepSchedule("constant", 0.3)(t), 0.3)
    assert np.allclose(F.StepSchedule("inverse-sqrt", 0.3)(t), 0.3 / np.sqrt(t + 1))
    assert np.allclose(F.StepSchedule("inverse", 0.3)(t), 0.3 / (t + 1))
    assert np.allclose(F.StepSchedule("polynomial", 0.3, power=0.7)(t), 0.3 / (t + 1) ** 0.7)


def test_deterministic_fixed_mixture_sgd_matches_closed_form():
    a = np.diag([1.0, 4.0])
    prob = P.quadratic(a)
    bases = F.scaled_bases([0.5, 1.5], 2)
    lam = np.array([0.25, 0.75])
    x0 = np.array([1.0, -2.0])
    trace = F.mixture_sgd(prob, bases, lam, x0, 30, F.StepSchedule("constant", 0.1))
    c = lam @ [0.5, 1.5]
    expected = np.array([np.diag((1 - 0.1 * c * np.diag(a)) ** t) @ x0 for t in range(31)])
    assert np.allclose(trace.x[:, 0], expected, rtol=1e-13, atol=1e-15)
    assert np.allclose(trace.f_mean, prob.value(expected))
    assert np.allclose(trace.x_average[5, 0], expected[:5].mean(axis=0))
    assert np.all(trace.lam == lam)


def test_noisy_sgd_mean_objective_matches_exact_second_moment_recursion():
    a = np.diag([0.5, 2.0])
    prob = P.quadratic(a)
    bases = F.scaled_bases([0.4, 1.2], 2)
    lam = np.array([0.5, 0.5])
    c, alpha, s, steps, runs = 0.8, 0.2, 0.5, 40, 4000
    trace = F.mixture_sgd(prob, bases, lam, [2.0, 1.0], steps, F.StepSchedule("constant", alpha),
                          noise_scale=s, n_runs=runs, seed=3, record_every=steps)
    m = np.diag(1 - alpha * c * np.diag(a))
    mean, cov = np.array([2.0, 1.0]), np.zeros((2, 2))
    for _ in range(steps):
        mean, cov = m @ mean, m @ cov @ m.T + (alpha * c * s) ** 2 * np.eye(2)
    exact = 0.5 * mean @ a @ mean + 0.5 * np.trace(a @ cov)
    values = prob.value(trace.x[-1])
    assert abs(values.mean() - exact) < 4 * values.std() / math.sqrt(runs)
    again = F.mixture_sgd(prob, bases, lam, [2.0, 1.0], steps, F.StepSchedule("constant", alpha),
                          noise_scale=s, n_runs=runs, seed=3, record_every=steps)
    assert np.array_equal(again.x, trace.x)


def test_adaptive_sgd_keeps_weights_on_simplex_and_favours_aligned_base_with_adv_score():
    prob = P.quadratic(np.eye(2))
    bases = F.scaled_bases([0.2, 1.0], 2)
    trace = F.mixture_sgd(prob, bases, [0.5, 0.5], [3.0, 3.0], 50, F.StepSchedule("constant", 0.05),
                          meta_schedule=F.StepSchedule("constant", 0.5), noise_scale=0.1, n_runs=5)
    assert np.allclose(trace.lam.sum(axis=2), 1.0, atol=1e-15) and trace.lam.min() >= 0.0
    assert np.all(trace.lam[-1, :, 1] > 0.5)
    bounded = F.mixture_sgd(prob, bases, [0.5, 0.5], [3.0, 3.0], 5, F.StepSchedule("constant", 0.05),
                            noise=lambda rng, shape: rng.choice([-1.0, 1.0], size=shape), n_runs=3)
    assert bounded.finite.all()


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------
# inertial system (152)-(154), selector system (221)-(222), switching mixtures
# ---------------------------------------------------------------------------

INERTIAL_A = np.array([[2.0, 0.3], [0.3, 1.0]])
INERTIAL_P = np.array([np.eye(2) * 0.7, np.diag([0.4, 1.1])])


def test_inertial_recursion_matches_a_hand_iteration():
    system = F.InertialFlow(P.quadratic(np.array([[2.0]])), np.array([[[0.5]], [[1.5]]]), beta=0.3, gamma=0.6)
    lam = np.array([0.25, 0.75])
    x, v, alpha = 1.0, 0.2, 0.1
    p_bar = 0.25 * 0.5 + 0.75 * 1.5
    for _ in range(5):
        pg = p_bar * 2.0 * x
        x, v = x - alpha * (pg + 0.3 * v), 0.4 * v - pg
    trace = F.inertial_recursion(system, [1.0], [0.2], lam, alpha, 5)
    assert trace.finite and trace.steps.tolist() == [0, 1, 2, 3, 4, 5]
    assert trace.x[-1, 0] == pytest.approx(x, rel=1e-14) and trace.v[-1, 0] == pytest.approx(v, rel=1e-14)


@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_inertial_matrix_powers_match_the_step_by_step_loop(sign):
    system = F.InertialFlow(P.quadratic(INERTIAL_A, x_star=[1.0, -1.0]), INERTIAL_P, 0.2, 0.5, sign)
    lam, x0, v0 = np.array([0.6, 0.4]), np.array([1.0, 2.0]), np.array([0.3, -0.1])
    steps = np.array([0, 7, 300])
    loop = F.inertial_recursion(system, x0, v0, lam, 0.05, 300, record=steps)
    powers = F.inertial_recursion_quadratic(system, x0, v0, lam, 0.05, steps)
    np.testing.assert_allclose(powers.x, loop.x, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(powers.v, loop.v, rtol=1e-12, atol=1e-13)


def test_inertial_recursion_reports_divergence():
    system = F.InertialFlow(P.quadratic(np.array([[1.0]])), np.array([[[1.0]]]), 0.5, 1.0)
    assert not F.inertial_recursion(system, [1.0], [0.0], [1.0], 50.0, 400).finite
    assert not F.inertial_recursion_quadratic(system, [1.0], [0.0], [1.0], 50.0, np.array([400])).finite


@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_integrate_inertial_matches_the_matrix_exponential(sign):
    lam = np.array([0.6, 0.4])
    system = F.InertialFlow(P.quadratic(INERTIAL_A), INERTIAL_P, 0.2, 0.5, sign)
    b = system.mixture(lam) @ INERTIAL_A
    generator = np.block([[-b, sign * 0.2 * np.eye(2)], [-b, -0.5 * np.eye(2)]])
    state0 = np.array([1.0, -2.0, 0.5, 0.3])
    sol = F.integrate_inertial(system, state0[:2], state0[2:], lam, [0.0, 0.75, 1.5])
    assert sol.success
    for t, x, v in zip(sol.t, sol.x, sol.v, strict=True):
        exact = expm(t * generator) @ state0
        np.testing.assert_allclose(np.concatenate([x, v]), exact, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("score", ["align", "adv"])
def test_integrate_inertial_with_replicator_weights_matches_solve_ivp_in_plain_coordinates(score):
    system = F.InertialFlow(P.pl_nonconvex(2), INERTIAL_P, 0.3, 0.8, -1.0, theta=2.0, score=score)
    x0, v0, lam0 = np.array([1.5, -0.7]), np.array([0.2, 0.1]), np.array([0.3, 0.7])
    times = np.linspace(0.0, 5.0, 11)
    sol = F.integrate_inertial(system, x0, v0, lam0, times)

    def rhs(t, y):
        return np.concatenate(system.field(y[:2], y[2:4], y[4:]))

    ref = solve_ivp(rhs, (0.0, 5.0), np.concatenate([x0, v0, lam0]), method="DOP853", t_eval=times, rtol=1e-12,
                    atol=1e-13)
    assert sol.success and ref.success
    np.testing.assert_allclose(sol.x, ref.y[:2].T, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(sol.v, ref.y[2:4].T, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(sol.lam, ref.y[4:].T, rtol=1e-7, atol=1e-8)
    # weights stay on the simplex to round-off, zero weights stay zero
    assert np.all(sol.lam >= 0) and np.allclose(sol.lam.sum(axis=1), 1.0, atol=1e-14)
    face = F.integrate_inertial(system, x0, v0, np.array([0.0, 1.0]), times)
    assert face.success and np.all(face.lam[:, 0] == 0.0)


def test_inertial_failure_is_reported_not_raised():
    blow_up = P.quadratic(np.array([[-1.0]]))  # concave: the state grows like e^t
    system = F.InertialFlow(blow_up, np.array([[[1.0]]]), 0.5, 1.0)
    sol = F.integrate_inertial(system, [1.0], [0.0], [1.0], [0.0, 1e4])
    assert not sol.success and sol.message


def test_inertial_lyapunov_rates_match_finite_differences_of_w():
    system = F.InertialFlow(P.pl_nonconvex(2), INERTIAL_P, 0.3, 0.8, 1.0, theta=1.5, score="adv")
    x0, v0, lam0, tau = np.array([0.8, -0.4]), np.array([0.5, -0.2]), np.array([0.35, 0.65]), 0.7
    times = np.array([0.0, 1e-4, 2e-4])
    sol = F.integrate_inertial(system, x0, v0, lam0, np.concatenate([-times[:0:-1], times]) + 1.0)
    w = (system.problem.value(sol.x) + 0.5 * system.beta * np.sum(sol.v**2, axis=1)
         + tau * np.sum(sol.lam * np.log(sol.lam), axis=1))
    central = (-w[4] + 8 * w[3] - 8 * w[1] + w[0]) / (12 * 1e-4)
    rates = F.inertial_lyapunov_rates(system, sol.x[2], sol.v[2], sol.lam[2], tau)
    assert rates.phase_space_rate == pytest.approx(central, rel=1e-6)
    assert rates.claimed_bound == pytest.approx(rates.alignment_term + rates.damping_term + rates.variance_term)


def test_inertial_lyapunov_rate_at_zero_gradient_is_minus_beta_gamma_v_squared():
    system = F.InertialFlow(P.quadratic(np.eye(2)), np.array([np.eye(2), 2 * np.eye(2)]), 0.1, 1.0, -1.0)
    rates = F.inertial_lyapunov_rates(system, np.zeros(2), [1.0, 2.0], [0.5, 0.5], 0.0)
    assert rates.phase_space_rate == pytest.approx(-0.1 * 1.0 * 5.0, rel=1e-14)
    assert rates.claimed_bound == pytest.approx(-(1.0 - 0.1) * 5.0, rel=1e-14)


def test_selector_flow_is_the_replicator_with_the_alignment_score():
    bases = F.scaled_bases([0.5, 2.0, 1.0], 2)
    flow = F.selector_flow(QUAD, bases, theta=3.0)
    assert flow.weight_dynamics == "rep" and flow.score == "align" and flow.theta == 3.0
    x, lam = np.array([1.0, -0.5]), np.array([0.2, 0.3, 0.5])
    g = QUAD.grad(x)
    h = -np.array([0.5, 2.0, 1.0]) * float(g @ g)
    xdot, lamdot = flow.field(x, lam)
    np.testing.assert_allclose(lamdot, 3.0 * lam * (h - lam @ h), rtol=1e-13)
    np.testing.assert_allclose(xdot, -(lam @ np.array([0.5, 2.0, 1.0])) * g, rtol=1e-13)
    # every vertex and the fibre {x*} x simplex are invariant
    assert not np.any(flow.field(x, np.eye(3)[1])[1])
    assert not np.any(np.concatenate(flow.field(np.zeros(2), lam)))


def test_selector_jacobian_matches_the_closed_form_on_a_scalar_quadratic():
    # f = a x^2/2, d_j = c_j f', at (0, e_i): dx' = -c_i a x, lambda_j' = O(x^2 lambda_j) -> zero rows
    a, c = 2.0, np.array([0.5, 2.0])
    flow = F.selector_flow(P.quadratic(np.array([[a]])), F.scaled_bases(c, 1), theta=1.5)
    jac = F.selector_jacobian(flow, [0.0], 1)
    np.testing.assert_allclose(jac, [[-c[1] * a, 0.0], [0.0, 0.0]], atol=1e-8)
    off = F.selector_jacobian(flow, [0.3], 0)  # away from x*: lambda_1' = theta l1 (h_1 - h_0) at l1 = 0
    g = a * 0.3
    assert off[1, 1] == pytest.approx(1.5 * (-(c[1] - c[0]) * g * g), rel=1e-6)


def test_switched_mixture_matches_piecewise_closed_forms():
    bases = F.scaled_bases([1.0, 3.0], 1)
    problem = P.quadratic(np.array([[1.0]]))
    weights = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    switches = np.array([0.4, 1.0])
    times = np.linspace(0.0, 2.0, 21)
    sol = F.integrate_switched_mixture(problem, bases, weights, switches, [2.0], times)
    rate = np.where(times < 0.4, 1.0, np.where(times < 1.0, 3.0, 2.0))
    exponent = np.where(times < 0.4, times, np.where(times < 1.0, 0.4 + 3.0 * (times - 0.4),
                                                       0.4 + 1.8 + 2.0 * (times - 1.0)))
    assert sol.success
    np.testing.assert_allclose(sol.x[:, 0], 2.0 * np.exp(-exponent), rtol=1e-8)
    np.testing.assert_allclose(sol.lam @ np.array([1.0, 3.0]), rate)


# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: F.CoupledFlow(QUAD, F.scaled_bases([1.0], 3)), "dimension"),
        (lambda: F.CoupledFlow(QUAD, SPD, "mirror"), "weight_dynamics"),
        (lambda: F.CoupledFlow(QUAD, SPD, score="advantage"), "score"),
        (lambda: F.CoupledFlow(QUAD, SPD, score=lambda x, lam: lam[:, :2]), "shape"),
        (lambda: F.CoupledFlow(QUAD, SPD, theta=-1.0), "theta"),
        (lambda: F.CoupledFlow(QUAD, SPD, theta=math.nan), "theta"),
        (lambda: F.integrate_flow(F.CoupledFlow(QUAD, SPD), [1.0, 1.0], [0.5, 0.5, 0.5], 1.0), "simplex"),
        (lambda: F.integrate_flow(F.CoupledFlow(QUAD, SPD), [1.0, 1.0], [1.2, -0.1, -0.1], 1.0), "simplex"),
        (lambda: F.integrate_flow(F.CoupledFlow(QUAD, SPD), [1.0], [1.0, 0.0, 0.0], 1.0), "x0"),
        (lambda: F.integrate_flow(F.CoupledFlow(QUAD, SPD), [1.0, np.inf], [1.0, 0.0, 0.0], 1.0), "non-finite"),
        (lambda: F.integrate_flow(F.CoupledFlow(QUAD, SPD), [1.0, 1.0], [1.0, 0.0, 0.0], 0.0), "t_final"),
        (lambda: F.integrate_flow(F.CoupledFlow(QUAD, SPD), [1.0, 1.0], [1.0, 0.0, 0.0], 1.0, method="Eu"), "method"),
        (lambda: F.integrate_flow(F.CoupledFlow(QUAD, SPD), [1.0, 1.0], [1.0, 0.0, 0.0], 1.0, rtol=0.0), "rtol"),
        (lambda: F.integrate_flow(F.CoupledFlow(QUAD, SPD), [1.0, 1.0], [1.0, 0.0, 0.0], 1.0, t_eval=[0.5, 0.2]),
         "t_eval"),
        (lambda: F.integrate_batch(F.CoupledFlow(QUAD, SPD), np.zeros((2, 2)), np.ones((3, 3)) / 3, 1.0, 10), "batch"),
        (lambda: F.integrate_batch(F.CoupledFlow(QUAD, SPD), np.zeros(2), np.ones(3) / 3, 1.0, 0), "n_steps"),
        (lambda: F.preconditioned_bases(np.array([[[1.0, 2.0], [0.0, 1.0]]])), "symmetric"),
        (lambda: F.preconditioned_bases(lambda x: np.zeros((1, 2, 2, 2))), "dim"),
        (lambda: F.scaled_bases([], 2), "scales"),
        (lambda: F.StepSchedule("cosine", 0.1), "kind"),
        (lambda: F.StepSchedule("constant", 0.0), "alpha0"),
        (lambda: F.mixture_sgd(QUAD, SPD, [1.0, 0.0, 0.0], [1.0, 1.0], 5, F.StepSchedule("constant", 0.1),
                               noise_scale=-1.0), "noise_scale"),
        (lambda: F.mixture_sgd(QUAD, SPD, [1.0, 0.0, 0.0], np.zeros((3, 2)), 5, F.StepSchedule("constant", 0.1),
                               n_runs=2), "n_runs"),
        (lambda: F.lyapunov_rates(F.CoupledFlow(QUAD, SPD), [1.0, 1.0], [1.0, 0.0, 0.0], -1.0), "tau"),
        (lambda: F.FunctionalTracker("f", 3.0), "callable"),
        (lambda: F.InertialFlow(QUAD, np.eye(2), 0.1, 0.5), "shape"),
        (lambda: F.InertialFlow(QUAD, np.array([[[1.0, 2.0], [0.0, 1.0]]]), 0.1, 0.5), "symmetric"),
        (lambda: F.InertialFlow(QUAD, np.array([-np.eye(2)]), 0.1, 0.5), "positive definite"),
        (lambda: F.InertialFlow(QUAD, PRECONDITIONERS, 0.0, 0.5), "beta"),
        (lambda: F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 1.5), "gamma"),
        (lambda: F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 0.5, momentum_sign=0.5), "momentum_sign"),
        (lambda: F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 0.5, theta=-1.0), "theta"),
        (lambda: F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 0.5, score="advantage"), "score"),
        (lambda: F.integrate_inertial(F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 0.5), [1.0, 1.0], [0.0, 0.0],
                                      [0.5, 0.5, 0.5], [0.0, 1.0]), "simplex"),
        (lambda: F.integrate_inertial(F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 0.5), [1.0, 1.0], [0.0],
                                      [1.0, 0.0, 0.0], [0.0, 1.0]), "v"),
        (lambda: F.integrate_inertial(F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 0.5), [1.0, 1.0], [0.0, 0.0],
                                      [1.0, 0.0, 0.0], [1.0, 0.0]), "t_eval"),
        (lambda: F.inertial_lyapunov_rates(F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 0.5), [1.0, 1.0], [0.0, 0.0],
                                           [1.0, 0.0, 0.0], 1.0), "interior"),
        (lambda: F.inertial_recursion(F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 0.5), [1.0, 1.0], [0.0, 0.0],
                                      [1.0, 0.0, 0.0], 0.0, 5), "step_size"),
        (lambda: F.inertial_recursion(F.InertialFlow(QUAD, PRECONDITIONERS, 0.1, 0.5), [1.0, 1.0], [0.0, 0.0],
                                      [1.0, 0.0, 0.0], 0.1, 5, record=[7]), "record"),
        (lambda: F.inertial_recursion_quadratic(F.InertialFlow(P.pl_nonconvex(2), PRECONDITIONERS, 0.1, 0.5),
                                                [1.0, 1.0], [0.0, 0.0], [1.0, 0.0, 0.0], 0.1, np.array([3])),
         "not quadratic"),
        (lambda: F.selector_jacobian(F.CoupledFlow(QUAD, SPD, "proj"), [0.0, 0.0], 0), "rep"),
        (lambda: F.selector_jacobian(F.selector_flow(QUAD, SPD), [0.0, 0.0], 3), "vertex"),
        (lambda: F.integrate_switched_mixture(QUAD, SPD, np.eye(3), [0.5], [1.0, 1.0], [0.0, 1.0]), "switch_times"),
        (lambda: F.integrate_switched_mixture(QUAD, SPD, np.eye(3)[:2], [2.0], [1.0, 1.0], [0.0, 1.0]),
         "switch_times"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_docs_example_runs():
    text = (Path(__file__).resolve().parents[1] / "docs" / "flows.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    namespace: dict = {}
    exec(compile(blocks[0], "docs/flows.md", "exec"), namespace)
    assert namespace["sol"].success and namespace["sol"].tracks["simplex"].ok
