"""Every registered claim of the seed papers at the quick tier.

A verdict is never asserted here: the claims compute it.  What is asserted is
that each verdict carries the evidence the contract demands.
"""

from __future__ import annotations

import json

import pytest

from theorylab.claims import VERDICTS, load_claims, run_claim

REGISTRY = load_claims()
BUILTIN = sorted(i for i, c in REGISTRY.items() if c.module.startswith("proofs_checks"))


@pytest.mark.parametrize("claim_id", BUILTIN)
def test_claim_at_quick_tier_gives_a_verdict_with_evidence(claim_id, tmp_path):
    r = run_claim(REGISTRY[claim_id], seed=0, budget="quick", out_dir=tmp_path)
    assert r.verdict in VERDICTS
    assert r.message
    json.dumps(r.to_json(), allow_nan=False)
    assert not r.message.startswith("check raised"), r.message  # a crash is a bug in the check
    assert not r.message.startswith("timed out"), r.message  # the quick tier must fit its time limit
    if r.verdict == "confirmed":
        assert r.n_examples > 0
        assert r.worst_slack is not None or "sensitivity not applicable" in r.message
    if r.verdict == "refuted":
        assert r.counterexample is not None
    for fig in r.figures:
        assert (tmp_path / fig).exists()
