"""Tests of the Table 1 trust-region claims: private helpers against closed forms, and mutation tests (a broken
engine function or helper changes what the claim reports)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import proofs_checks.optopt  # noqa: F401  (registers the claims)
from proofs_checks.optopt import trust_regions as tr
from theorylab.budgets import velocity as vel
from theorylab.claims import CheckResult, load_claims, run_claim


def _run(claim_id: str) -> CheckResult:
    return run_claim(load_claims()[claim_id], seed=0)


# --------------------------------------------------------------------------- helpers vs closed forms


@pytest.mark.parametrize("beta", [1e-6, 0.3, 0.9, 0.999, 1 - 1e-6])
def test_one_pole_energy_is_the_geometric_sum(beta: float) -> None:
    assert tr.one_pole_energy(beta) == pytest.approx((1 - beta) ** 2 / (1 - beta**2), rel=1e-12)


def test_layer_saturating_eta_closed_forms() -> None:
    sizes, norms, beta, B = [3, 10, 1], np.array([0.5, 2.0, 7.0]), 0.8, 2.5
    weighted = tr.layer_saturating_eta(sizes, norms, beta, B)
    assert weighted == pytest.approx(math.sqrt(B * (1 - beta**2)) / (math.sqrt(sum(sizes)) * (1 - beta)), rel=1e-12)
    unweighted = tr.layer_saturating_eta(sizes, norms, beta, B, weighted=False)
    assert unweighted == pytest.approx(vel.table1_layernorm_momentum_eta(B, beta, sizes, norms), rel=1e-12)


def test_saturating_scale_puts_the_velocity_on_the_boundary() -> None:
    rng = np.random.default_rng(0)
    d = rng.standard_normal(5)
    A = rng.standard_normal((5, 5))
    regions = [vel.EuclideanRegion(2.0), vel.EllipticRegion(A @ A.T + np.eye(5), 0.7),
               vel.DiagonalRegion(np.arange(1.0, 6.0), 3.0), vel.InfinityRegion(0.4)]
    for region in regions:
        v = tr.saturating_scale(region, d) * d
        for value, bound in region.constraint_values(v, d).values():
            assert value == pytest.approx(bound, rel=1e-12)
    assert tr.saturating_scale(vel.EuclideanRegion(1.0), np.zeros(3)) == 0.0


def test_one_minus_cos() -> None:
    assert tr.one_minus_cos(np.array([1.0, 0.0]), np.array([3.0, 0.0])) == 0.0
    assert tr.one_minus_cos(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(1.0)
    angle = 1e-4
    small = tr.one_minus_cos(np.array([1.0, 0.0]), np.array([math.cos(angle), math.sin(angle)]))
    assert small == pytest.approx(angle**2 / 2, rel=1e-6)
    assert tr.one_minus_cos(np.zeros(2), np.ones(2)) == 1.0


def test_momentum_readings_for_unit_iid_gradients() -> None:
    d = 10
    readings = tr.momentum_g_norm_readings(np.zeros(d), np.ones(d), np.full(d, 2.0))
    assert readings["(i) sqrt(sum_n Tr R[n])"] == pytest.approx(math.sqrt(d))
    assert readings["(ii) ||g||_2"] == pytest.approx(2.0 * math.sqrt(d))
    assert readings["(iii) ||R||_H^(1/2)"] == pytest.approx(d**0.25)
    # AR(1): sum_n a^n = 1/(1-a), sum_n a^(2n) = 1/(1-a^2)
    readings = tr.momentum_g_norm_readings(np.array([0.5]), np.array([2.0]), np.array([1.0]))
    assert readings["(i) sqrt(sum_n Tr R[n])"] == pytest.approx(math.sqrt(4.0 / 0.5))
    assert readings["(iii) ||R||_H^(1/2)"] == pytest.approx((16.0 / 0.75) ** 0.25)


def test_linf_lp_is_the_sign_vertex() -> None:
    c = np.array([3.0, -0.5, 1e-3, -7.0])
    v, value = tr.linf_lp(c, 2.0)
    np.testing.assert_allclose(v, 2.0 * np.sign(c), rtol=1e-9)
    assert value == pytest.approx(2.0 * np.sum(np.abs(c)), rel=1e-12)


def test_ema_and_adagrad_costs() -> None:
    history = np.array([[1.0, -2.0], [3.0, 0.0], [-1.0, 4.0]])
    expected = np.zeros(2)
    for row in history:
        expected = 0.9 * expected + 0.1 * row**2
    np.testing.assert_allclose(tr.ema(history, 0.9, square=True), expected, rtol=1e-15)
    np.testing.assert_allclose(tr.adagrad_costs(history), np.sqrt([11.0, 20.0]), rtol=1e-15)


def test_velocity_optimum_matches_the_exact_maximizer() -> None:
    rng = np.random.default_rng(3)
    g = rng.standard_normal(6)
    H = np.diag(10.0 ** np.linspace(0, 4, 6))
    region = vel.EllipticRegion(H, 1.3)
    opt = tr.velocity_optimum(region, g)
    assert opt.unique
    assert opt.power == pytest.approx(1.3 * math.sqrt(g @ np.linalg.solve(H, g)), rel=1e-6)
    assert tr.one_minus_cos(opt.v, np.linalg.solve(H, g)) < 1e-10


def test_stream_state_is_reproducible_and_ema() -> None:
    case = {"mean": np.array([1.0, -1.0]), "drift": np.zeros(2), "steps": 4, "seed": 5, "a": 0.0, "sigma": 0.0,
            "beta1": 0.5}
    g, m = tr.stream_state(case)
    np.testing.assert_allclose(g, [1.0, -1.0])
    np.testing.assert_allclose(m, (1 - 0.5**4) * np.array([1.0, -1.0]), rtol=1e-15)


# --------------------------------------------------------------------------- mutation tests


def test_a_perturbed_newton_formula_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def off_by_one_percent(g: np.ndarray, H: np.ndarray, tau: float) -> float:
        return 1.01 * tau / math.sqrt(float(g @ np.linalg.solve(H, g)))

    monkeypatch.setattr(vel, "table1_newton_eta_hnorm", off_by_one_percent)
    assert _run("optopt.table1.newton-hnorm").verdict == "refuted"


def test_a_broken_lamb_formula_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vel, "table1_lamb_eta", lambda tau, theta, m: 1.001 * tau * theta / m)
    assert _run("optopt.table1.lamb-lars-normalized").verdict == "refuted"


def test_a_wrong_kronecker_inverse_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = vel.kronecker_metric

    def swapped(factors: list) -> np.ndarray:
        return original([(G, A) for A, G in factors])

    calls = {"n": 0}

    def metric_then_swapped_inverse(factors: list) -> np.ndarray:
        calls["n"] += 1
        return original(factors) if calls["n"] % 2 == 1 else swapped(factors)

    monkeypatch.setattr(vel, "kronecker_metric", metric_then_swapped_inverse)
    assert _run("optopt.table1.kfac-shampoo").verdict == "refuted"


def test_a_wrong_one_pole_energy_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = tr.one_pole_energy
    monkeypatch.setattr(tr, "one_pole_energy", lambda beta: 1.001 * original(beta))
    assert _run("optopt.table1.sgd-momentum.corrected").verdict == "refuted"


def test_repairing_the_layernorm_row_changes_its_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    def repaired(B: float, beta1: float, sizes: list, norms: np.ndarray) -> float:
        return math.sqrt(B * (1 - beta1**2)) / (math.sqrt(float(sum(sizes))) * (1 - beta1))

    monkeypatch.setattr(vel, "table1_layernorm_momentum_eta", repaired)
    result = _run("optopt.table1.layernorm-mom")
    assert result.verdict == "confirmed"
    assert result.n_examples >= 100


def test_a_solver_answer_off_the_dual_bound_is_never_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    original = tr.solve

    def shrunken(region: object, g: np.ndarray, method: str = "closed-form", **options: object) -> object:
        answer = original(region, g, method=method, **options)
        if method == "cvxpy":
            answer["Q"] = 0.99 * answer["Q"]
            answer["power"] = 0.99 * answer["power"]
        return answer

    monkeypatch.setattr(tr, "solve", shrunken)
    assert _run("optopt.table1.gd").verdict == "inconclusive"


def test_a_mis_scaled_direction_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = tr.saturating_scale
    monkeypatch.setattr(tr, "saturating_scale", lambda region, d: 1.001 * original(region, d))
    assert _run("optopt.table1.gd").verdict == "refuted"
