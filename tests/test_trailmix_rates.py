"""Tests for the TrailMix Sections 3–6, Appendix B/C/Q claims and their helpers.

Modules: proofs_checks.trailmix.main_text, fixed_mixtures, two_timescale and
_rates_helpers. No test asserts the verdict of a real claim: the helpers are
checked against closed forms, and mutation tests break an engine function
(or a helper) and assert that a claim then refutes.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from proofs_checks.trailmix import _rates_helpers as rh
from proofs_checks.trailmix import fixed_mixtures, main_text, two_timescale
from theorylab import flows, problems, simplex
from theorylab.claims import VERDICTS, load_claims, run_claim

REGISTRY = load_claims()
MODULES = (main_text.__name__, fixed_mixtures.__name__, two_timescale.__name__)
OURS = sorted(i for i, c in REGISTRY.items() if c.module in MODULES)

CATALOGUE = {
    "trailmix.eq5.limit-of-eq4", "trailmix.assumption1.test-surfaces", "trailmix.assumption2.jensen",
    "trailmix.assumption3.mixture", "trailmix.assumption4.schedules", "trailmix.remark1.adam",
    "trailmix.remark1.misaligned.align", "trailmix.remark1.misaligned.adv", "trailmix.theorem1.1",
    "trailmix.theorem1.2.last-iterate", "trailmix.theorem1.2.averaged", "trailmix.theorem1.3",
    "trailmix.theorem2.1.def3-h", "trailmix.theorem2.1.generic-h", "trailmix.theorem2.2", "trailmix.theorem2.lyapunov",
    "trailmix.eq8", "trailmix.eq8.optimal-mixing", "trailmix.assumption7.global-consistency", "trailmix.lemma6",
    "trailmix.lemma7", "trailmix.theorem3", "trailmix.theorem3.eq77", "trailmix.theorem4", "trailmix.eq83",
    "trailmix.theorem5", "trailmix.theorem5.rho-positive", "trailmix.theorem6", "trailmix.theorem6.fast-lyapunov",
    "trailmix.table1.nonconvex", "trailmix.table1.convex", "trailmix.table1.strongly-convex.any-constant",
    "trailmix.table1.strongly-convex.some-constant", "trailmix.table1.pl",
}


def run(claim_id: str):
    return run_claim(REGISTRY[claim_id], seed=0, budget="quick")


def test_every_catalogue_id_of_this_part_is_registered():
    assert CATALOGUE <= set(OURS)
    assert all(i in CATALOGUE or i.removesuffix(".corrected") in CATALOGUE for i in OURS)


# --------------------------------------------------------------------------- helpers against closed forms


@pytest.mark.parametrize("noise", ["additive", "gradient"])
def test_linear_sgd_moments_scalar_constant_step_matches_closed_form(noise):
    a, c, s, alpha, x0, n = 2.0, 0.7, 0.3, 0.1, 1.5, 60
    tr = rh.linear_sgd_moments(np.array([[a]]), np.array([x0]), np.array([[[c]]]), np.ones(1), np.full(n, alpha),
                               noise_scale=s, noise=noise)
    rho = 1.0 - alpha * c * a
    q = alpha**2 * s**2 * (c**2 if noise == "gradient" else 1.0)
    t = np.arange(n + 1)
    second = rho ** (2 * t) * x0**2 + q * (1 - rho ** (2 * t)) / (1 - rho**2)
    np.testing.assert_allclose(np.exp(tr.log_f), 0.5 * a * second, rtol=1e-12)
    np.testing.assert_allclose(np.exp(tr.log_grad2), a * a * second, rtol=1e-12)


def test_linear_sgd_moments_average_matches_geometric_sum():
    a, c, alpha, x0, n = 1.0, 1.0, 0.3, 2.0, 40
    tr = rh.linear_sgd_moments(np.array([[a]]), np.array([x0]), np.array([[[c]]]), np.ones(1), np.full(n, alpha),
                               average=True)
    rho = 1.0 - alpha
    for t in (1, 5, 40):
        mean = x0 * (1 - rho**t) / (1 - rho) / t
        assert math.exp(tr.log_f_avg[t]) == pytest.approx(0.5 * a * mean**2, rel=1e-12)


def test_similarity_closed_form_matches_matrix_recursion():
    rng = np.random.default_rng(4)
    a = rh.spd_from_rng(rng, 3, 0.1, 10.0)
    p = np.stack([rh.spd_from_rng(rng, 3, 0.2, 2.0) for _ in range(2)])
    lam = np.array([0.3, 0.7])
    pbar = np.einsum("k,kij->ij", lam, p)
    stable = 1.0 / float(np.max(np.linalg.eigvals(pbar @ a).real))
    alphas = 0.8 * stable / np.sqrt(np.arange(400) + 1.0)
    record = rh.horizon_grid(400)
    fast = rh.linear_sgd_moments(a, np.array([1.0, -2.0, 0.5]), p, lam, alphas, noise_scale=0.4, record=record,
                                 average=True)
    out = {k: np.full(record.size, np.nan) for k in ("f", "g", "ming", "dir", "avg")}
    traces = np.array([np.sum(pi * pi) for pi in p]) * 0.16
    rh._matrix_recursion(a, np.array([1.0, -2.0, 0.5]), p, lam, alphas, 0.16, "gradient", traces, record, True, out)
    np.testing.assert_allclose(fast.log_f, out["f"], atol=1e-11)
    np.testing.assert_allclose(fast.log_min_grad2[1:], out["ming"][1:], atol=1e-11)
    np.testing.assert_allclose(fast.log_f_avg[1:], out["avg"][1:], atol=1e-11)


def test_tail_slope_recovers_a_power_law():
    horizons = rh.horizon_grid(100_000)
    fit = rh.tail_slope(horizons, 3.0 * horizons.astype(float) ** -0.37)
    assert fit.slope == pytest.approx(-0.37, abs=1e-10)
    assert not fit.negligible


def test_transient_time_of_a_quadratic_is_three_slowest_time_constants():
    a = np.diag([0.5, 4.0])
    pbar = np.diag([2.0, 1.0])
    assert rh.transient_time(problems.quadratic(a), pbar, np.ones(2), a) == pytest.approx(3.0 / 1.0)


def test_monte_carlo_helper_matches_the_engine_recursion():
    problem = problems.pl_nonconvex(1)
    p = np.array([[[0.5]], [[1.5]]])
    lam = np.array([0.25, 0.75])
    alphas = 0.05 / np.sqrt(np.arange(50) + 1.0)
    mine = rh.mixture_sgd_monte_carlo(problem, p, lam, np.array([2.0]), alphas, noise_scale=0.0, n_runs=1, seed=0,
                                      record=np.arange(51))
    engine = flows.mixture_sgd(problem, flows.scaled_bases([0.5, 1.5], 1), lam, np.array([2.0]), 50,
                               flows.StepSchedule("inverse-sqrt", 0.05))
    np.testing.assert_allclose(mine.grad2, engine.grad_sq_mean, rtol=1e-12)
    np.testing.assert_allclose(mine.f_gap, engine.f_mean, rtol=1e-12)


def test_exact_quotient_limit_is_the_tangent_cone_projection_on_a_face():
    lam = np.array([0.0, 0.25, 0.75])
    v = np.array([-1.0, 2.0, 0.5])
    limit, _ = main_text._exact_quotient_limit(lam, v)
    np.testing.assert_allclose(limit, simplex.tangent_cone_projection(v, lam), atol=1e-15)


# --------------------------------------------------------------------------- every claim at the quick tier


@pytest.mark.parametrize("claim_id", OURS)
def test_quick_tier_gives_a_verdict_with_evidence(claim_id):
    r = run(claim_id)
    assert r.verdict in VERDICTS
    assert not r.message.startswith(("check raised", "timed out")), r.message
    if r.verdict == "refuted":
        comparison = r.counterexample["comparison"]
        assert comparison["lhs"] is not None and comparison["rhs"] is not None
    if r.verdict == "confirmed" and "logical equivalence" not in r.message:
        assert r.worst_slack is not None and r.n_examples > 0


# --------------------------------------------------------------------------- mutation tests


def _assert_refuted(claim_id: str) -> None:
    r = run(claim_id)
    assert r.verdict == "refuted", (claim_id, r.message)


def test_mutation_tangent_cone_projection_ignoring_faces(monkeypatch):
    monkeypatch.setattr(simplex, "tangent_cone_projection", lambda v, lam: np.asarray(v) - np.mean(v))
    _assert_refuted("trailmix.eq5.limit-of-eq4.corrected")


def test_mutation_halved_bound_77(monkeypatch):
    original = fixed_mixtures._theorem3_bound
    monkeypatch.setattr(fixed_mixtures, "_theorem3_bound", lambda *args: 0.5 * original(*args))
    _assert_refuted("trailmix.theorem3.corrected")


def test_mutation_moments_ten_percent_too_large(monkeypatch):
    original = rh.linear_sgd_moments

    def inflated(*args, **kwargs):
        tr = original(*args, **kwargs)
        return dataclasses.replace(tr, log_f=tr.log_f + math.log(1.1))

    monkeypatch.setattr(rh, "linear_sgd_moments", inflated)
    _assert_refuted("trailmix.theorem5.rho-positive")


def test_mutation_smoothness_constant_understated(monkeypatch):
    original = problems.quadratic

    def understated(*args, **kwargs):
        problem = original(*args, **kwargs)
        return dataclasses.replace(problem, L=0.9 * problem.L)

    monkeypatch.setattr(problems, "quadratic", understated)
    _assert_refuted("trailmix.lemma6")


def test_mutation_alignment_constants_overstated(monkeypatch):
    original = flows.scaled_bases

    def overstated(scales, dim):
        bases = original(scales, dim)
        return dataclasses.replace(bases, alignment=1.1 * bases.alignment)

    monkeypatch.setattr(flows, "scaled_bases", overstated)
    _assert_refuted("trailmix.theorem6.fast-lyapunov")


def test_mutation_replicator_closed_form(monkeypatch):
    original = simplex.replicator_closed_form
    monkeypatch.setattr(simplex, "replicator_closed_form", lambda lam0, h, theta, t: original(lam0, h, 2 * theta, t))
    _assert_refuted("trailmix.remark1.misaligned.adv")


def test_mutation_rate_quantity_growing(monkeypatch):
    original = rh.normalised_series

    def growing(series, quantity, exponent, log_power):
        horizons, values = original(series, quantity, exponent, log_power)
        return horizons, values * horizons.astype(float) ** 0.3

    monkeypatch.setattr(rh, "normalised_series", growing)
    _assert_refuted("trailmix.theorem1.2.averaged")
