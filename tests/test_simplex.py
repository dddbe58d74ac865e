"""Tests for :mod:`theorylab.simplex`."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.integrate import solve_ivp
from scipy.optimize import minimize
from scipy.special import kl_div

from theorylab.simplex import (
    entropy,
    entropy_extension,
    entropy_gradient,
    in_tangent_cone,
    is_vertex,
    kl_to_uniform,
    multiplicative_weights_step,
    project_to_simplex,
    project_to_simplex_bisection,
    replicator_closed_form,
    replicator_field,
    tangent_cone_projection,
    weighted_mean,
    weighted_variance,
)
from theorylab.testing.strategies import (
    box_vectors,
    dimensions,
    log_uniform,
    rational_vectors,
    simplex_points,
)

FAST = settings(max_examples=50, deadline=None, database=None)
SLOW = settings(max_examples=15, deadline=None, database=None)
EPS = np.finfo(float).eps


@st.composite
def scaled_vectors(draw: st.DrawFn, min_k: int = 1, max_k: int = 8) -> np.ndarray:
    """Vectors with entries in [-5, 5] times a log-uniform scale in [1e-6, 1e6]."""
    z = draw(box_vectors(dimensions(min_k, max_k)))
    return z * draw(log_uniform(1e-6, 1e6))


@st.composite
def point_and_vector(
    draw: st.DrawFn, max_k: int = 6, allow_zeros: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A simplex point (possibly on the boundary) and a vector of the same length."""
    lam = draw(simplex_points(min_k=1, max_k=max_k, allow_zeros=allow_zeros))
    return lam, draw(box_vectors(lam.size))


def exact_projection(z: list[Fraction]) -> list[Fraction]:
    """Algorithm 2 in exact rational arithmetic."""
    u = sorted(z, reverse=True)
    total, rho, prefix_at_rho = Fraction(0), 1, Fraction(0)
    for j, uj in enumerate(u, start=1):
        total += uj
        if uj + (1 - total) / j > 0:
            rho, prefix_at_rho = j, total
    theta = (1 - prefix_at_rho) / rho
    return [max(zi + theta, Fraction(0)) for zi in z]


# ---------------------------------------------------------------------------
# projection onto the simplex
# ---------------------------------------------------------------------------


@FAST
@given(scaled_vectors())
def test_projection_matches_bisection(z):
    tol = 1e-12 * max(1.0, np.max(np.abs(z)))
    assert_allclose(project_to_simplex(z), project_to_simplex_bisection(z), rtol=0, atol=tol)


@FAST
@given(
    scaled_vectors().flatmap(
        lambda z: st.tuples(st.just(z), simplex_points(z.size, allow_zeros=True))
    )
)
def test_projection_kkt_and_variational_inequality(pair):
    z, w = pair
    lam = project_to_simplex(z)
    k = z.size
    scale = max(1.0, np.max(np.abs(z)))
    tol = 1e-12 * scale
    assert lam.shape == z.shape
    assert np.all(lam >= 0.0)
    assert abs(lam.sum() - 1.0) <= tol * k
    support = lam > 0.0
    assert support.any()
    shift = lam[support] - z[support]
    theta = shift.mean()
    assert np.ptp(shift) <= 2 * tol
    assert np.all(z[~support] + theta <= tol)
    # <z - lam, w - lam> <= 0 for every w in the simplex
    assert np.dot(z - lam, w - lam) <= 10 * tol * scale


@FAST
@given(rational_vectors(dimensions(1, 8)))
def test_projection_matches_exact_rational_algorithm(zf):
    z = np.array([float(x) for x in zf])
    exact = np.array([float(x) for x in exact_projection([Fraction(x) for x in z])])
    assert_allclose(project_to_simplex(z), exact, rtol=0, atol=1e-14)
    assert_allclose(project_to_simplex_bisection(z), exact, rtol=0, atol=1e-14)


