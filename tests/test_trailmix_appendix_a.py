"""Tests for the TrailMix Appendix A and Appendix P claims (proofs_checks.trailmix.appendix_a / appendix_p).

No test asserts the verdict of a real claim. The mutation tests replace an
engine function (or a summation helper) with a broken one and assert that the
claim then refutes, which shows the checks have teeth.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from proofs_checks.trailmix import _common, appendix_a, appendix_p
from theorylab import simplex
from theorylab.claims import VERDICTS, load_claims, run_claim

REGISTRY = load_claims()
OURS = sorted(i for i, c in REGISTRY.items() if c.module in (appendix_a.__name__, appendix_p.__name__))


def run(claim_id: str):
    return run_claim(REGISTRY[claim_id], seed=0, budget="quick")


# --------------------------------------------------------------------------- every claim at the quick tier


def test_all_catalogue_ids_are_registered():
    expected = {
        "trailmix.lemma1", "trailmix.lemma2.1", "trailmix.lemma2.2", "trailmix.lemma3.1", "trailmix.lemma3.2",
        "trailmix.lemma3.3", "trailmix.lemma3.4", "trailmix.lemma3.5", "trailmix.lemma4.1", "trailmix.lemma4.2",
        "trailmix.lemma4.2.nonneg", "trailmix.lemma4.3", "trailmix.lemma5.1", "trailmix.lemma5.2",
        "trailmix.lemma5.3", "trailmix.lemma5.4", "trailmix.lemma5.5", "trailmix.lemma5.6",
        "trailmix.lemma21.1", "trailmix.lemma21.2", "trailmix.lemma22",
    }
    assert expected <= set(OURS)
    assert all(i in expected or i.removesuffix(".corrected") in expected for i in OURS)


@pytest.mark.parametrize("claim_id", OURS)
def test_quick_tier_runs_fast_and_carries_evidence(claim_id):
    r = run(claim_id)
    assert r.verdict in VERDICTS
    assert r.message and not r.message.startswith(("check raised", "timed out")), r.message
    # the quick tier targets a few seconds per claim on an idle core; the bound leaves room for a loaded machine
    assert r.seconds < 30.0, f"{claim_id} took {r.seconds} s at the quick tier"
    if r.verdict != "inconclusive":
        assert r.n_examples > 0
        assert r.details.get("parts"), "the evidence (parts) is missing"
    if r.verdict == "refuted":
        comparison = r.counterexample["comparison"]
        assert comparison["lhs"] is not None and comparison["rhs"] is not None
    if r.verdict == "confirmed" and "logical equivalence" not in r.message:
        assert r.worst_slack is not None and r.sensitivity is not None


def test_equivalences_hit_both_sides():
    for claim_id, true_case, false_case in (
        ("trailmix.lemma1", "exact: both true", "exact: both false (u_j < 0 off the support, sum u = 0)"),
        ("trailmix.lemma3.3", "vertex: both true", "non-vertex: both false"),
        ("trailmix.lemma3.4", "exact: uniform, both true", "exact: non-uniform, both false"),
    ):
        cases = run(claim_id).details.get("cases", {})
        assert cases.get(true_case, 0) > 0 and cases.get(false_case, 0) > 0, (claim_id, cases)


# --------------------------------------------------------------------------- mutation tests


def _assert_refuted(claim_id: str) -> None:
    r = run(claim_id)
    assert r.verdict == "refuted", (claim_id, r.message)


def _normalise_instead_of_project(z):
    z = np.asarray(z, dtype=float)
    return z / np.sum(z, axis=-1, keepdims=True)


@pytest.mark.parametrize("claim_id", ["trailmix.lemma2.1", "trailmix.lemma2.2", "trailmix.lemma21.1"])
def test_projection_claims_refute_a_normalisation(monkeypatch, claim_id):
    monkeypatch.setattr(simplex, "project_to_simplex", _normalise_instead_of_project)
    _assert_refuted(claim_id)


@pytest.mark.parametrize("claim_id", ["trailmix.lemma3.5", "trailmix.lemma22"])
def test_gradient_claims_refute_a_gradient_without_the_minus_one(monkeypatch, claim_id):
    monkeypatch.setattr(simplex, "entropy_gradient",
                        lambda lam, eps=_common.EPS: -np.log(np.maximum(np.asarray(lam, dtype=float), eps)))
    _assert_refuted(claim_id)


def test_tangent_cone_claim_refutes_a_cone_without_the_sign_condition(monkeypatch):
    monkeypatch.setattr(simplex, "in_tangent_cone", lambda u, lam, atol=0.0: abs(float(np.sum(u))) <= atol)
    _assert_refuted("trailmix.lemma1")


def test_entropy_bounds_refute_an_entropy_in_bits(monkeypatch):
    entropy = simplex.entropy
    monkeypatch.setattr(simplex, "entropy", lambda lam: entropy(lam) / math.log(2.0))
    _assert_refuted("trailmix.lemma3.2")


def test_vertex_equivalence_refutes_a_tolerant_vertex_test(monkeypatch):
    monkeypatch.setattr(simplex, "is_vertex", lambda lam: bool(np.max(lam) >= 1.0 - 1e-9))
    _assert_refuted("trailmix.lemma3.3")


def test_maximum_equivalence_refutes_the_cancelling_gap(monkeypatch):
    entropy = simplex.entropy
    monkeypatch.setattr(simplex, "kl_to_uniform", lambda lam: math.log(len(lam)) - entropy(lam))
    _assert_refuted("trailmix.lemma3.4")


@pytest.mark.parametrize("claim_id", ["trailmix.lemma4.1", "trailmix.lemma4.2.corrected",
                                      "trailmix.lemma4.3.corrected", "trailmix.lemma4.2.nonneg.corrected"])
def test_replicator_claims_refute_a_field_without_the_mean(monkeypatch, claim_id):
    monkeypatch.setattr(simplex, "replicator_field",
                        lambda lam, h, theta=1.0: theta * np.asarray(lam, dtype=float) * np.asarray(h, dtype=float))
    _assert_refuted(claim_id)


def _synthetic_timer(seconds_for_size):
    """A stand-in for appendix_p._time_per_call that reports modelled times instead of measuring."""

    def time_per_call(func, z, repeat, min_seconds):
        return np.full(repeat, seconds_for_size(np.size(z)))

    return time_per_call


def test_timing_claim_refutes_quadratic_times(monkeypatch):
    monkeypatch.setattr(appendix_p, "_time_per_call", _synthetic_timer(lambda k: 4e-5 + 1e-12 * k**2))
    _assert_refuted("trailmix.lemma21.2")


def test_timing_claim_does_not_refute_a_one_off_step(monkeypatch):
    # K log K times with a factor-3 step at the first fitted doubling (an array leaving a cache)
    k_max = 10 ** appendix_p.TIMING_TOP_EXPONENT["quick"]
    monkeypatch.setattr(appendix_p, "_time_per_call", _synthetic_timer(
        lambda k: 4e-5 + 1e-9 * k * math.log(k) * (3.0 if k > k_max // 8 else 1.0)))
    r = run("trailmix.lemma21.2")
    assert r.verdict == "inconclusive" and "not sustained growth" in r.message, r.message


def test_timing_claim_confirms_k_log_k_times(monkeypatch):
    monkeypatch.setattr(appendix_p, "_time_per_call", _synthetic_timer(lambda k: 4e-5 + 1e-9 * k * math.log(k)))
    r = run("trailmix.lemma21.2")
    assert r.verdict == "confirmed", r.message


def test_timing_claim_refutes_a_quadratic_projection(monkeypatch):
    project = simplex.project_to_simplex

    def quadratic(z):
        z = np.asarray(z, dtype=float)
        for first in range(0, z.size, 64):  # ranks by all pairwise comparisons, in blocks: K^2 work
            np.count_nonzero(np.less.outer(z[first:first + 64], z))
        return project(z)

    monkeypatch.setattr(appendix_p, "TIMING_TOP_EXPONENT", {"quick": 4, "full": 4})
    monkeypatch.setattr(simplex, "project_to_simplex", quadratic)
    r = run("trailmix.lemma21.2")
    # wall-clock times on a loaded machine may be too noisy to decide; a quadratic must never pass
    assert r.verdict in ("refuted", "inconclusive"), r.message


def test_harmonic_bound_refutes_a_sum_with_one_term_too_many(monkeypatch):
    harmonic = appendix_a._harmonic

    def one_more(ctx):
        horizons, sums = harmonic(ctx)
        return horizons, sums + 1.0 / (horizons + 1.0)

    monkeypatch.setattr(appendix_a, "_harmonic", one_more)
    _assert_refuted("trailmix.lemma5.1")


# --------------------------------------------------------------------------- helpers


def test_algorithm2_as_printed_on_hand_cases():
    np.testing.assert_allclose(appendix_p.algorithm2_as_printed(np.array([0.5, 0.3, -1.0])), [0.6, 0.4, 0.0])
    np.testing.assert_allclose(appendix_p.algorithm2_as_printed(np.array([2.0, 2.0])), [0.5, 0.5])
    np.testing.assert_allclose(appendix_p.algorithm2_as_printed(np.array([7.0])), [1.0])


def test_exact_projection_is_certified_and_matches_the_qp():
    rng = np.random.default_rng(3)
    for k in (1, 2, 5, 30):
        z = rng.standard_normal(k) * 10.0 ** rng.uniform(-3, 3)
        exact = _common.exact_projection(z)
        assert _common.exact_kkt_holds(exact, z)
        assert sum(exact, Fraction(0)) == 1
        qp, tol = _common.solve_projection_qp(z)
        np.testing.assert_allclose(qp, [float(v) for v in exact], atol=10 * math.sqrt(tol))
    assert not _common.exact_kkt_holds([Fraction(1, 2), Fraction(1, 2)], np.array([1.0, 0.0]))


def test_exact_divergence_decides_the_uniform_point():
    assert appendix_a._kl_to_uniform_exact([Fraction(1, 3)] * 3) == 0
    near = [Fraction(1, 3) + Fraction(1, 10**30), Fraction(1, 3) - Fraction(1, 10**30), Fraction(1, 3)]
    assert appendix_a._kl_to_uniform_exact(near) > 0


def test_amplification_is_one_for_nonnegative_scores_and_grows_for_negative_ones():
    times = np.linspace(0.0, 5.0, 11)
    lam0 = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(appendix_a._amplification(lam0, np.array([0.0, 1.0, 2.0]), 1.0, times), 1.0)
    growth = appendix_a._amplification(lam0, np.array([-1.0, -2.0, -3.0]), 1.0, times)
    assert growth[-1] > math.exp(4.9)


def test_prefix_sums_match_exact_rationals():
    horizons, sums = appendix_a._prefix_sums(lambda t: 1.0 / t, 5000, np.array([6000, 20_000]))
    exact = Fraction(0)
    for n in range(1, 20_001):
        exact += Fraction(1, n)
        if n in (1, 4999, 5000, 6000, 20_000):
            assert sums[list(horizons).index(n)] == pytest.approx(float(exact), rel=1e-14)
