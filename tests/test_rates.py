"""Tests of theorylab.rates: slopes, confidence bands, floor detection, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theorylab import flows as F
from theorylab import problems as P
from theorylab.rates import fit_linear_rate, fit_sublinear_rate

T_GRID = np.linspace(0.0, 40.0, 401)
HORIZONS = np.unique(np.logspace(0, 8, 300).astype(np.int64)).astype(np.float64)


def test_noiseless_exponential_gives_the_exact_slope():
    fit = fit_linear_rate(T_GRID, 3.0 * np.exp(-0.8 * T_GRID))
    assert fit.kind == "linear"
    assert fit.slope == pytest.approx(-0.8, rel=1e-12)
    assert fit.intercept == pytest.approx(math.log(3.0), rel=1e-10)
    assert not fit.floor_detected and fit.n_points == T_GRID.size and fit.used.all()


def test_noisy_exponential_slope_lies_in_band_and_a_ten_percent_error_does_not():
    rng = np.random.default_rng(0)
    errors = np.exp(-0.8 * T_GRID) * np.exp(0.2 * rng.standard_normal(T_GRID.size))
    fit = fit_linear_rate(T_GRID, errors, confidence=0.99)
    assert fit.contains(-0.8)
    assert not fit.contains(-0.88) and not fit.contains(-0.72)
    assert fit.band[0] < fit.slope < fit.band[1]
    assert fit.residual_std == pytest.approx(0.2, rel=0.15)


def test_exponential_with_round_off_floor_detects_and_excludes_the_plateau():
    rng = np.random.default_rng(1)
    clean = np.exp(-0.8 * T_GRID) * np.exp(0.1 * rng.standard_normal(T_GRID.size))
    errors = clean + 1e-13 * rng.uniform(0.5, 1.5, T_GRID.size)
    fit = fit_linear_rate(T_GRID, errors, confidence=0.99)
    assert fit.floor_detected and fit.floor_level == pytest.approx(1e-13, rel=0.5)
    assert fit.contains(-0.8)
    assert not fit.used[T_GRID > 33.0].any()  # e^{-0.8 t} < 1e-11 there
    # without the floor handling the plateau biases the fit outside the band
    naive = fit_linear_rate(T_GRID, errors, confidence=0.99, detect_floor=False)
    assert not naive.floor_detected and not naive.contains(-0.8)


def test_inverse_sqrt_rate_with_noise_and_floor():
    rng = np.random.default_rng(2)
    clean = 3.0 / np.sqrt(HORIZONS) * np.exp(0.05 * rng.standard_normal(HORIZONS.size))
    fit = fit_sublinear_rate(HORIZONS, clean, confidence=0.99)
    assert fit.kind == "sublinear" and fit.contains(-0.5) and not fit.floor_detected
    assert not fit.contains(-0.55) and not fit.contains(-0.45)
    floored = clean + 1e-3 * rng.uniform(0.9, 1.1, HORIZONS.size)
    fit = fit_sublinear_rate(HORIZONS, floored, confidence=0.99)
    assert fit.floor_detected and fit.contains(-0.5)
    assert not fit_sublinear_rate(HORIZONS, floored, confidence=0.99, detect_floor=False).contains(-0.5)


def test_known_floor_level_and_exact_zeros_are_excluded():
    errors = np.exp(-T_GRID)
    fit = fit_linear_rate(T_GRID, errors, floor=1e-12)
    assert fit.floor_detected and fit.floor_level == 1e-12
    assert np.all(errors[fit.used] > 1e-10)
    zeros = np.where(T_GRID < 20.0, errors, 0.0)
    fit = fit_linear_rate(T_GRID, zeros)
    assert fit.floor_detected and fit.floor_level == 0.0
    assert fit.slope == pytest.approx(-1.0, rel=1e-12) and not fit.used[T_GRID >= 20.0].any()
    # everything after the first exact zero is at the floor, even if positive again
    rng = np.random.default_rng(3)
    after = np.where(T_GRID < 20.0, errors, rng.choice([0.0, 1e-17], T_GRID.size))
    after[T_GRID == 20.0] = 0.0
    fit = fit_linear_rate(T_GRID, after)
    assert fit.n_points == np.count_nonzero(T_GRID < 20.0) and fit.slope == pytest.approx(-1.0, rel=1e-12)


def test_no_spurious_floor_on_noisy_pure_decay():
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        errors = np.exp(-0.5 * T_GRID[:100]) * np.exp(0.3 * rng.standard_normal(100))
        assert not fit_linear_rate(T_GRID[:100], errors).floor_detected


def test_confidence_band_coverage_is_close_to_nominal():
    t = np.arange(40.0)
    hits = 0
    trials = 300
    for seed in range(trials):
        rng = np.random.default_rng(seed)
        errors = np.exp(-0.3 * t + 0.5 * rng.standard_normal(t.size))
        hits += fit_linear_rate(t, errors, confidence=0.9).contains(-0.3)
    # binomial(300, 0.9): mean 270, sd 5.2
    assert 250 <= hits <= 290


def test_window_restricts_the_fit():
    errors = np.where(T_GRID < 10.0, np.exp(-2.0 * T_GRID), np.exp(-20.0) * np.exp(-0.5 * (T_GRID - 10.0)))
    fit = fit_linear_rate(T_GRID, errors, window=(15.0, 40.0))
    assert fit.slope == pytest.approx(-0.5, rel=1e-10) and fit.n_points == np.count_nonzero(T_GRID >= 15.0)


def test_rate_of_a_gradient_flow_on_a_pl_function_is_recovered():
    # fixed mixture on f = x^T A x / 2 with d_i = c_i grad f: f(x(t)) = f(x0) e^{-2 c(lam) mu t} along an eigenvector
    prob = P.quadratic(np.diag([0.5, 3.0]))
    flow = F.CoupledFlow(prob, F.scaled_bases([0.4, 1.0], 2), "fixed")
    sol = F.integrate_flow(flow, [1.0, 0.0], [0.5, 0.5], 40.0, n_dense=401, rtol=1e-12, atol=1e-300)
    fit = fit_linear_rate(sol.t, prob.value(sol.x))
    assert fit.slope == pytest.approx(-2 * 0.7 * 0.5, rel=1e-6)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: fit_linear_rate([0.0, 1.0, 2.0], [1.0, 0.5]), "same length"),
        (lambda: fit_linear_rate([0.0, 2.0, 1.0, 3.0, 4.0], np.ones(5)), "increasing"),
        (lambda: fit_linear_rate(np.arange(5.0), [1.0, -1.0, 1.0, 1.0, 1.0]), ">= 0"),
        (lambda: fit_linear_rate(np.arange(5.0), [1.0, np.nan, 1.0, 1.0, 1.0]), ">= 0"),
        (lambda: fit_linear_rate(np.arange(5.0), np.exp(-np.arange(5.0)), confidence=1.0), "confidence"),
        (lambda: fit_linear_rate(np.arange(5.0), np.exp(-np.arange(5.0)), min_points=2), "min_points"),
        (lambda: fit_linear_rate(np.arange(4.0), np.exp(-np.arange(4.0))), "only 4 points"),
        (lambda: fit_linear_rate(np.arange(9.0), np.exp(-np.arange(9.0)), floor=1.0), "above the floor"),
        (lambda: fit_linear_rate(np.arange(9.0), np.exp(-np.arange(9.0)), window=(3.0, 1.0)), "window"),
        (lambda: fit_sublinear_rate(np.arange(9.0), np.ones(9)), "positive"),
        (lambda: fit_linear_rate(np.arange(9.0), np.ones(9), floor_gap=0.5), "floor_gap"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