@FAST
@given(simplex_points(min_k=1, max_k=8, allow_zeros=True))
def test_projection_fixes_simplex_points(lam):
    assert_allclose(project_to_simplex(lam), lam, rtol=0, atol=1e-15)


@FAST
@given(
    dimensions(1, 6).flatmap(
        lambda k: hnp.arrays(
            np.float64, st.tuples(st.integers(1, 5), st.just(k)), elements=st.floats(-5, 5)
        )
    )
)
def test_batch_projection_equals_rowwise(z):
    batch = project_to_simplex(z)
    assert batch.shape == z.shape
    assert_array_equal(batch, np.stack([project_to_simplex(row) for row in z]))


@FAST
@given(dimensions(1, 6).flatmap(lambda k: st.tuples(box_vectors(k), box_vectors(k))))
def test_projection_is_nonexpansive(pair):
    z, y = pair
    lhs = np.linalg.norm(project_to_simplex(z) - project_to_simplex(y))
    assert lhs <= np.linalg.norm(z - y) + 1e-12


def test_projection_known_values_and_extreme_offsets():
    assert_allclose(project_to_simplex([0.5, 0.3, -1.0]), [0.6, 0.4, 0.0], atol=1e-15)
    assert_array_equal(project_to_simplex([7.0]), [1.0])
    assert_allclose(project_to_simplex([2.0, 2.0]), [0.5, 0.5])
    assert_array_equal(project_to_simplex([1e17, 0.0]), [1.0, 0.0])
    assert_array_equal(project_to_simplex_bisection([1e17, 0.0]), [1.0, 0.0])
    shifted = project_to_simplex(np.array([0.25, 0.5, -0.5]) + 1e8)
    assert_allclose(shifted, project_to_simplex([0.25, 0.5, -0.5]), atol=1e-7)


# ---------------------------------------------------------------------------
# tangent cone
# ---------------------------------------------------------------------------


