"""Tests for :mod:`theorylab.testing.strategies`: each strategy produces what it promises."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from theorylab.testing.strategies import (
    box_vectors,
    dimensions,
    log_uniform,
    psd_moment_matrices,
    rational_vectors,
    simplex_points,
    spd_matrices,
    spd_with_spectrum,
    symmetric_indefinite,
)

FAST = settings(max_examples=50, deadline=None, database=None)
FIND = settings(max_examples=500, database=None, phases=[Phase.generate])
SHRINK = settings(max_examples=50, database=None)
EPS = np.finfo(float).eps


def assert_on_simplex(lam: np.ndarray) -> None:
    assert lam.dtype == np.float64 and lam.ndim == 1
    assert np.all(lam >= 0.0)
    assert abs(np.sum(lam) - 1.0) <= 4 * EPS * lam.size


# ---------------------------------------------------------------------------
# scalars and dimensions
# ---------------------------------------------------------------------------


@FAST
@given(log_uniform(1e-8, 1e3), log_uniform(2.5, 2.5))
def test_log_uniform_range(x, y):
    assert 1e-8 <= x <= 1e3
    assert y == 2.5


def test_log_uniform_spans_decades():
    assert find(log_uniform(1e-8, 1e3), lambda x: x < 1e-6, settings=FIND) < 1e-6
    assert find(log_uniform(1e-8, 1e3), lambda x: x > 1e2, settings=FIND) > 1e2


@FAST
@given(dimensions(), dimensions(1, 3))
def test_dimensions_range(k, j):
    assert 2 <= k <= 6 and 1 <= j <= 3


# ---------------------------------------------------------------------------
# simplex points
# ---------------------------------------------------------------------------


@FAST
@given(simplex_points())
def test_simplex_points_default_interior(lam):
    assert_on_simplex(lam)
    assert 2 <= lam.size <= 6
    assert np.all(lam > 0.0)


@FAST
@given(simplex_points(4, allow_zeros=True))
def test_simplex_points_fixed_k_with_zeros(lam):
    assert_on_simplex(lam)
    assert lam.size == 4
    assert np.any(lam > 0.0)


@FAST
@given(simplex_points(st.integers(1, 3), allow_zeros=True, include_vertices=False))
def test_simplex_points_without_vertices(lam):
    assert_on_simplex(lam)
    if lam.size >= 2:
        assert np.count_nonzero(lam) >= 2


@FAST
@given(simplex_points(min_k=2, max_k=5, min_entry=0.1))
def test_simplex_points_min_entry_floor_is_exact(lam):
    assert_on_simplex(lam)
    assert lam.min() >= 0.1


def test_simplex_points_min_entry_equal_to_one_over_k_gives_uniform():
    lam = find(simplex_points(4, min_entry=0.25), lambda _: True, settings=FIND)
    np.testing.assert_array_equal(lam, 0.25)


def test_simplex_points_boundary_cases_appear():
    def is_vertex(lam: np.ndarray) -> bool:
        return np.count_nonzero(lam == 1.0) == 1 and np.count_nonzero(lam) == 1

    strategy = simplex_points(min_k=3, max_k=5, allow_zeros=True)
    vertex = find(strategy, is_vertex, settings=FIND)
    assert is_vertex(vertex)
    face = find(strategy, lambda p: 0 < np.count_nonzero(p == 0.0) < p.size - 1, settings=FIND)
    assert np.count_nonzero(face) >= 2 and np.any(face == 0.0)
    uniform = find(strategy, lambda p: np.all(p == 1.0 / p.size), settings=FIND)
    assert np.all(uniform == 1.0 / uniform.size)

def test_simplex_points_shrink_to_smallest_dimension():
    strategy = simplex_points(min_k=3, max_k=5, allow_zeros=True)
    assert find(strategy, lambda p: True, settings=SHRINK).size == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_entry": -0.1}, "min_entry must be a finite float >= 0"),
        ({"min_entry": float("nan")}, "min_entry must be a finite float >= 0"),
        ({"min_entry": 0.1, "allow_zeros": True}, "incompatible with allow_zeros"),
        ({"min_entry": 0.3, "max_k": 4}, r"min_entry \* K must be <= 1"),
        ({"k": 0}, "k must be an integer >= 1; got 0"),
        ({"k": 2.5}, "k must be an integer >= 1"),
        ({"min_k": 4, "max_k": 3}, "max_k must be an integer >= 4; got 3"),
    ],
)
def test_simplex_points_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simplex_points(**kwargs)


# ---------------------------------------------------------------------------
# vectors and matrices
# ---------------------------------------------------------------------------


@FAST
@given(box_vectors(3), box_vectors(st.integers(1, 4), -1e-3, 2.0))
def test_box_vectors(x, y):
    assert x.shape == (3,) and x.dtype == np.float64
    assert np.all((-5.0 <= x) & (x <= 5.0))
    assert 1 <= y.size <= 4
    assert np.all((-1e-3 <= y) & (y <= 2.0))


@FAST
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(st.just(n), spd_matrices(n))))
def test_spd_matrices_spectrum_in_range(pair):
    n, a = pair
    assert a.shape == (n, n)
    np.testing.assert_array_equal(a, a.T)
    eig = np.linalg.eigvalsh(a)
    slack = 10 * n * EPS * 1e2
    assert eig.min() >= 1e-2 - slack
    assert eig.max() <= 1e2 + slack
    np.linalg.cholesky(a)


@FAST
@given(spd_matrices(st.integers(2, 4), eig_low=3.0, eig_high=3.0))
def test_spd_matrices_degenerate_range_is_scaled_identity(a):
    np.testing.assert_allclose(a, 3.0 * np.eye(a.shape[0]), atol=1e-13)


@FAST
@given(
    spd_with_spectrum(3, st.just(np.array([1.0, 2.0, 30.0]))),
    spd_with_spectrum(2, st.sampled_from([0.5, 4.0])),
)
def test_spd_with_spectrum_hits_the_spectrum(a, b):
    np.testing.assert_allclose(np.linalg.eigvalsh(a), [1.0, 2.0, 30.0], rtol=1e-12)
    np.testing.assert_array_equal(a, a.T)
    assert set(np.round(np.linalg.eigvalsh(b), 10)) <= {0.5, 4.0}


def test_spd_with_spectrum_rejects_bad_eigenvalues():
    @FAST
    @given(spd_with_spectrum(2, st.just(-1.0)))
    def draw_negative(_a):
        pass

    with pytest.raises(ValueError, match="finite positive"):
        draw_negative()
    with pytest.raises(ValueError, match="eigenvalues must be a hypothesis strategy"):
        spd_with_spectrum(2, [1.0, 2.0])


def test_singular_draws_fall_back_to_identity_eigenbasis():
    def is_diagonal(a: np.ndarray) -> bool:
        return bool(np.all(a == np.diag(np.diag(a))))

    assert is_diagonal(find(spd_matrices(3), is_diagonal, settings=FIND))


@FAST
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(st.just(n), psd_moment_matrices(n))))
def test_psd_moment_matrices_are_psd(pair):
    n, s = pair
    assert s.shape == (n, n)
    np.testing.assert_array_equal(s, s.T)
    eig = np.linalg.eigvalsh(s)
    assert eig.min() >= -10 * n * EPS * max(1.0, eig.max())
    assert np.all(np.diag(s) <= 100.0 + 1e-12)


@FAST
@given(psd_moment_matrices(4, max_samples=1))
def test_psd_moment_matrices_single_sample_has_rank_one(s):
    assert np.linalg.matrix_rank(s) <= 1


@FAST
@given(st.integers(2, 5).flatmap(lambda n: st.tuples(st.just(n), symmetric_indefinite(n))))
def test_symmetric_indefinite_has_both_signs(pair):
    n, a = pair
    assert a.shape == (n, n)
    np.testing.assert_array_equal(a, a.T)
    eig = np.linalg.eigvalsh(a)
    assert eig.min() < 0.0 < eig.max()
    slack = 10 * n * EPS * 1e2
    assert np.all(np.abs(eig) >= 1e-2 - slack)
    assert np.all(np.abs(eig) <= 1e2 + slack)


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: symmetric_indefinite(1), "n must be an integer >= 2; got 1"),
        (lambda: spd_matrices(2, eig_low=0.0), "0 < low <= high"),
        (lambda: spd_matrices(2, eig_low=2.0, eig_high=1.0), "0 < low <= high"),
        (lambda: psd_moment_matrices(3, max_samples=0), "max_samples must be an integer >= 1"),
        (lambda: box_vectors(0), "dim must be an integer >= 1"),
        (lambda: box_vectors(2, 1.0, -1.0), "low <= high"),
        (lambda: log_uniform(-1.0, 1.0), "0 < low <= high"),
        (lambda: dimensions(0, 3), "min_k must be an integer >= 1"),
        (lambda: rational_vectors(3, max_denominator=0), "max_denominator must be an integer >= 1"),
        (lambda: rational_vectors(3, low=2, high=1), "low <= high"),
        (lambda: rational_vectors(3, low=0.5), "low must be an integer"),
    ],
)
def test_matrix_and_vector_strategy_validation(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


# ---------------------------------------------------------------------------
# exact rationals
# ---------------------------------------------------------------------------


@FAST
@given(rational_vectors(st.integers(1, 6)), rational_vectors(3, max_denominator=7, low=1, high=3))
def test_rational_vectors_are_exact_and_bounded(v, w):
    assert 1 <= len(v) <= 6 and len(w) == 3
    for x in v:
        assert isinstance(x, Fraction)
        assert x.denominator <= 50 and -5 <= x <= 5
    for x in w:
        assert isinstance(x, Fraction)
        assert x.denominator <= 7 and 1 <= x <= 3
    assert sum(w) == sum(Fraction(x) for x in w)


def test_rational_vectors_have_zeros_and_ties():
    strategy = rational_vectors(5)
    ties = find(strategy, lambda v: len({x for x in v if x != 0}) < sum(x != 0 for x in v), settings=FIND)
    assert len(set(ties)) < len(ties)
    zeros = find(strategy, lambda v: 0 < v.count(0) < len(v), settings=FIND)
    assert Fraction(0) in zeros
    non_integer = find(strategy, lambda v: any(x.denominator > 1 for x in v), settings=FIND)
    assert any(x.denominator > 1 for x in non_integer)
