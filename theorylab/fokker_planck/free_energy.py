r"""The free energy of Definition 4 and each term of the claimed dissipation (125).

Free energy (Definition 4, eq. (123)):

.. math::

    \mathcal F(\mu, \lambda) = \int f\,d\mu + \sigma\,\mathrm{Ent}(\mu) - \tau H(\lambda),
    \qquad \mathrm{Ent}(\mu) = \int\mu\log\mu\,dx .

Claimed dissipation (Lemma 9, eq. (125)):

.. math::

    \frac{d}{dt}\mathcal F(\mu_t, \lambda_t) \le
    -c(\lambda_t)\int\|\nabla f\|^2d\mu_t - \sigma\,\mathrm{Fisher}(\mu_t)
    - \tau\theta\,\mathrm{Var}_{\lambda_t}(h(\mu_t, \cdot)),

with :math:`\mathrm{Fisher}(\mu) = \int\|\nabla\log\mu\|^2d\mu`, the
population meta-scores :math:`h_i(\mu, \lambda) = -\int\langle\nabla f,
d_i\rangle d\mu` (122) and :math:`c(\lambda) = \sum_i\lambda_ic_i`.

Every term is computed separately so that a claim about their sum can be
checked term by term: :func:`free_energy_terms` (the three terms of
:math:`\mathcal F`), :func:`dissipation_terms` (the three claimed terms of
(125)) and :func:`free_energy_rates` (the exact time derivative of each term
of :math:`\mathcal F` along the semi-discrete scheme, the entropy rate split
into its drift and diffusion parts as in (133)).

On the grid, integrals are midpoint sums over cells. The Fisher information
uses face differences,

.. math::

    \mathrm{Fisher}_h(\mu) = \sum_{\text{faces}} \frac{|C|}{h^2}
    (\mu_R - \mu_L)(\log\mu_R - \log\mu_L),

which is second-order accurate and makes the discrete analogue of (139)
exact: the diffusion part of :math:`\tfrac{d}{dt}\mathrm{Ent}` along the scheme
equals :math:`-\sigma\,\mathrm{Fisher}_h(\mu)` to round-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import xlogy

from theorylab.fokker_planck._validation import (
    FloatArray,
    as_density_values,
    as_diffusion,
    as_float,
    as_real_array,
)
from theorylab.fokker_planck.grid import DriftLike, UniformGrid, as_face_field
from theorylab.fokker_planck.scheme import fokker_planck_operator, zero_drift
from theorylab.simplex import entropy as simplex_entropy
from theorylab.simplex import replicator_field, weighted_variance

__all__ = [
    "META_SCORES",
    "alignment_functionals",
    "differential_entropy",
    "dissipation_terms",
    "expectation",
    "fisher_information",
    "free_energy_rates",
    "free_energy_terms",
    "population_meta_scores",
    "score_drift_integral",
]

#: Readings of the population meta-score: (122) and the advantage analogue of Def. 3(2).
META_SCORES = ("align", "adv")


def _density(grid: UniformGrid, density: Any) -> FloatArray:
    if not isinstance(grid, UniformGrid):
        raise ValueError(f"grid must be a UniformGrid; got {type(grid).__name__}")
    return as_density_values(density, "density", grid.shape)


def expectation(grid: UniformGrid, density: Any, values: Any) -> float:
    r""":math:`\int g\,d\mu \approx \sum_C |C|\,g_C\mu_C` for cell values ``values`` of :math:`g`."""
    mu = _density(grid, density)
    g = as_real_array(values, "values", grid.shape)
    return float(np.sum(g * mu) * grid.cell_volume)


def differential_entropy(grid: UniformGrid, density: Any) -> float:
    r"""The paper's :math:`\mathrm{Ent}(\mu) = \int\mu\log\mu\,dx` (note: minus the Shannon differential entropy).

    Midpoint sum :math:`\sum_C |C|\,\mu_C\log\mu_C` with :math:`0\log 0 = 0`.
    """
    mu = _density(grid, density)
    return float(np.sum(xlogy(mu, mu)) * grid.cell_volume)


def _face_log_products(grid: UniformGrid, mu: FloatArray) -> list[FloatArray]:
    r"""Per axis: :math:`(\mu_R - \mu_L)(\log\mu_R - \log\mu_L)` on the interior faces."""
    out = []
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mu = np.log(mu)
        for k in range(grid.ndim):
            dmu = np.diff(mu, axis=k)
            dlog = np.diff(log_mu, axis=k)
            out.append(np.where(dmu == 0.0, 0.0, dmu * dlog))
    return out


def fisher_information(grid: UniformGrid, density: Any) -> float:
    r"""Fisher information :math:`\int\|\nabla\log\mu\|^2d\mu` by face differences.

    .. math::

        \mathrm{Fisher}_h(\mu) = \sum_k \sum_{f\perp e_k}\frac{|C|}{h_k^2}
        (\mu_R - \mu_L)(\log\mu_R - \log\mu_L)

    (the face value of :math:`\mu` is the logarithmic mean of its
    neighbours). Returns ``inf`` if a zero cell borders a positive one.
    """
    mu = _density(grid, density)
    total = 0.0
    for k, terms in enumerate(_face_log_products(grid, mu)):
        total += float(np.sum(terms)) * grid.cell_volume / grid.spacing[k] ** 2
    return total


def score_drift_integral(grid: UniformGrid, density: Any, drift: DriftLike) -> float:
    r""":math:`\int\langle\nabla\log\mu, v\rangle\,d\mu = \int\langle\nabla\mu, v\rangle\,dx` (the form of (135)).

    Evaluated on the faces: :math:`\sum_k\sum_{f\perp e_k} |C|\,
    v_f(\mu_R - \mu_L)/h_k`.
    """
    mu = _density(grid, density)
    faces = as_face_field(grid, drift)
    return float(sum(np.sum(faces[k] * np.diff(mu, axis=k)) / h for k, h in enumerate(grid.spacing)) * grid.cell_volume)


def free_energy_terms(
    grid: UniformGrid,
    density: Any,
    objective: Any,
    sigma: float,
    *,
    tau: float = 0.0,
    lam: Any = None,
) -> dict[str, float]:
    r"""The terms of the free energy (Definition 4, eq. (123)), separately.

    .. math::

        \mathcal F(\mu, \lambda) = \underbrace{\int f\,d\mu}_{\texttt{objective}}
        + \underbrace{\sigma\,\mathrm{Ent}(\mu)}_{\texttt{entropy}}
        \underbrace{-\ \tau H(\lambda)}_{\texttt{gate}} .

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    density : array_like
        :math:`\mu` at the cell centres (unit mass for a probability).
    objective : array_like
        :math:`f` at the cell centres.
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.
    tau : float, optional
        Temperature :math:`\tau \ge 0` of the gate entropy.
    lam : array_like, optional
        Gate weights on the simplex (required if ``tau > 0``).

    Returns
    -------
    dict
        ``{"objective", "entropy", "gate", "free_energy"}``; ``entropy`` is
        :math:`\sigma\,\mathrm{Ent}(\mu)` and ``gate`` is :math:`-\tau H(\lambda)`.
    """
    sigma = as_diffusion(sigma)
    tau = as_float(tau, "tau", nonnegative=True)
    objective_term = expectation(grid, density, objective)
    entropy_term = sigma * differential_entropy(grid, density)
    if lam is None:
        if tau > 0.0:
            raise ValueError("lam (gate weights) is required when tau > 0")
        gate_term = 0.0
    else:
        gate_term = -tau * simplex_entropy(lam)
    return {
        "objective": objective_term,
        "entropy": entropy_term,
        "gate": gate_term,
        "free_energy": objective_term + entropy_term + gate_term,
    }


def _base_drift_cells(grid: UniformGrid, base_drifts: Any) -> FloatArray:
    if isinstance(base_drifts, np.ndarray):
        arr = as_real_array(base_drifts, "base_drifts")
    else:
        parts = list(base_drifts)
        if not parts:
            raise ValueError("base_drifts must hold at least one base drift")
        arr = np.stack(
            [
                grid.evaluate_vector(d, f"base_drifts[{i}]") if callable(d) else as_real_array(d, f"base_drifts[{i}]")
                for i, d in enumerate(parts)
            ]
        )
    if arr.ndim != grid.ndim + 2 or arr.shape[1:] != (grid.ndim, *grid.shape):
        raise ValueError(
            f"base_drifts must have shape (K, {grid.ndim}, *{grid.shape}) (K base drifts at the cell centres); "
            f"got {arr.shape}"
        )
    return arr


def _gradient_cells(grid: UniformGrid, objective_gradient: Any) -> FloatArray:
    if callable(objective_gradient):
        return grid.evaluate_vector(objective_gradient, "objective_gradient")
    return as_real_array(objective_gradient, "objective_gradient", (grid.ndim, *grid.shape))


def alignment_functionals(grid: UniformGrid, density: Any, objective_gradient: Any, base_drifts: Any) -> FloatArray:
    r"""Population alignment :math:`a_i(\mu) = \int\langle\nabla f, d_i\rangle\,d\mu` (left side of A10, (124)).

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    density : array_like
        :math:`\mu` at the cell centres.
    objective_gradient : callable or array_like
        :math:`\nabla f` at the cell centres, shape ``(d, *grid.shape)``.
    base_drifts : sequence of callables or arrays, or array
        :math:`d_i` at the cell centres, shape ``(K, d, *grid.shape)``.

    Returns
    -------
    numpy.ndarray
        :math:`(a_1(\mu), \dots, a_K(\mu))`.
    """
    mu = _density(grid, density)
    grad = _gradient_cells(grid, objective_gradient)
    drifts = _base_drift_cells(grid, base_drifts)
    inner = np.einsum("j...,ij...->i...", grad, drifts)
    return np.sum(inner * mu, axis=tuple(range(1, grid.ndim + 1))) * grid.cell_volume


def population_meta_scores(alignment: Any, lam: Any, score: str = "align") -> FloatArray:
    r"""Population meta-scores from the alignment functionals.

    .. math::

        \texttt{"align"}:\ h_i = -a_i(\mu) \ \text{(122)}, \qquad
        \texttt{"adv"}:\ h_i = a_i(\mu) - \textstyle\sum_j\lambda_ja_j(\mu)
        \ \text{(Def. 3(2) averaged over } \mu).

    The replicator (121) is unchanged by adding a constant to :math:`h`, so
    the two readings drive :math:`\lambda` in opposite directions: ``"align"``
    rewards the base with the *smallest* :math:`a_i` (for
    :math:`d_i = c_i\nabla f`, the smallest :math:`c_i`), ``"adv"`` the largest.

    Parameters
    ----------
    alignment : array_like
        :math:`a(\mu)`, shape ``(K,)`` (from :func:`alignment_functionals`).
    lam : array_like
        Gate weights, shape ``(K,)``.
    score : {"align", "adv"}
        Reading.

    Returns
    -------
    numpy.ndarray
        :math:`h`, shape ``(K,)``.
    """
    a = as_real_array(alignment, "alignment")
    weights = as_real_array(lam, "lam")
    if a.ndim != 1 or weights.shape != a.shape:
        raise ValueError(f"alignment and lam must be vectors of the same length; got {a.shape} and {weights.shape}")
    if score == "align":
        return -a
    if score == "adv":
        return a - float(np.sum(weights * a))
    raise ValueError(f"score must be one of {META_SCORES}; got {score!r}")


def dissipation_terms(
    grid: UniformGrid,
    density: Any,
    objective_gradient: Any,
    sigma: float,
    *,
    alignment_constants: Sequence[float] | FloatArray = (1.0,),
    lam: Any = (1.0,),
    tau: float = 0.0,
    theta: float = 0.0,
    meta_scores: Any = None,
) -> dict[str, float]:
    r"""The three terms of the right-hand side of (125), separately.

    .. math::

        \underbrace{-c(\lambda)\int\|\nabla f\|^2d\mu}_{\texttt{objective}}
        \ \underbrace{-\ \sigma\,\mathrm{Fisher}(\mu)}_{\texttt{fisher}}
        \ \underbrace{-\ \tau\theta\,\mathrm{Var}_\lambda(h)}_{\texttt{gate}},
        \qquad c(\lambda) = \sum_i\lambda_ic_i .

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    density : array_like
        :math:`\mu` at the cell centres.
    objective_gradient : callable or array_like
        :math:`\nabla f` at the cell centres, shape ``(d, *grid.shape)``.
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.
    alignment_constants : sequence of float, optional
        :math:`c_i` of Assumption 10.
    lam : array_like, optional
        Gate weights (same length as ``alignment_constants``).
    tau, theta : float, optional
        Gate temperature :math:`\tau \ge 0` and rate :math:`\theta \ge 0`.
    meta_scores : array_like, optional
        :math:`h(\mu, \cdot)`, shape ``(K,)``; required if ``tau * theta > 0``.

    Returns
    -------
    dict
        ``{"objective", "fisher", "gate", "total"}``.
    """
    sigma = as_diffusion(sigma)
    tau = as_float(tau, "tau", nonnegative=True)
    theta = as_float(theta, "theta", nonnegative=True)
    consts = as_real_array(alignment_constants, "alignment_constants")
    weights = as_real_array(lam, "lam")
    if consts.ndim != 1 or weights.shape != consts.shape:
        raise ValueError(
            f"alignment_constants and lam must be vectors of the same length; got {consts.shape} and {weights.shape}"
        )
    grad = _gradient_cells(grid, objective_gradient)
    grad_sq = np.sum(grad**2, axis=0)
    objective_term = -float(np.sum(weights * consts)) * expectation(grid, density, grad_sq)
    fisher_term = -sigma * fisher_information(grid, density)
    if tau * theta > 0.0:
        if meta_scores is None:
            raise ValueError("meta_scores (h(mu, .)) are required when tau * theta > 0")
        gate_term = -tau * theta * weighted_variance(meta_scores, weights)
    else:
        gate_term = 0.0
    return {
        "objective": objective_term,
        "fisher": fisher_term,
        "gate": gate_term,
        "total": objective_term + fisher_term + gate_term,
    }


def free_energy_rates(
    grid: UniformGrid,
    density: Any,
    objective: Any,
    drift: DriftLike,
    sigma: float,
    *,
    sign: str,
    tau: float = 0.0,
    lam: Any = None,
    meta_scores: Any = None,
    theta: float = 0.0,
) -> dict[str, float]:
    r"""Exact time derivative of each term of :math:`\mathcal F` along the scheme.

    With :math:`A` the semi-discrete operator and :math:`A_0` its diffusion
    part (zero drift),

    .. math::

        \frac{d}{dt}\int f\,d\mu = \sum_C|C|f_C(A\mu)_C, \qquad
        \sigma\frac{d}{dt}\mathrm{Ent} = \underbrace{\sigma\sum_C|C|\log\mu_C((A - A_0)\mu)_C}_{\text{drift part (133)}}
        + \underbrace{\sigma\sum_C|C|\log\mu_C(A_0\mu)_C}_{\text{diffusion part} = -\sigma^2\mathrm{Fisher}_h(\mu)},

    and, along the replicator (121) with frozen scores :math:`h`,
    :math:`-\tau\frac{d}{dt}H(\lambda) = \tau\sum_i\dot\lambda_i\log\lambda_i`.
    (:math:`\sum_C (A\mu)_C = 0` and :math:`\sum_i\dot\lambda_i = 0` remove the
    ``+1`` of :math:`\log\mu + 1` and :math:`\log\lambda + 1`.)

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    density : array_like
        :math:`\mu`, strictly positive cell values.
    objective : array_like
        :math:`f` at the cell centres.
    drift : callable or face field
        :math:`v_\lambda` on the faces.
    sigma : float
        Diffusion coefficient.
    sign : {"a", "b"}
        Drift-sign reading.
    tau, theta : float, optional
        Gate temperature and rate.
    lam, meta_scores : array_like, optional
        Gate weights and scores (required if ``tau * theta > 0``).

    Returns
    -------
    dict
        ``{"objective", "entropy_drift", "entropy_diffusion", "gate", "total"}``.
    """
    sigma = as_diffusion(sigma)
    tau = as_float(tau, "tau", nonnegative=True)
    theta = as_float(theta, "theta", nonnegative=True)
    mu = _density(grid, density)
    if float(mu.min()) <= 0.0:
        raise ValueError("density must be strictly positive for the entropy rate (log mu); got a zero cell")
    f = as_real_array(objective, "objective", grid.shape).ravel()
    flat = mu.ravel()
    full = fokker_planck_operator(grid, drift, sigma, sign=sign) @ flat
    diffusion = fokker_planck_operator(grid, zero_drift(grid), sigma, sign=sign) @ flat
    log_mu = np.log(flat)
    vol = grid.cell_volume
    objective_rate = float(f @ full) * vol
    entropy_drift = sigma * float(log_mu @ (full - diffusion)) * vol
    entropy_diffusion = sigma * float(log_mu @ diffusion) * vol
    gate_rate = 0.0
    if tau * theta > 0.0:
        if lam is None or meta_scores is None:
            raise ValueError("lam and meta_scores are required when tau * theta > 0")
        weights = as_real_array(lam, "lam")
        lam_rate = replicator_field(weights, meta_scores, theta)
        with np.errstate(divide="ignore"):
            log_lam = np.where(weights > 0.0, np.log(np.where(weights > 0.0, weights, 1.0)), 0.0)
        gate_rate = tau * float(np.sum(lam_rate * log_lam))
    total = objective_rate + entropy_drift + entropy_diffusion + gate_rate
    return {
        "objective": objective_rate,
        "entropy_drift": entropy_drift,
        "entropy_diffusion": entropy_diffusion,
        "gate": gate_rate,
        "total": total,
    }
