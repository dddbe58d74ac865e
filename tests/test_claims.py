"""The claim contract: verdicts follow from what a check records."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import toy_claims  # noqa: F401  (registers the toy claims)
from hypothesis import strategies as st

from theorylab.claims import (
    REGISTRY,
    SENSITIVITY_LEVELS,
    CheckResult,
    Comparison,
    Context,
    claim,
    run_claim,
)


def run(claim_id: str, seed: int = 0) -> CheckResult:
    return run_claim(REGISTRY[claim_id], seed=seed, budget="quick")


def test_true_identity_confirms_with_evidence_and_sensitivity():
    r = run("toy.true-identity")
    assert r.verdict == "confirmed"
    assert r.n_examples >= 100
    assert r.worst_slack <= 0 and r.worst_slack > -1e-12
    # a relative perturbation of the identity by 1e-9 is far above round-off
    assert r.sensitivity == SENSITIVITY_LEVELS[0]
    assert r.lhs is not None and r.rhs is not None


def test_tight_inequality_confirms_and_reports_its_tightest_example():
    r = run("toy.true-inequality")
    assert r.verdict == "confirmed"
    assert r.sensitivity is not None and r.sensitivity <= 1e-6
    tight = r.details["tightest"]["example"]
    assert tight["a"] == pytest.approx(tight["b"], rel=1e-6)


def test_false_inequality_refutes_with_a_shrunk_counterexample():
    r = run("toy.false-inequality")
    assert r.verdict == "refuted"
    x = r.counterexample["example"]
    assert x * x > x + 1  # the counterexample really violates the claim
    assert r.lhs == pytest.approx(x * x) and r.rhs == pytest.approx(x + 1)
    # shrinking moves toward the simplest failing values: 2 or -1 (or close to the boundary)
    assert abs(x) <= 2


def test_nan_is_inconclusive_never_confirmed():
    r = run("toy.nan")
    assert r.verdict == "inconclusive"
    assert "non-finite" in r.message


def test_raising_check_is_inconclusive_with_the_error():
    r = run("toy.raises")
    assert r.verdict == "inconclusive"
    assert "RuntimeError" in r.message and "the check broke" in r.message


def test_slow_check_times_out():
    r = run("toy.slow")
    assert r.verdict == "inconclusive"
    assert r.message == "timed out after 1 s"


def test_equivalence_reports_cases_and_no_sensitivity():
    r = run("toy.equivalence")
    assert r.verdict == "confirmed"
    assert r.sensitivity is None
    assert r.details["cases"]["even"] > 0 and r.details["cases"]["odd"] > 0
    assert "sensitivity not applicable" in r.message


def test_sweep_counts_every_entry_and_is_tight_at_the_first():
    r = run("toy.sweep")
    assert r.verdict == "confirmed"
    assert r.n_examples == 10**5
    assert r.worst_slack == 0.0
    assert r.details["tightest"]["example"] == {"T": 1}
    assert r.sensitivity == SENSITIVITY_LEVELS[0]


def test_loose_bound_is_reported_as_having_no_teeth():
    r = run("toy.no-teeth")
    assert r.verdict == "confirmed"
    assert r.sensitivity == 1.0  # only the bound 0 is refuted
    assert "no teeth" in r.message


def test_sweep_counterexample_is_the_first_violation():
    ctx = Context("t.sweep-false")
    T = np.arange(1, 100)
    ctx.sweep(np.log(T), np.full(T.shape, 2.0), "<=", examples={"T": T})
    r = ctx.result()
    assert r.verdict == "refuted"
    assert r.counterexample["example"] == {"T": 8}  # log 8 > 2 > log 7
    assert r.n_examples == 8


def test_refuted_by_a_logical_comparison_reports_its_negative_slack():
    ctx = Context("t.logical-false")
    ctx.compare(1.0, 2.0, "<=", label="a loose bound")
    ctx.compare(False, True, "==", label="an equivalence")
    r = ctx.result()
    assert r.verdict == "refuted"
    assert r.worst_slack < 0 and f"worst slack {r.worst_slack:.3g}" in r.message


def test_direct_comparisons_keep_the_first_violation_and_count_every_one():
    ctx = Context("t.direct")
    ctx.compare(1.0, 0.0, "<=", label="first violation")
    ctx.compare(2.0, 0.0, "<=", label="second violation")
    ctx.compare(0.0, 1.0, "<=", label="holds")
    r = ctx.result()
    assert r.verdict == "refuted"
    assert r.counterexample["comparison"]["label"] == "first violation"
    assert r.n_examples == 3


def test_sweep_with_nan_is_inconclusive():
    ctx = Context("t.sweep-nan")
    ctx.sweep([1.0, float("nan"), 1.0], [2.0, 2.0, 2.0], "<=")
    assert ctx.result().verdict == "inconclusive"


def test_sensitivity_matches_a_rerun_of_the_search_on_the_tightened_claim():
    """The contract: sensitivity is what rerunning the same search on the tightened claim refutes."""
    def check(ctx: Context, tightening: float) -> None:
        def prop(x: float) -> None:
            # x(1-x) <= 1/4, tightened: x(1-x) <= 1/4 - t/4
            ctx.compare(x * (1 - x), 0.25 * (1 - tightening), "<=", scale=0.25)
        ctx.search(prop, st.floats(0, 1), label="quadratic")

    base = Context("t.rerun", seed=3)
    check(base, 0.0)
    r = base.result()
    assert r.verdict == "confirmed"
    for level in SENSITIVITY_LEVELS:
        ctx = Context("t.rerun", seed=3)
        check(ctx, level)
        refuted = ctx.result().verdict == "refuted"
        assert refuted == (r.sensitivity is not None and level >= r.sensitivity), level


def test_search_is_deterministic_for_a_seed_and_depends_on_it():
    def examples(seed: int) -> list[float]:
        seen: list[float] = []
        ctx = Context("t.det", seed=seed)
        ctx.search(lambda x: (seen.append(x), ctx.compare(x, x))[1], st.floats(-1e3, 1e3))
        return seen

    assert examples(1) == examples(1)
    assert examples(1) != examples(2)


def test_search_examples_do_not_depend_on_what_the_process_imported(tmp_path, monkeypatch):
    # hypothesis would otherwise mix literals of newly imported local modules into its draws
    from hypothesis import strategies as st

    def drawn() -> list[tuple[int, float]]:
        ctx = Context("t.imports", seed=5)
        seen: list[tuple[int, float]] = []

        def prop(k: int, x: float) -> None:
            seen.append((k, x))
            ctx.compare(0.0, 1.0, "<=")

        ctx.search(prop, k=st.integers(-10**9, 10**9), x=st.floats(-1e9, 1e9), max_examples=300)
        return seen

    before = drawn()
    literals = ", ".join(str(v) for v in range(987_654_321, 987_654_321 + 400, 7))
    (tmp_path / "module_with_literals.py").write_text(f"INTS = [{literals}]\nFLOATS = [0.123456789, -77777.25]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import module_with_literals  # noqa: F401

    assert drawn() == before


def test_assumed_away_examples_are_not_counted():
    ctx = Context("t.assume")
    def prop(x: int) -> None:
        ctx.assume(x % 3 == 0)
        ctx.compare(x % 3, 0)
    ctx.search(prop, st.integers(0, 10**6), max_examples=60)
    r = ctx.result()
    assert r.verdict == "confirmed"
    assert 0 < r.n_examples <= 60


def test_property_recording_nothing_is_inconclusive():
    ctx = Context("t.empty")
    ctx.search(lambda x: None, st.integers())
    assert ctx.result().verdict == "inconclusive"


@pytest.mark.parametrize(
    ("relation", "lhs", "rhs", "violated"),
    [("<=", 1.0, 1.0, False), ("<=", 1.0 + 1e-6, 1.0, True), (">=", 0.5, 1.0, True),
     ("<", 1.0, 1.0, True), (">", 2.0, 1.0, False), ("==", 1.0, 1.0 + 1e-13, False),
     ("==", 1.0, 1.0 + 1e-8, True)],
)
def test_comparison_relations(relation, lhs, rhs, violated):
    assert Comparison(lhs, rhs, relation).violated() is violated


def test_comparison_tightening_moves_the_bound_against_the_claim():
    c = Comparison(0.9, 1.0, "<=")
    assert not c.violated(0.05) and c.violated(0.2)
    c = Comparison(1.1, 1.0, ">=")
    assert not c.violated(0.05) and c.violated(0.2)
    c = Comparison(0.0, 0.0, ">=", scale=1.0)  # H >= 0 at a vertex: tight
    assert c.violated(1e-9)
    assert math.isclose(Comparison(3.0, 4.0, "<=").slack, 0.25)


def test_bad_input_is_rejected_with_a_clear_error():
    with pytest.raises(ValueError, match="relation"):
        Comparison(1.0, 1.0, "=<")
    with pytest.raises(ValueError, match="budget"):
        Context(budget="medium")
    with pytest.raises(ValueError, match="seed"):
        Context(seed=-1)
    with pytest.raises(ValueError, match="verdict"):
        CheckResult(verdict="probably")
    with pytest.raises(ValueError, match="already registered"):
        claim(id="toy.true-identity", title="t", source="s", statement="s", kind="identity")(lambda ctx: None)
    with pytest.raises(ValueError, match="paper"):
        claim(id="nodot", title="t", source="s", statement="s", kind="identity")


def test_results_are_strict_json():
    r = run("toy.nan")
    text = json.dumps(r.to_json(), allow_nan=False)
    assert json.loads(text)["verdict"] == "inconclusive"
    assert set(r.to_json()) == set(CheckResult.FIELDS)