def brute_force_cone_projection(v: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Projection onto T(lam) by enumerating which off-support coordinates are 0."""
    off = np.flatnonzero(lam == 0.0)
    best, best_dist = None, np.inf
    for r in range(off.size + 1):
        for pinned in itertools.combinations(off, r):
            free = np.ones(v.size, dtype=bool)
            free[list(pinned)] = False
            u = np.zeros_like(v)
            u[free] = v[free] - v[free].mean()
            if np.all(u[off] >= -1e-13):
                # ||u - v||^2 - ||v||^2, so tiny differences are not absorbed by ||v||^2
                dist = math.fsum(u * u - 2.0 * u * v)
                if dist < best_dist:
                    best, best_dist = u, dist
    return best


@FAST
@given(point_and_vector())
def test_tangent_cone_projection_matches_enumeration(pair):
    lam, v = pair
    u = tangent_cone_projection(v, lam)
    assert_allclose(u, brute_force_cone_projection(v, lam), rtol=0, atol=1e-12)


@SLOW
@given(point_and_vector(max_k=5))
def test_tangent_cone_projection_matches_slsqp(pair):
    lam, v = pair
    off = lam == 0.0
    constraints = [{"type": "eq", "fun": np.sum, "jac": lambda x: np.ones_like(x)}]
    bounds = [(0.0, None) if o else (None, None) for o in off]
    res = minimize(
        lambda x: np.sum((x - v) ** 2),
        np.zeros_like(v),
        jac=lambda x: 2 * (x - v),
        method="SLSQP",
        bounds=bounds,
        constraints=constraints,
        options={"ftol": 1e-14, "maxiter": 500},
    )
    assert res.success, res.message
    assert_allclose(tangent_cone_projection(v, lam), res.x, rtol=0, atol=1e-6)


@FAST
@given(point_and_vector())
def test_tangent_cone_projection_kkt(pair):
    lam, v = pair
    u = tangent_cone_projection(v, lam)
    assert in_tangent_cone(u, lam, atol=1e-13)
    # v - u lies in the normal cone: constant c on the support, <= c off it,
    # and equal to c wherever u_j > 0.
    r = v - u
    on = lam > 0.0
    c = r[on].mean()
    assert np.ptp(r[on]) <= 1e-12
    assert np.all(r[~on] <= c + 1e-12)
    assert_allclose(r[~on & (u > 0)], c, atol=1e-12)
    assert abs(np.dot(r, u)) <= 1e-11
    assert_allclose(tangent_cone_projection(u, lam), u, atol=1e-12)


@FAST
@given(point_and_vector(allow_zeros=False))
def test_tangent_cone_projection_interior_is_centering(pair):
    lam, v = pair
    assert_allclose(tangent_cone_projection(v, lam), v - v.mean(), rtol=0, atol=1e-14)


@FAST
@given(
    dimensions(1, 6).flatmap(
        lambda k: st.tuples(
            simplex_points(k, allow_zeros=True), simplex_points(k, allow_zeros=True)
        )
    )
)
def test_in_tangent_cone_feasible_directions(pair):
    lam, w = pair
    assert in_tangent_cone(w - lam, lam, atol=1e-13)
    off_sum = w - lam
    off_sum[0] += 1e-6
    assert not in_tangent_cone(off_sum, lam, atol=1e-12)


def test_in_tangent_cone_sign_condition_on_zero_set():
    lam = np.array([0.5, 0.5, 0.0])
    assert in_tangent_cone([-1.0, 0.0, 1.0], lam)
    assert not in_tangent_cone([1.0, 0.0, -1.0], lam)
    assert not in_tangent_cone([1.0, 0.0, -1e-9], lam, atol=1e-12)
    assert in_tangent_cone([1.0, -1.0, 0.0], lam)
    assert not in_tangent_cone([1.0, -0.5, 0.0], lam)
    assert in_tangent_cone([1.0, -1.0 + 1e-15, 0.0], lam, atol=1e-14)


# ---------------------------------------------------------------------------
# replicator dynamics and multiplicative weights
# ---------------------------------------------------------------------------


@SLOW
@given(
    simplex_points(allow_zeros=True).flatmap(
        lambda lam: st.tuples(st.just(lam), box_vectors(lam.size, -2.0, 2.0))
    ),
    log_uniform(0.1, 2.0),
    st.floats(0.1, 3.0),
)
def test_replicator_closed_form_matches_solve_ivp(pair, theta, t_end):
    lam0, h = pair
    times = np.linspace(0.0, t_end, 7)
    sol = solve_ivp(
        lambda _t, y: replicator_field(y, h, theta),
        (0.0, t_end),
        lam0,
        method="DOP853",
        rtol=1e-12,
        atol=1e-14,
        t_eval=times,
    )
    assert sol.success, sol.message
    closed = replicator_closed_form(lam0, h, theta, times)
    assert closed.shape == (times.size, lam0.size)
    assert_allclose(closed, sol.y.T, rtol=0, atol=1e-9)


@FAST
@given(
    simplex_points(allow_zeros=True).flatmap(
        lambda lam: st.tuples(st.just(lam), box_vectors(lam.size))
    ),
    st.floats(-3.0, 3.0),
    st.floats(0.0, 2.0),
    st.floats(0.0, 2.0),
)
def test_replicator_closed_form_properties(pair, theta, t1, t2):
    lam0, h = pair
    assert_allclose(replicator_closed_form(lam0, h, theta, 0.0), lam0, rtol=1e-13, atol=0)
    lam1 = replicator_closed_form(lam0, h, theta, t1)
    assert np.all(lam1 >= 0.0) and abs(lam1.sum() - 1.0) <= 1e-14 * lam0.size
    assert np.all(lam1[lam0 == 0.0] == 0.0)
    composed = replicator_closed_form(lam1, h, theta, t2)
    assert_allclose(composed, replicator_closed_form(lam0, h, theta, t1 + t2), atol=1e-12)


@FAST
@given(
    simplex_points(allow_zeros=True).flatmap(
        lambda lam: st.tuples(st.just(lam), box_vectors(lam.size))
    ),
    log_uniform(1e-3, 1.0),
)
def test_replicator_field_is_derivative_of_closed_form(pair, theta):
    lam0, h = pair
    step = 1e-5
    ends = replicator_closed_form(lam0, h, theta, np.array([-step, step]))
    derivative = (ends[1] - ends[0]) / (2 * step)
    assert_allclose(replicator_field(lam0, h, theta), derivative, rtol=0, atol=1e-8)


@FAST
@given(
    simplex_points(allow_zeros=True).flatmap(
        lambda lam: st.tuples(st.just(lam), box_vectors(lam.size))
    ),
    st.floats(-3.0, 3.0),
)
def test_replicator_field_lies_in_tangent_cone(pair, theta):
    lam, h = pair
    field = replicator_field(lam, h, theta)
    assert in_tangent_cone(field, lam, atol=1e-13)
    assert np.all(field[lam == 0.0] == 0.0)


@FAST
@given(
    simplex_points(min_entry=1e-3).flatmap(
        lambda lam: st.tuples(st.just(lam), box_vectors(lam.size))
    ),
    log_uniform(0.1, 2.0),
)
def test_entropy_rate_along_replicator_is_chain_rule(pair, theta):
    lam, h = pair
    chain = np.dot(entropy_gradient(lam), replicator_field(lam, h, theta))
    # d/dt H = -theta Cov_lam(log lam, h), which is the chain rule written out
    log_lam = np.log(lam)
    cov = np.sum(lam * (log_lam - np.sum(lam * log_lam)) * (h - np.sum(lam * h)))
    assert_allclose(chain, -theta * cov, rtol=1e-9, atol=1e-12)
    step = 1e-5
    ends = replicator_closed_form(lam, h, theta, np.array([-step, step]))
    fd = (entropy(ends[1]) - entropy(ends[0])) / (2 * step)
    assert_allclose(fd, chain, rtol=1e-6, atol=1e-8)


@FAST
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)),
               elements=st.floats(0, 1)),
    st.floats(-2.0, 2.0),
)
def test_replicator_field_batch_equals_rowwise(lam, theta):
    h = np.cos(np.arange(lam.size, dtype=float)).reshape(lam.shape)
    batch = replicator_field(lam, h, theta)
    assert_array_equal(batch, np.stack([replicator_field(a, b, theta) for a, b in zip(lam, h, strict=True)]))
    shared = replicator_field(lam, h[0], theta)
    assert_array_equal(shared, np.stack([replicator_field(a, h[0], theta) for a in lam]))


def test_replicator_field_rest_points():
    h = np.array([0.3, -1.0, 2.0])
    for i in range(3):
        assert_array_equal(replicator_field(np.eye(3)[i], h, 2.0), np.zeros(3))
    assert_allclose(replicator_field(np.full(3, 1 / 3), np.full(3, 4.0)), 0.0, atol=1e-15)


@FAST
@given(
    simplex_points(allow_zeros=True).flatmap(
        lambda lam: st.tuples(st.just(lam), box_vectors(lam.size))
    ),
    st.floats(-5.0, 5.0),
)
def test_multiplicative_weights_matches_closed_form_and_naive(pair, eta):
    lam, h = pair
    step = multiplicative_weights_step(lam, h, eta)
    assert_allclose(step, replicator_closed_form(lam, h, 1.0, eta), rtol=1e-14, atol=1e-300)
    naive = lam * np.exp(eta * h)
    assert_allclose(step, naive / naive.sum(), rtol=1e-12, atol=1e-300)


def test_multiplicative_weights_is_stable_for_huge_steps():
    lam = np.array([0.2, 0.3, 0.5, 0.0])
    h = np.array([1.0, 3.0, 2.0, 10.0])
    step = multiplicative_weights_step(lam, h, 1e5)
    assert np.all(np.isfinite(step))
    assert_array_equal(step, [0.0, 1.0, 0.0, 0.0])
    late = replicator_closed_form(lam, h, 2.0, np.array([0.0, 1e4]))
    assert np.all(np.isfinite(late))
    assert_array_equal(late[1], [0.0, 1.0, 0.0, 0.0])


def test_is_vertex():
    assert is_vertex([0.0, 1.0, 0.0])
    assert is_vertex([1.0])
    assert not is_vertex([0.5, 0.5])
    assert not is_vertex([1.0, 1e-300])
    assert not is_vertex([1.0, 1.0, 0.0])
    assert not is_vertex([1.0 - EPS, EPS])


# ---------------------------------------------------------------------------
# entropy and KL
# ---------------------------------------------------------------------------


@FAST
@given(simplex_points(min_k=1, max_k=8, allow_zeros=True))
def test_entropy_bounds(lam):
    h = entropy(lam)
    k = lam.size
    assert -1e-15 <= h <= math.log(k) + 1e-12
    if is_vertex(lam):
        assert h == 0.0


@pytest.mark.parametrize("k", [1, 2, 3, 7, 50])
def test_entropy_extremes(k):
    assert_allclose(entropy(np.full(k, 1.0 / k)), math.log(k), rtol=1e-14, atol=1e-15)
    assert entropy(np.eye(k)[0]) == 0.0
    assert_allclose(kl_to_uniform(np.eye(k)[-1]), math.log(k), rtol=1e-14, atol=1e-15)
    assert kl_to_uniform(np.full(k, 1.0 / k)) <= 1e-30


@FAST
@given(simplex_points(min_entry=1e-3, max_k=8))
def test_entropy_extension_and_gradient(lam):
    assert_allclose(entropy_extension(lam), entropy(lam), rtol=1e-14, atol=1e-15)
    grad = entropy_gradient(lam)
    assert_allclose(grad, -np.log(lam) - 1.0, rtol=0, atol=0)
    step = 1e-6
    fd = np.array(
        [
            (entropy_extension(lam + step * e) - entropy_extension(lam - step * e)) / (2 * step)
            for e in np.eye(lam.size)
        ]
    )
    assert_allclose(fd, grad, rtol=1e-7, atol=1e-7)


def test_entropy_gradient_at_zero_subnormals_and_threshold():
    cap = -math.log(EPS) - 1.0
    tiny = np.array([0.0, 5e-324, 1e-310, 1e-300, 1e-20, EPS / 2, EPS])
    grad = entropy_gradient(tiny)
    assert np.all(np.isfinite(grad))
    assert_array_equal(grad, cap)
    above = np.array([np.nextafter(EPS, 1.0), 1e-10, 1e-3, 0.5, 1.0, 3.0])
    assert_array_equal(entropy_gradient(above), -np.log(above) - 1.0)
    assert abs(entropy_gradient([np.nextafter(EPS, 1.0)])[0] - cap) < 1e-14
    grid = np.concatenate((tiny, above))
    assert np.all(np.diff(entropy_gradient(grid)) <= 0.0)
    assert_array_equal(entropy_gradient([0.0, 1e-5], eps=1e-4), -math.log(1e-4) - 1.0)


@FAST
@given(simplex_points(min_entry=1e-3, max_k=8))
def test_kl_to_uniform_equals_log_k_minus_entropy(lam):
    assert_allclose(kl_to_uniform(lam), math.log(lam.size) - entropy(lam), rtol=0, atol=1e-12)


@FAST
@given(simplex_points(min_k=1, max_k=8, allow_zeros=True))
def test_kl_to_uniform_is_positive_and_matches_scipy(lam):
    kl = kl_to_uniform(lam)
    k = lam.size
    reference = np.sum(kl_div(lam, np.full(k, 1.0 / k))) + (lam.sum() - 1.0)
    assert_allclose(kl, reference, rtol=1e-12, atol=1e-15)
    if np.ptp(lam) > 1e-12:
        assert kl > 0.0
    else:
        assert kl >= 0.0


@FAST
@given(
    dimensions(2, 8).flatmap(lambda k: box_vectors(k, -1.0, 1.0)),
    st.sampled_from([1e-3, 1e-5, 1e-7]),
)
def test_kl_to_uniform_is_accurate_near_uniform(direction, size):
    mpmath = pytest.importorskip("mpmath")
    k = direction.size
    direction = direction - direction.mean()
    assume(np.max(np.abs(direction)) > 0.1)
    lam = 1.0 / k + size / k * direction / np.max(np.abs(direction))
    assume(np.all(lam > 0))
    with mpmath.workdps(50):
        total = mpmath.fsum(mpmath.mpf(x) for x in lam)
        exact = mpmath.fsum(
            mpmath.mpf(x) * mpmath.log(k * mpmath.mpf(x)) for x in lam
        ) - (total - 1)
    # the rounding of K * lam_i costs ~eps absolute in d_i, i.e. ~eps/size relative
    assert_allclose(kl_to_uniform(lam), float(exact), rtol=1e-10 + 50 * EPS / size)
    naive = math.log(k) - entropy(lam)
    assert kl_to_uniform(lam) > 0.0 and naive >= -1e-15


# ---------------------------------------------------------------------------
# weighted moments
# ---------------------------------------------------------------------------


@FAST
@given(
    simplex_points(min_k=1, max_k=8, allow_zeros=True).flatmap(
        lambda lam: st.tuples(st.just(lam), box_vectors(lam.size, -1e3, 1e3))
    ),
    st.sampled_from([0.0, 1e6]),
)
def test_weighted_moments_match_exact_rationals(pair, offset):
    lam, h = pair
    h = h + offset
    lam_q = [Fraction(x) for x in lam]
    h_q = [Fraction(x) for x in h]
    mean_q = sum(a * b for a, b in zip(lam_q, h_q, strict=True))
    var_q = sum(a * (b - mean_q) ** 2 for a, b in zip(lam_q, h_q, strict=True))
    scale = np.max(np.abs(h))
    assert_allclose(weighted_mean(h, lam), float(mean_q), rtol=1e-13, atol=1e-13 * scale + 1e-300)
    spread = float(max(abs(b - mean_q) for b in h_q))
    assert abs(weighted_variance(h, lam) - float(var_q)) <= 1e-12 * (
        float(var_q) + scale * spread
    )
    assert weighted_variance(h, lam) >= 0.0


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------

NAN = float("nan")
INF = float("inf")

BAD_INPUTS = [
    (project_to_simplex, ([NAN, 1.0],), "z must be .*finite.*1 non-finite"),
    (project_to_simplex, (np.zeros((2, 2, 2)),), r"z must be a 1-D or 2-D .*shape \(2, 2, 2\)"),
    (project_to_simplex, ([],), "non-empty last axis"),
    (project_to_simplex, (np.zeros((3, 0)),), "non-empty last axis"),
    (project_to_simplex, ("abc",), "cannot be converted to float64"),
    (project_to_simplex, ([[1.0], [1.0, 2.0]],), "cannot be converted to float64"),
    (project_to_simplex, (np.array([1 + 1j]),), "complex"),
    (project_to_simplex_bisection, ([[1.0, 2.0]],), r"z must be a 1-D .*shape \(1, 2\)"),
    (project_to_simplex_bisection, ([1.0, INF],), "non-finite"),
    (project_to_simplex_bisection, ([1.0, 2.0], 0.0), "tol must be a finite positive"),
    (project_to_simplex_bisection, ([1.0, 2.0], 1e-12, -1), "max_iter must be a nonnegative integer"),
    (project_to_simplex_bisection, ([1.0, 2.0], 1e-12, 2.5), "max_iter must be a nonnegative integer"),
    (entropy, ([0.5, 0.6],), r"lam must be a 1-D finite array on the simplex .*got sum 1\.1"),
    (entropy, ([1.5, -0.5],), r"entries >= 0.*got min entry -0\.5"),
    (entropy, ([NAN, 1.0],), "lam must be a 1-D finite array on the simplex.*non-finite"),
    (entropy, ([[0.5, 0.5]],), r"on the simplex.*shape \(1, 2\)"),
    (entropy, (0.5,), r"on the simplex.*shape \(\)"),
    (entropy_extension, ([1.0, 0.0],), "strictly positive entries.*min entry 0.0"),
    (entropy_extension, ([1.0, NAN],), "non-finite"),
    (entropy_gradient, ([-1e-3, 1.0],), "nonnegative entries.*-0.001"),
    (entropy_gradient, ([INF],), "non-finite"),
    (kl_to_uniform, ([0.2, 0.2],), r"got sum 0\.4"),
    (weighted_mean, ([1.0, 2.0, 3.0], [0.5, 0.5]), r"h must have the same length as lam \(2\); got length 3"),
    (weighted_variance, ([NAN, 1.0], [0.5, 0.5]), "h must be .*non-finite"),
    (weighted_variance, ([1.0, 2.0], [0.5, 0.4]), "sum 0.9"),
    (in_tangent_cone, ([1.0, -1.0], [0.5, 0.5], -1.0), "atol must be a finite nonnegative"),
    (in_tangent_cone, ([1.0, -1.0, 0.0], [0.5, 0.5]), "u must have the same length"),
    (tangent_cone_projection, ([1.0, 2.0], [0.3, 0.3]), "got sum 0.6"),
    (tangent_cone_projection, ([1.0, 2.0], [1.0, 0.0, 0.0]), "v must have the same length"),
    (replicator_field, ([0.5, 0.5], [1.0, 2.0, 3.0]), "h must have the same shape as lam"),
    (replicator_field, ([0.5, NAN], [1.0, 2.0]), "lam must be .*non-finite"),
    (replicator_field, ([0.5, 0.5], [1.0, 2.0], INF), "theta must be a finite real scalar"),
    (replicator_field, (np.zeros((2, 2, 2)), np.zeros((2, 2, 2))), "lam must be a 1-D or 2-D"),
    (replicator_closed_form, ([0.5, 0.5], [1.0, 2.0], 1.0, [[0.0, 1.0]]), "t must be a finite scalar or 1-D"),
    (replicator_closed_form, ([0.5, 0.5], [1.0, 2.0], 1.0, NAN), "t must be a finite real scalar"),
    (replicator_closed_form, ([0.5, 0.5], [1e300, 0.0], 1e300, 1.0), "overflow"),
    (replicator_closed_form, ([0.7, 0.5], [1.0, 2.0], 1.0, 1.0), "lam0 must be .*on the simplex"),
    (multiplicative_weights_step, ([0.5, 0.5], [1.0, 2.0], "x"), "eta must be a finite real scalar"),
    (multiplicative_weights_step, ([0.5, 0.5], [1.0, 2.0], [1.0, 2.0]), "eta must be .*shape"),
    (is_vertex, ([[1.0, 0.0]],), r"lam must be a 1-D .*shape \(1, 2\)"),
]


@pytest.mark.parametrize(
    ("func", "args", "match"),
    BAD_INPUTS,
    ids=lambda x: getattr(x, "__name__", None),
)
def test_validation_errors(func, args, match):
    with pytest.raises(ValueError, match=match):
        func(*args)


def test_validation_eps_and_tolerances():
    with pytest.raises(ValueError, match="eps must be a finite positive real scalar; got 0.0"):
        entropy_gradient([0.5], eps=0.0)
    # sums within 1e-9 * K are accepted, beyond are not
    entropy([0.5 + 1e-9, 0.5])
    with pytest.raises(ValueError, match="allowed deviation 2e-09"):
        entropy([0.5 + 3e-9, 0.5])
