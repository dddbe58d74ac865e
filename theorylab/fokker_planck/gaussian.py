r"""Exact Gaussian (Ornstein–Uhlenbeck) solutions for linear drift.

For an affine drift :math:`v(x) = Mx + b` the Fokker–Planck equation (120)
maps Gaussians to Gaussians. With the transport velocity :math:`u = s v`
(:math:`s = +1` for reading a, :math:`-1` for reading b) and
:math:`\mu_t = \mathcal N(m_t, \Sigma_t)`,

.. math::

    \dot m = s(Mm + b), \qquad
    \dot\Sigma = sM\Sigma + \Sigma (sM)^\top + 2\sigma I .

With :math:`G = sM` the solutions are

.. math::

    m_t = e^{tG}m_0 + \int_0^t e^{rG}\,dr\; s b, \qquad
    \Sigma_t = e^{tG}\Sigma_0e^{tG^\top} + 2\sigma\int_0^t e^{rG}e^{rG^\top}dr,

evaluated by scalar formulas (with ``expm1``) in 1-D and by the block
matrix exponentials of Van Loan (1978) in 2-D. In 1-D with
:math:`f = \tfrac12x^2` and :math:`d_i = c_ix` this is the catalogue's
reading-a :math:`\dot m = \bar cm,\ (s^2)' = 2\bar cs^2 + 2\sigma` and
reading-b :math:`\dot m = -\bar cm,\ (s^2)' = -2\bar cs^2 + 2\sigma`.

The closed forms of the terms of Definition 4 and Lemma 9 for Gaussians are
in :func:`gaussian_free_energy_terms` and :func:`gaussian_quadratic_moments`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.linalg import expm

from theorylab.fokker_planck._validation import (
    FloatArray,
    as_diffusion,
    as_float,
    as_real_array,
    transport_sign,
)
from theorylab.fokker_planck.grid import UniformGrid

__all__ = [
    "gaussian_density",
    "gaussian_entropy",
    "gaussian_fisher_information",
    "gaussian_free_energy_terms",
    "gaussian_quadratic_moments",
    "linear_drift_gaussian_moments",
]


def _as_spd(cov: Any, name: str, d: int | None = None) -> FloatArray:
    cov = np.atleast_2d(as_real_array(cov, name))
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or (d is not None and cov.shape[0] != d):
        want = f"({d}, {d})" if d is not None else "(d, d)"
        raise ValueError(f"{name} must be a covariance matrix of shape {want} (or a scalar in 1-D); got {cov.shape}")
    if not np.allclose(cov, cov.T, rtol=1e-12, atol=0.0):
        raise ValueError(f"{name} must be symmetric")
    if np.linalg.eigvalsh(cov).min() <= 0.0:
        raise ValueError(f"{name} must be positive definite; got eigenvalues {np.linalg.eigvalsh(cov)}")
    return cov


def _phi1(z: FloatArray) -> FloatArray:
    r""":math:`\varphi_1(z) = (e^z - 1)/z`, :math:`\varphi_1(0) = 1` (so :math:`\int_0^t e^{ar}dr = t\varphi_1(at)`)."""
    z = np.asarray(z, dtype=np.float64)
    out = np.ones_like(z)
    nz = z != 0.0
    out[nz] = np.expm1(z[nz]) / z[nz]
    return out


def linear_drift_gaussian_moments(
    mean0: Any,
    cov0: Any,
    drift_matrix: Any,
    sigma: float,
    t: Any,
    *,
    sign: str,
    drift_offset: Any = None,
) -> tuple[FloatArray, FloatArray]:
    r"""Mean and covariance of :math:`\mu_t` for the affine drift :math:`v = Mx + b`.

    .. math::

        \dot m = s(Mm + b), \qquad \dot\Sigma = sM\Sigma + \Sigma(sM)^\top + 2\sigma I,

    solved in closed form (module docstring). In 1-D with :math:`a = sM`:
    :math:`m_t = e^{at}m_0 + t\varphi_1(at)\,sb`,
    :math:`s^2_t = e^{2at}s^2_0 + 2\sigma t\varphi_1(2at)`,
    :math:`\varphi_1(z) = (e^z - 1)/z`.

    Parameters
    ----------
    mean0 : array_like
        Initial mean, shape ``(d,)`` (a scalar in 1-D).
    cov0 : array_like
        Initial covariance, shape ``(d, d)`` (a scalar variance in 1-D).
    drift_matrix : array_like
        :math:`M`, shape ``(d, d)`` (a scalar in 1-D).
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.
    t : float or array_like
        Time(s) :math:`\ge 0`.
    sign : {"a", "b"}
        Drift-sign reading.
    drift_offset : array_like, optional
        :math:`b`, shape ``(d,)``; zero by default.

    Returns
    -------
    mean : numpy.ndarray
        Shape ``(d,)`` for scalar ``t``, ``(len(t), d)`` otherwise.
    cov : numpy.ndarray
        Shape ``(d, d)`` for scalar ``t``, ``(len(t), d, d)`` otherwise.
    """
    s = transport_sign(sign)
    sigma = as_diffusion(sigma)
    mean0 = np.atleast_1d(as_real_array(mean0, "mean0"))
    if mean0.ndim != 1 or mean0.size not in (1, 2):
        raise ValueError(f"mean0 must be a scalar or a vector of length 1 or 2; got shape {mean0.shape}")
    d = mean0.size
    cov0 = _as_spd(cov0, "cov0", d)
    gen = s * np.atleast_2d(as_real_array(drift_matrix, "drift_matrix"))
    if gen.shape != (d, d):
        raise ValueError(f"drift_matrix must have shape ({d}, {d}); got {gen.shape}")
    offset = np.zeros(d) if drift_offset is None else s * np.atleast_1d(as_real_array(drift_offset, "drift_offset"))
    if offset.shape != (d,):
        raise ValueError(f"drift_offset must have shape ({d},); got {offset.shape}")
    scalar_t = np.ndim(t) == 0
    times = np.atleast_1d(as_real_array(t, "t"))
    if times.ndim != 1 or times.min() < 0.0:
        raise ValueError("t must be a nonnegative scalar or 1-D array of nonnegative times")

    if d == 1:
        a = gen[0, 0]
        means = (np.exp(a * times) * mean0[0] + times * _phi1(a * times) * offset[0])[:, None]
        variances = np.exp(2 * a * times) * cov0[0, 0] + 2 * sigma * times * _phi1(2 * a * times)
        covs = variances[:, None, None]
    else:
        means = np.empty((times.size, d))
        covs = np.empty((times.size, d, d))
        for n, tn in enumerate(times):
            # Van Loan: expm([[G, b], [0, 0]] t) holds e^{tG} and int_0^t e^{rG} dr b
            aug = np.zeros((d + 1, d + 1))
            aug[:d, :d] = gen
            aug[:d, d] = offset
            e_aug = expm(aug * tn)
            flow = e_aug[:d, :d]
            means[n] = flow @ mean0 + e_aug[:d, d]
            # Van Loan: expm([[-G, Q], [0, G^T]] t) = [[., F12], [0, e^{tG^T}]], int = e^{tG} F12
            block = np.zeros((2 * d, 2 * d))
            block[:d, :d] = -gen
            block[:d, d:] = 2.0 * sigma * np.eye(d)
            block[d:, d:] = gen.T
            e_block = expm(block * tn)
            noise = flow @ e_block[:d, d:]
            cov = flow @ cov0 @ flow.T + noise
            covs[n] = 0.5 * (cov + cov.T)
    if scalar_t:
        return means[0], covs[0]
    return means, covs


def gaussian_density(grid: UniformGrid, mean: Any, cov: Any) -> FloatArray:
    r"""The Gaussian density :math:`\mathcal N(m, \Sigma)` at the cell centres (not renormalised).

    Parameters
    ----------
    grid : UniformGrid
        The grid (1-D or 2-D).
    mean : array_like
        Mean, shape ``(d,)`` (a scalar in 1-D).
    cov : array_like
        Covariance, shape ``(d, d)`` (a scalar variance in 1-D).

    Returns
    -------
    numpy.ndarray
        Density values, shape ``grid.shape``.
    """
    d = grid.ndim
    mean = np.atleast_1d(as_real_array(mean, "mean"))
    if mean.shape != (d,):
        raise ValueError(f"mean must have shape ({d},); got {mean.shape}")
    cov = _as_spd(cov, "cov", d)
    centred = grid.cell_centers - mean.reshape((d,) + (1,) * d)
    precision = np.linalg.inv(cov)
    quad = np.einsum("i...,ij,j...->...", centred, precision, centred)
    norm = np.sqrt((2 * np.pi) ** d * np.linalg.det(cov))
    return np.exp(-0.5 * quad) / norm


def gaussian_entropy(cov: Any) -> float:
    r"""Paper's :math:`\mathrm{Ent}(\mu) = \int\mu\log\mu\,dx` for :math:`\mu = \mathcal N(m, \Sigma)`.

    .. math::

        \mathrm{Ent}(\mathcal N(m, \Sigma)) = -\tfrac12\log\bigl((2\pi e)^d\det\Sigma\bigr).
    """
    cov = _as_spd(cov, "cov")
    d = cov.shape[0]
    return float(-0.5 * (d * np.log(2 * np.pi * np.e) + np.linalg.slogdet(cov)[1]))


def gaussian_fisher_information(cov: Any) -> float:
    r"""Fisher information :math:`\int\|\nabla\log\mu\|^2d\mu = \operatorname{tr}\Sigma^{-1}` of a Gaussian."""
    cov = _as_spd(cov, "cov")
    return float(np.trace(np.linalg.inv(cov)))


def gaussian_quadratic_moments(mean: Any, cov: Any, hessian: Any, minimizer: Any = None) -> dict[str, float]:
    r"""Moments of :math:`f(x) = \tfrac12(x - x^*)^\top H(x - x^*)` under :math:`\mathcal N(m, \Sigma)`.

    With :math:`e = m - x^*`:

    .. math::

        \int f\,d\mu = \tfrac12\bigl(e^\top He + \operatorname{tr}(H\Sigma)\bigr),\quad
        \int\|\nabla f\|^2d\mu = e^\top H^2e + \operatorname{tr}(H^2\Sigma),\quad
        \int\Delta f\,d\mu = \operatorname{tr}H.

    Returns
    -------
    dict
        ``{"objective", "gradient_norm_sq", "laplacian"}``.
    """
    mean = np.atleast_1d(as_real_array(mean, "mean"))
    d = mean.size
    cov = _as_spd(cov, "cov", d)
    hess = np.atleast_2d(as_real_array(hessian, "hessian"))
    if hess.shape != (d, d):
        raise ValueError(f"hessian must have shape ({d}, {d}); got {hess.shape}")
    x_star = np.zeros(d) if minimizer is None else np.atleast_1d(as_real_array(minimizer, "minimizer"))
    err = mean - x_star
    h2 = hess @ hess
    return {
        "objective": float(0.5 * (err @ hess @ err + np.trace(hess @ cov))),
        "gradient_norm_sq": float(err @ h2 @ err + np.trace(h2 @ cov)),
        "laplacian": float(np.trace(hess)),
    }


def gaussian_free_energy_terms(
    mean: Any,
    cov: Any,
    hessian: Any,
    sigma: float,
    *,
    minimizer: Any = None,
    tau: float = 0.0,
    lam_entropy: float = 0.0,
) -> dict[str, float]:
    r"""Definition 4 in closed form for a Gaussian and a quadratic objective.

    .. math::

        \mathcal F = \int f\,d\mu + \sigma\,\mathrm{Ent}(\mu) - \tau H(\lambda).

    Parameters
    ----------
    mean, cov : array_like
        The Gaussian :math:`\mathcal N(m, \Sigma)`.
    hessian : array_like
        :math:`H` of :math:`f = \tfrac12(x - x^*)^\top H(x - x^*)`.
    sigma : float
        Diffusion coefficient.
    minimizer : array_like, optional
        :math:`x^*` (zero by default).
    tau : float, optional
        Gate temperature :math:`\tau \ge 0`.
    lam_entropy : float, optional
        :math:`H(\lambda)` of the current gate.

    Returns
    -------
    dict
        ``{"objective", "entropy", "gate", "free_energy"}`` with the same
        meaning as :func:`theorylab.fokker_planck.free_energy_terms`.
    """
    sigma = as_diffusion(sigma)
    tau = as_float(tau, "tau", nonnegative=True)
    objective = gaussian_quadratic_moments(mean, cov, hessian, minimizer)["objective"]
    entropy = sigma * gaussian_entropy(cov)
    gate = -tau * as_float(lam_entropy, "lam_entropy", nonnegative=True)
    return {"objective": objective, "entropy": entropy, "gate": gate, "free_energy": objective + entropy + gate}
