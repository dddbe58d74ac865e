r"""The spectral budget of Corollary 2(ii).

.. math::

    \mathcal{Q}_S(\tau,\lambda) = \{Q \succeq 0 : \operatorname{Tr}Q \le \tau,\ Q \preceq \lambda I\}.

Program (CP-S):

.. math::

    P_S^\star(\Sigma) = \max_{Q \succeq 0,\ \operatorname{Tr} Q \le \tau,\ Q \preceq \lambda I}
    \operatorname{Tr}(Q\Sigma).

Closed form as stated (Cor. 2(ii), proof B.2(ii); minus signs restored, index convention
:math:`\sum_{i\le k}` of the proof), with :math:`\Sigma = U\operatorname{diag}(\sigma_1\ge\dots\ge\sigma_d)U^\top`
and :math:`k = \lfloor\tau/\lambda\rfloor`:

.. math::

    Q_S^\star = U\operatorname{diag}(q^\star)U^\top,\quad
    q_i^\star = \lambda\ (i \le k),\quad q_{k+1}^\star = \tau - k\lambda,\quad q_i^\star = 0\ (i > k+1),

    P_S^\star(\Sigma) = \lambda\sum_{i\le k}\sigma_i + (\tau - k\lambda)\,\sigma_{k+1}

(terms with an index above :math:`d` are dropped). It fills the top :math:`k+1` eigendirections whatever
their sign, so it is optimal only when :math:`\sigma_{\min(k+1,d)} \ge 0`, in particular for
:math:`\Sigma \succeq 0`. The corrected form fills only positive eigenvalues (greedy water-filling of the
eigenvalue LP :math:`\max q^\top\sigma` s.t. :math:`0 \le q \le \lambda`, :math:`\sum q \le \tau`).

Dual (certificate): :math:`P_S^\star \le \tau\nu + \lambda\operatorname{Tr}W` for every :math:`\nu \ge 0`,
:math:`W \succeq 0` with :math:`\nu I + W - \Sigma \succeq 0`; with :math:`W = U(\sigma - \nu)_+U^\top` the bound
is :math:`f(\nu) = \tau\nu + \lambda\sum_i(\sigma_i - \nu)_+`, convex and piecewise linear, minimized over
:math:`\nu \in \{0\} \cup \{\sigma_i > 0\}` (exact by LP duality).
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np

from theorylab.budgets.base import (
    EIGEN_TIE_TOL,
    Budget,
    Formula,
    Normalization,
    Program,
    eigh_descending,
    from_eigen,
    moment_scale,
    positive_scalar,
    psd_gauge,
    psd_part,
    top_eigenpairs,
)


def stated_spectral_eigenvalues(tau: float, lam: float, d: int) -> tuple[np.ndarray, int]:
    r"""The eigenvalues :math:`q^\star` of Cor. 2(ii) as stated, and :math:`k = \lfloor\tau/\lambda\rfloor`."""
    k = math.floor(tau / lam)
    q = np.zeros(d)
    q[: min(k, d)] = lam
    if k < d:
        q[k] = tau - k * lam
    return q, k


def stated_spectral_power(sigma_desc: np.ndarray, tau: float, lam: float) -> float:
    r""":math:`\lambda\sum_{i\le k}\sigma_i + (\tau - k\lambda)\sigma_{k+1}` (indices above :math:`d` dropped)."""
    k = math.floor(tau / lam)
    d = sigma_desc.size
    power = lam * float(np.sum(sigma_desc[: min(k, d)]))
    if k < d:
        power += (tau - k * lam) * float(sigma_desc[k])
    return power


def water_filling(sigma_desc: np.ndarray, tau: float, lam: float) -> np.ndarray:
    r"""Exact maximizer of the eigenvalue LP (water-filling).

    Fill :math:`\lambda` on the positive :math:`\sigma_i` in decreasing order until :math:`\tau` is spent.
    """
    q = np.zeros_like(sigma_desc)
    remaining = tau
    for i, value in enumerate(sigma_desc):
        if value <= 0.0 or remaining <= 0.0:
            break
        q[i] = min(lam, remaining)
        remaining -= q[i]
    return q


def spectral_dual_value(values: np.ndarray, tau: float, lam: float) -> float:
    r""":math:`\min_{\nu\ge 0} \tau\nu + \lambda\sum_i(\sigma_i - \nu)_+` (the exact dual optimum)."""
    candidates = np.concatenate([[0.0], values[values > 0.0]])
    excess = np.maximum(values[None, :] - candidates[:, None], 0.0).sum(axis=1)
    return float(np.min(tau * candidates + lam * excess))


class SpectralBudget(Budget):
    r"""Spectral budget :math:`\mathcal{Q}_S(\tau,\lambda)` (Cor. 2(ii)).

    :math:`\{Q \succeq 0 : \operatorname{Tr}Q \le \tau,\ Q \preceq \lambda I\}`.

    Parameters
    ----------
    tau : float
        Trace cap :math:`\tau > 0`.
    lam : float
        Operator-norm cap :math:`\lambda > 0`.

    Raises
    ------
    ValueError
        If a parameter is not a positive finite number.
    """

    name = "spectral"

    def __init__(self, tau: float, lam: float) -> None:
        self.tau = positive_scalar(tau, "tau (trace cap)")
        self.lam = positive_scalar(lam, "lam (operator-norm cap lambda)")

    def __repr__(self) -> str:
        return f"SpectralBudget(tau={self.tau:g}, lam={self.lam:g})"

    def normalized(self, sigma: np.ndarray) -> Normalization:
        scale = moment_scale(sigma)
        return Normalization(SpectralBudget(self.tau / self.lam, 1.0), sigma / scale, self.lam, self.lam * scale)

    # -- formulas --------------------------------------------------------
    def filled_directions(self, n: int) -> int:
        r""":math:`\min(k + 1, n)`, :math:`k = \lfloor\tau/\lambda\rfloor`: no form fills more eigendirections."""
        return min(math.floor(self.tau / self.lam) + 1, n)

    def closed_form(self, sigma: np.ndarray) -> Formula:
        """Cor. 2(ii) as stated: fill the top ``k + 1`` eigendirections, ``k = floor(tau/lam)``.

        Only those eigenpairs are computed (a partial eigendecomposition); ``details["sigma"]`` holds the
        top ``min(k + 1, n)`` eigenvalues, ``details["q"]`` all ``n`` filled values.
        """
        n = sigma.shape[0]
        values, vectors = top_eigenpairs(sigma, self.filled_directions(n))
        q, k = stated_spectral_eigenvalues(self.tau, self.lam, n)
        filled = q[: values.size]
        return Formula(Q=from_eigen(vectors, filled), stated_power=stated_spectral_power(values, self.tau, self.lam),
                       details={"q": q, "k": k, "sigma": values})

    def corrected_form(self, sigma: np.ndarray) -> Formula:
        """Corrected: water-filling on positive eigenvalues only (top ``min(k + 1, n)`` eigenpairs computed)."""
        n = sigma.shape[0]
        values, vectors = top_eigenpairs(sigma, self.filled_directions(n))
        filled = water_filling(values, self.tau, self.lam)
        q = np.zeros(n)
        q[: filled.size] = filled
        return Formula(Q=from_eigen(vectors, filled), stated_power=float(filled @ values),
                       details={"q": q, "sigma": values})

    # -- programs --------------------------------------------------------
    def full_program(self, sigma: np.ndarray) -> Program:
        """CP-S: ``Q >> 0``, ``trace(Q) <= tau``, ``Q << lam*I``."""
        n = sigma.shape[0]
        Q = cp.Variable((n, n), symmetric=True)
        psd = Q >> 0
        trace = cp.trace(Q) <= self.tau
        cap = Q << self.lam * np.eye(n)
        objective = cp.sum(cp.multiply(Q, sigma))
        problem = cp.Problem(cp.Maximize(objective), [psd, trace, cap])

        def dual_bound() -> float:
            if trace.dual_value is None or cap.dual_value is None:
                return math.inf
            W = psd_part(np.asarray(cap.dual_value, dtype=float))
            nu = max(float(trace.dual_value), 0.0)
            shift = float(np.linalg.eigvalsh(nu * np.eye(n) + W - sigma)[0])
            nu += max(0.0, -shift)
            return self.tau * nu + self.lam * float(np.trace(W))

        return Program(problem=problem, kind="sdp", size=n, recover=lambda: _sym(Q.value), objective=objective,
                       functional=lambda W: cp.sum(cp.multiply(Q, W)), dual_bound=dual_bound,
                       constraints=[psd, trace, cap])

    def reduced_program(self, sigma: np.ndarray) -> Program:
        r"""Eigenvalue LP: :math:`\max q^\top\sigma` s.t. :math:`0 \le q \le \lambda`, :math:`\sum_i q_i \le \tau`."""
        values, vectors = eigh_descending(sigma)
        q = cp.Variable(values.size)
        total = cp.sum(q) <= self.tau
        constraints = [q >= 0, q <= self.lam, total]
        objective = values @ q
        problem = cp.Problem(cp.Maximize(objective), constraints)

        def dual_bound() -> float:
            if total.dual_value is None:
                return math.inf
            nu = max(float(total.dual_value), 0.0)
            return self.tau * nu + self.lam * float(np.sum(np.maximum(values - nu, 0.0)))

        return Program(problem=problem, kind="lp", size=values.size,
                       recover=lambda: from_eigen(vectors, np.asarray(q.value, dtype=float)), objective=objective,
                       dual_bound=dual_bound, details=lambda: {"q": np.asarray(q.value, dtype=float)},
                       constraints=constraints)

    # -- certificate -----------------------------------------------------
    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        top = float(np.linalg.eigvalsh((Q + Q.T) / 2.0)[-1])
        return {"Tr Q": (float(np.trace(Q)), self.tau), "lambda_max(Q)": (top, self.lam)}

    def dual_program(self, sigma: np.ndarray) -> tuple[cp.Problem, str]:
        r"""Dual of CP-S: :math:`\min\ \tau\nu + \lambda\operatorname{Tr}W` s.t. :math:`W \succeq 0`, :math:`\nu \ge 0`,
        :math:`\nu I + W - \Sigma \succeq 0`."""
        n = sigma.shape[0]
        nu = cp.Variable(nonneg=True)
        W = cp.Variable((n, n), symmetric=True)
        constraints = [W >> 0, nu * np.eye(n) + W - sigma >> 0]
        return cp.Problem(cp.Minimize(self.tau * nu + self.lam * cp.trace(W)), constraints), "sdp"

    def gauge(self, Q: np.ndarray) -> float:
        r""":math:`\max(\operatorname{Tr}Q/\tau, \lambda_{\max}(Q)/\lambda)` for :math:`Q \succeq 0`.

        ``inf`` if :math:`Q` is not PSD.
        """
        matrix = (np.asarray(Q, dtype=float) + np.asarray(Q, dtype=float).T) / 2.0
        value = max(float(np.trace(matrix)) / self.tau, float(np.linalg.eigvalsh(matrix)[-1]) / self.lam)
        return psd_gauge(Q, value)

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        r""":math:`\min_{\nu\ge0}\tau\nu + \lambda\sum_i(\sigma_i-\nu)_+`, exact by LP duality."""
        return spectral_dual_value(np.linalg.eigvalsh(sigma), self.tau, self.lam), True

    def q_scale(self, sigma: np.ndarray) -> float:
        r""":math:`\min(\tau, \lambda)`, the largest eigenvalue a rank-one point of the set can have."""
        return min(self.tau, self.lam)

    def scale(self, sigma: np.ndarray) -> float:
        values = np.linalg.eigvalsh(sigma)
        return min(self.tau, values.size * self.lam) * float(np.max(np.abs(values)))

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        r"""Exact test from the water-filling structure.

        The maximizer is :math:`\lambda` on eigendirections above the water level and 0 below it; it is
        not unique iff (a) a group of :math:`m \ge 2` tied positive eigenvalues is partially filled
        (:math:`0 < \text{fill} < m\lambda`; rotations inside the eigenspace), or (b) trace budget is left
        after all positive eigenvalues are filled and :math:`\Sigma` has a zero eigenvalue (any PSD block
        on the null space with the remaining trace is optimal). Ties and zeros are judged at
        ``EIGEN_TIE_TOL`` relative to :math:`\max|\sigma_i|`.
        """
        return spectral_uniqueness(eigh_descending(sigma)[0], self.tau, self.lam)


def spectral_uniqueness(
    values_desc: np.ndarray, tau: float, lam: float, tie_tol: float = EIGEN_TIE_TOL
) -> tuple[bool, str]:
    """See :meth:`SpectralBudget.uniqueness`; ``values_desc`` sorted decreasingly, ties at ``tie_tol`` relative."""
    scale = float(np.max(np.abs(values_desc))) if values_desc.size else 0.0
    tol = tie_tol * scale
    q = water_filling(np.where(values_desc > tol, values_desc, 0.0), tau, lam)
    positive = values_desc > tol
    i = 0
    while i < values_desc.size and positive[i]:
        j = i
        while j + 1 < values_desc.size and positive[j + 1] and values_desc[i] - values_desc[j + 1] <= tol:
            j += 1
        size = j - i + 1
        fill = float(np.sum(q[i : j + 1]))
        if size >= 2 and 0.0 < fill < size * lam * (1 - 1e-12):
            return False, (f"{size} tied eigenvalues {values_desc[i]:.6g} at the water level share trace {fill:.6g} "
                           f"< {size} * lambda: rotations inside the eigenspace are optimal")
        i = j + 1
    remaining = tau - float(np.sum(q))
    zeros = int(np.sum(np.abs(values_desc) <= tol))
    if zeros and remaining > 1e-12 * tau:
        return False, (f"trace {remaining:.6g} left after the positive eigenvalues and {zeros} zero eigenvalue(s): "
                       "any PSD block on the null space with that trace is optimal")
    return True, "no tie at the water level and no free null-space block"


def _sym(value: np.ndarray | None) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    return (array + array.T) / 2.0
