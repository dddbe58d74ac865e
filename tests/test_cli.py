"""The command line, through a subprocess as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import TESTS


def theorylab(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "theorylab", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    proc = theorylab("verify", "--module", "toy_claims", "--claim", "toy.true-identity",
                     "--claim", "toy.false-inequality", "--claim", "toy.raises", "--out", str(out),
                     "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_verify_prints_the_verdict_table_and_writes_the_report(report_dir):
    out, proc = report_dir
    assert "confirmed" in proc.stdout and "refuted" in proc.stdout
    table = [line for line in proc.stdout.splitlines() if line.startswith("toy ")][0].split()
    assert table == ["toy", "1", "1", "1", "0"]  # confirmed, refuted, inconclusive, not-checkable
    assert "3/3" in proc.stderr  # progress
    doc = json.loads((out / "results.json").read_text())
    assert set(doc) == {"theorylab_version", "seed", "budget", "claims"}
    assert [c["id"] for c in doc["claims"]] == ["toy.false-inequality", "toy.raises", "toy.true-identity"]
    page = (out / "index.html").read_text()
    assert "toy.false-inequality" in page and "Counterexample" in page
    assert "sin(x)^2 + cos(x)^2 = 1" in page
    assert "toy.true-identity" in (out / "index.md").read_text()


def test_verify_json_prints_the_results_document(tmp_path):
    proc = theorylab("verify", "--module", "toy_claims", "--claim", "toy.sweep", "--out", str(tmp_path),
                     "--json", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["seed"] == 3 and doc["claims"][0]["verdict"] == "confirmed"


def test_list_shows_ids_kinds_and_last_verdicts(report_dir):
    out, _ = report_dir
    proc = theorylab("list", "--module", "toy_claims", "--paper", "toy", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if line.startswith("toy.false-inequality"))
    assert "inequality" in line and "refuted" in line
    assert any(line.startswith("toy.crash") for line in proc.stdout.splitlines())


def test_show_prints_statement_procedure_and_last_result(report_dir):
    out, _ = report_dir
    proc = theorylab("show", "toy.false-inequality", "--module", "toy_claims", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "x^2 <= x + 1" in proc.stdout
    assert "shrunk counterexample is small" in proc.stdout  # the docstring
    assert "verdict:      refuted" in proc.stdout and "counterexample" in proc.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["verify", "--claim", "toy.true-identiy"], "toy.true-identity"),
        (["verify", "--paper", "trailmx"], "trailmix"),
        (["show", "toy.flase-inequality"], "toy.false-inequality"),
        (["verify", "--budget", "medium"], "medium"),
        (["verify", "--workers", "0"], "0"),
        (["verify", "--seed", "-1"], "-1"),
        (["verify", "--module", "no_such_module_xyz"], "no_such_module_xyz"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, needle, tmp_path):
    proc = theorylab(*args, "--module", "toy_claims", cwd=tmp_path) if args[0] != "frobnicate" else theorylab(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("theorylab: error:") and needle in lines[0]
    assert not (tmp_path / "report").exists()


def test_budget_compare_prints_both_answers_and_their_agreement(tmp_path):
    proc = theorylab("budget", "compare", "--budget", "frobenius", "--n", "6", "--seed", "1")
    assert proc.returncode == 0, proc.stderr
    assert "closed-form" in proc.stdout and "cvxpy" in proc.stdout and "agreement" in proc.stdout


def test_budget_compare_rejects_a_non_symmetric_sigma(tmp_path):
    import numpy as np

    path = tmp_path / "sigma.npy"
    np.save(path, np.array([[1.0, 2.0], [0.0, 1.0]]))
    proc = theorylab("budget", "compare", "--budget", "spectral", "--sigma", str(path))
    assert proc.returncode == 2
    assert "symmetric" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_budget_compare_names_the_valid_budgets():
    proc = theorylab("budget", "compare", "--budget", "frobenious")
    assert proc.returncode == 2 and "frobenius" in proc.stderr


def test_reproduce_lists_the_reproductions():
    import sims

    proc = theorylab("reproduce", "--list")
    assert proc.returncode == 0, proc.stderr
    for name in sims.available():
        assert name in proc.stdout
    bad = theorylab("reproduce", "no-such-figure")
    assert bad.returncode == 2 and "no-such-figure" in bad.stderr
