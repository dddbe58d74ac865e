r"""Langevin particles: the Monte Carlo reference for the Fokker–Planck equation.

The law of the Euler–Maruyama chain

.. math::

    X_{k+1} = X_k + s\,h\,v_\lambda(X_k) + \sqrt{2\sigma h}\,\xi_k, \qquad
    \xi_k \sim \mathcal N(0, I),

solves (120) up to :math:`O(h)` with :math:`s = +1` for reading a (mass
moves with :math:`+v`, as printed) and :math:`s = -1` for reading b (the
iterates :math:`x_{t+1} = x_t - \alpha d_t` of (3), :math:`h = \alpha`).
The coupled version drives :math:`\lambda` by the particle average of the
population scores (122) with the exact multiplicative-weights step of the
replicator (121) at frozen scores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from theorylab.fokker_planck._validation import (
    FloatArray,
    as_diffusion,
    as_float,
    as_positive_int,
    as_real_array,
    transport_sign,
)
from theorylab.fokker_planck.free_energy import population_meta_scores
from theorylab.fokker_planck.grid import UniformGrid
from theorylab.simplex import multiplicative_weights_step

__all__ = ["ParticleResult", "histogram_density", "simulate_coupled_particles", "simulate_langevin_particles"]


@dataclass
class ParticleResult:
    """Result of a particle simulation.

    Attributes
    ----------
    positions : numpy.ndarray
        Final positions, shape ``(d, N)``.
    times : numpy.ndarray
        Times of the saved moments.
    means : numpy.ndarray
        Sample means, shape ``(len(times), d)``.
    covariances : numpy.ndarray
        Sample covariances (``ddof=1``), shape ``(len(times), d, d)``.
    lams : numpy.ndarray or None
        Gate weights at the saved times (coupled simulation only).
    """

    positions: FloatArray
    times: FloatArray
    means: FloatArray
    covariances: FloatArray
    lams: FloatArray | None = None


def _check_positions(positions0: Any) -> FloatArray:
    x = as_real_array(positions0, "positions0")
    if x.ndim != 2 or x.shape[0] not in (1, 2) or x.shape[1] < 2:
        raise ValueError(f"positions0 must have shape (d, N) with d in (1, 2) and N >= 2; got {x.shape}")
    return x.copy()


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a seeded numpy.random.Generator (np.random.default_rng(seed)); got {rng!r}")
    return rng


def _moments(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    return x.mean(axis=1), np.atleast_2d(np.cov(x, ddof=1))


def _evaluate_drift(drift: Callable[[FloatArray], Any], x: FloatArray, name: str) -> FloatArray:
    return as_real_array(drift(x), f"{name}(positions)", x.shape)


def simulate_langevin_particles(
    positions0: Any,
    drift: Callable[[FloatArray], Any],
    sigma: float,
    *,
    sign: str,
    dt: float,
    n_steps: int,
    rng: np.random.Generator,
    save_every: int | None = None,
) -> ParticleResult:
    r"""Euler–Maruyama particles for (120) with a fixed drift :math:`v`.

    .. math::

        X_{k+1} = X_k + s\,\Delta t\,v(X_k) + \sqrt{2\sigma\Delta t}\,\xi_k .

    Parameters
    ----------
    positions0 : array_like
        Initial positions, shape ``(d, N)``.
    drift : callable
        ``drift(points) -> (d, N)``, the paper's :math:`v`.
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.
    sign : {"a", "b"}
        Drift-sign reading (``"a"``: move with :math:`+v`; ``"b"``: with :math:`-v`).
    dt : float
        Time step :math:`\Delta t > 0`.
    n_steps : int
        Number of steps.
    rng : numpy.random.Generator
        Seeded generator.
    save_every : int, optional
        Record moments every this many steps (default: only start and end).

    Returns
    -------
    ParticleResult
        Final positions and the moment history.
    """
    s = transport_sign(sign)
    sigma = as_diffusion(sigma)
    dt = as_float(dt, "dt", positive=True)
    n_steps = as_positive_int(n_steps, "n_steps")
    rng = _check_rng(rng)
    x = _check_positions(positions0)
    save_every = n_steps if save_every is None else as_positive_int(save_every, "save_every")
    noise_scale = np.sqrt(2.0 * sigma * dt)
    times, means, covs = [0.0], [], []
    m, c = _moments(x)
    means.append(m)
    covs.append(c)
    for step in range(1, n_steps + 1):
        x += s * dt * _evaluate_drift(drift, x, "drift") + noise_scale * rng.standard_normal(x.shape)
        if step % save_every == 0 or step == n_steps:
            if times[-1] != step * dt:
                m, c = _moments(x)
                times.append(step * dt)
                means.append(m)
                covs.append(c)
    return ParticleResult(positions=x, times=np.array(times), means=np.stack(means), covariances=np.stack(covs))


def simulate_coupled_particles(
    positions0: Any,
    lam0: Any,
    base_drifts: Sequence[Callable[[FloatArray], Any]],
    objective_gradient: Callable[[FloatArray], Any],
    sigma: float,
    theta: float,
    *,
    sign: str,
    dt: float,
    n_steps: int,
    rng: np.random.Generator,
    score: str = "align",
    save_every: int | None = None,
) -> ParticleResult:
    r"""Particles for the coupled system (120)–(122).

    Each step: the population alignment :math:`a_i = \frac1N\sum_n
    \langle\nabla f(X_n), d_i(X_n)\rangle` gives the scores :math:`h` (reading
    ``score``, see :func:`theorylab.fokker_planck.population_meta_scores`);
    :math:`\lambda \leftarrow \lambda\odot e^{\theta\Delta t h}/Z` (exact
    replicator at frozen scores); then the particles take an Euler–Maruyama
    step with :math:`v_\lambda = \sum_i\lambda_id_i`.

    Parameters
    ----------
    positions0 : array_like
        Initial positions, shape ``(d, N)``.
    lam0 : array_like
        Initial gate weights on the simplex, shape ``(K,)``.
    base_drifts : sequence of callable
        :math:`d_i(\text{points}) \to (d, N)`.
    objective_gradient : callable
        :math:`\nabla f(\text{points}) \to (d, N)`.
    sigma, theta : float
        Diffusion coefficient (> 0) and gate rate (>= 0).
    sign : {"a", "b"}
        Drift-sign reading.
    dt : float
        Time step.
    n_steps : int
        Number of steps.
    rng : numpy.random.Generator
        Seeded generator.
    score : {"align", "adv"}, optional
        Population meta-score reading.
    save_every : int, optional
        Record moments and weights every this many steps.

    Returns
    -------
    ParticleResult
        With ``lams`` filled.
    """
    s = transport_sign(sign)
    sigma = as_diffusion(sigma)
    theta = as_float(theta, "theta", nonnegative=True)
    dt = as_float(dt, "dt", positive=True)
    n_steps = as_positive_int(n_steps, "n_steps")
    rng = _check_rng(rng)
    x = _check_positions(positions0)
    if np.shape(lam0) != (len(base_drifts),):
        raise ValueError(
            f"lam0 must be a point of the simplex of length K = {len(base_drifts)}; got shape {np.shape(lam0)}"
        )
    try:
        lam = multiplicative_weights_step(lam0, np.zeros(len(base_drifts)), 0.0)
    except ValueError as exc:
        raise ValueError(f"lam0 is not a point of the simplex: {exc}") from None
    save_every = n_steps if save_every is None else as_positive_int(save_every, "save_every")
    noise_scale = np.sqrt(2.0 * sigma * dt)
    m, c = _moments(x)
    times, means, covs, lams = [0.0], [m], [c], [lam.copy()]
    for step in range(1, n_steps + 1):
        grad = _evaluate_drift(objective_gradient, x, "objective_gradient")
        drifts = np.stack([_evaluate_drift(d, x, f"base_drifts[{i}]") for i, d in enumerate(base_drifts)])
        alignment = np.einsum("jn,ijn->i", grad, drifts) / x.shape[1]
        lam = multiplicative_weights_step(lam, population_meta_scores(alignment, lam, score), theta * dt)
        velocity = np.einsum("i,ijn->jn", lam, drifts)
        x += s * dt * velocity + noise_scale * rng.standard_normal(x.shape)
        if step % save_every == 0 or step == n_steps:
            if times[-1] != step * dt:
                m, c = _moments(x)
                times.append(step * dt)
                means.append(m)
                covs.append(c)
                lams.append(lam.copy())
    return ParticleResult(
        positions=x,
        times=np.array(times),
        means=np.stack(means),
        covariances=np.stack(covs),
        lams=np.stack(lams),
    )


def histogram_density(grid: UniformGrid, positions: Any) -> FloatArray:
    r"""Particle histogram on the grid's cells, as a density.

    .. math::

        \hat\mu_C = \frac{\#\{n : X_n \in C\}}{N\,|C|};

    particles outside the box count in :math:`N` but in no cell.

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    positions : array_like
        Shape ``(d, N)`` with ``d = grid.ndim``.

    Returns
    -------
    numpy.ndarray
        Shape ``grid.shape``.
    """
    x = as_real_array(positions, "positions")
    if x.ndim != 2 or x.shape[0] != grid.ndim:
        raise ValueError(f"positions must have shape ({grid.ndim}, N); got {x.shape}")
    edges = [np.linspace(lo, hi, n + 1) for lo, hi, n in zip(grid.lower, grid.upper, grid.shape, strict=True)]
    counts, _ = np.histogramdd(x.T, bins=edges)
    return counts / (x.shape[1] * grid.cell_volume)
