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
