"""Targeted tests of the optopt budget claims (Theorem 1, Corollary 2) and their private helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import proofs_checks.optopt  # noqa: F401  (registers the optopt claims)
from proofs_checks.optopt import _budget_helpers as helpers
from proofs_checks.optopt import static_budgets
from theorylab.budgets import DiagonalBudget, FrobeniusBudget, SpectralBudget
from theorylab.budgets.base import Formula
from theorylab.budgets.frobenius import FrobeniusBudget as EngineFrobenius
from theorylab.claims import load_claims, run_claim


@pytest.fixture(scope="module")
def registry():
    return load_claims()


# --------------------------------------------------------------------------- mutation tests


def test_broken_frobenius_formula_is_refuted(registry, monkeypatch):
    original = EngineFrobenius.closed_form

    def doubled(self, sigma):
        formula = original(self, sigma)
        return Formula(Q=formula.Q, stated_power=2.0 * formula.stated_power, message=formula.message)

    monkeypatch.setattr(EngineFrobenius, "closed_form", doubled)
    assert run_claim(registry["optopt.corollary2.frobenius"], seed=0).verdict == "refuted"


def test_broken_dual_program_breaks_gauge_identity(registry, monkeypatch):
    real = static_budgets.solve_dual

    def inflated(budget, sigma, *args, **kwargs):
        out = dict(real(budget, sigma, *args, **kwargs))
        out["value"] = 1.5 * out["value"] + 1.0
        return out

    monkeypatch.setattr(static_budgets, "solve_dual", inflated)
    assert run_claim(registry["optopt.theorem1.ii"], seed=0).verdict == "refuted"


def test_non_sublinear_power_is_refuted(registry, monkeypatch):
    real = static_budgets._power

    def squared(instance, sigma, method="cvxpy-reduced"):
        value, Q = real(instance, sigma, method)
        return value * abs(value) + value, Q

    monkeypatch.setattr(static_budgets, "_power", squared)
    assert run_claim(registry["optopt.theorem1.i"], seed=0).verdict == "refuted"


# --------------------------------------------------------------------------- helpers against closed forms


def test_data_metric_lower_bound_known_cases():
    best, Q, slope = static_budgets._data_metric_lower_bound(np.diag([1.0, -1.0]), 1.0)
    assert best == pytest.approx(1.0, rel=1e-9)
    assert slope == pytest.approx(0.0, abs=1e-12)
    assert float(np.sum((Q @ np.diag([1.0, -1.0])) * Q)) <= 1.0 + 1e-9
    best2, _, slope2 = static_budgets._data_metric_lower_bound(np.diag([2.0, -1.0]), 1.0)
    assert slope2 == pytest.approx(math.sqrt(2.0) - 1.0)
    assert best2 > 1e3  # the ray: sqrt(2(1 + t^2)) - t grows without bound


def test_hull_power_is_vertex_maximum():
    points = np.array([np.diag([1.0, 0.0]), np.diag([0.0, 2.0])])
    hull = static_budgets._Hull(points)
    assert hull.power(np.diag([3.0, 1.0]))[0] == pytest.approx(3.0)
    assert hull.power(-np.eye(2))[0] == 0.0


@pytest.mark.parametrize("budget", [FrobeniusBudget(2.0), SpectralBudget(1.5, 1.0), DiagonalBudget(1.0, [1.0, 4.0])])
def test_witness_is_feasible_and_positive(budget):
    delta = np.diag([0.0, 0.3])
    witness = static_budgets._witness(budget, delta)
    assert float(np.sum(witness * delta)) > 0
    for value, bound in budget.constraint_values(witness, delta).values():
        assert value <= bound * (1 + 1e-12)


def test_static_families_have_their_structure():
    rng = np.random.default_rng(1)
    assert np.linalg.matrix_rank(helpers.static_moment(rng, "rank-one", 5)) == 1
    assert np.min(np.linalg.eigvalsh(helpers.static_moment(rng, "psd", 5))) >= -1e-12
    val = helpers.static_moment(rng, "val", 4)
    assert np.allclose(val, val.T)
    assert not np.any(helpers.static_moment(rng, "zero", 3))


def test_ar1_lag_moments_match_closed_form():
    R = helpers.lag_moment(np.random.default_rng(2), "ar1", 3, 5)
    ratio = np.diag(R[2]) / np.diag(R[1])
    assert np.allclose(np.diag(R[1]) / np.diag(R[0]), ratio)
    ma = helpers.lag_moment(np.random.default_rng(3), "ma1", 2, 4)
    assert not np.any(ma[2:])


# --------------------------------------------------------------------------- dynamic helpers and Lemma 4


def test_positive_real_sequences_are_in_h_plus():
    from proofs_checks.optopt import dynamic_budgets as dyn

    rng = np.random.default_rng(4)
    for kind in ("fir", "geometric", "var1"):
        seq = dyn.positive_real_sequence(rng, kind, 2, 10)
        assert dyn.min_hermitian_eigenvalue(seq) >= -1e-9


def test_min_hermitian_eigenvalue_of_scalar_fir():
    from proofs_checks.optopt import dynamic_budgets as dyn

    seq = np.zeros((3, 1, 1))
    seq[0, 0, 0], seq[1, 0, 0] = 1.0, 0.5  # Re(1 + 0.5 e^{-iw}) >= 0.5
    assert dyn.min_hermitian_eigenvalue(seq) == pytest.approx(0.5, abs=1e-6)


def test_dynamic_dual_value_matches_closed_support():
    from proofs_checks.optopt import dynamic_budgets as dyn
    from theorylab.budgets import DynamicFrobeniusBudget

    R = np.zeros((2, 2, 2))
    R[0] = np.diag([3.0, -1.0])
    R[1] = np.diag([4.0, 0.0])
    # sup over lag-wise PSD Q with ||Q||_H <= 2 of <Q,R>_H = 2 ||(R_+)||_H = 2 * 5
    assert dyn.dual_value(DynamicFrobeniusBudget(4.0, "lag-psd"), R) == pytest.approx(10.0, rel=1e-6)


def test_commutativity_conditions_on_a_known_instance():
    from proofs_checks.optopt import dynamic_budgets as dyn

    inst = dyn._Commutativity("ball", np.array([1.0, 1.0]), "orthant", np.zeros(0))
    cond_i, cond_ii, _ = dyn._conditions(inst, np.array([1.0, -1.0]))
    # Q* = (1, -1)/sqrt2, projection (1/sqrt2, 0) is not the restricted maximizer (1, 0)
    assert not cond_i
    assert not cond_ii
    cond_i, cond_ii, _ = dyn._conditions(inst, np.array([1.0, 2.0]))
    assert cond_i and cond_ii


def test_broken_lag_psd_helper_breaks_termwise_claim(registry, monkeypatch):
    from proofs_checks.optopt import dynamic_budgets as dyn

    real = dyn.lag_psd_sequence

    def indefinite(rng, lags, d):
        seq = real(rng, lags, d)
        seq[0] -= 2.0 * np.linalg.norm(seq[0]) * np.eye(d)
        return seq

    monkeypatch.setattr(dyn, "lag_psd_sequence", indefinite)
    assert run_claim(registry["optopt.theorem3.iv-termwise-lagpsd"], seed=0).verdict == "refuted"


# --------------------------------------------------------------------------- engine certificate (task: Q* = 0)


def test_certificate_accepts_a_zero_optimum_up_to_round_off_only_with_the_budget_scale(monkeypatch):
    # Sigma = -I: Q* = 0; a solver returns it with eigenvalues of order -1e-10.  Measured against ||Q|| alone
    # (q_scale = 0, the old certificate) that round-off is a 100 % PSD violation.
    from theorylab.budgets.base import certify

    budget, sigma = FrobeniusBudget(1.0), -np.eye(3)
    round_off = -1e-10 * np.eye(3)
    assert certify(budget, sigma, round_off, source="CLARABEL").feasible
    assert not certify(budget, sigma, -1e-3 * np.eye(3), source="CLARABEL").feasible
    monkeypatch.setattr(FrobeniusBudget, "q_scale", lambda self, sigma: 0.0)
    assert not certify(budget, sigma, round_off, source="CLARABEL").feasible


# --------------------------------------------------------------------------- Cor. 6 beta2 helpers


def test_ema_costs_match_the_engine_recursion():
    from proofs_checks.optopt import momentum_adam as ma
    from theorylab.budgets.hyperparameters import ema_second_moment

    g = np.random.default_rng(3).normal(size=(40, 4)) * np.array([0.1, 1.0, 5.0, 20.0])
    for beta2 in (0.0, 0.3, 0.9, 0.999):
        assert np.allclose(ma.ema_costs(g, beta2), np.sqrt(ema_second_moment(g, beta2)), rtol=1e-12)
    assert np.allclose(ma.ema_costs(g, 0.0), np.abs(g[-1]))


def test_empirical_lags_of_a_constant_and_an_alternating_stream():
    from proofs_checks.optopt import momentum_adam as ma

    T = 10
    g = np.stack([np.full(T, 2.0), (-1.0) ** np.arange(T)], axis=1)
    r = ma.empirical_lags(g, 3)
    assert np.allclose(r[:, 0], 4.0)
    assert np.allclose(r[:, 1], [1.0, -1.0, 1.0, -1.0])


def test_population_lags_of_the_ar1_stream_match_its_sample_moments():
    from proofs_checks.optopt import momentum_adam as ma

    g, population = ma.gradient_stream("ar1", 3, 200_000, 5)
    empirical = ma.empirical_lags(g, 3)
    scale = population[0][None, :]
    assert np.all(np.abs(empirical[:4] - population[:4]) <= 0.03 * scale)


def test_run_adam_matches_a_scalar_reference():
    from proofs_checks.optopt import momentum_adam as ma

    problem = ma.quadratic_problem(3, 1)
    beta1, beta2, eta = np.array([0.9, 0.5]), np.array([0.999, 0.0]), np.array([1e-2, 3e-3])
    final, _ = ma.run_adam(problem, beta1, beta2, eta, 25, seed=4)
    for j in range(2):
        rng = np.random.default_rng(4)
        theta = np.tile(problem["theta0"], (2, 1))
        m = np.zeros_like(theta)
        v = np.zeros_like(theta)
        losses = []
        for t in range(1, 26):
            grad = problem["gradient"](theta, rng)  # the same noise draws as the batched run
            m = beta1 * m.T + (1 - beta1) * grad.T
            v = beta2 * v.T + (1 - beta2) * grad.T**2
            m, v = m.T, v.T
            step = eta[:, None] * (m / (1 - beta1[:, None] ** t)) / (np.sqrt(v / (1 - beta2[:, None] ** t)) + 1e-8)
            theta = theta - step
            if t > 20:
                losses.append(problem["loss"](theta)[j])
        assert final[j] == pytest.approx(np.mean(losses), rel=1e-12)


@pytest.mark.parametrize("star_loss, expected", [(0.5, "confirmed"), (2.0, "refuted")])
def test_beta2_verdict_follows_the_adam_losses(registry, monkeypatch, star_loss, expected):
    # mutation: replace the measured Adam losses by ones where the eq.-15 beta2* run is the best (or the worst)
    from proofs_checks.optopt import momentum_adam as ma

    real = ma._adam_experiment

    def staged(ctx, problem, steps, seeds, lr_base, grid):
        result = real(ctx, problem, steps, seeds, lr_base, grid)
        losses = 1.0 + 0.01 * np.random.default_rng(0).random(result["losses"].shape)
        losses[:, result["star"]] = star_loss
        return {**result, "losses": losses}

    monkeypatch.setattr(ma, "_adam_experiment", staged)
    assert run_claim(registry["optopt.corollary6.beta2"], seed=0).verdict == expected


# --------------------------------------------------------------------------- Prop. 8 exploratory endpoints


def test_endpoint_loss_is_the_minimum_norm_interpolant_for_full_rank_q():
    from proofs_checks.optopt import validation

    data = validation.shifted_regression(2, 8, 30, 15, "covariate")
    rng = np.random.default_rng(1)
    F = rng.normal(size=(15, 15))
    Q = F @ F.T / 15 + 0.1 * np.eye(15)
    G, y = data["X"], data["y"]
    theta = Q @ G.T @ np.linalg.solve(G @ Q @ G.T, y)
    expected = 0.5 * float(np.mean((data["X_val"] @ theta - data["y_val"]) ** 2))
    assert validation.endpoint_validation_loss(data, Q) == pytest.approx(expected, rel=1e-7)


def test_endpoint_loss_of_a_rank_one_q_is_the_best_fit_along_its_direction():
    from proofs_checks.optopt import validation

    data = validation.shifted_regression(4, 8, 30, 15, "concept")
    u = np.random.default_rng(2).normal(size=15)
    G, y = data["X"], data["y"]
    a = G @ u
    theta = u * float(a @ y) / float(a @ a)  # least squares along u: the flow's limit
    expected = 0.5 * float(np.mean((data["X_val"] @ theta - data["y_val"]) ** 2))
    assert validation.endpoint_validation_loss(data, np.outer(u, u)) == pytest.approx(expected, rel=1e-7)


def test_endpoint_optimizers_are_on_the_budget_boundary():
    from proofs_checks.optopt import validation

    data = validation.shifted_regression(0, 10, 40, 12, "covariate")
    budget = FrobeniusBudget(2.0)
    optimizers = validation.endpoint_optimizers(data, budget, np.random.default_rng(0))
    for name, Q in optimizers.items():
        assert np.linalg.norm(Q) == pytest.approx(math.sqrt(2.0), rel=1e-9), name
        assert np.linalg.eigvalsh(Q)[0] >= -1e-12, name
