"""Tests of the Table 2–4 checks (proofs_checks/optopt/equalizers.py) and their helpers.

Mutation tests break a function a check relies on and assert that the check then notices; helper tests compare
the private helpers with closed forms. No test asserts the verdict of a real claim.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.optimize

from proofs_checks.optopt import _equalizer_helpers as eqh
from proofs_checks.optopt import equalizers
from theorylab.budgets import corollaries as cor
from theorylab.claims import load_claims, run_claim


@pytest.fixture(scope="module")
def registry():
    return load_claims()


# --------------------------------------------------------------------------- helpers vs closed forms


def test_causal_convolution_matches_numpy_convolve() -> None:
    rng = np.random.default_rng(0)
    h, x = rng.standard_normal(7), rng.standard_normal((7, 2))
    out = eqh.causal_convolution(h, x)
    for j in range(2):
        np.testing.assert_allclose(out[:, j], np.convolve(h, x[:, j])[:7], rtol=1e-13)


def test_heavy_ball_and_ema_are_the_one_pole_filter() -> None:
    rng = np.random.default_rng(1)
    g, beta, eta = rng.standard_normal((50, 3)), 0.8, 2.0
    response = eta * (1 - beta) * beta ** np.arange(50)
    np.testing.assert_allclose(eqh.heavy_ball_steps(g, beta, eta * (1 - beta)), eqh.causal_convolution(response, g),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(eta * eqh.ema(g, beta), eqh.causal_convolution(response, g), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("form", ["pytorch", "sutskever"])
def test_nesterov_fit_recovers_the_derived_parameters(form: str) -> None:
    mu, eta = 0.7, 0.3
    impulse = np.zeros((20, 1))
    impulse[0] = 1.0
    response = eqh.nesterov_steps(impulse, mu, eta, form)[:, 0]
    eta_fit, beta_fit, gamma_fit = eqh.fit_lead_lag(response)
    assert beta_fit == pytest.approx(mu, rel=1e-12)
    assert gamma_fit == pytest.approx(-mu / (1 + mu), rel=1e-12)
    assert eta_fit == pytest.approx(eta * (1 + mu) / (1 - mu), rel=1e-12)
    np.testing.assert_allclose(eqh.lead_lag_impulse(eta_fit, beta_fit, gamma_fit, 20), response, rtol=1e-12)


def test_adam_frozen_v_step() -> None:
    g = np.array([[1.0, -2.0], [3.0, 0.5]])
    v, eps, beta1, lr = np.array([4.0, 0.25]), 0.1, 0.5, 2.0
    m1 = 0.5 * g[0]
    m2 = 0.5 * m1 + 0.5 * g[1]
    expected = lr * np.vstack([m1, m2]) / (np.sqrt(v) + eps)
    np.testing.assert_allclose(eqh.adam_steps(g, beta1, lr, v, eps), expected, rtol=1e-14)


def test_factored_operator_is_block_kron() -> None:
    rng = np.random.default_rng(2)
    A, B, C = (eqh.spd(rng, n, 1.0) for n in (2, 3, 2))
    Q = eqh.factored_operator([[A, B], [C]])
    np.testing.assert_allclose(Q[:6, :6], np.kron(A, B))
    np.testing.assert_allclose(Q[6:, 6:], C)
    assert np.all(Q[:6, 6:] == 0)


@pytest.mark.parametrize("shapes", [[[2, 3]], [[2, 2], [3, 1]], [[2, 2, 2]]])
def test_factored_gradient_matches_finite_differences(shapes: list[list[int]]) -> None:
    rng = np.random.default_rng(3)
    d = sum(int(np.prod(b)) for b in shapes)
    a = rng.standard_normal((d, d))
    sigma = a @ a.T
    metric = sigma + np.eye(d)
    x = rng.standard_normal(sum(n * (n + 1) // 2 for b in shapes for n in b))
    error = scipy.optimize.check_grad(lambda p: eqh._objective_and_gradient(p, shapes, sigma, metric)[0],
                                      lambda p: eqh._objective_and_gradient(p, shapes, sigma, metric)[1], x)
    assert error < 1e-5


def test_best_factored_power_reaches_the_data_metric_optimum_from_a_bad_start() -> None:
    # Σ ≻ 0: the CP-L optimum is αI (factored), J = (Tr Σ)^{1/2}; start from a random factored point only.
    rng = np.random.default_rng(4)
    sigma = eqh.factored_operator([[eqh.spd(rng, 2, 2.0), eqh.spd(rng, 3, 2.0)]])
    sigma /= np.trace(sigma)
    value, Q = eqh.best_factored_power(sigma, sigma, [[2, 3]], [], rng, n_random=3)
    assert value == pytest.approx(1.0, rel=1e-6)
    assert eqh.matrix_cosine(Q, np.eye(6)) == pytest.approx(1.0, rel=1e-4)


def test_equal_power_profile_of_the_inverse_is_flat() -> None:
    rng = np.random.default_rng(5)
    sigma = eqh.spd(rng, 5, 3.0)
    _, powers = eqh.equal_power_profile(np.linalg.inv(sigma), sigma)
    np.testing.assert_allclose(powers, 1.0, rtol=1e-11)
    values, powers = eqh.equal_power_profile(np.eye(5), sigma)
    np.testing.assert_allclose(powers, values, rtol=1e-12)


def test_polyak_case_closed_forms_in_one_dimension() -> None:
    case = equalizers._polyak_case({"seed": 7, "d": 1, "log_cond": 0.0, "mode": "random"})
    h = float(case["H"][0, 0])
    assert case["polyak"] == pytest.approx(1 / (2 * h), rel=1e-12)
    assert case["stated"] == pytest.approx(1 / h, rel=1e-12)


def test_kantorovich_mode_attains_the_upper_bound() -> None:
    case = equalizers._polyak_case({"seed": 8, "d": 4, "log_cond": 2.0, "mode": "kantorovich"})
    kappa = case["kappa"]
    assert case["polyak"] / case["stated"] == pytest.approx((kappa + 1) ** 2 / (8 * kappa), rel=1e-9)


# --------------------------------------------------------------------------- mutation tests


def test_broken_ema_is_caught_by_momentum(registry, monkeypatch) -> None:
    def bad_ema(g: np.ndarray, beta: float) -> np.ndarray:
        m, out = np.zeros(g.shape[1]), np.empty_like(g)
        for t, gt in enumerate(g):
            m = beta * m + gt  # missing (1 - beta)
            out[t] = m
        return out

    monkeypatch.setattr(eqh, "ema", bad_ema)
    assert run_claim(registry["optopt.table3.momentum"], seed=0).verdict == "refuted"


def test_broken_lead_lag_fit_is_caught_by_nesterov(registry, monkeypatch) -> None:
    original = eqh.fit_lead_lag

    def bad_fit(impulse: np.ndarray) -> tuple[float, float, float]:
        eta, beta, gamma = original(impulse)
        return eta, beta, gamma * (1 + 1e-6)

    monkeypatch.setattr(eqh, "fit_lead_lag", bad_fit)
    assert run_claim(registry["optopt.table3.nesterov"], seed=0).verdict == "refuted"


def test_broken_one_pole_family_is_caught_by_adam(registry, monkeypatch) -> None:
    def bad_family(beta: float, K: int, d: int, costs=None) -> np.ndarray:
        scale = np.ones(d) if costs is None else 1.0 / np.asarray(costs)
        return (1 - beta) * beta ** (np.arange(K + 1)[:, None] + 1) * scale[None, :]

    monkeypatch.setattr(equalizers, "one_pole_family", bad_family)
    assert run_claim(registry["optopt.table3.adam"], seed=0).verdict == "refuted"


def test_perturbed_kronecker_is_caught_by_kfac_equal_power(registry, monkeypatch) -> None:
    original = cor.kronecker

    def bad_kronecker(factors):
        K = original(factors)
        return K + 1e-6 * np.trace(K) * np.diag(np.arange(K.shape[0]) % 2)

    monkeypatch.setattr(equalizers.cor, "kronecker", bad_kronecker)
    assert run_claim(registry["optopt.table3.kfac"], seed=0).verdict == "refuted"


def test_shrunken_sign_step_is_caught_by_corrected_signsgd(registry, monkeypatch) -> None:
    original = equalizers._sign_velocity
    monkeypatch.setattr(equalizers, "_sign_velocity", lambda g, eta, s0: 0.999 * original(g, eta, s0))
    assert run_claim(registry["optopt.table4.signsgd.corrected"], seed=0).verdict == "refuted"


def test_infeasible_engine_maximizer_makes_newton_inconclusive(registry, monkeypatch) -> None:
    original = equalizers.solve

    def inflated(budget, sigma, method="closed-form", **kwargs):
        solution = original(budget, sigma, method, **kwargs)
        if getattr(budget, "metric", None) is not None:
            return SimpleNamespace(Q=2.0 * solution.Q, power=2.0 * solution.power, certificate=solution.certificate)
        return solution

    monkeypatch.setattr(equalizers, "solve", inflated)
    result = run_claim(registry["optopt.table4.newton"], seed=0)
    assert result.verdict == "inconclusive"
    assert "not feasible" in result.message


def test_bad_bound_is_caught_by_polyak_corrected(registry, monkeypatch) -> None:
    original = equalizers._polyak_case

    def tight_kappa(inst):
        case = original(inst)
        return {**case, "kappa": 1.0 + 0.5 * (case["kappa"] - 1.0)}

    monkeypatch.setattr(equalizers, "_polyak_case", tight_kappa)
    assert run_claim(registry["optopt.table3.polyak.corrected"], seed=0).verdict == "refuted"


@pytest.mark.parametrize("claim_id", ["optopt.table2.lamb-lars", "optopt.table4.other-rows"])
def test_qualitative_rows_say_why(registry, claim_id: str) -> None:
    result = run_claim(registry[claim_id], seed=0)
    assert result.message
    assert math.isfinite(result.seconds)


# --------------------------------------------------------------------------- known-true instances


def test_kfac_check_confirms_on_isotropic_factors(registry, monkeypatch) -> None:
    # With A_ℓ = a I, G_ℓ = b I the K-FAC preconditioner is ∝ I, the data-metric optimum: the check must not refute.
    def isotropic(rng, family, n_layers, log_cond):
        shapes = [[int(rng.integers(1, 4)), int(rng.integers(1, 4))] for _ in range(n_layers)]
        factors = [[float(rng.uniform(0.5, 2)) * np.eye(o), float(rng.uniform(0.5, 2)) * np.eye(i)]
                   for o, i in shapes]
        sigma = eqh.factored_operator(factors)
        kfac = eqh.factored_operator([[np.linalg.inv(G), np.linalg.inv(A)] for G, A in factors])
        return sigma, kfac, shapes, factors

    monkeypatch.setattr(equalizers, "_kfac_instance", isotropic)
    # different layers get different scales, so K-FAC is not ∝ I across layers unless one layer: restrict to one
    monkeypatch.setattr(equalizers, "_factored_instance", equalizers._factored_instance.map(
        lambda inst: {**inst, "layers": 1}))
    result = run_claim(registry["optopt.table2.kfac"], seed=0)
    assert result.verdict == "confirmed", result.message


def test_newton_checks_confirm_on_isotropic_curvature(registry, monkeypatch) -> None:
    def isotropic(inst):
        rng = np.random.default_rng(inst["seed"])
        d = inst["d"]
        H = float(rng.uniform(0.5, 2.0)) * np.eye(d)
        return H, {"Sigma_tr = H^2 (quadratic)": H @ H}

    monkeypatch.setattr(equalizers, "_curvature_instance", isotropic)
    for claim_id in ("optopt.table3.newton", "optopt.table4.newton"):
        result = run_claim(registry[claim_id], seed=0)
        assert result.verdict == "confirmed", (claim_id, result.message)


def test_shampoo_check_confirms_on_isotropic_modes(registry, monkeypatch) -> None:
    monkeypatch.setattr(equalizers, "_mode_factors",
                        lambda inst: [float(1 + i) * np.eye(int(n)) for i, n in enumerate(inst["modes"])])
    result = run_claim(registry["optopt.table3.shampoo"], seed=0)
    assert result.verdict == "confirmed", result.message
