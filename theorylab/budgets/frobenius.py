r"""The Frobenius-ball budget :math:`\mathcal{Q}_F(B) = \{Q \succeq 0 : \|Q\|_F^2 \le B\}` (Corollary 2(i)).

Program (CP-F):

.. math::

    P_F^\star(\Sigma) = \max_{Q \succeq 0,\ \|Q\|_F \le \sqrt{B}} \operatorname{Tr}(Q\Sigma).

Closed form as stated (Cor. 2(i), proof B.2(i)):

.. math::

    Q_F^\star = \sqrt{B}\,\Sigma/\|\Sigma\|_F, \qquad P_F^\star(\Sigma) = \sqrt{B}\,\|\Sigma\|_F .

The stated :math:`Q_F^\star` is PSD only when :math:`\Sigma \succeq 0`, and is :math:`0/0` at
:math:`\Sigma = 0`. For any symmetric :math:`\Sigma` (corrected form, a Moreau decomposition):

.. math::

    Q^\star = \sqrt{B}\,\Sigma_+/\|\Sigma_+\|_F, \qquad P^\star = \sqrt{B}\,\|\Sigma_+\|_F,

with :math:`\Sigma_+` the positive part (:math:`Q^\star = 0` if :math:`\Sigma_+ = 0`). The bound
:math:`P^\star \le \sqrt{B}\,\|\Sigma + Z\|_F` holds for every :math:`Z \succeq 0` (weak duality with the
dual program :math:`\min_{Z\succeq 0}\sqrt{B}\|\Sigma + Z\|_F`); :math:`Z = \Sigma_-` makes it exact.
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
    stable_norm,
)


class FrobeniusBudget(Budget):
    r"""Frobenius ball :math:`\mathcal{Q}_F(B) = \{Q \succeq 0 : \|Q\|_F^2 \le B\}`.

    Parameters
    ----------
    B : float
        Budget :math:`B > 0` on :math:`\|Q\|_F^2`.

    Raises
    ------
    ValueError
        If ``B`` is not a positive finite number.
    """

    name = "frobenius"

    def __init__(self, B: float) -> None:
        self.B = positive_scalar(B, "B (Frobenius budget on ||Q||_F^2)")

    def __repr__(self) -> str:
        return f"FrobeniusBudget(B={self.B:g})"

    def normalized(self, sigma: np.ndarray) -> Normalization:
        scale = moment_scale(sigma)
        return Normalization(FrobeniusBudget(1.0), sigma / scale, math.sqrt(self.B), math.sqrt(self.B) * scale)

    # -- formulas --------------------------------------------------------
    def closed_form(self, sigma: np.ndarray) -> Formula:
        r"""Cor. 2(i) as stated: :math:`Q = \sqrt{B}\Sigma/\|\Sigma\|_F`, :math:`P = \sqrt{B}\|\Sigma\|_F`."""
        norm = stable_norm(sigma)
        with np.errstate(invalid="ignore", divide="ignore"):
            Q = math.sqrt(self.B) * sigma / norm
        message = "0/0 at Sigma = 0: the stated Q is undefined" if norm == 0.0 else ""
        return Formula(Q=Q, stated_power=math.sqrt(self.B) * norm, message=message)

    def corrected_form(self, sigma: np.ndarray) -> Formula:
        r"""Corrected: :math:`Q = \sqrt{B}\Sigma_+/\|\Sigma_+\|_F` (0 if :math:`\Sigma_+ = 0`)."""
        positive = psd_part(sigma)
        norm = stable_norm(positive)
        Q = math.sqrt(self.B) * positive / norm if norm > 0 else np.zeros_like(sigma)
        return Formula(Q=Q, stated_power=math.sqrt(self.B) * norm)

    # -- programs --------------------------------------------------------
    def full_program(self, sigma: np.ndarray) -> Program:
        """CP-F: ``Q >> 0``, ``norm(Q, 'fro') <= sqrt(B)``, maximize ``<Q, Sigma>``."""
        n = sigma.shape[0]
        Q = cp.Variable((n, n), symmetric=True)
        psd = Q >> 0
        ball = cp.norm(Q, "fro") <= math.sqrt(self.B)
        objective = cp.sum(cp.multiply(Q, sigma))
        problem = cp.Problem(cp.Maximize(objective), [psd, ball])

        def dual_bound() -> float:
            if psd.dual_value is None:
                return math.inf
            Z = psd_part(np.asarray(psd.dual_value, dtype=float))
            return math.sqrt(self.B) * float(np.linalg.norm(sigma + Z, "fro"))

        return Program(problem=problem, kind="sdp", size=n, recover=lambda: _sym(Q.value), objective=objective,
                       functional=lambda W: cp.sum(cp.multiply(Q, W)), dual_bound=dual_bound,
                       constraints=[psd, ball])

    def reduced_program(self, sigma: np.ndarray) -> Program:
        r"""Eigenbasis-reduced SOCP: :math:`\max_q q^\top\sigma` s.t. :math:`q \ge 0`, :math:`\|q\|_2 \le \sqrt{B}`."""
        values, vectors = eigh_descending(sigma)
        q = cp.Variable(values.size)
        nonneg = q >= 0
        ball = cp.norm(q, 2) <= math.sqrt(self.B)
        objective = values @ q
        problem = cp.Problem(cp.Maximize(objective), [nonneg, ball])

        def dual_bound() -> float:
            if nonneg.dual_value is None:
                return math.inf
            z = np.maximum(np.asarray(nonneg.dual_value, dtype=float), 0.0)
            return math.sqrt(self.B) * float(np.linalg.norm(values + z))

        return Program(problem=problem, kind="socp", size=values.size,
                       recover=lambda: from_eigen(vectors, np.asarray(q.value, dtype=float)), objective=objective,
                       dual_bound=dual_bound, details=lambda: {"q": np.asarray(q.value, dtype=float)},
                       constraints=[nonneg, ball])

    # -- certificate -----------------------------------------------------
    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        return {"||Q||_F^2": (float(np.sum(Q * Q)), self.B)}

    def dual_program(self, sigma: np.ndarray) -> tuple[cp.Problem, str]:
        r"""Dual of CP-F: :math:`\min_{Z \succeq 0}\sqrt{B}\,\|\Sigma + Z\|_F`."""
        Z = cp.Variable(sigma.shape, symmetric=True)
        return cp.Problem(cp.Minimize(math.sqrt(self.B) * cp.norm(sigma + Z, "fro")), [Z >> 0]), "sdp"

    def gauge(self, Q: np.ndarray) -> float:
        r""":math:`\|Q\|_F/\sqrt{B}` for :math:`Q \succeq 0` (up to round-off), ``inf`` otherwise."""
        return psd_gauge(Q, stable_norm(Q) / math.sqrt(self.B))

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        r""":math:`\sqrt{B}\|\Sigma_+\|_F` (dual point :math:`Z = \Sigma_-`), exact."""
        values = np.linalg.eigvalsh(sigma)
        return math.sqrt(self.B) * stable_norm(np.maximum(values, 0.0)), True

    def q_scale(self, sigma: np.ndarray) -> float:
        r""":math:`\sqrt{B}`, the Frobenius radius of the ball."""
        return math.sqrt(self.B)

    def scale(self, sigma: np.ndarray) -> float:
        return math.sqrt(self.B) * stable_norm(sigma)

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        """Unique iff :math:`P^\\star > 0` (strictly convex ball) or :math:`\\Sigma \\prec 0` (only Q = 0)."""
        return unique_on_strictly_convex_ball(np.linalg.eigvalsh(sigma))


def unique_on_strictly_convex_ball(values: np.ndarray) -> tuple[bool, str]:
    r"""Uniqueness of the maximizer over :math:`\{Q \succeq 0 : \text{strictly convex quadratic}(Q) \le B\}`.

    Decided from the spectrum of :math:`\Sigma`.

    A linear functional with :math:`P^\star > 0` (a positive eigenvalue) has one maximizer; with
    :math:`\Sigma \prec 0` only :math:`Q = 0` is optimal; otherwise (:math:`P^\star = 0` and a zero
    eigenvalue) every feasible :math:`Q` supported on the null space is optimal.
    """
    tol = EIGEN_TIE_TOL * float(np.max(np.abs(values))) if values.size else 0.0
    if np.max(values) > tol:
        return True, "P* > 0: a linear functional has one maximizer on a strictly convex budget set"
    if np.max(values) < -tol:
        return True, "Sigma < 0: Q = 0 is the only maximizer"
    return False, "P* = 0 with a zero eigenvalue: every feasible Q >= 0 supported on null(Sigma) is optimal"


def _sym(value: np.ndarray | None) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    return (array + array.T) / 2.0
