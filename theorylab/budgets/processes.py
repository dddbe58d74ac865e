r"""Synthetic gradient processes with exact lag moments, and lag-moment estimators (catalogue E6).

Lag moments follow eq. 8 of the paper: :math:`R[k] = E[g[n]g[n-k]^\top]`, :math:`k \ge 0`, arrays of shape
``(K + 1, d, d)``.

Processes (each starts in its stationary distribution, so no burn-in is needed):

* :class:`AR1Process` — per coordinate :math:`g_j[n] = a_jg_j[n-1] + \sqrt{1-a_j^2}\,s_j\varepsilon_j[n]`:
  :math:`R[k] = \operatorname{diag}(s_j^2a_j^k)`.
* :class:`VAR1Process` — :math:`g[n] = Ag[n-1] + \varepsilon[n]`,
  :math:`\operatorname{Cov}\varepsilon = \Sigma_\varepsilon`:
  :math:`\Gamma = A\Gamma A^\top + \Sigma_\varepsilon`, :math:`R[k] = A^k\Gamma`.
* :class:`MA1Process` — :math:`g[n] = \varepsilon[n] + b\,\varepsilon[n-1]`: :math:`R[0] = (1+b^2)\Sigma_\varepsilon`,
  :math:`R[1] = b\Sigma_\varepsilon`, :math:`R[k\ge2] = 0`.

Each takes an optional constant ``mean`` :math:`\mu`; then the raw moments are :math:`\mu\mu^\top + R_0[k]`
(not square-summable) and ``lag_moments(K, centered=True)`` gives the covariances :math:`R_0[k]`.

Estimators: :func:`estimate_lag_moments` (raw or centered, full / diagonal / trace),
:func:`estimate_cross_lag_moments` (validation cross-moments :math:`C[k]`, :math:`R_{val}[k] = \operatorname{sym}C[k]`),
:func:`batch_means` (standard errors).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg

from theorylab.budgets.base import real_array, symmetric_matrix


def _rng(seed: Any) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _steps(n_steps: Any) -> int:
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}")
    return int(n_steps)


def _lags(K: Any) -> int:
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 0:
        raise ValueError(f"K (number of lags) must be a non-negative integer; got {K!r}")
    return int(K)


def _mean(mean: Any, d: int) -> np.ndarray | None:
    if mean is None:
        return None
    vector = np.broadcast_to(real_array(mean, "mean"), (d,)).astype(float)
    return vector.copy()


def _with_mean(R: np.ndarray, mean: np.ndarray | None, centered: bool) -> np.ndarray:
    if mean is None or centered:
        return R
    return R + np.outer(mean, mean)[None, :, :]


class AR1Process:
    r"""Independent AR(1) coordinates :math:`g_j[n] = a_jg_j[n-1] + \sqrt{1-a_j^2}\,s_j\varepsilon_j[n]`.

    Parameters
    ----------
    a : float or array_like
        Autoregressive coefficients in :math:`(-1, 1)` (one per coordinate, or shared).
    scale : float or array_like
        Stationary standard deviations :math:`s_j > 0`.
    mean : float or array_like, optional
        Constant mean :math:`\mu` added to the process.
    dim : int, optional
        Dimension when both ``a`` and ``scale`` are scalars.
    """

    def __init__(self, a: Any, scale: Any = 1.0, mean: Any = None, dim: int | None = None) -> None:
        a_arr = np.atleast_1d(real_array(a, "a")).astype(float)
        s_arr = np.atleast_1d(real_array(scale, "scale")).astype(float)
        d = max(a_arr.size, s_arr.size, 1 if dim is None else int(dim))
        try:
            self.a = np.broadcast_to(a_arr, (d,)).copy()
            self.scale = np.broadcast_to(s_arr, (d,)).copy()
        except ValueError:
            raise ValueError(
                f"a and scale must be scalars or have the same length; got {a_arr.size} and {s_arr.size}") from None
        if not np.all(np.abs(self.a) < 1):
            bad = self.a[np.abs(self.a) >= 1]
            raise ValueError(f"AR(1) coefficients must lie in (-1, 1) for stationarity; got {bad}")
        if not np.all(self.scale > 0):
            raise ValueError("scale must be positive")
        self.mean = _mean(mean, d)
        self.dim = d

    def diagonal_lag_moments(self, K: int, centered: bool = False) -> np.ndarray:
        r""":math:`r_j[k] = s_j^2a_j^k` (plus :math:`\mu_j^2` for raw moments), shape ``(K + 1, d)``."""
        k = np.arange(_lags(K) + 1)[:, None]
        r = self.scale[None, :] ** 2 * self.a[None, :] ** k
        if self.mean is not None and not centered:
            r = r + self.mean[None, :] ** 2
        return r

    def lag_moments(self, K: int, centered: bool = False) -> np.ndarray:
        r""":math:`R[k] = \operatorname{diag}(s_j^2a_j^k)` (+ :math:`\mu\mu^\top` raw), shape ``(K + 1, d, d)``."""
        r = self.diagonal_lag_moments(K, centered=True)
        R = np.einsum("kj,ij->kij", r, np.eye(self.dim))
        return _with_mean(R, self.mean, centered)

    def trace_lag_curve(self, K: int, centered: bool = False) -> np.ndarray:
        r""":math:`S[k] = \operatorname{Tr}R[k]`."""
        return self.diagonal_lag_moments(K, centered).sum(axis=1)

    def simulate(self, n_steps: int, seed: Any = None) -> np.ndarray:
        """A sample path of shape ``(n_steps, d)``, started in the stationary distribution."""
        rng = _rng(seed)
        n = _steps(n_steps)
        noise = rng.standard_normal((n, self.dim))
        g = np.empty((n, self.dim))
        g[0] = self.scale * noise[0]
        innovation = np.sqrt(1.0 - self.a**2) * self.scale
        for t in range(1, n):
            g[t] = self.a * g[t - 1] + innovation * noise[t]
        return g if self.mean is None else g + self.mean


class VAR1Process:
    r"""Vector AR(1) :math:`g[n] = Ag[n-1] + \varepsilon[n]`.

    The noise has covariance :math:`\operatorname{Cov}\varepsilon = \Sigma_\varepsilon`.

    Parameters
    ----------
    A : array_like
        Transition matrix with spectral radius < 1 (need not be symmetric).
    noise_cov : array_like, optional
        :math:`\Sigma_\varepsilon`, symmetric PSD (default identity).
    mean : array_like, optional
        Constant mean.
    """

    def __init__(self, A: Any, noise_cov: Any = None, mean: Any = None) -> None:
        matrix = real_array(A, "A")
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"A must be a square matrix; got shape {matrix.shape}")
        radius = float(np.max(np.abs(np.linalg.eigvals(matrix))))
        if radius >= 1:
            raise ValueError(f"A must have spectral radius < 1 for a stationary process; got {radius:.6g}")
        d = matrix.shape[0]
        cov = np.eye(d) if noise_cov is None else symmetric_matrix(noise_cov, "noise_cov")
        if cov.shape != (d, d):
            raise ValueError(f"noise_cov must have shape {(d, d)}; got {cov.shape}")
        if np.linalg.eigvalsh(cov)[0] < -1e-12 * max(1.0, float(np.max(np.abs(cov)))):
            raise ValueError("noise_cov must be positive semidefinite")
        self.A, self.noise_cov, self.dim = matrix, cov, d
        gamma = scipy.linalg.solve_discrete_lyapunov(matrix, cov)
        self.stationary_cov = (gamma + gamma.T) / 2.0
        self.mean = _mean(mean, d)

    def lag_moments(self, K: int, centered: bool = False) -> np.ndarray:
        r""":math:`R[k] = A^k\Gamma`, :math:`\Gamma = A\Gamma A^\top + \Sigma_\varepsilon`."""
        R = np.empty((_lags(K) + 1, self.dim, self.dim))
        R[0] = self.stationary_cov
        for k in range(1, R.shape[0]):
            R[k] = self.A @ R[k - 1]
        return _with_mean(R, self.mean, centered)

    def simulate(self, n_steps: int, seed: Any = None) -> np.ndarray:
        """A sample path ``(n_steps, d)`` started from :math:`N(0, \\Gamma)`."""
        rng = _rng(seed)
        n = _steps(n_steps)
        root_gamma = _psd_root(self.stationary_cov)
        root_noise = _psd_root(self.noise_cov)
        g = np.empty((n, self.dim))
        g[0] = root_gamma @ rng.standard_normal(self.dim)
        noise = rng.standard_normal((n, self.dim)) @ root_noise.T
        for t in range(1, n):
            g[t] = self.A @ g[t - 1] + noise[t]
        return g if self.mean is None else g + self.mean


class MA1Process:
    r"""Moving average :math:`g[n] = \varepsilon[n] + b\,\varepsilon[n-1]`.

    Parameters
    ----------
    b : float
        MA coefficient (any real).
    noise_cov : array_like, optional
        :math:`\Sigma_\varepsilon` (default identity of size ``dim``).
    dim : int
        Dimension when ``noise_cov`` is omitted.
    mean : array_like, optional
        Constant mean.
    """

    def __init__(self, b: float, noise_cov: Any = None, dim: int = 1, mean: Any = None) -> None:
        b_value = float(real_array(b, "b"))
        cov = np.eye(int(dim)) if noise_cov is None else symmetric_matrix(noise_cov, "noise_cov")
        self.b, self.noise_cov, self.dim = b_value, cov, cov.shape[0]
        self.mean = _mean(mean, self.dim)

    def lag_moments(self, K: int, centered: bool = False) -> np.ndarray:
        r""":math:`R[0] = (1+b^2)\Sigma_\varepsilon`, :math:`R[1] = b\Sigma_\varepsilon`, zero beyond."""
        R = np.zeros((_lags(K) + 1, self.dim, self.dim))
        R[0] = (1.0 + self.b**2) * self.noise_cov
        if R.shape[0] > 1:
            R[1] = self.b * self.noise_cov
        return _with_mean(R, self.mean, centered)

    def simulate(self, n_steps: int, seed: Any = None) -> np.ndarray:
        rng = _rng(seed)
        n = _steps(n_steps)
        eps = rng.standard_normal((n + 1, self.dim)) @ _psd_root(self.noise_cov).T
        g = eps[1:] + self.b * eps[:-1]
        return g if self.mean is None else g + self.mean


def _psd_root(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.maximum(values, 0.0))) @ vectors.T


def _gradients(g: Any, name: str = "gradients") -> np.ndarray:
    array = real_array(g, name)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, d) with N >= 1 (time first); got {array.shape}")
    return array


def estimate_lag_moments(g: Any, K: int, *, centered: bool = False, kind: str = "full") -> np.ndarray:
    r"""Sample lag moments :math:`\hat R[k] = \frac1{N-k}\sum_{n=k}^{N-1}g[n]g[n-k]^\top` (eq. 8).

    Parameters
    ----------
    g : array_like
        Gradient sequence, shape ``(N, d)`` (time first).
    K : int
        Largest lag, :math:`K < N`.
    centered : bool
        Subtract the sample mean first.
    kind : {"full", "diagonal", "trace"}
        Return ``(K + 1, d, d)`` matrices, ``(K + 1, d)`` diagonals :math:`\hat R_{jj}[k]`, or ``(K + 1,)``
        traces :math:`\hat S[k] = \operatorname{Tr}\hat R[k]` (for large :math:`d`).
    """
    array = _gradients(g)
    N = array.shape[0]
    K = _lags(K)
    if K >= N:
        raise ValueError(f"K must be smaller than the number of samples N = {N}; got K = {K}")
    if centered:
        array = array - array.mean(axis=0)
    if kind == "full":
        return np.stack([array[k:].T @ array[: N - k] / (N - k) for k in range(K + 1)])
    if kind == "diagonal":
        return np.stack([np.mean(array[k:] * array[: N - k], axis=0) for k in range(K + 1)])
    if kind == "trace":
        return np.array([np.sum(array[k:] * array[: N - k]) / (N - k) for k in range(K + 1)])
    raise ValueError(f"kind must be 'full', 'diagonal' or 'trace'; got {kind!r}")


def estimate_cross_lag_moments(g_val: Any, g_tr: Any, K: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Cross-lag moments (eq. 8) and their symmetric parts.

    :math:`\hat C[k] = \frac1{N-k}\sum_n g_{val}[n]g_{tr}[n-k]^\top`,
    :math:`\hat R_{val}[k] = \operatorname{sym}\hat C[k]`.
    """
    val, tr = _gradients(g_val, "g_val"), _gradients(g_tr, "g_tr")
    if val.shape != tr.shape:
        raise ValueError(f"g_val and g_tr must have the same shape; got {val.shape} and {tr.shape}")
    N = val.shape[0]
    K = _lags(K)
    if K >= N:
        raise ValueError(f"K must be smaller than the number of samples N = {N}; got K = {K}")
    C = np.stack([val[k:].T @ tr[: N - k] / (N - k) for k in range(K + 1)])
    return C, (C + np.swapaxes(C, 1, 2)) / 2.0


def batch_means(x: Any, n_batches: int = 20) -> tuple[float, float]:
    r"""Mean of a (correlated) series and its batch-means standard error.

    The series is cut into ``n_batches`` contiguous batches (use batches much longer than the correlation
    time); the standard error is the standard deviation of the batch means over :math:`\sqrt{n_{batches}}`.
    """
    series = np.asarray(real_array(x, "x"), dtype=float).ravel()
    if n_batches < 2 or series.size < n_batches:
        raise ValueError(f"need at least 2 batches and as many samples; got n_batches={n_batches}, N={series.size}")
    usable = series[: series.size - series.size % n_batches]
    means = usable.reshape(n_batches, -1).mean(axis=1)
    return float(series.mean()), float(means.std(ddof=1) / math.sqrt(n_batches))
