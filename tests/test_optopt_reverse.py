"""Tests of the App. C (Corollaries 10–22) claims: private helpers against closed forms, reference optimizer
updates against each other, and mutation tests (a broken engine / reference function changes the verdict)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import proofs_checks.optopt  # noqa: F401  (registers the claims)
from proofs_checks.optopt import _reference_updates as ref
from proofs_checks.optopt import reverse_engineered as rev
from theorylab.budgets import corollaries as cor
from theorylab.claims import load_claims, run_claim


def _run(claim_id: str) -> dict:
    return run_claim(load_claims()[claim_id], seed=0)


# --------------------------------------------------------------------------- helpers vs closed forms


def test_cauchy_schwarz_optimum_matches_cvxpy() -> None:
    rng = np.random.default_rng(1)
    for _ in range(3):
        M = rev._spd(rng, 4, 2.0)
        g = rng.standard_normal(4)
        R = np.outer(g, g)
        value, point = rev._cvx_quadratic_optimum(R, M, 2.5, psd=False)
        assert value == pytest.approx(rev._cs_optimum(R, M, 2.5), rel=1e-6)
        assert rev._metric_norm(point, M) <= math.sqrt(2.5) * (1 + 1e-9)


def test_lbfgs_two_loop_inverts_the_bfgs_matrix() -> None:
    rng = np.random.default_rng(2)
    d = 6
    A = rev._spd(rng, d, 2.0)
    s_pairs = [rng.standard_normal(d) for _ in range(4)]
    y_pairs = [A @ s for s in s_pairs]
    g = rng.standard_normal(d)
    direct = np.linalg.solve(ref.lbfgs_matrix(d, s_pairs, y_pairs), g)
    np.testing.assert_allclose(ref.lbfgs_direction(g, s_pairs, y_pairs), direct, rtol=1e-8, atol=1e-10)


def test_lbfgs_secant_condition() -> None:
    rng = np.random.default_rng(3)
    d = 5
    A = rev._spd(rng, d, 1.0)
    s_pairs = [rng.standard_normal(d) for _ in range(3)]
    y_pairs = [A @ s for s in s_pairs]
    B = ref.lbfgs_matrix(d, s_pairs, y_pairs)
    np.testing.assert_allclose(B @ s_pairs[-1], y_pairs[-1], rtol=1e-9, atol=1e-10)


def test_kfac_is_inverse_kronecker() -> None:
    rng = np.random.default_rng(4)
    A, G = rev._spd(rng, 2, 1.0), rev._spd(rng, 3, 1.0)
    X = rng.standard_normal((2, 3))
    step = ref.kfac([X.T], [A], [G], 1.0)[0].T.ravel()
    np.testing.assert_allclose(step, np.linalg.solve(np.kron(A, G), X.ravel()), rtol=1e-10)


def test_shampoo_tensor_matches_matrix_case() -> None:
    rng = np.random.default_rng(5)
    G = rng.standard_normal((3, 4))
    L, R = G @ G.T + np.eye(3), G.T @ G + np.eye(4)
    np.testing.assert_allclose(ref.shampoo_tensor(G, [L, R], 0.3), ref.shampoo(G, L, R, 0.3), rtol=1e-10)


def test_adafactor_direction_is_elementwise_factored() -> None:
    rng = np.random.default_rng(6)
    history = rng.standard_normal((5, 3, 4))
    step = ref.adafactor(history, 1.0, 0.9, eps=0.0)
    rows = sum(0.9 ** (4 - t) * 0.1 * np.sum(history[t] ** 2, axis=1) for t in range(5))
    cols = sum(0.9 ** (4 - t) * 0.1 * np.sum(history[t] ** 2, axis=0) for t in range(5))
    np.testing.assert_allclose(step, history[-1] / np.sqrt(np.outer(rows, cols) / rows.sum()), rtol=1e-10)


def test_adagrad_and_rmsprop_closed_forms() -> None:
    history = np.array([[1.0, -2.0], [3.0, 0.5]])
    np.testing.assert_allclose(ref.adagrad(history, 1.0, eps=0.0), history[-1] / np.sqrt([10.0, 4.25]))
    v = 0.5 * (0.5 * history[0] ** 2) + 0.5 * history[1] ** 2
    np.testing.assert_allclose(ref.rmsprop(history, 1.0, 0.5), history[-1] / np.sqrt(v))


def test_lion_and_sign_sgd() -> None:
    history = np.array([[1.0, -1.0], [-0.1, 0.2]])
    # m_1 = 0.1*[1,-1]; c = 0.9*m_1 + 0.1*g_2 = [0.08, -0.07]
    np.testing.assert_array_equal(ref.lion(history, 2.0, 0.9, 0.9), [2.0, -2.0])
    np.testing.assert_array_equal(ref.sign_sgd(np.array([-3.0, 0.0, 2.0]), 1.5), [-1.5, 0.0, 1.5])


def test_lars_lamb_step_norms() -> None:
    g = [np.array([3.0, 4.0])]
    w = [np.array([0.0, 2.0])]
    assert np.linalg.norm(ref.lars(g, w, 0.5)[0]) == pytest.approx(1.0)
    assert np.linalg.norm(ref.lamb(g, w, 0.5)[0]) == pytest.approx(1.0)


def test_segment_projection_closed_form() -> None:
    U = np.eye(3)
    QC = np.diag([1.0, 2.0, 3.0])
    assert rev._segment_projection(QC, U, np.eye(3), 10.0) == pytest.approx(2.0)
    assert rev._segment_projection(QC, U, np.eye(3), 1.5) == pytest.approx(1.5)
    assert rev._segment_projection(-QC, U, np.eye(3), 1.5) == 0.0


def test_layer_cone_optimum_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    traces = rng.uniform(-1, 2, size=(4, 3))
    theta, sizes, B, beta = np.array([0.5, 2.0, 1.0]), [1, 3, 2], 2.0, 0.4
    value, c = rev._layer_cone_optimum(traces, theta, sizes, B, beta)
    w = (1 - beta) * beta ** np.arange(4)
    S, W = w @ traces, float(w @ w)
    assert W * np.sum(theta**2 * np.array(sizes) * c**2) == pytest.approx(B)
    for _ in range(2000):
        trial = np.abs(rng.standard_normal(3))
        trial *= math.sqrt(B / (W * np.sum(theta**2 * np.array(sizes) * trial**2)))
        assert trial @ S <= value * (1 + 1e-12)


def test_in_ray() -> None:
    assert rev._in_ray(3.0 * np.eye(2), np.eye(2))
    assert not rev._in_ray(np.diag([1.0, 2.0]), np.eye(2))
    assert not rev._in_ray(-np.eye(2), np.eye(2))


# --------------------------------------------------------------------------- mutation tests


def test_mutation_corollary17_lr(monkeypatch: pytest.MonkeyPatch) -> None:
    original = cor.corollary17_lr
    monkeypatch.setattr(cor, "corollary17_lr", lambda c, B: 1.01 * original(c, B))
    assert _run("optopt.corollary17.lr")["verdict"] == "refuted"


def test_mutation_corollary10_global(monkeypatch: pytest.MonkeyPatch) -> None:
    original = cor.corollary10_global

    def broken(R: np.ndarray, B: float) -> tuple[np.ndarray, float]:
        Q, P = original(R, B)
        return Q, 1.001 * P

    monkeypatch.setattr(cor, "corollary10_global", broken)
    assert _run("optopt.corollary10.global")["verdict"] == "refuted"


def test_mutation_lbfgs_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ref, "lbfgs_direction", lambda g, s, y, gamma=None: np.array(g, dtype=float))
    assert _run("optopt.corollary13.recovery")["verdict"] == "refuted"


def test_mutation_adafactor_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ref.adafactor
    monkeypatch.setattr(ref, "adafactor", lambda h, lr, b, eps=0.0: original(h, lr, b, eps) ** 3)
    assert _run("optopt.corollary19.recovery")["verdict"] == "refuted"


def test_mutation_corollary22_beta1_objective(monkeypatch: pytest.MonkeyPatch) -> None:
    original = cor.corollary22_beta1_objective
    monkeypatch.setattr(cor, "corollary22_beta1_objective",
                        lambda t, n, b: original(t, n, b) / np.sqrt(1.0 - np.asarray(b) ** 2))
    assert _run("optopt.corollary22.momentum")["verdict"] == "refuted"


def test_mutation_corollary21_entrywise(monkeypatch: pytest.MonkeyPatch) -> None:
    original = cor.corollary21_global
    monkeypatch.setattr(cor, "corollary21_global", lambda r, tau: (original(r, tau)[0], 0.99 * original(r, tau)[1]))
    assert _run("optopt.corollary21.global-entrywise")["verdict"] == "refuted"


def test_every_appendix_c_id_is_registered() -> None:
    registry = load_claims()
    spec = Path("/work/shared/spec/ids-optopt.txt")
    if not spec.exists():
        pytest.skip("catalogue ID list not available")
    with spec.open() as handle:
        ids = [line.strip() for line in handle if any(f"corollary{i}." in line for i in range(10, 23))]
    assert len(ids) == 58
    missing = [i for i in ids if i not in registry]
    assert not missing
