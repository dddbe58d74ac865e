"""Tests of the optopt equation-level and algorithm checks: private helpers against closed forms, and mutation
tests (a broken engine or helper must change the verdict)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from proofs_checks.optopt import algorithms, equations
from theorylab.budgets.processes import AR1Process, MA1Process, VAR1Process
from theorylab.claims import load_claims, run_claim


@pytest.fixture(scope="module")
def registry():
    return load_claims()


def run(registry, claim_id: str):
    return run_claim(registry[claim_id], seed=0, budget="quick")


# ---------------------------------------------------------------------------- helpers against closed forms


@pytest.mark.parametrize("model", equations.MODELS)
def test_per_sample_gradients_are_minus_the_loss_gradient(model: str) -> None:
    rng = np.random.default_rng(3)
    n_hidden = 3 if model == "mlp" else 0
    theta, X, y = equations.model_data(model, rng, 7, 4, n_hidden)
    g = equations.per_sample_gradients(model, theta, X, y, n_hidden)
    h = 1e-6
    for i in range(theta.size):
        e = np.zeros(theta.size)
        e[i] = h
        fd = (equations.per_sample_losses(model, theta + e, X, y, n_hidden)
              - equations.per_sample_losses(model, theta - e, X, y, n_hidden)) / (2 * h)
        np.testing.assert_allclose(-g[:, i], fd, rtol=1e-6, atol=1e-8)


def test_linear_population_moments_match_sampling() -> None:
    rng = np.random.default_rng(5)
    pop = equations.linear_population(rng, 3)
    g, _, _ = equations.sample_linear_gradients(pop, "tr", rng, 400_000)
    second = g.T @ g / g.shape[0]
    scale = np.linalg.norm(pop["second_tr"])
    assert np.linalg.norm(g.mean(axis=0) - pop["mean_tr"]) < 0.02 * max(np.linalg.norm(pop["mean_tr"]), 1.0)
    assert np.linalg.norm(second - pop["second_tr"]) < 0.03 * scale


def test_shampoo_norm_sides_on_a_diagonal_factor() -> None:
    sides = equations.shampoo_norm_sides([np.diag([1.0, 4.0])], eta=2.0)
    assert sides["definition"] == pytest.approx(8.0)  # eta^2 * dim
    assert sides["stated"] == pytest.approx(4.0 * 1.25)  # eta^2 * Tr(G^-1)
    assert sides["corrected"] == pytest.approx(8.0)


def test_sign_power_sides() -> None:
    sides = equations.sign_power_sides(np.array([1.0, -2.0, 0.5]), eta=1.0)
    assert sides["h_inner"] == pytest.approx(1.0 - 4.0 + 0.25)
    assert sides["trace"] == pytest.approx(-2.75)
    assert sides["sum_sign"] == pytest.approx(3.5)
    assert sides["l1"] == pytest.approx(3.5)
    assert sides["corrected"] == pytest.approx(-2.75)


def test_mc_quantile_is_three_standard_errors_for_one_comparison() -> None:
    assert equations.mc_quantile(1) == pytest.approx(3.0)
    assert equations.mc_quantile(100) > equations.mc_quantile(10) > 3.0
    assert equations.mc_quantile(10, dof=19) > equations.mc_quantile(10)


def test_filtered_power_matches_a_loop() -> None:
    rng = np.random.default_rng(0)
    g_out, g_in = rng.standard_normal((30, 2)), rng.standard_normal((30, 2))
    Q = rng.standard_normal((3, 2, 2))
    series = equations.filtered_power(g_out, g_in, Q)
    n = 10
    expected = sum(g_out[n] @ Q[k] @ g_in[n - k] for k in range(3))
    assert series[n - 2] == pytest.approx(expected)


def test_averaged_curve_of_white_noise_has_no_lag_correlation() -> None:
    history = np.random.default_rng(1).standard_normal((3000, 200))
    curve = algorithms.averaged_cost_weighted_curve(history, 8, 5, 0.99, 500)
    assert curve[0] == pytest.approx(200.0, rel=0.1)  # sum_j g_j^2 / sqrt(v_j) ~ d for unit variance
    assert np.all(np.abs(curve[1:]) < 0.1 * curve[0])


def test_exact_lag_length() -> None:
    assert algorithms.exact_lag_length(0.0) == 1
    assert 0.5 ** algorithms.exact_lag_length(0.5) < 1e-16
    assert 0.95 ** algorithms.exact_lag_length(-0.95) < 1e-16


# ---------------------------------------------------------------------------- mutation tests


def test_eq2_detects_a_sign_error_in_the_gradient(registry, monkeypatch) -> None:
    original = equations.per_sample_gradients
    monkeypatch.setattr(equations, "per_sample_gradients", lambda *args, **kw: -original(*args, **kw))
    assert run(registry, "optopt.eq2").verdict == "refuted"


def test_eq2_unbounded_detects_a_bounded_solver(registry, monkeypatch) -> None:
    monkeypatch.setattr(equations, "unbounded_status", lambda sigma: ("optimal", 0.0))
    assert run(registry, "optopt.eq2.unbounded").verdict == "refuted"


def test_eq4_detects_a_wrong_training_moment(registry, monkeypatch) -> None:
    original = equations.linear_population

    def broken(rng, d):
        pop = original(rng, d)
        pop["second_tr"] = 1.1 * pop["second_tr"]
        return pop

    monkeypatch.setattr(equations, "linear_population", broken)
    assert run(registry, "optopt.eq4").verdict == "refuted"


def test_eq9_detects_wrong_lag_moments(registry, monkeypatch) -> None:
    for cls in (AR1Process, VAR1Process, MA1Process):
        original = cls.lag_moments
        monkeypatch.setattr(cls, "lag_moments",
                            lambda self, K, centered=False, _o=original: 1.2 * _o(self, K, centered))
    assert run(registry, "optopt.eq9").verdict == "refuted"


def test_eq33_detects_wrong_cross_moments(registry, monkeypatch) -> None:
    original = VAR1Process.lag_moments
    monkeypatch.setattr(VAR1Process, "lag_moments",
                        lambda self, K, centered=False: np.swapaxes(original(self, K, centered), 1, 2))
    assert run(registry, "optopt.eq33").verdict == "refuted"


def test_eq116_corrected_detects_a_mis_scaled_optimizer(registry, monkeypatch) -> None:
    original = equations.corollary16_optimizer
    monkeypatch.setattr(equations, "corollary16_optimizer", lambda factors, eta: original(factors, 1.01 * eta))
    assert run(registry, "optopt.eq116.corrected").verdict == "refuted"


def test_eq152_corrected_detects_a_wrong_inner_product(registry, monkeypatch) -> None:
    monkeypatch.setattr(equations, "h_inner", lambda Q, R: float(np.sum(np.abs(Q * R))))
    assert run(registry, "optopt.eq152.corrected").verdict == "refuted"


def test_eq59_detects_a_wrong_velocity(registry, monkeypatch) -> None:
    original = equations.eq59_directions

    def rotated(pair, g, rng, condition, method):
        q, v = original(pair, g, rng, condition, method)
        return q, np.roll(v, 1)

    monkeypatch.setattr(equations, "eq59_directions", rotated)
    result = run(registry, "optopt.eq59")
    assert result.verdict == "refuted"
    assert result.details["cases"].get("euclidean", 0) >= 1
    assert result.details["largest 1 - cos per pairing (as far as each search ran)"]["euclidean"] > 1e-6


def test_algorithm1_recovery_detects_a_biased_momentum(registry, monkeypatch) -> None:
    original = algorithms.algorithm1_optimal_momentum

    def biased(*args, **kw):
        out = dict(original(*args, **kw))
        out["beta"] = min(out["beta"] + 0.2, 1 - 1e-6) if out["beta"] < 0.5 else out["beta"] - 0.2
        return out

    monkeypatch.setattr(algorithms, "algorithm1_optimal_momentum", biased)
    assert run(registry, "optopt.algorithm1.recovery").verdict == "refuted"


def test_algorithm1_centering_corrected_detects_a_raw_lag_curve(registry, monkeypatch) -> None:
    original = algorithms.algorithm1_optimal_momentum

    def uncentred(gradients, B, *, window, max_lag, rho, grid=None):
        out = dict(original(gradients, B, window=window, max_lag=max_lag, rho=rho))
        mean = np.asarray(gradients).mean(axis=0)
        out["S"] = out["S"] + float(mean @ mean)
        return out

    monkeypatch.setattr(algorithms, "algorithm1_optimal_momentum", uncentred)
    assert run(registry, "optopt.algorithm1.centering.corrected").verdict == "refuted"


def test_algorithm2_beta2_follows_the_algorithms_output(registry, monkeypatch) -> None:
    """If the algorithm determined beta2 and returned Cor. 6's value, nothing would be left to refute."""
    original_algorithm, original_corollary = algorithms.algorithm2_optimal_adam, algorithms.optimal_adam

    def determined(*args, **kw):
        return {**original_algorithm(*args, **kw), "beta2": 0.99, "beta2_spread": 1.0}

    def corollary(*args, **kw):
        return {**original_corollary(*args, **kw), "beta2": 0.99}

    monkeypatch.setattr(algorithms, "algorithm2_optimal_adam", determined)
    monkeypatch.setattr(algorithms, "optimal_adam", corollary)
    result = run(registry, "optopt.algorithm2.beta2")
    assert result.verdict == "confirmed"
    assert set(result.details["cases"]) == {"algorithm's beta2 determined"}


def test_algorithm2_beta1_detects_a_shifted_beta1(registry, monkeypatch) -> None:
    original = algorithms.algorithm2_optimal_adam

    def wrong_beta(*args, **kw):
        out = dict(original(*args, **kw))
        out["beta1"] = 1.0 - 1e-6 - 0.5 * (1.0 - out["beta1"])
        out["eta"] = out["eta"] * math.e
        return out

    monkeypatch.setattr(algorithms, "algorithm2_optimal_adam", wrong_beta)
    assert run(registry, "optopt.algorithm2.beta1").verdict == "refuted"
