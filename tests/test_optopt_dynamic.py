"""Tests for the optopt claims of Corollaries 5, 6, 9 and Propositions 7, 8.

No test asserts the verdict of a real claim. Helper tests compare the private helpers with closed forms;
mutation tests replace a function the claims rely on with a broken one and assert that the verdict changes.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

import proofs_checks.optopt  # noqa: F401  (registers the claims)
from proofs_checks.optopt import dynamic_closed_forms as dcf
from proofs_checks.optopt import momentum_adam as ma
from proofs_checks.optopt import validation as val
from proofs_checks.optopt._lag_helpers import ar1_lags, lag_family, var1_lags
from theorylab.claims import load_claims, run_claim

REGISTRY = load_claims()
OUR_IDS = {
    "optopt.corollary5.momentum", "optopt.corollary5.momentum-lr", "optopt.corollary5.existence",
    "optopt.corollary5.projection", "optopt.corollary6.beta1", "optopt.corollary6.lr", "optopt.corollary6.beta2",
    "optopt.corollary6.adam", "optopt.corollary6.projection", "optopt.proposition7",
    "optopt.proposition8.interpolant", "optopt.proposition8.interpolant-lowrank", "optopt.proposition8.init-offset",
    "optopt.proposition8.ridge-coupled", "optopt.proposition8.ridge-decoupled", "optopt.proposition8.better-endpoint",
    "optopt.corollary9.frobenius", "optopt.corollary9.frobenius-symmetric", "optopt.corollary9.frobenius-lagpsd",
    "optopt.corollary9.spectral", "optopt.corollary9.spectral-product", "optopt.corollary9.spectral-proof",
    "optopt.corollary9.lyapunov", "optopt.corollary9.diagonal", "optopt.corollary9.diagonal-nonneg",
}


def run(claim_id: str):
    return run_claim(REGISTRY[claim_id], seed=0, budget="quick")


def test_ids_are_registered():
    assert OUR_IDS <= set(REGISTRY)


# ----------------------------------------------------------------------------- helpers against closed forms


def test_ar1_lags_match_scalar_formula():
    R = ar1_lags(np.array([0.5, -0.3]), np.array([2.0, 1.0]), 4)
    assert np.allclose(R[:, 0, 0], 4.0 * 0.5 ** np.arange(5))
    assert np.allclose(R[:, 1, 1], (-0.3) ** np.arange(5))
    assert np.allclose(R[:, 0, 1], 0.0)


def test_var1_lags_are_stationary_moments():
    A = np.array([[0.5, 2.0], [0.0, -0.4]])
    R = var1_lags(A, np.eye(2), 3)
    assert np.allclose(R[0], A @ R[0] @ A.T + np.eye(2))
    assert np.allclose(R[2], A @ A @ R[0])


def test_lag_families_have_symmetric_lag_zero():
    for family in dcf.ALL_FAMILIES:
        R = lag_family(family, 3, 5, 1)
        assert R.shape == (6, 3, 3)
        assert np.allclose(R[0], R[0].T)


def test_brute_force_one_pole_finds_the_ar1_pole():
    # S[n] = a^n: the cosine between (beta^n) and (a^n) is largest at beta = a.
    a = 0.6
    S = a ** np.arange(400)
    result = ma.brute_force_one_pole(S, 1.0, 1.0)
    assert abs(result["beta"] - a) < 1e-6
    assert math.isclose(result["value"], math.sqrt(1 - a * a) * np.sum((a * a) ** np.arange(400)), rel_tol=1e-8)


def test_projection_recovers_a_cone_element():
    beta0, t0 = 0.5, 3.0
    costs = np.array([1.0, 4.0])
    n = np.arange(200)[:, None]
    Y = t0 * (1 - beta0) * beta0**n / costs[None, :]
    result = ma.project_onto_one_pole(Y, 1.0 / costs, costs)
    assert abs(result["beta"] - beta0) < 1e-6
    assert math.isclose(result["eta"], t0, rel_tol=1e-6)
    assert result["distance"] < 1e-6 * result["y_norm"]


def test_flow_endpoint_matches_scalar_solution():
    # theta' = -2 theta + 4 from 1: theta(T) = 2 + (1 - 2) exp(-2T), T = 60/2.
    theta = val.flow_endpoint(np.array([[-2.0]]), np.array([4.0]), np.array([1.0]), 2.0)
    assert math.isclose(theta[0], 2.0 - math.exp(-60.0), rel_tol=1e-12)


def test_decoupled_ridge_push_through_identity():
    rng = np.random.default_rng(0)
    G, F = rng.normal(size=(3, 6)), rng.normal(size=(6, 6))
    Q, y, lam = F @ F.T + np.eye(6), rng.normal(size=3), 0.3
    theta = np.linalg.solve(Q @ G.T @ G + lam * np.eye(6), Q @ G.T @ y)
    assert np.allclose(theta, Q @ G.T @ np.linalg.solve(G @ Q @ G.T + lam * np.eye(3), y))
    assert np.allclose(scipy.linalg.expm(np.zeros((2, 2))), np.eye(2))


# ----------------------------------------------------------------------------- mutation tests


def test_scaled_closed_form_is_caught(monkeypatch):
    original = dcf.solve

    def broken(budget, moment, method="closed-form", **kwargs):
        answer = original(budget, moment, method=method, **kwargs)
        if method == "closed-form":
            answer.Q = answer.Q * 1.01
            answer.power = answer.power * 1.01
            answer.stated_power = answer.stated_power * 1.01
        return answer

    monkeypatch.setattr(dcf, "solve", broken)
    assert run("optopt.corollary9.frobenius").verdict == "refuted"


def test_wrong_momentum_formula_is_caught(monkeypatch):
    original = ma.optimal_momentum

    def broken(S, B, d, **kwargs):
        result = dict(original(S, B, d, **kwargs))
        result["beta"] = result["beta"] * 0.5
        result["eta"] = ma.momentum_learning_rate(result["beta"], B, d)
        return result

    monkeypatch.setattr(ma, "optimal_momentum", broken)
    assert run("optopt.corollary5.momentum").verdict == "refuted"


def test_unconverged_flow_is_caught(monkeypatch):
    original = val.flow_endpoint
    monkeypatch.setattr(val, "flow_endpoint", lambda A, b, theta0, rate: original(A, b, theta0, rate * 30.0))
    assert run("optopt.proposition8.ridge-decoupled").verdict == "refuted"


def test_quick_tier_runs_without_raising():
    for claim_id in ("optopt.corollary9.diagonal", "optopt.corollary6.lr", "optopt.proposition8.interpolant"):
        result = run(claim_id)
        assert result.verdict in ("confirmed", "refuted", "inconclusive", "not-checkable")
        assert result.n_examples > 0
