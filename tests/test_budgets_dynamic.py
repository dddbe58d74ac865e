"""Dynamic budgets (Cor. 9), per-frequency spectral budget, velocity programs (eq. 59, Table 1),
synthetic gradient processes and estimators (E6), Cor. 5/6 hyperparameters and Algorithms 1/2."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorylab.budgets import (
    DynamicDiagonalBudget,
    DynamicFrobeniusBudget,
    DynamicLyapunovBudget,
    FrequencySpectralBudget,
    SpectralBudget,
    solve,
    spectral_density,
)
from theorylab.budgets.cones import (
    one_pole_family,
    project_onto_ray,
    project_onto_ray_family,
    project_onto_segment,
    restricted_optimum,
)
from theorylab.budgets.corollaries import (
    corollary10_lr,
    corollary12_global,
    corollary16_optimizer,
    corollary17_lr,
    corollary20_global,
    corollary22_alpha,
    kronecker,
    metric_lr,
)
from theorylab.budgets.dynamic import frequency_eigenvalues, h_norm, lag_moments
from theorylab.budgets.hyperparameters import (
    adam_learning_rate,
    adam_objective,
    algorithm1_optimal_momentum,
    algorithm2_optimal_adam,
    ema_second_moment,
    momentum_learning_rate,
    one_pole_h_norm_squared,
    one_pole_impulse_response,
    optimal_adam,
    optimal_adam_beta1,
    optimal_momentum,
)
from theorylab.budgets.processes import (
    AR1Process,
    MA1Process,
    VAR1Process,
    batch_means,
    estimate_cross_lag_moments,
    estimate_lag_moments,
)
from theorylab.budgets.velocity import (
    DiagonalRegion,
    EllipticRegion,
    EuclideanRegion,
    InfinityRegion,
    LayerwiseRegion,
    kronecker_metric,
    table1_adagrad_eta,
    table1_newton_eta,
    table1_newton_eta_hnorm,
)
from theorylab.testing.strategies import log_uniform, spd_matrices

OBJ_TOL = 1e-6


def var1_moments(seed: int, d: int = 3, K: int = 6, radius: float = 0.6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((d, d))
    A *= radius / max(abs(np.linalg.eigvals(A)))
    return VAR1Process(A).lag_moments(K)


def ar1_diagonal_moments(seed: int, d: int = 3, K: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return AR1Process(rng.uniform(-0.9, 0.9, d), rng.uniform(0.5, 2.0, d)).lag_moments(K)


lag_sequences = st.integers(0, 30).flatmap(
    lambda seed: st.sampled_from([var1_moments(seed), ar1_diagonal_moments(seed)]))


# ---------------------------------------------------------------------------
# Cor. 9(i): dynamic Frobenius ball
# ---------------------------------------------------------------------------


@settings(max_examples=15)
@given(R=lag_sequences, B=log_uniform(1e-2, 1e2))
def test_dynamic_frobenius_unrestricted_matches_cvxpy(R, B):
    budget = DynamicFrobeniusBudget(B)
    closed = solve(budget, R)
    assert closed.certificate.optimal
    assert closed.stated_power == pytest.approx(math.sqrt(B) * h_norm(R), rel=1e-12)
    for method in ("cvxpy", "cvxpy-reduced"):
        numeric = solve(budget, R, method)
        assert abs(numeric.power - closed.power) <= OBJ_TOL * budget.scale(R)
        assert np.linalg.norm(numeric.Q - closed.Q) <= 1e-3 * np.linalg.norm(closed.Q)


def test_dynamic_frobenius_readings():
    R = var1_moments(1)  # non-symmetric R[k], k >= 1
    for structure in ("symmetric", "lag-psd"):
        budget = DynamicFrobeniusBudget(1.0, structure)
        stated = solve(budget, R)
        assert not stated.certificate.feasible  # the stated Q = R/||R|| is not symmetric
        corrected = solve(budget, R, "corrected")
        for method in ("cvxpy", "cvxpy-reduced"):
            assert solve(budget, R, method).power == pytest.approx(corrected.power, rel=OBJ_TOL)
        assert corrected.power < stated.stated_power
    # on symmetric PSD lags (an AR(1) with a_j > 0) every reading agrees with the statement
    R = AR1Process([0.5, 0.8], [1.0, 2.0]).lag_moments(5)
    for structure in ("unrestricted", "symmetric", "lag-psd"):
        budget = DynamicFrobeniusBudget(1.0, structure)
        assert solve(budget, R).certificate.optimal
        assert solve(budget, R, "cvxpy").power == pytest.approx(solve(budget, R).power, rel=OBJ_TOL)


# ---------------------------------------------------------------------------
# Cor. 9(iii): dynamic data metric
# ---------------------------------------------------------------------------


def test_dynamic_lyapunov_stated_form_ignores_the_lags():
    # i.i.d. gradients (R[k] = 0 for k >= 1): the statement reduces to the static case and holds
    Sigma = np.diag([3.0, 1.0, 0.5])
    iid = np.stack([Sigma, np.zeros((3, 3)), np.zeros((3, 3))])
    budget = DynamicLyapunovBudget(1.0)
    stated = solve(budget, iid)
    assert stated.certificate.optimal
    assert solve(budget, iid, "cvxpy").power == pytest.approx(stated.power, rel=OBJ_TOL)
    # scalar AR(1) with a = 0.5: the optimum is sqrt(B sum_k a^(2k) s^2) > the stated sqrt(B s^2)
    R = AR1Process(0.5, 1.0).lag_moments(40)
    stated = solve(budget, R)
    exact = math.sqrt(sum(0.25**k for k in range(41)))
    assert stated.stated_power == pytest.approx(1.0)
    assert solve(budget, R, "corrected").power == pytest.approx(exact, rel=1e-12)
    assert solve(budget, R, "cvxpy").power == pytest.approx(exact, rel=OBJ_TOL)
    assert stated.certificate.optimal is False


@pytest.mark.parametrize("structure", ["unrestricted", "symmetric"])
def test_dynamic_lyapunov_corrected_matches_cvxpy(structure):
    R = var1_moments(4)
    budget = DynamicLyapunovBudget(2.0, structure=structure)
    corrected = solve(budget, R, "corrected")
    assert corrected.certificate.optimal
    assert solve(budget, R, "cvxpy").power == pytest.approx(corrected.power, rel=OBJ_TOL)
    metric_budget = DynamicLyapunovBudget(2.0, metric=np.eye(3) * 2.0, structure=structure)
    assert solve(metric_budget, R, "cvxpy").power == pytest.approx(solve(metric_budget, R, "corrected").power,
                                                                    rel=OBJ_TOL)


# ---------------------------------------------------------------------------
# Cor. 9(iv): dynamic diagonal
# ---------------------------------------------------------------------------


@settings(max_examples=15)
@given(R=lag_sequences, data=st.data())
def test_dynamic_diagonal_matches_cvxpy(R, data):
    c = np.array(data.draw(st.lists(log_uniform(1e-1, 1e1), min_size=3, max_size=3)))
    budget = DynamicDiagonalBudget(1.5, c)
    closed = solve(budget, R)
    assert closed.certificate.optimal
    assert abs(solve(budget, R, "cvxpy").power - closed.power) <= OBJ_TOL * budget.scale(R)
    nonneg = DynamicDiagonalBudget(1.5, c, nonneg=True)
    corrected = solve(nonneg, R, "corrected")
    assert abs(solve(nonneg, R, "cvxpy").power - corrected.power) <= OBJ_TOL * nonneg.scale(R)
    if np.all(np.diagonal(R, axis1=1, axis2=2) >= 0):
        assert solve(nonneg, R).certificate.optimal
    else:  # negative lag entries: the stated q has negative entries, infeasible for q >= 0
        assert not solve(nonneg, R).certificate.feasible


# ---------------------------------------------------------------------------
# Cor. 9(ii): per-frequency spectral budget
# ---------------------------------------------------------------------------


def test_spectral_density_of_ar1_and_frequency_budget():
    a, s = 0.5, 1.0
    R = AR1Process(a, s).lag_moments(60)
    omegas, S = spectral_density(R, 16)
    exact = s**2 * (1 - a * a) / np.abs(1 - a * np.exp(-1j * omegas)) ** 2
    assert np.allclose(S[:, 0, 0].real, exact, rtol=1e-12, atol=1e-14)
    R3 = var1_moments(2, K=40, radius=0.5)
    _, S3 = spectral_density(R3, 8)
    assert np.min(np.linalg.eigvalsh(S3)) > 0
    proof = FrequencySpectralBudget(1.5, 1.0, "proof")
    closed = solve(proof, S3)
    assert closed.certificate.optimal
    for method in ("cvxpy", "cvxpy-reduced"):
        assert solve(proof, S3, method).power == pytest.approx(closed.power, rel=OBJ_TOL)
    # the statement's readings of "max{0, mu o sigma_i}" are evaluated as stated and are suboptimal here
    for reading in ("difference", "product"):
        stated = solve(FrequencySpectralBudget(1.5, 1.0, reading), S3)
        assert stated.certificate.feasible and stated.power < closed.power * (1 - 1e-3)


def test_frequency_readings_as_stated():
    sigma = np.array([3.0, 1.0, -0.5])
    q, _ = frequency_eigenvalues(sigma, 1.5, 1.0, "difference")
    assert q.sum() == pytest.approx(1.5) and q[2] == pytest.approx(1.0)  # fills the smallest eigenvalue first
    q, _ = frequency_eigenvalues(sigma, 1.0, 1.0, "product")
    assert q.sum() == pytest.approx(1.0) and q[0] == pytest.approx(3 * q[1]) and q[2] == 0.0
    q, note = frequency_eigenvalues(sigma, 5.0, 1.0, "difference")
    assert np.all(np.isnan(q)) and "no mu" in note
    assert np.array_equal(frequency_eigenvalues(sigma, 1.5, 1.0, "proof")[0], [1.0, 0.5, 0.0])


# ---------------------------------------------------------------------------
# validation of lag moments
# ---------------------------------------------------------------------------


def test_lag_moment_validation():
    with pytest.raises(ValueError, match=r"\(K \+ 1, d, d\)"):
        lag_moments(np.eye(2))
    with pytest.raises(ValueError, match="R\\[0\\] must be symmetric"):
        lag_moments(np.array([[[1.0, 2.0], [0.0, 1.0]]]))
    with pytest.raises(ValueError, match="finite"):
        lag_moments(np.full((2, 2, 2), np.nan))
    with pytest.raises(ValueError, match="structure"):
        DynamicFrobeniusBudget(1.0, "hermitian")
    with pytest.raises(ValueError, match="costs"):
        solve(DynamicDiagonalBudget(1.0, [1.0, 2.0]), np.stack([np.eye(3)]))
    with pytest.raises(ValueError, match="Hermitian"):
        solve(FrequencySpectralBudget(1.0, 1.0), np.array([[[1.0, 1.0j], [1.0j, 1.0]]]))
    with pytest.raises(ValueError, match="positive definite metric"):
        solve(DynamicLyapunovBudget(1.0), np.stack([np.diag([1.0, 0.0])]), "corrected")


# ---------------------------------------------------------------------------
# velocity programs (eq. 59) and Table 1 formulas
# ---------------------------------------------------------------------------


@settings(max_examples=15)
@given(data=st.data())
def test_velocity_maximizers_match_cvxpy(data):
    d = data.draw(st.integers(2, 6))
    # entries of magnitude >= 0.1: a tiny layer gradient makes that layer's maximizer ill-conditioned
    entries = st.one_of(st.floats(0.1, 10.0), st.floats(-10.0, -0.1))
    g = np.array(data.draw(st.lists(entries, min_size=d, max_size=d)))
    metric = data.draw(spd_matrices(d))
    regions = [EuclideanRegion(2.0), EllipticRegion(metric, 0.5), DiagonalRegion(np.linspace(0.5, 3.0, d), 2.0),
               LayerwiseRegion([1.0, 2.0], [1, d - 1]), InfinityRegion(0.7)]
    for region in regions:
        closed = solve(region, g)
        numeric = solve(region, g, "cvxpy")
        assert closed.certificate.optimal
        assert abs(numeric.power - closed.power) <= OBJ_TOL * region.scale(g)
        if closed.certificate.unique and region.name not in ("linf",):
            assert np.linalg.norm(numeric.Q - closed.Q) <= 1e-3 * np.linalg.norm(closed.Q)


@pytest.mark.parametrize("radius", [1e-7, 1e-3, 1e4])
def test_velocity_programs_are_certified_optimal_at_any_radius(radius):
    # the solver sees the unit-radius, unit-gradient program; its absolute tolerances do not leak into the answer
    g = np.array([-0.1484, -10.0, 3.0])
    regions = [EuclideanRegion(radius), EllipticRegion(np.diag([1e4, 1.0, 10.0]), radius),
               DiagonalRegion(np.array([1e-3, 5.0, 1.0]), radius**2), LayerwiseRegion([radius, 3 * radius], [1, 2]),
               InfinityRegion(radius)]
    for region in regions:
        numeric = solve(region, g, "cvxpy")
        assert numeric.certificate.optimal, (region, numeric.certificate.summary())
        assert numeric.power == pytest.approx(solve(region, g).power, rel=1e-6)


def test_velocity_degenerate_gradients():
    g = np.array([1.0, 0.0, -2.0])
    assert solve(InfinityRegion(1.0), g).certificate.unique is False
    assert solve(InfinityRegion(1.0), g, "cvxpy").power == pytest.approx(3.0, rel=OBJ_TOL)
    assert solve(LayerwiseRegion([1.0, 1.0], [1, 2]), np.array([0.0, 1.0, 1.0])).certificate.unique is False
    zero = solve(EuclideanRegion(1.0), np.zeros(3))
    assert zero.power == 0.0 and zero.certificate.unique is False
    with pytest.raises(ValueError, match="1-D"):
        solve(EuclideanRegion(1.0), np.eye(2))
    with pytest.raises(ValueError, match="positive definite"):
        EllipticRegion(np.diag([1.0, -1.0]), 1.0)


def test_table1_newton_formulas():
    H = np.diag([4.0, 1.0])
    g = np.array([1.0, 1.0])
    v = solve(EllipticRegion(H, 1.0), g).Q
    eta = v[0] / np.linalg.solve(H, g)[0]  # the optimal scale of H^-1 g
    assert eta == pytest.approx(table1_newton_eta_hnorm(g, H, 1.0), rel=1e-12)
    assert table1_newton_eta(g, H, 1.0) != pytest.approx(eta, rel=1e-3)
    assert np.allclose(kronecker_metric([(np.eye(2), 2 * np.eye(2))]), 2 * np.eye(4))
    assert table1_adagrad_eta(g, np.ones(2), 1.0) == pytest.approx(np.ones(2) / math.sqrt(2))


# ---------------------------------------------------------------------------
# processes and estimators (E6)
# ---------------------------------------------------------------------------


def test_exact_lag_moments_of_the_processes():
    A = np.array([[0.5, 0.2], [-0.1, 0.3]])
    process = VAR1Process(A, np.diag([1.0, 2.0]))
    R = process.lag_moments(3)
    assert np.allclose(R[0], A @ R[0] @ A.T + np.diag([1.0, 2.0]))
    assert np.allclose(R[2], A @ A @ R[0])
    ma = MA1Process(-0.5, dim=2).lag_moments(3)
    assert np.allclose(ma[0], 1.25 * np.eye(2)) and np.allclose(ma[1], -0.5 * np.eye(2)) and not np.any(ma[2])
    ar = AR1Process([0.5, -0.5], [1.0, 2.0], mean=[1.0, 0.0])
    assert np.allclose(ar.lag_moments(2, centered=True)[1], np.diag([0.5, -2.0]))
    assert np.allclose(ar.lag_moments(2)[1], np.diag([1.5, -2.0]))
    with pytest.raises(ValueError, match="spectral radius"):
        VAR1Process(np.eye(2))
    with pytest.raises(ValueError, match=r"\(-1, 1\)"):
        AR1Process(1.0)


def test_estimators_recover_the_exact_moments():
    process = AR1Process([0.8, -0.5, 0.0], [1.0, 2.0, 0.5])
    g = process.simulate(40_000, seed=0)
    exact = process.lag_moments(3)
    estimate = estimate_lag_moments(g, 3)
    assert np.allclose(estimate, exact, atol=0.15)
    assert np.allclose(estimate_lag_moments(g, 3, kind="trace"), np.trace(estimate, axis1=1, axis2=2))
    assert np.allclose(estimate_lag_moments(g, 3, kind="diagonal"), np.diagonal(estimate, axis1=1, axis2=2))
    C, R_val = estimate_cross_lag_moments(g, g, 2)
    assert np.allclose(R_val, (C + np.swapaxes(C, 1, 2)) / 2)
    mean, stderr = batch_means(g[:, 0] ** 2, 20)
    assert abs(mean - 1.0) < 4 * stderr + 0.02
    with pytest.raises(ValueError, match="smaller than the number of samples"):
        estimate_lag_moments(g[:3], 3)


# ---------------------------------------------------------------------------
# Cor. 5 and 6 hyperparameters, Algorithms 1 and 2
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("a", [0.2, 0.5, 0.9])
def test_optimal_momentum_for_a_shared_ar1_is_its_coefficient(a):
    # S[n] = d s^2 a^n: J(beta) = sqrt(1 - beta^2) d s^2 / (1 - a beta), maximized at beta = a
    K = 400
    S = 5 * a ** np.arange(K + 1)
    result = optimal_momentum(S, B=2.0, d=5)
    assert result["beta"] == pytest.approx(a, abs=1e-6) and result["interior"]
    eta = result["eta"]
    assert one_pole_h_norm_squared(eta, result["beta"], 5) == pytest.approx(2.0, rel=1e-10)
    assert eta == pytest.approx(momentum_learning_rate(result["beta"], 2.0, 5))
    response = one_pole_impulse_response(eta, result["beta"], 4000)
    assert 5 * np.sum(response**2) == pytest.approx(2.0, rel=1e-10)


def test_iid_gradients_push_momentum_to_the_boundary():
    result = optimal_momentum(np.array([3.0]), 1.0, 3)
    assert not result["interior"] and result["beta"] < 1e-3


def test_optimal_adam_beta1_and_learning_rate():
    a = 0.7
    r = np.outer(a ** np.arange(300), [1.0, 4.0, 0.5])
    c = np.array([1.0, 2.0, 0.5])
    result = optimal_adam_beta1(r, c, 3.0)
    assert result["beta1"] == pytest.approx(a, abs=1e-6)
    beta = result["beta1"]
    # budget norm of Q[n] = diag(eta (1 - beta) beta^n / c_j) under sum_j c_j sum_n q_j[n]^2
    n = np.arange(3000)
    q = result["eta"] * (1 - beta) * beta ** n[:, None] / c[None, :]
    assert np.sum(c[None, :] * q**2) == pytest.approx(3.0, rel=1e-9)
    assert result["eta"] == pytest.approx(adam_learning_rate(beta, c, 3.0))
    assert adam_objective(r, c, beta) == pytest.approx(result["objective"])
    g = np.random.default_rng(0).standard_normal((50, 3))
    joint = optimal_adam(r, lambda b2: np.sqrt(ema_second_moment(g, b2)), 1.0, [0.9, 0.99])
    assert joint["beta2"] in (0.9, 0.99) and len(joint["table"]) == 2


def test_algorithms_recover_ar1_momentum():
    process = AR1Process(0.8, 1.0, dim=20)
    g = process.simulate(3000, seed=1)
    first = algorithm1_optimal_momentum(g, 1.0, window=64, max_lag=50, rho=0.99)
    assert abs(first["beta"] - 0.8) < 0.1
    second = algorithm2_optimal_adam(g, 1.0, window=64, max_lag=50, rho=0.99)
    assert 0 < second["beta1"] < 1 and second["eta"] > 0
    assert second["beta2_spread"] == 0.0 and second["beta2_determined"] is False
    with pytest.raises(ValueError, match="K <= T - 1"):
        algorithm1_optimal_momentum(g, 1.0, window=10, max_lag=10)
    with pytest.raises(ValueError, match="rho"):
        algorithm2_optimal_adam(g, 1.0, rho=1.0)


def test_spectral_static_and_single_frequency_agree():
    sigma = np.diag([3.0, 2.0, 1.0])
    static = solve(SpectralBudget(1.5, 1.0), sigma)
    single = solve(FrequencySpectralBudget(1.5, 1.0), sigma[None].astype(complex))
    assert single.power == pytest.approx(static.power)


# ---------------------------------------------------------------------------
# cone-restricted programs and projections (E3)
# ---------------------------------------------------------------------------


def test_one_pole_restricted_optimum_and_projection():
    a, d, K, B = 0.6, 4, 200, 2.0
    r = np.tile(a ** np.arange(K + 1)[:, None], (1, d))  # diagonals of R[n] = a^n I
    result = restricted_optimum(lambda b: one_pole_family(b, K, d), r, lambda U: float(np.sqrt(np.sum(U**2))),
                                math.sqrt(B))
    corollary5 = optimal_momentum(r.sum(axis=1), B, d)
    assert result["phi"] == pytest.approx(corollary5["beta"], abs=1e-6)
    assert result["eta"] == pytest.approx(corollary5["eta"], rel=1e-6)
    # Q*_F = sqrt(B) R/||R||_H lies on the one-pole family at beta = a: its projection is itself
    q_star = math.sqrt(B) * r / np.sqrt(np.sum(r**2))
    projection = project_onto_ray_family(q_star, lambda b: one_pole_family(b, K, d))
    assert projection["phi"] == pytest.approx(a, abs=1e-6) and projection["distance"] < 1e-6
    t, point = project_onto_ray(q_star, one_pole_family(a, K, d))
    assert np.allclose(point, q_star, atol=1e-12)
    t_clip, _ = project_onto_segment(q_star, one_pole_family(a, K, d), t / 2)
    assert t_clip == pytest.approx(t / 2)
    assert project_onto_ray(-q_star, one_pole_family(a, K, d))[0] == 0.0
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        one_pole_family(1.0, K, d)


# ---------------------------------------------------------------------------
# Corollaries 10-22 as stated, against the engines
# ---------------------------------------------------------------------------


def test_stated_metric_globals_match_the_engine():
    rng = np.random.default_rng(5)
    g = rng.standard_normal(4)
    G = rng.standard_normal((4, 4))
    H = G @ G.T + np.eye(4)
    Q, power = corollary12_global(g, H, 2.0)
    engine = DynamicLyapunovBudget(2.0, metric=H)  # memoryless, unrestricted Q[0]
    R = np.outer(g, g)[None]
    assert solve(engine, R, "corrected").power == pytest.approx(power, rel=1e-10)
    assert solve(engine, R, "cvxpy").power == pytest.approx(power, rel=OBJ_TOL)
    assert np.allclose(solve(engine, R, "corrected").Q[0], Q)
    # eq. 116 states ||eta kron(G_i^-1/2)||_Kron^2 = eta^2 Tr(kron G_i^-1); the norm is eta^2 * dim
    # (M^-1/2 M M^-1/2 = I), so the two differ unless Tr(kron G_i^-1) = dim (recorded, not repaired)
    factors = [np.diag([1.0, 2.0]), np.array([[2.0, 0.5], [0.5, 1.0]])]
    metric = kronecker(factors)
    Q16 = corollary16_optimizer(factors, 1.0)
    assert np.sum(Q16 * (metric @ Q16)) == pytest.approx(4.0, rel=1e-10)
    assert np.trace(np.linalg.inv(metric)) != pytest.approx(4.0, rel=1e-3)
    eta = math.sqrt(3.0 / np.trace(np.linalg.inv(metric)))
    assert metric_lr(np.ones(4), np.linalg.inv(metric), 3.0) == pytest.approx(eta / 2.0, rel=1e-12)
    # Cor. 20: tau sign(g) and tau ||g||_1, the l-infinity velocity optimum
    Q20, p20 = corollary20_global(g, 0.3)
    assert p20 == pytest.approx(solve(InfinityRegion(0.3), g).power)
    assert corollary10_lr(np.ones(4), 4.0) == pytest.approx(0.5)
    assert corollary17_lr([1.0, 1.0], 2.0) == pytest.approx(1.0)
    assert np.allclose(corollary22_alpha([2.0, 4.0]), [0.5, 0.25])
