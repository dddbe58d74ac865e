"""Tests for the TrailMix main-text claims (proofs_checks.trailmix.main_text) and their private helpers.

No test asserts the verdict of a real claim: the mutation tests break an engine
function or a helper a claim relies on and assert that the claim then fails;
the helper tests compare with closed forms.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import sympy

from proofs_checks.trailmix import main_text
from theorylab import simplex
from theorylab.claims import load_claims, run_claim

REGISTRY = load_claims()


def run(claim_id: str):
    return run_claim(REGISTRY[claim_id], seed=0, budget="quick")


# --------------------------------------------------------------------------- helpers against closed forms


def test_exact_projection_matches_the_engine_and_the_kkt_conditions():
    rng = np.random.default_rng(3)
    for k in (2, 3, 6):
        for _ in range(20):
            z = rng.uniform(-2.0, 2.0, k)
            exact = main_text._project_exact(main_text._fraction_vector(z))
            assert sum(exact) == 1 and min(exact) >= 0
            np.testing.assert_allclose([float(v) for v in exact], simplex.project_to_simplex(z), atol=1e-14)
            # KKT: z - p is constant on the support and not larger off it
            shift = {z_i - float(p) for z_i, p in zip(z, exact, strict=True) if p > 0}
            assert max(shift) - min(shift) < 1e-12


def test_exact_quotient_limit_is_the_tangent_cone_projection():
    limit, _ = main_text._exact_quotient_limit(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    np.testing.assert_array_equal(limit, [0.5, -0.5])
    # on a face the inward-blocked coordinate stays at 0
    limit, _ = main_text._exact_quotient_limit(np.array([0.0, 0.25, 0.75]), np.array([-3.0, 1.0, 0.0]))
    np.testing.assert_allclose(limit, [0.0, 0.5, -0.5], atol=0)


def test_project_exact_of_a_point_on_the_simplex_is_itself():
    point = [Fraction(1, 3), Fraction(1, 6), Fraction(1, 2)]
    assert main_text._project_exact(point) == point


def test_boundedness_on_the_plane_of_simple_expressions():
    x, y = sympy.symbols("x y", real=True)
    assert main_text._bounded_on_plane(sympy.Integer(3)) is True
    assert main_text._bounded_on_plane(sympy.cos(x) * sympy.cos(y) / 4) is True
    assert main_text._bounded_on_plane(12 * x**2 - 4 * y + 2) is False
    assert main_text._bounded_on_plane(x * y) is False


def test_second_moment_gram_against_the_direct_moment():
    rng = np.random.default_rng(5)
    k, d = 3, 2
    atoms = rng.standard_normal((4, k, d))
    law = {"kind": "discrete", "k": k, "d": d, "probs": rng.dirichlet(np.ones(4)), "atoms": atoms}
    lam = rng.dirichlet(np.ones(k))
    gram = main_text._second_moment_gram(law)
    assert lam @ gram @ lam == pytest.approx(main_text._mixture_second_moment_direct(law, lam), rel=1e-13)
    brute = sum(p * np.sum((lam @ a) ** 2) for p, a in zip(law["probs"], atoms, strict=True))
    assert lam @ gram @ lam == pytest.approx(brute, rel=1e-13)


def test_dense_grid_spans_the_interval_and_resolves_the_start():
    grid = main_text._dense_grid(20.0)
    assert grid[0] == 0.0 and grid[-1] == 20.0 and np.all(np.diff(grid) > 0)
    assert grid[1] <= 1e-6


# --------------------------------------------------------------------------- mutation tests


def test_corrected_eq5_fails_when_the_tangent_cone_projection_is_the_replicator(monkeypatch):
    def replicator_instead(v, lam):
        return simplex.replicator_field(lam, np.asarray(v), 1.0)

    monkeypatch.setattr(simplex, "tangent_cone_projection", replicator_instead)
    assert run("trailmix.eq5.limit-of-eq4.corrected").verdict == "refuted"


def test_jensen_check_fails_when_the_gram_matrix_is_wrong(monkeypatch):
    original = main_text._second_moment_gram
    monkeypatch.setattr(main_text, "_second_moment_gram", lambda law: 1.5 * original(law))
    assert run("trailmix.assumption2.jensen").verdict == "refuted"


def test_misaligned_check_fails_when_the_replicator_closed_form_is_wrong(monkeypatch):
    original = simplex.replicator_closed_form

    def twice_as_fast(lam0, payoff, theta, times):
        return original(lam0, payoff, 2.0 * theta, times)

    monkeypatch.setattr(simplex, "replicator_closed_form", twice_as_fast)
    assert run("trailmix.remark1.misaligned.adv").verdict == "refuted"


def test_assumption1_catches_an_engine_hessian_that_disagrees_with_sympy(monkeypatch):
    surfaces = main_text.problems.surfaces()
    rosenbrock = surfaces["rosenbrock"]
    surfaces["rosenbrock"] = dataclasses.replace(rosenbrock, _hess=lambda pts: 1.01 * rosenbrock._hess(pts))
    monkeypatch.setattr(main_text.problems, "surfaces", lambda: surfaces)
    # every surface declared bounded, so that only the engine-vs-sympy cross-check can fail
    monkeypatch.setattr(main_text, "_bounded_on_plane", lambda expr: True)
    result = run("trailmix.assumption1.test-surfaces")
    assert result.verdict == "refuted"
    assert result.counterexample["comparison"]["label"] == "rosenbrock: engine Hessian vs sympy"
