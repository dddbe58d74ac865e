"""The runner: process pool, crash isolation, the results log and --resume."""

from __future__ import annotations

import json

import toy_claims
from toy_claims import FAST

from theorylab.report import write_report
from theorylab.runner import RESULTS_LOG, read_log, run_claims

MODULES = ("toy_claims",)


def test_run_records_every_result_as_it_finishes(tmp_path):
    seen = []
    results = run_claims(FAST, workers=2, out_dir=tmp_path, modules=MODULES,
                         progress=lambda r, done, total: seen.append((r.id, done, total)))
    assert [r.id for r in results] == sorted(FAST)
    assert sorted(i for i, _, _ in seen) == sorted(FAST)
    assert [d for _, d, _ in seen] == list(range(1, len(FAST) + 1))
    logged = read_log(tmp_path)
    assert sorted(r["id"] for r in logged) == sorted(FAST)
    verdicts = {r.id: r.verdict for r in results}
    assert verdicts["toy.false-inequality"] == "refuted"
    assert verdicts["toy.raises"] == "inconclusive"


def test_a_dying_worker_is_isolated_and_the_run_goes_on(tmp_path):
    ids = ["toy.crash", "toy.true-identity", "toy.sweep", "toy.slow"]
    results = {r.id: r for r in run_claims(ids, workers=2, out_dir=tmp_path, modules=MODULES)}
    assert results["toy.crash"].verdict == "inconclusive"
    assert "died" in results["toy.crash"].message
    assert results["toy.true-identity"].verdict == "confirmed"
    assert results["toy.sweep"].verdict == "confirmed"
    assert results["toy.slow"].message == "timed out after 1 s"


def test_resume_skips_finished_claims_with_the_same_seed_and_budget(tmp_path):
    run_claims(["toy.true-identity"], seed=5, out_dir=tmp_path, modules=MODULES)
    ran = []
    results = run_claims(["toy.true-identity", "toy.sweep"], seed=5, out_dir=tmp_path, resume=True,
                         modules=MODULES, progress=lambda r, d, t: ran.append(r.id))
    assert [r.id for r in results] == ["toy.sweep", "toy.true-identity"]
    rows = read_log(tmp_path)
    assert [r["id"] for r in rows].count("toy.true-identity") == 1  # not run again
    # a different seed is not the same result
    run_claims(["toy.true-identity"], seed=6, out_dir=tmp_path, resume=True, modules=MODULES)
    assert [r["id"] for r in read_log(tmp_path)].count("toy.true-identity") == 2


def test_an_interrupted_log_loses_only_the_torn_line(tmp_path):
    run_claims(["toy.sweep", "toy.true-identity"], out_dir=tmp_path, modules=MODULES)
    log = tmp_path / RESULTS_LOG
    log.write_text(log.read_text() + '{"id": "toy.equivalence", "verd')  # killed mid-write
    assert sorted(r["id"] for r in read_log(tmp_path)) == ["toy.sweep", "toy.true-identity"]
    results = run_claims(["toy.sweep", "toy.true-identity", "toy.equivalence"], out_dir=tmp_path,
                         resume=True, modules=MODULES)
    assert [r.id for r in results] == ["toy.equivalence", "toy.sweep", "toy.true-identity"]


def test_same_seed_gives_identical_results_json_apart_from_timings(tmp_path):
    ids = ["toy.true-identity", "toy.false-inequality", "toy.equivalence", "toy.sweep"]
    docs = []
    for name in ("a", "b"):
        out = tmp_path / name
        results = run_claims(ids, seed=11, workers=2, out_dir=out, modules=MODULES)
        write_report(results, out, seed=11, budget="quick")
        doc = json.loads((out / "results.json").read_text())
        for row in doc["claims"]:
            row.pop("seconds")
        docs.append(doc)
    assert docs[0] == docs[1]
    assert [c["id"] for c in docs[0]["claims"]] == sorted(ids)


def test_unknown_ids_are_rejected(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="unknown claim IDs: toy.nope"):
        run_claims(["toy.nope"], out_dir=tmp_path, modules=MODULES)
    assert toy_claims.FAST  # the module is importable by workers
