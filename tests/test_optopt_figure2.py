"""Targeted tests of the optopt Figure 2 claims and their reproduction (mutation tests, helpers, files)."""

from __future__ import annotations

import numpy as np
import pytest

import proofs_checks.optopt  # noqa: F401  (registers the optopt claims)
import sims
from proofs_checks.optopt import figure2
from sims import optopt_figure2 as fig2
from theorylab.budgets import DiagonalBudget, LyapunovBudget, SpectralBudget
from theorylab.budgets import training as tr
from theorylab.budgets.base import Formula
from theorylab.claims import load_claims, run_claim


@pytest.fixture(scope="module")
def registry():
    return load_claims()


def _no_learning(self, sigma):
    return Formula(Q=np.zeros_like(sigma))


# --------------------------------------------------------------------------- mutation tests


def test_time_scaled_loss_engine_breaks_the_initial_rate_identity(registry, monkeypatch):
    real = tr.expected_quadratic_loss

    def twice_as_fast(Q, H, times, method="expm"):
        return real(Q, H, 2.0 * np.asarray(times, dtype=float), method)

    monkeypatch.setattr(tr, "expected_quadratic_loss", twice_as_fast)
    result = run_claim(registry["optopt.figure2.a.corrected"], seed=0)
    assert result.verdict == "refuted"
    assert "initial rate" in result.message


def test_mis_scaled_frobenius_comparators_break_the_power_ordering(registry, monkeypatch):
    # comparators built with a budget 16x too large (||Q||_F = 4 sqrt(B)) have more power than Q*_F
    real = fig2.frobenius_normalized
    calls = {"n": 0}

    def inflated(matrix, B):
        calls["n"] += 1
        return real(matrix, B) * (1.0 if calls["n"] == 1 else 4.0)

    monkeypatch.setattr(fig2, "frobenius_normalized", inflated)
    assert run_claim(registry["optopt.figure2.a.corrected"], seed=0).verdict == "refuted"


def test_diagonal_budget_that_does_not_move_loses_on_nonconvex_losses(registry, monkeypatch):
    monkeypatch.setattr(DiagonalBudget, "closed_form", _no_learning)
    monkeypatch.setattr(tr, "adaptive_diagonal_rule", lambda B, eps=1e-8: lambda s, v: np.zeros_like(s))
    result = run_claim(registry["optopt.figure2.c"], seed=0)
    assert result.verdict == "refuted"
    assert "diagonal" in result.counterexample["example"]["comparison"]


def test_frobenius_is_best_once_the_other_budgets_cannot_move(registry, monkeypatch):
    for cls in (DiagonalBudget, LyapunovBudget, SpectralBudget):
        monkeypatch.setattr(cls, "closed_form", _no_learning)
    monkeypatch.setattr(tr, "adaptive_diagonal_rule", lambda B, eps=1e-8: lambda s, v: np.zeros_like(s))
    result = run_claim(registry["optopt.figure2.b"], seed=0)
    assert result.verdict != "refuted"
    assert result.n_examples == 3


def test_all_exact_losses_tied_leave_only_the_monte_carlo_variants(registry, monkeypatch):
    monkeypatch.setattr(tr, "expected_quadratic_loss", lambda Q, H, times, method="expm": np.ones(len(times)))
    monkeypatch.setattr(tr, "expected_quadratic_loss_discrete", lambda Q, H, steps, step_size=1.0: np.ones(len(steps)))
    result = run_claim(registry["optopt.figure2.a"], seed=0)
    outcome = result.details["outcome per variant"]
    assert outcome["flow"].startswith("reproduced") and outcome["discrete"].startswith("reproduced")


def test_every_family_diverging_is_inconclusive_not_an_error(registry, monkeypatch):
    monkeypatch.setattr(SpectralBudget, "closed_form", lambda self, sigma: Formula(Q=np.full_like(sigma, np.nan)))
    result = run_claim(registry["optopt.figure2.c"], seed=0)
    assert result.verdict in ("inconclusive", "refuted")
    assert result.details["cases"]["spectral: every grid point diverged"] == 1


# --------------------------------------------------------------------------- helpers and reproduction


def test_comparators_stack_random_and_isotropic():
    curve = {"random": np.array([[3.0, 1.0], [2.0, 4.0]]), "isotropic": np.array([5.0, 0.5])}
    losses, names = figure2._comparators(curve)
    assert losses.shape == (3, 2) and names[-1].startswith("isotropic")
    assert int(np.argmin(losses[:, 1])) == 2


def test_fixed_q_sample_losses_average_to_the_exact_expected_loss():
    rng = np.random.default_rng(0)
    d = 4
    H = np.diag([0.1, 0.4, 0.7, 1.0])
    Q = fig2.frobenius_normalized(H @ H, 1.0)
    theta0s = rng.standard_normal((40000, d))
    mc = fig2._fixed_q_sample_losses(Q, H, theta0s, [0, 3, 20])
    exact = tr.expected_quadratic_loss_discrete(Q, H, np.array([0, 3, 20]))
    se = mc.std(axis=0, ddof=1) / np.sqrt(theta0s.shape[0])
    assert np.all(np.abs(mc.mean(axis=0) - exact) < 4 * se)


def test_frobenius_normalized_is_on_the_budget_sphere():
    W = np.random.default_rng(1).standard_normal((5, 5))
    Q = fig2.frobenius_normalized(W @ W.T, 2.0)
    assert np.linalg.norm(Q) == pytest.approx(np.sqrt(2.0), rel=1e-12)


def test_grid_edges_are_flagged():
    proto = fig2.panel_bc_protocol("b", "quick")
    points = list(fig2._grid(proto))
    frob = [p for p in points if p[0] == "frobenius"]
    assert [edge for *_, edge in frob].count(True) == 2 and frob[0][3] and frob[-1][3]
    spectral = [p for p in points if p[0] == "spectral"]
    n = len(proto["tau_lambda_axis"])
    assert len(spectral) == n * (n + 1) // 2
    assert all(p[1]["lam"] <= p[1]["tau"] for p in spectral)


def test_reproduction_is_registered_and_writes_panel_a(tmp_path):
    module = sims.get("optopt-figure2")
    rep = module.run(tmp_path, budget="quick", seed=0, panels=("a",))
    assert (tmp_path / "optopt_figure2a.png").exists() and (tmp_path / "optopt_figure2a.npz").exists()
    caption = (tmp_path / "optopt_figure2_caption.md").read_text()
    assert "θ0 ~ N(0, I)" in caption and "Wishart" in caption
    assert rep.figures == [tmp_path / "optopt_figure2a.png"]
    with pytest.raises(ValueError, match="panels"):
        module.run(tmp_path, panels=("d",))
