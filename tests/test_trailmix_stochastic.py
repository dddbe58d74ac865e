"""Tests for the TrailMix Appendix G–O claims and their helpers.

Modules: proofs_checks.trailmix.base_alignment (G), stochastic_approximation (H),
trust_regions (I), schedules (J), extensions (M, N, O) and _stochastic_helpers.
No test asserts the verdict of a real claim: the mutation tests break an engine
function or a helper the claim relies on and assert that the verdict then
changes; the helper tests compare with closed forms.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate, stats

from proofs_checks.trailmix import (
    _stochastic_helpers as helpers,
)
from proofs_checks.trailmix import (
    base_alignment,
    extensions,
    schedules,
    stochastic_approximation,
    trust_regions,
)
from theorylab import flows, problems
from theorylab.claims import VERDICTS, load_claims, run_claim

REGISTRY = load_claims()
MODULES = {m.__name__ for m in (base_alignment, extensions, schedules, stochastic_approximation, trust_regions)}
OURS = sorted(i for i, c in REGISTRY.items() if c.module in MODULES)

CATALOGUE_IDS = {
    "trailmix.lemma12", "trailmix.lemma13", "trailmix.lemma13.geometric", "trailmix.lemma14",
    "trailmix.eq182.eps-inside", "trailmix.eq182.eps-outside", "trailmix.lemma15", "trailmix.theorem11",
    "trailmix.lemma16", "trailmix.theorem12", "trailmix.theorem12.second-moment", "trailmix.lemma17.1",
    "trailmix.lemma17.2", "trailmix.theorem13", "trailmix.theorem13.exponents-order",
    "trailmix.theorem13.exponents-bound", "trailmix.theorem13.exponents-negated", "trailmix.lemma18.1",
    "trailmix.lemma18.2", "trailmix.lemma18.3", "trailmix.lemma19", "trailmix.theorem16", "trailmix.theorem17",
    "trailmix.lemma20.per-sample", "trailmix.lemma20.as-stated", "trailmix.theorem18",
}


def run(claim_id: str, **kwargs):
    return run_claim(REGISTRY[claim_id], seed=0, budget="quick", **kwargs)


# --------------------------------------------------------------------------- registration and evidence


def test_every_catalogue_id_is_registered_here():
    assert CATALOGUE_IDS <= set(OURS)
    assert all(i in CATALOGUE_IDS or i.removesuffix(".corrected") in CATALOGUE_IDS for i in OURS)


@pytest.mark.parametrize("claim_id", OURS)
def test_quick_tier_carries_evidence(claim_id, tmp_path):
    r = run(claim_id, out_dir=tmp_path)
    assert r.verdict in VERDICTS
    assert r.message and not r.message.startswith(("check raised", "timed out")), r.message
    if r.verdict in ("confirmed", "refuted"):
        assert r.n_examples > 0 and r.details.get("parts")
    if r.verdict == "refuted":
        assert r.counterexample["comparison"]["lhs"] is not None
    for figure in r.figures:
        assert (tmp_path / figure).exists()


# --------------------------------------------------------------------------- helpers against closed forms


def test_clopper_pearson_closed_forms():
    n = 50
    low, high = helpers.clopper_pearson(0, n, 0.99)
    assert low == 0.0 and high == pytest.approx(1 - 0.005 ** (1 / n), rel=1e-12)
    low, high = helpers.clopper_pearson(n, n, 0.99)
    assert high == 1.0 and low == pytest.approx(0.005 ** (1 / n), rel=1e-12)
    low, high = helpers.clopper_pearson(17, n, 0.99)
    assert stats.binom.sf(16, n, low) == pytest.approx(0.005, rel=1e-8)
    assert stats.binom.cdf(17, n, high) == pytest.approx(0.005, rel=1e-8)


def test_two_point_law_is_zero_mean_and_samples_its_atoms():
    law = helpers.TwoPointLaw(10.0, 0.1)
    assert law.probs @ law.atoms == pytest.approx(0.0, abs=1e-15)
    samples = law.sample(np.random.default_rng(0), 10_000)
    assert set(np.unique(samples)) == set(law.atoms)


def test_clip_norms_and_directions():
    d = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    clipped = helpers.clip(d, 1.0)
    np.testing.assert_allclose(np.linalg.norm(clipped, axis=1), [1.0, 0.5, 0.0])
    np.testing.assert_allclose(clipped[0], [0.6, 0.8])


def test_svrg_direction_is_unbiased_for_a_finite_sum():
    rng = np.random.default_rng(1)
    matrices = rng.standard_normal((5, 3, 3))

    def component_grad(x, i):
        return matrices[i] @ x

    x, x_ref = rng.standard_normal(3), rng.standard_normal(3)
    full_ref = np.mean([component_grad(x_ref, i) for i in range(5)], axis=0)
    mean = np.mean([helpers.svrg_direction(component_grad, x, x_ref, full_ref, i) for i in range(5)], axis=0)
    np.testing.assert_allclose(mean, np.mean([component_grad(x, i) for i in range(5)], axis=0), atol=1e-12)


def test_momentum_without_memory_is_gradient_descent():
    problem = problems.quadratic(np.diag([1.0, 3.0]))
    run_now = helpers.momentum_run(problem, np.array([1.0, -2.0]), 0.1, 0.0, 20, indexing="m_t+1")
    np.testing.assert_allclose(run_now.ratios, 1.0, rtol=1e-14)
    run_past = helpers.momentum_run(problem, np.array([1.0, -2.0]), 0.1, 0.5, 5, indexing="m_t")
    assert run_past.ratios[0] == 0.0


def test_adam_first_direction_in_both_epsilon_conventions():
    g = np.array([0.3, -2.0])
    inside, *_ = helpers.adam_direction(np.zeros(2), np.zeros(2), g, 0, 0.9, 0.999, 1e-2, eps_inside=True)
    outside, *_ = helpers.adam_direction(np.zeros(2), np.zeros(2), g, 0, 0.9, 0.999, 1e-2, eps_inside=False)
    np.testing.assert_allclose(inside, g / np.sqrt(g * g + 1e-2), rtol=1e-14)
    np.testing.assert_allclose(outside, g / (np.abs(g) + 1e-2), rtol=1e-14)


def test_gradient_variation_of_a_linear_sequence():
    grads = np.arange(6.0)[:, None] * np.array([[1.0, 0.0]])
    variation = helpers.gradient_variation(grads, 0.5)
    expected = [max((t - tau) * 0.5 ** (t - tau) for tau in range(t + 1)) for t in range(6)]
    np.testing.assert_allclose(variation, expected, rtol=1e-14)


@pytest.mark.parametrize("q", [0.3, 0.5, 1.0, 1.7])
def test_power_sums_and_the_integral_test_bracket(q):
    direct = np.cumsum(np.arange(1, 3001, dtype=float) ** -q)
    for horizon in (1, 7, 100, 3000):
        assert helpers.power_sum_exact(q, horizon) == pytest.approx(direct[horizon - 1], rel=1e-13)
        assert helpers.power_sum_fast(q, horizon) == pytest.approx(direct[horizon - 1], rel=1e-12)
    low, high = schedules.integral_test_bracket(q, np.arange(1, 3001))
    assert np.all(low <= direct * (1 + 1e-14)) and np.all(direct <= high * (1 + 1e-14))


def test_schedule_orders_match_the_classical_table():
    half = Fraction(1, 2)
    assert helpers.schedule_bound_orders(Fraction(1, 4))[2] == (Fraction(-1, 4), 0)
    assert helpers.schedule_bound_orders(half)[2] == (-half, 1)
    assert helpers.schedule_bound_orders(Fraction(3, 4))[2] == (Fraction(-1, 4), 0)
    assert helpers.schedule_bound_orders(Fraction(1))[2] == (0, -1)
    assert helpers.schedule_bound_orders(Fraction(3, 2))[2] == (0, 0)
    first, second, _ = helpers.schedule_bound_orders(Fraction(3, 4))
    assert first == second  # both terms of (204) have the same order for 1/2 < p < 1


@pytest.mark.parametrize("kind", ["gaussian", "student-t"])
def test_expected_clip_closed_form_against_quadrature(kind):
    law = trust_regions.NoiseLaw(kind, 0.7, dof=2.5)
    dist = stats.norm(scale=0.7) if kind == "gaussian" else stats.t(2.5, scale=0.7)
    for centre in (-2.0, -0.1, 0.0, 0.4, 3.0):
        closed = trust_regions.expected_clip_1d(np.array([centre]), law, 0.5)[0]
        by_quad = integrate.quad(lambda xi, c=centre: np.clip(c + xi, -0.5, 0.5) * dist.pdf(xi), -np.inf, np.inf,
                                 limit=200, points=None)[0]
        assert closed == pytest.approx(by_quad, abs=1e-9)


def test_svrg_variance_matches_the_explicit_expectation():
    deltas = np.array([[1.0, 0.0], [-1.0, 2.0], [0.5, 0.5]])
    mean = deltas.mean(axis=0)
    expected = np.mean([np.sum((row - mean) ** 2) for row in deltas])
    assert extensions._svrg_variance(deltas) == pytest.approx(expected, rel=1e-15)


def test_first_order_coefficient_on_a_half_space():
    # f(x) = g.x on {x_1 >= 0} at x = 0 with d = g = e_1: the step is projected away, kappa = c ||g||^2 > 0
    problem = extensions._affine_problem(np.array([1.0, 0.0]))
    case = extensions.ConstrainedCase("half-space", np.array([-1.0, 0.0]), "affine", problem, None,
                                      np.zeros(2), np.eye(2), 1.0)
    assert extensions.first_order_coefficient(case, 1e-5) == pytest.approx(1.0, rel=1e-10)
    inside = dataclasses.replace(case, point=np.array([1.0, 0.0]))
    assert extensions.first_order_coefficient(inside, 1e-5) == pytest.approx(0.0, abs=1e-10)


def test_robbins_monro_escape_certificate_and_limit_cycle():
    rng = np.random.default_rng(0)
    escape = stochastic_approximation.robbins_monro_runs(
        stochastic_approximation.cubic_field(0.0, 0.0), np.array([[5.0, 0.0]]), np.array([1.0]), np.array([0.6]),
        np.array([0.0]), 50, rng)
    assert escape[0].outcome == "escaped" and escape[0].value == 5.0
    hopf = stochastic_approximation.robbins_monro_runs(
        stochastic_approximation.cubic_field(1.0, 1.0), np.array([[0.3, 0.0]]), np.array([0.5]), np.array([0.6]),
        np.array([0.0]), 4000, rng)
    assert hopf[0].outcome == "bounded" and hopf[0].value == pytest.approx(1.0, rel=1e-2)
    assert hopf[0].value > hopf[0].allowance


def test_projected_sa_converges_on_a_spiral_sink_and_escapes_on_a_saddle():
    sink = stochastic_approximation.CoupledInstance(
        "linear, rotational", (1.0, 1.0, 1.0), ((0.5, -2.0), (2.0, 0.5)), ((0.0,) * 3,) * 3, ((0.0,) * 2,) * 3,
        (0.0,) * 3, 0.6, 0.0)
    saddle = dataclasses.replace(sink, family="linear, indefinite", matrix=((0.5, 0.0), (0.0, -0.5)))
    x0 = np.array([[3.0, -1.0], [3.0, -1.0]])
    runs = stochastic_approximation.projected_sa_runs([sink, saddle], x0, 2000, np.random.default_rng(0))
    # -Bx with eigenvalues 0.5 +- 2i: |x_t| decays like exp(-0.5 tau_t), tau_T ~ 50
    assert runs[0].outcome == "bounded" and runs[0].value < 1e-2 and runs[0].value <= runs[0].allowance
    # the unstable direction grows like exp(0.5 tau_t): the last window's level exceeds any decrease
    assert runs[1].outcome == "bounded" and runs[1].value > runs[1].allowance


def test_classify_rate_separates_linear_from_plateau():
    evaluations = np.arange(0, 4000, 100.0)
    linear = np.exp(-0.01 * evaluations)
    plateau = np.exp(-0.01 * evaluations) + 1e-4
    assert extensions.classify_rate(evaluations, linear, 1e-10)["linear"]
    assert not extensions.classify_rate(evaluations, plateau, 1e-10)["linear"]


def test_geometric_identity_integers():
    lhs, rhs, exact = base_alignment._geometric_identity_sweep(0.75, 50)
    assert exact
    np.testing.assert_allclose(lhs, 1 - 0.75 ** np.arange(1, 51), rtol=1e-15)


# --------------------------------------------------------------------------- mutation tests


def test_lemma12_catches_a_misscaled_gd_base(monkeypatch):
    original = flows.scaled_bases
    monkeypatch.setattr(flows, "scaled_bases", lambda scales, dim: original(np.asarray(scales) * 1.001, dim))
    assert run("trailmix.lemma12").verdict == "refuted"


def test_eq182_corrected_catches_a_shifted_bound(monkeypatch):
    original = base_alignment._preconditioner_sides

    def shifted(case, entry, bounds):
        lower, value, upper = original(case, entry, bounds)
        return lower * (1 + 1e-6), value, upper

    monkeypatch.setattr(base_alignment, "_preconditioner_sides", shifted)
    assert run("trailmix.eq182.eps-inside.corrected").verdict == "refuted"


def test_lemma16_and_second_moment_catch_a_loose_clip(monkeypatch):
    monkeypatch.setattr(trust_regions, "clip", lambda d, radius: helpers.clip(d, radius * 0.999))
    assert run("trailmix.lemma16").verdict == "refuted"
    monkeypatch.setattr(trust_regions, "clip", lambda d, radius: helpers.clip(d, radius * 1.001))
    assert run("trailmix.theorem12.second-moment").verdict == "refuted"


def test_lemma17_catches_miscounted_partial_sums(monkeypatch):
    original = schedules.power_sum_exact
    monkeypatch.setattr(schedules, "power_sum_exact", lambda q, horizon: original(q, horizon) * (1 + 1e-7))
    assert run("trailmix.lemma17.1").verdict != "confirmed"


def test_theorem13_cross_checks_catch_a_wrong_order(monkeypatch):
    def wrong(p):
        first, second, total = helpers.schedule_bound_orders(p)
        return first, second, (total[0] - Fraction(1, 10), total[1])

    monkeypatch.setattr(schedules, "schedule_bound_orders", wrong)
    assert run("trailmix.theorem13").verdict == "inconclusive"


def test_lemma18_2_catches_shrunken_steps(monkeypatch):
    original = schedules.adagrad_steps
    monkeypatch.setattr(schedules, "adagrad_steps", lambda case, acc: original(case, acc) * 0.999)
    assert run("trailmix.lemma18.2").verdict == "refuted"


def test_lemma15_corrected_catches_an_ascent_field(monkeypatch):
    original = problems.pl_nonconvex

    def ascent(dim=1):
        problem = original(dim)
        return dataclasses.replace(problem, _grad=lambda x: -problem._grad(x))

    monkeypatch.setattr(problems, "pl_nonconvex", ascent)
    assert run("trailmix.lemma15.corrected").verdict == "refuted"


def test_lemma19_corrected_catches_a_wrong_simplex_projection(monkeypatch):
    def normalise(z):
        positive = np.maximum(np.asarray(z, dtype=float), 1e-3)
        return positive / positive.sum(axis=-1, keepdims=True)

    monkeypatch.setattr(extensions, "project_to_simplex", normalise)
    assert run("trailmix.lemma19.corrected").verdict == "refuted"


def test_lemma20_catches_an_inflated_variance(monkeypatch):
    original = extensions._svrg_variance
    monkeypatch.setattr(extensions, "_svrg_variance", lambda deltas: 2.5 * original(deltas))
    assert run("trailmix.lemma20.per-sample").verdict == "refuted"


def test_theorem17_catches_a_vanishing_bound(monkeypatch):
    original = extensions.BoundedInstance.constants

    def no_slack(self):
        constants = original(self)
        return constants | {"L": 0.0, "f0": constants["f_star"]}

    monkeypatch.setattr(extensions.BoundedInstance, "constants", no_slack)
    assert run("trailmix.theorem17").verdict == "refuted"


def test_theorem18_needs_the_variance_reduction(monkeypatch):
    monkeypatch.setattr(extensions, "svrg_direction", lambda grad, x, x_ref, full_ref, index: grad(x, index))
    assert run("trailmix.theorem18").verdict != "confirmed"


def test_every_claim_documents_its_procedure():
    for claim_id in OURS:
        assert len(REGISTRY[claim_id].procedure) > 200, claim_id
