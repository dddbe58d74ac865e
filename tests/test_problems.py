"""Tests of theorylab.problems: derivatives, stated constants, hypotheses, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theorylab import problems as P


def _all_problems() -> list[P.Problem]:
    rng = np.random.default_rng(7)
    return [
        P.random_quadratic(rng, 3),
        P.random_quadratic(rng, 4, n_zero=2),
        P.quadratic(np.array([[2.0, 1.0], [1.0, -3.0]]), x_star=[1.0, -1.0]),
        P.pl_nonconvex(),
        P.pl_nonconvex(3),
        P.pseudo_huber(3.0, 0.7, dim=2),
        P.logistic([1.5, -0.5, 2.0]),
        P.softplus_sum([1.0, -0.7, 0.4], rng.standard_normal((3, 2))),
        P.rosenbrock(),
        P.booth(),
        P.griewank(),
        P.himmelblau(),
        P.three_hump_camel(),
    ]


PROBLEMS = _all_problems()
IDS = [p.name for p in PROBLEMS]


def _sample_points(problem: P.Problem, n: int, radius: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-radius, radius, size=(n, problem.dim))


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_gradient_matches_central_differences(problem):
    pts = _sample_points(problem, 20, 2.5)
    step = 1e-6
    for x in pts:
        fd = np.array(
            [(problem.value(x + step * e) - problem.value(x - step * e)) / (2 * step) for e in np.eye(problem.dim)]
        )
        g = problem.grad(x)
        assert np.allclose(g, fd, rtol=1e-6, atol=1e-6 * max(1.0, abs(problem.value(x)))), (x, g, fd)


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_hessian_matches_differences_of_gradient(problem):
    pts = _sample_points(problem, 20, 2.5, seed=1)
    step = 1e-6
    for x in pts:
        cols = [(problem.grad(x + step * e) - problem.grad(x - step * e)) / (2 * step) for e in np.eye(problem.dim)]
        fd = np.stack(cols, axis=1)
        hess = problem.hess(x)
        assert np.allclose(hess, hess.T)
        assert np.allclose(hess, fd, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(hess).max())), (x, hess, fd)


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_batch_evaluation_equals_pointwise(problem):
    pts = _sample_points(problem, 7, 3.0, seed=2)
    assert problem.value(pts).shape == (7,)
    assert np.allclose(problem.value(pts), [problem.value(x) for x in pts], rtol=1e-14, atol=0)
    assert np.allclose(problem.grad(pts), np.stack([problem.grad(x) for x in pts]), rtol=1e-14, atol=0)
    assert np.allclose(problem.hess(pts), np.stack([problem.hess(x) for x in pts]), rtol=1e-14, atol=0)


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p.L is not None], ids=lambda p: p.name)
def test_smoothness_constant_bounds_the_hessian(problem):
    pts = _sample_points(problem, 4000, 6.0, seed=3)
    assert P.estimate_smoothness_constant(problem, pts) <= problem.L * (1 + 1e-12)


@pytest.mark.parametrize(
    ("problem", "where"),
    [
        (P.pl_nonconvex(), [[0.0]]),
        (P.pseudo_huber(3.0, 0.7, dim=2), [[0.0, 0.0]]),
        (P.logistic([1.5, -0.5, 2.0]), [[0.0, 0.0, 0.0]]),
        (P.griewank(), [[0.0, 0.0]]),
        (P.booth(), [[0.0, 0.0]]),
    ],
    ids=["plnc", "pseudo-huber", "logistic", "griewank", "booth"],
)
def test_tight_smoothness_constants_are_attained(problem, where):
    assert P.estimate_smoothness_constant(problem, where) == pytest.approx(problem.L, rel=1e-12)


def test_griewank_hessian_norm_never_exceeds_one_plus_1_over_2000_on_a_fine_grid():
    g = np.linspace(-12.0, 12.0, 241)
    pts = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    est = P.estimate_smoothness_constant(P.griewank(), pts)
    assert est <= 1.0 + 1.0 / 2000.0 + 1e-12
    assert est >= 1.0 + 1.0 / 2000.0 - 1e-12


def test_quadratic_constants_are_the_extreme_eigenvalues():
    rng = np.random.default_rng(11)
    prob = P.random_quadratic(rng, 4, eig_low=0.5, eig_high=20.0)
    eig, vec = np.linalg.eigh(prob.hess(np.zeros(4)))
    assert prob.mu == pytest.approx(eig[0], rel=1e-12)
    assert prob.L == pytest.approx(eig[-1], rel=1e-12)
    # PL ratio equals mu along the lowest eigenvector and is never smaller
    assert P.estimate_pl_constant(prob, vec[:, :1].T) == pytest.approx(prob.mu, rel=1e-10)
    assert P.estimate_pl_constant(prob, rng.standard_normal((2000, 4))) >= prob.mu * (1 - 1e-12)


def test_psd_singular_quadratic_pl_constant_is_smallest_positive_eigenvalue():
    a = np.diag([0.0, 0.3, 4.0])
    prob = P.quadratic(a, x_star=[1.0, 2.0, 3.0])
    assert prob.hypotheses.coercive is False and prob.hypotheses.pl is True
    assert prob.mu == pytest.approx(0.3)
    pts = np.random.default_rng(0).standard_normal((3000, 3))
    assert P.estimate_pl_constant(prob, pts) >= 0.3 * (1 - 1e-12)
    # flat along the kernel: not coercive
    assert prob.value([1e6, 2.0, 3.0]) == 0.0


def test_indefinite_quadratic_is_unbounded_below():
    prob = P.quadratic(np.diag([1.0, -2.0]))
    assert prob.f_star == -math.inf and prob.hypotheses.bounded_below is False
    assert prob.value([0.0, 1e3]) == pytest.approx(-1e6)


def test_plnc_pl_constant_one_over_32_holds_and_sharp_value_near_0_1755():
    prob = P.pl_nonconvex()
    grid = np.linspace(-60.0, 60.0, 600001).reshape(-1, 1)
    est = P.estimate_pl_constant(prob, grid)
    assert est >= prob.mu
    assert est == pytest.approx(0.17553, abs=2e-4)


def test_plnc_is_nonconvex_and_griewank_camel_himmelblau_have_negative_curvature():
    for prob, x in [
        (P.pl_nonconvex(), [math.pi / 2]),
        (P.griewank(), [math.pi, 0.0]),
        (P.three_hump_camel(), [1.0, 0.0]),
        (P.himmelblau(), [0.0, 0.0]),
        (P.rosenbrock(), [0.0, 1.0]),
    ]:
        assert prob.hypotheses.convex is False
        assert np.linalg.eigvalsh(prob.hess(x))[0] < 0.0


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p.hypotheses.convex], ids=lambda p: p.name)
def test_convex_problems_have_psd_hessians(problem):
    pts = _sample_points(problem, 500, 5.0, seed=4)
    eig = np.linalg.eigvalsh(problem.hess(pts))
    assert eig.min() >= -1e-12 * max(1.0, np.abs(eig).max())


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p.x_star is not None], ids=lambda p: p.name)
def test_minimizer_attains_f_star_and_is_stationary(problem):
    assert problem.value(problem.x_star) == pytest.approx(problem.f_star, abs=1e-12)
    assert np.linalg.norm(problem.grad(problem.x_star)) <= 1e-10
    if problem.hypotheses.bounded_below:
        pts = _sample_points(problem, 3000, 6.0, seed=5)
        assert problem.value(pts).min() >= problem.f_star - 1e-12


def test_himmelblau_has_four_refined_global_minima_and_x_star_is_3_2():
    prob = P.himmelblau()
    assert len(prob.minimizers) == 4
    assert np.array_equal(prob.x_star, [3.0, 2.0])
    for m in prob.minimizers:
        assert prob.value(m) <= 1e-20
        assert np.linalg.norm(prob.grad(m)) <= 1e-12


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p.gradient_bound is not None], ids=lambda p: p.name)
def test_gradient_bound_holds(problem):
    pts = _sample_points(problem, 4000, 50.0, seed=6)
    assert P.estimate_gradient_bound(problem, pts) <= problem.gradient_bound


def test_pseudo_huber_gradient_approaches_its_bound():
    prob = P.pseudo_huber(2.0, 0.1, dim=2)
    assert P.estimate_gradient_bound(prob, [[1e4, 0.0]]) == pytest.approx(2.0, rel=1e-6)


def test_logistic_infimum_zero_is_not_attained():
    prob = P.logistic([1.0, 2.0])
    assert prob.x_star is None and prob.f_star == 0.0 and prob.hypotheses.coercive is False
    values = prob.value(np.array([[t, 2 * t] for t in (0.0, 10.0, 50.0, 100.0)]))
    assert np.all(values > 0.0) and np.all(np.diff(values) < 0.0)
    assert prob.value([-1e4, -2e4]) == pytest.approx(5e4)  # no overflow


def test_softplus_sum_flags_match_the_behaviour_along_rays():
    rng = np.random.default_rng(2)
    seen = set()
    for _ in range(40):
        m, d = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        a = rng.choice([-1.0, 1.0], m) * rng.uniform(0.3, 2.0, m)
        w = rng.standard_normal((m, d))
        prob = P.softplus_sum(a, w)
        dirs = rng.standard_normal((4000, d))
        dirs /= np.abs(dirs).max(axis=1, keepdims=True)
        phi = np.maximum(dirs @ w.T, 0.0) @ a
        flag = prob.hypotheses.bounded_below
        seen.add(flag)
        if flag is False:
            u = dirs[np.argmin(phi)]
            assert prob.value(1e4 * u) < -1.0
        elif flag is True:
            assert phi.min() >= -1e-9
            if prob.hypotheses.coercive:
                assert prob.value(1e4 * dirs).min() > 1.0
    assert {True, False} <= seen


def test_relu_combination_minimum_matches_dense_sampling_in_2d():
    rng = np.random.default_rng(3)
    for _ in range(8):
        m = int(rng.integers(1, 6))
        a = rng.choice([-1.0, 1.0], m) * rng.uniform(0.3, 2.0, m)
        w = rng.standard_normal((m, 2))
        ang = np.linspace(0, 2 * np.pi, 100001)
        u = np.stack([np.cos(ang), np.sin(ang)], axis=1)
        u /= np.abs(u).max(axis=1, keepdims=True)
        sampled = (np.maximum(u @ w.T, 0.0) @ a).min()
        exact = P._relu_combination_min(a, w)
        assert exact <= sampled + 1e-12
        assert exact == pytest.approx(sampled, abs=1e-5 * np.abs(a).sum() * np.abs(w).max())


def test_surfaces_are_the_five_app_r5_functions():
    surf = P.surfaces()
    assert set(surf) == {"rosenbrock", "booth", "griewank", "himmelblau", "three_hump_camel"}
    assert surf["rosenbrock"].value([1.0, 1.0]) == 0.0
    assert surf["rosenbrock"].value([-1.2, 1.0]) == pytest.approx(24.2)
    assert surf["booth"].value([1.0, 3.0]) == 0.0
    assert surf["three_hump_camel"].value([1.7475523, -0.8737761]) == pytest.approx(0.2986384, abs=1e-6)
    assert surf["griewank"].value([0.0, 0.0]) == 0.0


def test_hypotheses_as_dict_lists_all_six_flags():
    flags = P.booth().hypotheses.as_dict()
    assert flags == {
        "l_smooth": True,
        "bounded_below": True,
        "coercive": True,
        "pl": True,
        "convex": True,
        "bounded_gradient": False,
    }


def test_gap_requires_finite_f_star():
    assert P.booth().gap([1.0, 4.0]) == pytest.approx(P.booth().value([1.0, 4.0]))
    with pytest.raises(ValueError, match="f_star"):
        P.softplus_sum([1.0], [[1.0]]).gap([0.0])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: P.booth().value([1.0, 2.0, 3.0]), r"shape \(2,\)"),
        (lambda: P.booth().grad([[np.nan, 1.0]]), "non-finite"),
        (lambda: P.booth().hess(np.zeros((2, 3))), "shape"),
        (lambda: P.booth().value("a"), "numeric|finite"),
        (lambda: P.quadratic([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (lambda: P.quadratic(np.zeros((2, 2))), "zero matrix"),
        (lambda: P.quadratic(np.eye(2), x_star=[1.0]), "x_star"),
        (lambda: P.random_quadratic(np.random.default_rng(0), 2, n_zero=2), "n_zero"),
        (lambda: P.random_quadratic(np.random.default_rng(0), 2, eig_low=2.0, eig_high=1.0), "eig_high"),
        (lambda: P.random_quadratic(0, 2), "Generator"),
        (lambda: P.pseudo_huber(-1.0, 1.0), "scale"),
        (lambda: P.pseudo_huber(1.0, 0.0), "width"),
        (lambda: P.logistic([0.0, 0.0]), "nonzero"),
        (lambda: P.softplus_sum([1.0, 0.0], [[1.0], [2.0]]), "nonzero"),
        (lambda: P.softplus_sum([1.0], [[1.0], [2.0]]), "shape"),
        (lambda: P.pl_nonconvex(0), "dim"),
        (lambda: P.estimate_pl_constant(P.logistic([1.0]), [[1.0]], f_star=math.nan), "f_star"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_scalar_input_allowed_for_one_dimensional_problems():
    prob = P.pl_nonconvex()
    assert prob.value(0.5) == pytest.approx(0.25 + 3 * math.sin(0.5) ** 2)
    assert prob.grad(0.5).shape == (1,)
