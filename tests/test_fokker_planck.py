"""Tests of the Fokker–Planck engine (theorylab.fokker_planck)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import theorylab.fokker_planck as fp
from theorylab.simplex import entropy as simplex_entropy

SIGMA = 0.5


def double_well(points: np.ndarray) -> np.ndarray:
    """f = (x^2 - 1)^2 in 1-D; (x^2 - 1)^2 + y^2/2 + 0.3 x y in 2-D."""
    if points.shape[0] == 1:
        return (points[0] ** 2 - 1.0) ** 2
    x, y = points
    return (x**2 - 1.0) ** 2 + 0.5 * y**2 + 0.3 * x * y


def double_well_gradient(points: np.ndarray) -> np.ndarray:
    if points.shape[0] == 1:
        return 4.0 * points * (points**2 - 1.0)
    x, y = points
    return np.stack([4.0 * x * (x**2 - 1.0) + 0.3 * y, y + 0.3 * x])


def plnc_gradient(points: np.ndarray) -> np.ndarray:
    """Gradient of the F-PLNC objective f = x^2 + 3 sin^2 x."""
    return 2.0 * points + 3.0 * np.sin(2.0 * points)


def bump(grid: fp.UniformGrid, center: float = 0.4, width: float = 0.1) -> np.ndarray:
    return grid.normalize(np.exp(-np.sum((grid.cell_centers - center) ** 2, axis=0) / width))


def l1(grid: fp.UniformGrid, a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(np.abs(a - b)) * grid.cell_volume)


GRID_1D = fp.UniformGrid([(-2.5, 2.5)], 120)
GRID_2D = fp.UniformGrid([(-2.5, 2.5), (-3.0, 3.0)], (30, 36))


# ---------------------------------------------------------------------------
# grid and flux
# ---------------------------------------------------------------------------


def test_grid_geometry():
    grid = fp.UniformGrid([(-1.0, 3.0), (0.0, 1.0)], (8, 5))
    assert grid.shape == (8, 5) and grid.ndim == 2
    assert grid.spacing == (0.5, 0.2)
    assert grid.cell_centers.shape == (2, 8, 5)
    assert grid.cell_centers[0, 0, 0] == pytest.approx(-0.75)
    assert grid.face_centers(1).shape == (2, 8, 4)
    assert grid.face_centers(1)[1, 0, 0] == pytest.approx(0.2)
    assert grid.integrate(np.ones(grid.shape)) == pytest.approx(4.0)


def test_bernoulli_identity_and_limits():
    z = np.concatenate([np.linspace(-50, 50, 1001), [-1e-12, 1e-12, 0.0, 800.0, -800.0]])
    b = fp.bernoulli(z)
    assert np.all(b[np.abs(z) < 700] > 0.0)
    assert fp.bernoulli(0.0) == 1.0
    moderate = np.abs(z) < 30
    np.testing.assert_allclose(fp.bernoulli(-z[moderate]), np.exp(z[moderate]) * b[moderate], rtol=1e-13)
    np.testing.assert_allclose(fp.bernoulli(-800.0), 800.0, rtol=1e-15)
    assert fp.bernoulli(800.0) == 0.0


@pytest.mark.parametrize("grid", [GRID_1D, GRID_2D], ids=["1d", "2d"])
@pytest.mark.parametrize("sign", ["a", "b"])
def test_operator_is_conservative_and_metzler(grid, sign):
    operator = fp.fokker_planck_operator(grid, double_well_gradient, SIGMA, sign=sign).toarray()
    scale = np.abs(operator).max()
    np.testing.assert_allclose(operator.sum(axis=0), 0.0, atol=1e-13 * scale)
    off_diagonal = operator - np.diag(np.diag(operator))
    assert off_diagonal.min() >= 0.0
    # every cell talks to its 2 d neighbours (interior) through the faces
    assert np.count_nonzero(off_diagonal) == 2 * sum(int(np.prod(grid.face_shape(k))) for k in range(grid.ndim))


# ---------------------------------------------------------------------------
# mass, positivity, steady state
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("grid", [GRID_1D, GRID_2D], ids=["1d", "2d"])
@pytest.mark.parametrize("method", fp.TIME_STEPPING_METHODS)
def test_mass_conserved_to_round_off(grid, method):
    result = fp.solve_fokker_planck(
        grid, bump(grid), double_well_gradient, SIGMA, sign="b", t_final=0.2, dt=0.01, method=method
    )
    assert result.n_steps == 20
    masses = np.sum(result.densities, axis=tuple(range(1, grid.ndim + 1))) * grid.cell_volume
    np.testing.assert_allclose(masses, 1.0, atol=1e-13)


@pytest.mark.parametrize("sign", ["a", "b"])
def test_backward_euler_positive_for_large_steps(sign):
    # dt far beyond any explicit stability limit, drift strong enough for |Peclet| >> 1
    grid = fp.UniformGrid([(-3.0, 3.0)], 60)
    stepper = fp.FokkerPlanckStepper(grid, lambda p: 40.0 * p, 0.01, sign=sign)
    mu = grid.normalize(np.where(np.abs(grid.cell_centers[0] - 1.0) < 0.3, 1.0, 0.0))
    for _ in range(10):
        mu = stepper.advance(mu, 5.0)
        assert mu.min() >= 0.0
    assert grid.integrate(mu) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("grid", [GRID_1D, GRID_2D], ids=["1d", "2d"])
@pytest.mark.parametrize("sign", ["a", "b"])
def test_discrete_gibbs_is_the_exact_steady_state(grid, sign):
    potential = double_well(grid.cell_centers)
    drift = fp.drift_from_potential(grid, potential, sign=sign)
    gibbs = fp.gibbs_density(grid, potential, SIGMA)
    operator = fp.fokker_planck_operator(grid, drift, SIGMA, sign=sign)
    residual = operator @ gibbs.ravel()
    assert np.abs(residual).max() <= 1e-13 * np.abs(operator).max() * gibbs.max()
    steady = fp.stationary_density(grid, drift, SIGMA, sign=sign)
    assert np.abs(steady - gibbs).max() <= 1e-12 * gibbs.max()
    long_run = fp.FokkerPlanckStepper(grid, drift, SIGMA, sign=sign).advance(bump(grid), 5.0, 60)
    assert l1(grid, long_run, gibbs) < 1e-10


def test_sign_reading_changes_the_steady_state():
    grid = GRID_1D
    potential = grid.cell_centers[0]
    drift_b = fp.drift_from_potential(grid, potential, sign="b")
    gibbs = fp.gibbs_density(grid, potential, SIGMA)
    # the same drift read with the other sign transports mass uphill: Gibbs of -Phi
    steady_a = fp.stationary_density(grid, drift_b, SIGMA, sign="a")
    np.testing.assert_allclose(steady_a, fp.gibbs_density(grid, -potential, SIGMA), rtol=1e-10)
    assert l1(grid, steady_a, gibbs) > 1.5


def test_face_sampled_gradient_drift_is_gibbs_to_second_order():
    errors = []
    for n in (100, 200):
        grid = fp.UniformGrid([(-2.5, 2.5)], n)
        steady = fp.stationary_density(grid, double_well_gradient, SIGMA, sign="b")
        errors.append(l1(grid, steady, fp.gibbs_density(grid, double_well(grid.cell_centers), SIGMA)))
    assert errors[0] > 1e-6
    assert 3.5 < errors[0] / errors[1] < 4.5


def test_solver_factorizes_once_per_step_size():
    stepper = fp.FokkerPlanckStepper(GRID_1D, double_well_gradient, SIGMA, sign="b")
    mu = stepper.advance(bump(GRID_1D), 0.01, 5)
    stepper.advance(mu, 0.01, 5)
    stepper.advance(mu, 0.02, 1)
    assert sorted(stepper._solvers) == [("backward_euler", 0.01), ("backward_euler", 0.02)]


# ---------------------------------------------------------------------------
# references: exact Gaussian, FiPy, particles
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sign", ["a", "b"])
def test_gaussian_moments_solve_their_odes(sign):
    s = 1.0 if sign == "a" else -1.0
    matrix = np.array([[0.8, 0.3], [-0.4, 1.1]])
    offset = np.array([0.2, -0.5])
    mean0, cov0 = np.array([1.0, -2.0]), np.array([[0.7, 0.2], [0.2, 0.4]])
    times = np.array([0.0, 0.3, 1.2])
    means, covs = fp.linear_drift_gaussian_moments(mean0, cov0, matrix, 0.6, times, sign=sign, drift_offset=offset)

    def rhs(t, y):
        m, c = y[:2], y[2:].reshape(2, 2)
        g = s * matrix
        return np.concatenate([g @ m + s * offset, (g @ c + c @ g.T + 1.2 * np.eye(2)).ravel()])

    sol = solve_ivp(rhs, (0, 1.2), np.concatenate([mean0, cov0.ravel()]), t_eval=times, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(means, sol.y[:2].T, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(covs.reshape(3, 4), sol.y[2:].T, rtol=1e-9, atol=1e-11)
    # 1-D scalar closed form, including a vanishing rate (phi_1(0) = 1)
    for rate in (0.7, 0.0):
        m, v = fp.linear_drift_gaussian_moments(0.5, 0.2, rate, 0.3, 2.0, sign=sign)
        a = s * rate
        expected_v = 0.2 * np.exp(2 * a * 2.0) + (0.3 / a * np.expm1(2 * a * 2.0) if a else 0.6 * 2.0)
        assert m[0] == pytest.approx(0.5 * np.exp(a * 2.0), rel=1e-14)
        assert v[0, 0] == pytest.approx(expected_v, rel=1e-14)


@pytest.mark.parametrize("sign", ["a", "b"])
def test_scheme_converges_to_gaussian_at_second_order_1d(sign):
    rate, sigma, t_final = 1.2, 0.4, 0.5
    mean_t, var_t = fp.linear_drift_gaussian_moments(0.5, 0.3, rate, sigma, t_final, sign=sign)
    errors = []
    for n in (80, 160):
        grid = fp.UniformGrid([(-9.0, 9.0)], n)
        stepper = fp.FokkerPlanckStepper(grid, lambda p: rate * p, sigma, sign=sign)
        mu = stepper.evolve_exact_in_time(grid.normalize(fp.gaussian_density(grid, 0.5, 0.3)), t_final)
        exact = fp.gaussian_density(grid, mean_t, var_t)
        errors.append(l1(grid, mu, exact))
    assert errors[1] < 1e-2
    assert 1.8 < np.log2(errors[0] / errors[1]) < 2.2


def test_scheme_converges_to_gaussian_2d_with_time_stepping():
    matrix = np.array([[1.0, 0.3], [-0.2, 0.7]])
    mean0, cov0 = np.array([1.0, -0.5]), np.array([[0.5, 0.1], [0.1, 0.3]])
    mean_t, cov_t = fp.linear_drift_gaussian_moments(mean0, cov0, matrix, 0.4, 0.5, sign="b")
    errors = []
    for n in (20, 40):
        grid = fp.UniformGrid([(-5.0, 5.0), (-5.0, 5.0)], (n, n))
        result = fp.solve_fokker_planck(
            grid,
            fp.gaussian_density(grid, mean0, cov0),
            lambda p: np.einsum("ij,j...->i...", matrix, p),
            0.4,
            sign="b",
            t_final=0.5,
            dt=0.005,
            method="bdf2",
        )
        errors.append(l1(grid, result.density, fp.gaussian_density(grid, mean_t, cov_t)))
    assert errors[1] < 0.02
    assert 1.7 < np.log2(errors[0] / errors[1]) < 2.3


@pytest.mark.parametrize("method,order", [("backward_euler", 1.0), ("bdf2", 2.0), ("crank_nicolson", 2.0)])
def test_time_stepping_order(method, order):
    grid = fp.UniformGrid([(-2.5, 2.5)], 60)
    stepper = fp.FokkerPlanckStepper(grid, double_well_gradient, SIGMA, sign="b")
    mu0 = bump(grid, width=0.3)
    reference = stepper.evolve_exact_in_time(mu0, 0.2)
    errors = [l1(grid, stepper.advance(mu0, 0.2 / n, n, method=method), reference) for n in (20, 40)]
    assert abs(np.log2(errors[0] / errors[1]) - order) < 0.25


def test_fipy_same_scheme_same_answer_1d_and_2d():
    for grid in (fp.UniformGrid([(-2.5, 2.5)], 40), fp.UniformGrid([(-2.5, 2.5), (-3.0, 3.0)], (10, 12))):
        drift = fp.sample_on_faces(grid, double_well_gradient)
        mu0 = bump(grid)
        reference = fp.FipyFokkerPlanck(grid, mu0, drift, SIGMA, sign="b", dt=0.01)
        reference.step(3)
        ours = fp.FokkerPlanckStepper(grid, drift, SIGMA, sign="b").advance(mu0, 0.01, 3)
        assert l1(grid, ours, mu0) > 1e-2
        assert l1(grid, ours, reference.density) < 1e-10


@pytest.mark.parametrize("sign", ["a", "b"])
def test_fipy_other_discretisation_agrees_to_discretisation_error(sign):
    grid = fp.UniformGrid([(-2.5, 2.5)], 50)
    mu0 = bump(grid)
    reference = fp.FipyFokkerPlanck(grid, mu0, lambda p: 2.0 * p, SIGMA, sign=sign, dt=0.02, convection="central")
    reference.step(3)
    ours = fp.FokkerPlanckStepper(grid, lambda p: 2.0 * p, SIGMA, sign=sign).advance(mu0, 0.02, 3)
    other_sign = fp.FokkerPlanckStepper(grid, lambda p: 2.0 * p, SIGMA, sign="b" if sign == "a" else "a")
    difference = l1(grid, ours, reference.density)
    assert 0.0 < difference < 5e-3
    assert l1(grid, other_sign.advance(mu0, 0.02, 3), reference.density) > 20 * difference


@pytest.mark.parametrize("sign", ["a", "b"])
def test_particles_match_gaussian_moments(sign):
    rng = np.random.default_rng(12345)
    s = 1.0 if sign == "a" else -1.0
    rate, sigma, dt, n_steps, n = 1.0, 0.5, 4e-3, 125, 100_000
    x0 = rng.normal(1.0, np.sqrt(0.2), size=(1, n))
    result = fp.simulate_langevin_particles(x0, lambda p: rate * p, sigma, sign=sign, dt=dt, n_steps=n_steps, rng=rng)
    # law of the Euler-Maruyama chain for linear drift (exact), and its O(dt) distance to the OU solution
    growth = 1.0 + s * rate * dt
    chain_mean = growth**n_steps * 1.0
    chain_var = growth ** (2 * n_steps) * 0.2 + 2 * sigma * dt * np.sum(growth ** (2 * np.arange(n_steps)))
    mean, var = fp.linear_drift_gaussian_moments(1.0, 0.2, rate, sigma, dt * n_steps, sign=sign)
    assert abs(chain_mean - mean[0]) < 2 * dt * abs(mean[0])
    assert abs(chain_var - var[0, 0]) < 2 * dt * var[0, 0]
    assert abs(result.means[-1, 0] - chain_mean) < 4 * np.sqrt(chain_var / n)
    assert abs(result.covariances[-1, 0, 0] - chain_var) < 4 * chain_var * np.sqrt(2.0 / (n - 1))


def test_particles_match_pde_on_nonlinear_drift():
    rng = np.random.default_rng(2024)
    grid = fp.UniformGrid([(-4.0, 4.0)], 64)
    x0 = rng.normal(1.5, 0.5, size=(1, 40_000))
    pde = fp.solve_fokker_planck(
        grid,
        fp.gaussian_density(grid, 1.5, 0.25),
        plnc_gradient,
        SIGMA,
        sign="b",
        t_final=0.5,
        dt=2.5e-3,
        method="bdf2",
    )
    particles = fp.simulate_langevin_particles(x0, plnc_gradient, SIGMA, sign="b", dt=2.5e-3, n_steps=200, rng=rng)
    histogram = fp.histogram_density(grid, particles.positions)
    assert l1(grid, histogram, pde.density) < 0.04
    wrong_sign = fp.solve_fokker_planck(
        grid, fp.gaussian_density(grid, 1.5, 0.25), plnc_gradient, SIGMA, sign="a", t_final=0.5, dt=2.5e-3
    )
    assert l1(grid, histogram, wrong_sign.density) > 0.5


# ---------------------------------------------------------------------------
# free energy and dissipation terms against closed forms
# ---------------------------------------------------------------------------


def test_free_energy_terms_match_gaussian_closed_forms_1d():
    sigma, mean, var = 0.7, 0.6, 0.5
    reference = fp.gaussian_free_energy_terms(mean, var, 1.0, sigma)
    for n in (100, 200):
        grid = fp.UniformGrid([(-8.0, 8.0)], n)
        mu = grid.normalize(fp.gaussian_density(grid, mean, var))
        terms = fp.free_energy_terms(grid, mu, 0.5 * grid.cell_centers[0] ** 2, sigma)
        for key in ("objective", "entropy", "free_energy"):
            assert terms[key] == pytest.approx(reference[key], rel=2e-3, abs=2e-3)
        assert terms["gate"] == 0.0
        # log mu is quadratic: the face differences sum by parts to exactly 1/var
        assert fp.fisher_information(grid, mu) == pytest.approx(1.0 / var, rel=1e-12)


def test_fisher_information_converges_at_second_order():
    # two-component Gaussian mixture: Fisher = int mu'^2 / mu by adaptive quadrature
    from scipy.integrate import quad

    def mixture(x):
        return 0.3 * np.exp(-((x + 1.0) ** 2) / 0.5) / np.sqrt(0.5 * np.pi) + 0.7 * np.exp(
            -((x - 1.2) ** 2) / 0.8
        ) / np.sqrt(0.8 * np.pi)

    def mixture_derivative(x):
        return -0.3 * 4.0 * (x + 1.0) * np.exp(-((x + 1.0) ** 2) / 0.5) / np.sqrt(0.5 * np.pi) - 0.7 * 2.5 * (
            x - 1.2
        ) * np.exp(-((x - 1.2) ** 2) / 0.8) / np.sqrt(0.8 * np.pi)

    exact = quad(lambda x: mixture_derivative(x) ** 2 / mixture(x), -12, 12, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    errors = []
    for n in (80, 160):
        grid = fp.UniformGrid([(-8.0, 8.0)], n)
        mu = grid.normalize(mixture(grid.cell_centers[0]))
        errors.append(abs(fp.fisher_information(grid, mu) - exact))
    assert errors[1] < 1e-2 * exact
    assert 3.5 < errors[0] / errors[1] < 4.5


def test_free_energy_terms_match_gaussian_closed_forms_2d_with_gate():
    grid = fp.UniformGrid([(-6.0, 6.0), (-6.0, 6.0)], (96, 96))
    mean, cov = np.array([0.5, -0.3]), np.array([[0.8, 0.25], [0.25, 0.5]])
    hessian = np.array([[2.0, 0.5], [0.5, 1.0]])
    mu = grid.normalize(fp.gaussian_density(grid, mean, cov))
    points = grid.cell_centers
    objective = 0.5 * np.einsum("i...,ij,j...->...", points, hessian, points)
    lam = np.array([0.2, 0.3, 0.5])
    terms = fp.free_energy_terms(grid, mu, objective, 0.4, tau=1.5, lam=lam)
    reference = fp.gaussian_free_energy_terms(mean, cov, hessian, 0.4, tau=1.5, lam_entropy=simplex_entropy(lam))
    for key in ("objective", "entropy", "gate", "free_energy"):
        assert terms[key] == pytest.approx(reference[key], rel=2e-3)
    assert fp.fisher_information(grid, mu) == pytest.approx(fp.gaussian_fisher_information(cov), rel=2e-3)
    moments = fp.gaussian_quadratic_moments(mean, cov, hessian)
    gradient = np.einsum("ij,j...->i...", hessian, points)
    assert fp.expectation(grid, mu, np.sum(gradient**2, axis=0)) == pytest.approx(moments["gradient_norm_sq"], rel=2e-3)


def test_dissipation_terms_match_closed_forms():
    grid = fp.UniformGrid([(-8.0, 8.0)], 400)
    sigma, mean, var = 0.3, 1.1, 0.4
    mu = grid.normalize(fp.gaussian_density(grid, mean, var))
    c = np.array([0.5, 2.0, 1.0])
    lam = np.array([0.2, 0.5, 0.3])
    a = fp.alignment_functionals(grid, mu, lambda p: p, [lambda p, ci=ci: ci * p for ci in c])
    np.testing.assert_allclose(a, c * (mean**2 + var), rtol=1e-4)
    h = fp.population_meta_scores(a, lam, "align")
    terms = fp.dissipation_terms(
        grid, mu, lambda p: p, sigma, alignment_constants=c, lam=lam, tau=2.0, theta=3.0, meta_scores=h
    )
    exact_h = -c * (mean**2 + var)
    exact_var = lam @ exact_h**2 - (lam @ exact_h) ** 2
    assert terms["objective"] == pytest.approx(-(lam @ c) * (mean**2 + var), rel=1e-4)
    assert terms["fisher"] == pytest.approx(-sigma / var, rel=1e-4)
    assert terms["gate"] == pytest.approx(-6.0 * exact_var, rel=1e-4)
    assert terms["total"] == pytest.approx(terms["objective"] + terms["fisher"] + terms["gate"], rel=1e-15)
    # the advantage reading shifts h by a constant and flips its sign: same variance, opposite order
    h_adv = fp.population_meta_scores(a, lam, "adv")
    assert np.argmax(h_adv) == np.argmin(h) and lam @ h_adv == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("sign", ["a", "b"])
def test_free_energy_rates_match_gaussian_chain_rule(sign):
    # f = x^2/2, v = c x: d/dt F from the moment ODEs, term by term
    s = 1.0 if sign == "a" else -1.0
    c, sigma, mean, var = 1.3, 0.4, 0.8, 0.5
    grid = fp.UniformGrid([(-9.0, 9.0)], 600)
    mu = grid.normalize(fp.gaussian_density(grid, mean, var))
    x = grid.cell_centers[0]
    rates = fp.free_energy_rates(grid, mu, 0.5 * x**2, lambda p: c * p, sigma, sign=sign)
    mean_rate, var_rate = s * c * mean, 2 * s * c * var + 2 * sigma
    assert rates["objective"] == pytest.approx(mean * mean_rate + 0.5 * var_rate, rel=1e-3)
    # sigma dEnt/dt = -sigma/2 * var_rate / var; drift part s c (paper (135) form), diffusion part -sigma^2/var
    # (the Scharfetter-Gummel flux adds O(h^2) numerical diffusion to the drift part)
    assert rates["entropy_drift"] == pytest.approx(-sigma * s * c, rel=5e-3)
    assert rates["entropy_diffusion"] == pytest.approx(-(sigma**2) / var, rel=1e-3)
    total_entropy_rate = rates["entropy_drift"] + rates["entropy_diffusion"]
    assert total_entropy_rate == pytest.approx(-0.5 * sigma * var_rate / var, rel=5e-3)
    # discrete identity behind (139): diffusion part = -sigma^2 Fisher_h to round-off
    assert rates["entropy_diffusion"] == pytest.approx(-(sigma**2) * fp.fisher_information(grid, mu), rel=1e-12)
    # (135) form: drift part of dEnt/dt = s * int <grad log mu, v> dmu (s = +1 as printed)
    pairing = fp.score_drift_integral(grid, mu, lambda p: c * p)
    assert rates["entropy_drift"] == pytest.approx(s * sigma * pairing, rel=5e-3)


def test_free_energy_rates_match_time_differences_and_gate_rate():
    grid = fp.UniformGrid([(-2.5, 2.5)], 80)
    objective = double_well(grid.cell_centers)
    stepper = fp.FokkerPlanckStepper(grid, double_well_gradient, SIGMA, sign="b")
    step = 1e-5
    mu_minus, mu0, mu_plus = (stepper.evolve_exact_in_time(bump(grid), 0.05 + k * step) for k in (-1, 0, 1))
    rates = fp.free_energy_rates(grid, mu0, objective, double_well_gradient, SIGMA, sign="b")
    plus = fp.free_energy_terms(grid, mu_plus, objective, SIGMA)
    minus = fp.free_energy_terms(grid, mu_minus, objective, SIGMA)
    for key, rate in (("free_energy", rates["total"]), ("objective", rates["objective"])):
        assert (plus[key] - minus[key]) / (2 * step) == pytest.approx(rate, rel=1e-6)
    entropy_rate = (plus["entropy"] - minus["entropy"]) / (2 * step)
    assert entropy_rate == pytest.approx(rates["entropy_drift"] + rates["entropy_diffusion"], rel=1e-6)
    # gate rate: -tau dH/dt along the replicator with frozen scores, against the closed form
    lam, h, theta, tau = np.array([0.2, 0.5, 0.3]), np.array([1.0, -0.5, 0.3]), 2.0, 1.5
    with_gate = fp.free_energy_rates(
        grid, mu0, objective, double_well_gradient, SIGMA, sign="b", tau=tau, lam=lam, meta_scores=h, theta=theta
    )
    from theorylab.simplex import replicator_closed_form

    def gate_entropy(t):
        return simplex_entropy(replicator_closed_form(lam, h, theta, t))

    expected = -tau * (gate_entropy(1e-6) - gate_entropy(-1e-6)) / 2e-6
    assert with_gate["gate"] == pytest.approx(expected, rel=1e-6)
    assert with_gate["total"] == pytest.approx(rates["total"] + with_gate["gate"], rel=1e-12)


# ---------------------------------------------------------------------------
# coupled PDE + gate
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("score", ["align", "adv"])
def test_coupled_flow_matches_moment_odes(score):
    # linear bases d_i = c_i x keep Gaussians Gaussian: (m, s^2, lambda) solve an ODE
    cs, sigma, theta, m0, v0, t_final = np.array([0.5, 2.0]), 0.3, 2.0, 1.5, 0.2, 1.0
    grid = fp.UniformGrid([(-6.0, 6.0)], 240)
    model = fp.GatedPopulationModel.from_functions(
        grid, [lambda p, c=c: c * p for c in cs], lambda p: p, sigma, theta, sign="b", score=score
    )
    result = fp.solve_coupled_fokker_planck(
        model, fp.gaussian_density(grid, m0, v0), [0.5, 0.5], t_final=t_final, dt=2e-3
    )

    def rhs(t, y):
        m, v, l0 = y
        lam = np.array([l0, 1.0 - l0])
        a = cs * (m * m + v)
        h = -a if score == "align" else a - lam @ a
        return [-(lam @ cs) * m, -2 * (lam @ cs) * v + 2 * sigma, theta * l0 * (h[0] - lam @ h)]

    sol = solve_ivp(rhs, (0, t_final), [m0, v0, 0.5], rtol=1e-11, atol=1e-12, method="DOP853")
    assert result.lam[0] == pytest.approx(sol.y[2, -1], abs=5e-3)
    x = grid.cell_centers[0]
    assert grid.integrate(x * result.density) == pytest.approx(sol.y[0, -1], abs=5e-3)
    np.testing.assert_allclose(result.lams.sum(axis=1), 1.0, atol=1e-14)
    assert result.lams.min() >= 0.0
    assert grid.integrate(result.density) == pytest.approx(1.0, abs=1e-12)
    # the two readings push the gate to opposite vertices
    assert (result.lam[0] > 0.5) == (score == "align")


def test_coupled_particles_follow_the_gate():
    rng = np.random.default_rng(7)
    cs, sigma, theta = np.array([0.5, 2.0]), 0.3, 2.0
    bases = [lambda p, c=c: c * p for c in cs]
    grid = fp.UniformGrid([(-6.0, 6.0)], 120)
    model = fp.GatedPopulationModel.from_functions(grid, bases, lambda p: p, sigma, theta, sign="b")
    pde = fp.solve_coupled_fokker_planck(model, fp.gaussian_density(grid, 1.5, 0.2), [0.5, 0.5], t_final=0.6, dt=5e-3)
    x0 = rng.normal(1.5, np.sqrt(0.2), size=(1, 20_000))
    particles = fp.simulate_coupled_particles(
        x0, [0.5, 0.5], bases, lambda p: p, sigma, theta, sign="b", dt=5e-3, n_steps=120, rng=rng
    )
    assert particles.lams[-1, 0] == pytest.approx(pde.lam[0], abs=0.02)
    assert particles.lams[-1, 0] > 0.6


# ---------------------------------------------------------------------------
# trackers
# ---------------------------------------------------------------------------


def test_trackers_record_mass_positivity_and_free_energy():
    grid = GRID_1D
    potential = double_well(grid.cell_centers)
    trackers = [
        fp.mass_tracker(grid),
        fp.min_density_tracker(interval=5),
        fp.FreeEnergyTracker(grid, potential, SIGMA),
    ]
    drift = fp.drift_from_potential(grid, potential, sign="b")
    fp.solve_fokker_planck(grid, bump(grid), drift, SIGMA, sign="b", t_final=0.5, dt=0.01, trackers=trackers)
    mass, minimum, free_energy = trackers
    assert len(mass.values) == 51 and len(minimum.values) == 11
    np.testing.assert_allclose(mass.values, 1.0, atol=1e-13)
    assert min(minimum.values[1:]) > 0.0
    # F is sigma KL(mu | Gibbs) + const for this drift: it decreases and converges
    record = free_energy.as_arrays()
    assert free_energy.is_monotone
    assert record["free_energy"][-1] < record["free_energy"][0] - 0.1
    np.testing.assert_allclose(record["free_energy"], record["objective"] + record["entropy"], rtol=1e-14)


def test_free_energy_tracker_flags_increase_under_the_printed_sign():
    # reading a with v = grad f moves mass uphill: F must increase and be flagged
    grid = GRID_1D
    potential = double_well(grid.cell_centers)
    tracker = fp.FreeEnergyTracker(grid, potential, SIGMA)
    drift = fp.drift_from_potential(grid, potential, sign="b")
    fp.solve_fokker_planck(grid, bump(grid), drift, SIGMA, sign="a", t_final=0.2, dt=0.01, trackers=[tracker])
    assert not tracker.is_monotone
    assert all(inc.amount > 0 for inc in tracker.increases)


def test_functional_tracker_tolerance():
    values = iter([1.0, 0.5, 0.5 + 1e-10, 0.9, 0.8])
    tracker = fp.FunctionalTracker("g", lambda mu, lam: next(values), non_increasing=True, rtol=1e-8)
    for t in range(5):
        tracker.handle(float(t), np.ones(3), None)
    assert [(inc.t_before, inc.t_after) for inc in tracker.increases] == [(2.0, 3.0)]
    assert tracker.increases[0].amount == pytest.approx(0.4 - 1e-10)


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.0, -1.0, np.nan])
def test_rejects_nonpositive_diffusion(sigma):
    with pytest.raises(ValueError, match="sigma"):
        fp.FokkerPlanckStepper(GRID_1D, double_well_gradient, sigma, sign="b")


def test_rejects_bad_initial_density():
    good = bump(GRID_1D)
    run = dict(drift=double_well_gradient, sigma=SIGMA, sign="b", t_final=0.1, dt=0.01)
    with pytest.raises(ValueError, match="NaN"):
        fp.solve_fokker_planck(GRID_1D, np.where(np.arange(120) == 3, np.nan, good), **run)
    with pytest.raises(ValueError, match="negative"):
        fp.solve_fokker_planck(GRID_1D, good - 0.01, **run)
    with pytest.raises(ValueError, match="not normalizable"):
        fp.solve_fokker_planck(GRID_1D, np.zeros(120), **run)
    with pytest.raises(ValueError, match="not normalizable"):
        fp.solve_fokker_planck(GRID_1D, np.full(120, 1e308), **run)
    with pytest.raises(ValueError, match=r"shape \(120,\)"):
        fp.solve_fokker_planck(GRID_1D, good[:-1], **run)


def test_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"drift\[0\] must have shape \(119,\)"):
        fp.FokkerPlanckStepper(GRID_1D, np.zeros(120), SIGMA, sign="b")
    with pytest.raises(ValueError, match="one face array per axis"):
        fp.FokkerPlanckStepper(GRID_2D, [np.zeros((29, 36))], SIGMA, sign="b")
    with pytest.raises(ValueError, match="potential must have shape"):
        fp.drift_from_potential(GRID_2D, np.zeros((30, 35)), sign="b")
    with pytest.raises(ValueError, match="base_drifts_at_cells"):
        fp.GatedPopulationModel(GRID_1D, [np.zeros(119)], np.zeros((2, 1, 120)), np.zeros((1, 120)), SIGMA, 1.0, "b")
    with pytest.raises(ValueError, match="positions"):
        fp.histogram_density(GRID_2D, np.zeros((1, 10)))


@pytest.mark.parametrize(
    "bounds,shape,match",
    [
        ([(-1.0, 1.0)], 2, "integer >= 3"),
        ([(-1.0, 1.0)], 10.0, "integer >= 3"),
        ([(-1.0, 1.0), (0.0, 1.0)], (10,), "one cell count per axis"),
        ([(1.0, -1.0)], 10, "a < b"),
        ([(-1.0, np.inf)], 10, "finite interval"),
        ([(0, 1), (0, 1), (0, 1)], (4, 4, 4), "1-D or 2-D"),
    ],
)
def test_rejects_bad_grids(bounds, shape, match):
    with pytest.raises(ValueError, match=match):
        fp.UniformGrid(bounds, shape)


def test_rejects_bad_options():
    with pytest.raises(ValueError, match="sign must be 'a'"):
        fp.FokkerPlanckStepper(GRID_1D, double_well_gradient, SIGMA, sign="+")
    stepper = fp.FokkerPlanckStepper(GRID_1D, double_well_gradient, SIGMA, sign="b")
    with pytest.raises(ValueError, match="method must be one of"):
        stepper.advance(bump(GRID_1D), 0.01, method="rk4")
    with pytest.raises(ValueError, match="dt must be"):
        stepper.advance(bump(GRID_1D), -0.01)
    with pytest.raises(ValueError, match="rng must be a seeded"):
        fp.simulate_langevin_particles(np.zeros((1, 5)), lambda p: p, SIGMA, sign="b", dt=0.1, n_steps=1, rng=1)
    with pytest.raises(ValueError, match="score must be one of"):
        fp.GatedPopulationModel.from_functions(GRID_1D, [lambda p: p], lambda p: p, SIGMA, 1.0, sign="b", score="x")
    with pytest.raises(ValueError, match="lam"):
        fp.free_energy_terms(GRID_1D, bump(GRID_1D), np.zeros(120), SIGMA, tau=1.0)
    bases = [lambda p: p, lambda p: 2 * p]
    model = fp.GatedPopulationModel.from_functions(GRID_1D, bases, lambda p: p, SIGMA, 1.0, sign="b")
    with pytest.raises(ValueError, match="lam0 is not a point of the simplex"):
        fp.solve_coupled_fokker_planck(model, bump(GRID_1D), [0.7, 0.7], t_final=0.1, dt=0.01)
    with pytest.raises(ValueError, match="lam0 must be a point of the simplex of length K = 2"):
        fp.solve_coupled_fokker_planck(model, bump(GRID_1D), [1.0], t_final=0.1, dt=0.01)
    with pytest.raises(ValueError, match="convection must be one of"):
        fp.FipyFokkerPlanck(GRID_1D, bump(GRID_1D), double_well_gradient, SIGMA, sign="b", dt=0.1, convection="x")


# ---------------------------------------------------------------------------
# examples
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["grid", "scheme", "fipy_reference"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    failures, attempted = doctest.testmod(importlib.import_module(f"theorylab.fokker_planck.{module}"))
    assert attempted > 0 and failures == 0


def test_docs_example_runs(capsys):
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "dynamics.md").read_text()
    section = text.split("### Example", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "docs/dynamics.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].endswith("True") and float(printed[0].split()[0]) < 1e-12
    assert float(printed[4]) < 1e-12
