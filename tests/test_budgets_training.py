"""Tests of the flow simulators and training loops (theorylab.budgets.training) against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theorylab.budgets import DiagonalBudget, FrobeniusBudget
from theorylab.budgets import training as tr
from theorylab.problems import rosenbrock


def _spd(d: int, rng: np.random.Generator, low: float = 0.05) -> np.ndarray:
    A = rng.standard_normal((d, d))
    return A @ A.T / d + low * np.eye(d)


# --------------------------------------------------------------------------- expected losses


@pytest.mark.parametrize("d", [1, 3, 8])
def test_expected_loss_expm_matches_eigendecomposition(d):
    rng = np.random.default_rng(d)
    H, Q = _spd(d, rng), _spd(d, rng, 0.0)
    times = [0.0, 0.3, 2.0, 17.0, 250.0]
    expm = tr.expected_quadratic_loss(Q, H, times)
    eigen = tr.expected_quadratic_loss(Q, H, times, method="eigen")
    np.testing.assert_allclose(expm, eigen, rtol=1e-9, atol=1e-14)
    assert expm[0] == pytest.approx(0.5 * np.trace(H), rel=1e-12)


def test_expected_loss_commuting_closed_form():
    h = np.array([0.01, 0.3, 1.0, 2.5])
    q = np.array([2.0, 0.5, 0.1, 0.3])
    t = np.array([0.5, 4.0, 40.0])
    closed = 0.5 * np.exp(-2.0 * np.outer(t, q * h)) @ h
    np.testing.assert_allclose(tr.expected_quadratic_loss(np.diag(q), np.diag(h), t), closed, rtol=1e-12)


def test_expected_loss_is_the_mean_over_basis_starts_of_the_flow():
    # E[theta0 theta0^T] = I, so E L(t) = 1/2 sum_i L(theta(t; e_i)); a non-symmetric QH on purpose
    rng = np.random.default_rng(4)
    d = 5
    H, Q = _spd(d, rng), rng.standard_normal((d, d)) * 0.3 + np.eye(d)
    t = np.array([0.2, 1.0, 3.0])
    total = np.zeros(t.size)
    for i in range(d):
        theta = tr.linear_flow(Q @ H, np.zeros(d), np.eye(d)[i], t)
        total += 0.5 * np.einsum("ti,ij,tj->t", theta, H, theta)
    np.testing.assert_allclose(tr.expected_quadratic_loss(Q, H, t), total, rtol=1e-10)


def test_discrete_expected_loss_matches_iteration_and_eigen_formula():
    rng = np.random.default_rng(7)
    d = 6
    H, Q = _spd(d, rng), 0.3 * _spd(d, rng, 0.0)
    steps = np.array([0, 1, 5, 40])
    got = tr.expected_quadratic_loss_discrete(Q, H, steps)
    step = np.eye(d) - Q @ H
    for k, value in zip(steps, got, strict=True):
        P = np.eye(d)
        for _ in range(k):
            P = step @ P
        assert value == pytest.approx(0.5 * np.trace(P.T @ H @ P), rel=1e-11)
    w, V = np.linalg.eigh(H)
    root = (V * np.sqrt(w)) @ V.T
    s, U = np.linalg.eigh(root @ Q @ root)
    weights = np.einsum("ji,jk,ki->i", U, H, U)
    np.testing.assert_allclose(got, [0.5 * np.sum((1 - s) ** (2 * k) * weights) for k in steps], rtol=1e-9)


# --------------------------------------------------------------------------- linear flows


def test_linear_flow_expm_matches_solve_ivp_and_steady_state():
    rng = np.random.default_rng(1)
    d = 4
    M = _spd(d, rng) @ (np.eye(d) + 0.2 * rng.standard_normal((d, d)))  # QH-like, non-symmetric
    M = M + 0.5 * np.eye(d)
    b, theta0 = rng.standard_normal(d), rng.standard_normal(d)
    t = np.array([3.0, 0.0, 0.7, 10.0])
    a = tr.linear_flow(M, b, theta0, t)
    ref = tr.linear_flow(M, b, theta0, t, method="solve_ivp")
    np.testing.assert_allclose(a, ref, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(a[1], theta0, rtol=0, atol=1e-14)
    late = tr.linear_flow(M, b, theta0, [400.0])[0]
    np.testing.assert_allclose(late, np.linalg.solve(M, b), rtol=1e-8)


def test_linear_flow_singular_m_grows_linearly_along_the_kernel():
    M = np.diag([1.0, 0.0])
    out = tr.linear_flow(M, np.array([0.0, 2.0]), np.array([1.0, 1.0]), [0.0, 3.0])
    np.testing.assert_allclose(out[1], [math.exp(-3.0), 7.0], rtol=1e-12)


# --------------------------------------------------------------------------- objectives


def _fd_grad(objective, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        out[i] = (objective.value(theta + e) - objective.value(theta - e)) / (2 * h)
    return out


def test_mlp_gradient_matches_finite_differences():
    mlp = tr.mlp_regression(n_inputs=3, n_hidden=6, n_samples=20, seed=3)
    assert mlp.dim == 6 * 3 + 6 + 6 + 1
    theta = mlp.details["theta0"] + 0.1 * np.random.default_rng(0).standard_normal(mlp.dim)
    np.testing.assert_allclose(mlp.grad(theta), _fd_grad(mlp, theta), rtol=1e-6, atol=1e-9)


def test_rosenbrock_nd_gradient_and_two_dimensional_case():
    ros = tr.rosenbrock_nd(6)
    theta = np.random.default_rng(2).uniform(-1.5, 1.5, 6)
    np.testing.assert_allclose(ros.grad(theta), _fd_grad(ros, theta, 1e-7), rtol=1e-6, atol=1e-6)
    assert ros.value(np.ones(6)) == 0.0
    two, ref = tr.rosenbrock_nd(2), rosenbrock()
    p = np.array([-0.3, 0.8])
    assert two.value(p) == pytest.approx(ref.value(p), rel=1e-14)
    np.testing.assert_allclose(two.grad(p), ref.grad(p), rtol=1e-14)


def test_rotated_quadratic_has_the_requested_spectrum():
    h = np.logspace(-2, 0, 7)
    prob = tr.rotated_quadratic(h, seed=5)
    H = prob.hess(np.zeros(7))
    np.testing.assert_allclose(np.linalg.eigvalsh(H), h, rtol=1e-10)
    assert not np.allclose(H, np.diag(np.diag(H)))


# --------------------------------------------------------------------------- training loops


def test_exact_moment_frobenius_loop_is_fixed_q_descent():
    rng = np.random.default_rng(0)
    d = 5
    H = _spd(d, rng)
    prob = tr.rotated_quadratic(np.linalg.eigvalsh(H), seed=None)
    H = prob.hess(np.zeros(d))
    sigma = H @ H
    theta0 = rng.standard_normal(d)
    run = tr.train(prob, theta0, tr.closed_form_rule(FrobeniusBudget(0.25)), 30, moment="exact", exact_moment=sigma)
    Q = 0.5 * sigma / np.linalg.norm(sigma)
    theta = theta0.copy()
    for _ in range(30):
        theta = theta - Q @ H @ theta
    np.testing.assert_allclose(run.theta, theta, rtol=1e-12, atol=1e-14)
    assert run.losses[-1] == pytest.approx(0.5 * theta @ H @ theta, rel=1e-12)


def test_instant_moment_frobenius_loop_is_gradient_descent_with_rate_sqrt_b():
    # Q = sqrt(B) g g^T/||g g^T||_F, so Q g = sqrt(B) g
    prob = tr.rotated_quadratic([0.1, 0.5, 1.0], seed=1)
    H = prob.hess(np.zeros(3))
    theta0 = np.array([1.0, -2.0, 0.5])
    run = tr.train(prob, theta0, tr.closed_form_rule(FrobeniusBudget(0.36)), 12, moment="instant")
    theta = theta0.copy()
    for _ in range(12):
        theta = theta - 0.6 * H @ theta
    np.testing.assert_allclose(run.theta, theta, rtol=1e-12, atol=1e-14)


def test_ema_moment_and_adaptive_diagonal_costs():
    # with c = sqrt(v) and Sigma = EMA(gg^T), q_j is proportional to Sigma_jj / sqrt(v_j) = sqrt(Sigma_jj)
    prob = tr.rotated_quadratic([0.2, 1.0], seed=None)
    rule = tr.adaptive_diagonal_rule(1.0, eps=1e-300)
    sigma = np.array([[4.0, 1.0], [1.0, 9.0]])
    Q = rule(sigma, np.diag(sigma).copy())
    np.testing.assert_allclose(np.diag(Q) / np.diag(Q)[0], [1.0, 1.5], rtol=1e-12)
    ref = DiagonalBudget(1.0, np.array([2.0, 3.0])).closed_form(sigma).Q
    np.testing.assert_allclose(Q, ref, rtol=1e-12)
    run = tr.train(prob, np.array([1.0, 1.0]), tr.closed_form_rule(FrobeniusBudget(0.01)), 5, decay=0.5)
    assert not run.diverged and np.all(np.diff(run.losses) < 0)


def test_divergence_is_recorded_not_raised():
    prob = tr.rotated_quadratic([0.5, 1.0], seed=None)
    run = tr.train(prob, np.array([1.0, 1.0]), tr.closed_form_rule(FrobeniusBudget(1e4)), 200)
    assert run.diverged and run.diverged_at is not None
    assert run.final_loss == math.inf and run.area == math.inf
    assert np.isnan(run.losses[-1])


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: tr.expected_quadratic_loss(np.eye(2), np.array([[1.0, 2.0], [0.0, 1.0]]), [1.0]), "symmetric"),
        (lambda: tr.expected_quadratic_loss(np.eye(2), np.eye(3), [1.0]), "same shape"),
        (lambda: tr.expected_quadratic_loss(np.full((2, 2), np.nan), np.eye(2), [1.0]), "finite"),
        (lambda: tr.expected_quadratic_loss(np.eye(2), np.eye(2), [-1.0]), ">= 0"),
        (lambda: tr.expected_quadratic_loss(np.eye(2), np.eye(2), [1.0], method="pade"), "method"),
        (lambda: tr.expected_quadratic_loss(np.eye(2), -np.eye(2), [1.0], method="eigen"), "positive definite"),
        (lambda: tr.expected_quadratic_loss_discrete(np.eye(2), np.eye(2), [1.5]), "integers"),
        (lambda: tr.linear_flow(np.eye(2), np.zeros(3), np.zeros(2), [1.0]), r"shape \(2,\)"),
        (lambda: tr.linear_flow(np.ones((2, 3)), np.zeros(2), np.zeros(2), [1.0]), "square"),
        (lambda: tr.rosenbrock_nd(1), "dim"),
        (lambda: tr.mlp_regression(n_hidden=0), "n_hidden"),
        (lambda: tr.train(tr.rosenbrock_nd(2), np.zeros(2), lambda s, v: s, 3, moment="exact"), "exact_moment"),
        (lambda: tr.train(tr.rosenbrock_nd(2), np.zeros(2), lambda s, v: s, 3, moment="adam"), "moment"),
        (lambda: tr.train(tr.rosenbrock_nd(2), np.zeros(3), lambda s, v: s, 3), r"shape \(2,\)"),
        (lambda: tr.closed_form_rule("frobenius"), "Budget"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
