r"""Velocity-space programs of Appendix C (eq. 59) and the Table 1 formulas (catalogue E4).

Eq. 59 ("one lens"): an optimizer picks the velocity

.. math::

    \dot\theta^\star = \arg\max_{\dot\theta}\ \langle g, \dot\theta\rangle \quad\text{s.t.}\quad
    \operatorname{budget}(\dot\theta) \le \tau .

Each region below is a :class:`~theorylab.budgets.base.Budget` over velocities, so
``solve(region, g, method)`` works with the gradient ``g`` as the moment; ``Q`` of the solution is the
velocity. The closed forms are the exact maximizers (derived by Cauchy–Schwarz / Hölder; the paper states
only the directions, e.g. ":math:`Q \propto H^{-1}`"); their value is the dual norm of :math:`g`, which is the
certificate's bound.

* :class:`EuclideanRegion`: :math:`\|v\|_2 \le \tau`, maximizer :math:`\tau g/\|g\|_2`.
* :class:`EllipticRegion`: :math:`v^\top Pv \le \tau^2` (:math:`P`, :math:`H`, :math:`F`, Kronecker), maximizer
  :math:`\tau P^{-1}g/(g^\top P^{-1}g)^{1/2}`.
* :class:`DiagonalRegion`: :math:`\sum_jc_jv_j^2 \le B`, maximizer :math:`\sqrt B\,(g/c)/(\sum_jg_j^2/c_j)^{1/2}`.
* :class:`LayerwiseRegion`: :math:`\|v_\ell\|_2 \le r_\ell`, maximizer :math:`r_\ell g_\ell/\|g_\ell\|_2`.
* :class:`InfinityRegion`: :math:`\|v\|_\infty \le \tau`, maximizer :math:`\tau\operatorname{sign}(g)`.

The ``table1_*`` functions evaluate the learning rates printed in Table 1 exactly as printed (symbols
restored as in the catalogue), for comparison with these maximizers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.linalg

from theorylab.budgets.base import (
    EIGEN_TIE_TOL,
    Budget,
    Formula,
    Normalization,
    Program,
    moment_scale,
    positive_scalar,
    positive_vector,
    real_array,
    symmetric_matrix,
    zero_tolerance,
)


class VelocityRegion(Budget):
    """A trust region on the velocity :math:`\\dot\\theta` (eq. 59); the moment is the gradient ``g``."""

    name = "velocity"
    methods = ("closed-form", "cvxpy")
    requires_psd = False
    dim: int | None = None

    def validate_moment(self, sigma: Any) -> np.ndarray:
        g = real_array(sigma, "g")
        if g.ndim != 1 or g.size == 0:
            raise ValueError(f"g must be a non-empty 1-D gradient vector; got shape {g.shape}")
        if self.dim is not None and g.size != self.dim:
            raise ValueError(f"g has {g.size} entries but the region is defined for dimension {self.dim}")
        return g

    def power(self, Q: np.ndarray, sigma: np.ndarray) -> float:
        return float(Q @ sigma)

    def structure_residual(self, Q: np.ndarray) -> float:
        return 0.0

    def psd_eigenvalues(self, Q: np.ndarray) -> float | None:
        return None

    def unit_region(self) -> tuple[VelocityRegion, float]:
        """The same region with unit radius, and the radius: ``self`` is ``radius`` times ``unit_region``."""
        raise NotImplementedError

    def normalized(self, sigma: np.ndarray) -> Normalization:
        # unit radius and unit gradient: the solvers' absolute gap tolerances then act as relative ones
        unit, radius = self.unit_region()
        scale = moment_scale(sigma)
        return Normalization(unit, sigma / scale, radius, radius * scale)

    def full_program(self, sigma: np.ndarray) -> Program:
        v = cp.Variable(sigma.size)
        constraints = self.constraints(v)
        objective = sigma @ v
        problem = cp.Problem(cp.Maximize(objective), constraints)
        return Program(problem=problem, kind=self.kind, size=sigma.size,
                       recover=lambda: np.asarray(v.value, dtype=float), objective=objective,
                       functional=lambda W: W @ v, constraints=constraints)

    kind = "socp"

    def constraints(self, v: cp.Variable) -> list[Any]:
        raise NotImplementedError

    def scale(self, sigma: np.ndarray) -> float:
        return self.upper_bound(sigma)[0]

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        if np.any(sigma != 0):
            return True, "strictly convex region and g != 0"
        return False, "g = 0: every feasible velocity is optimal"


class EuclideanRegion(VelocityRegion):
    r"""Euclidean trust region :math:`\|\dot\theta\|_2 \le \tau` (Table 1 GD; Cor. 10)."""

    name = "euclidean"

    def __init__(self, tau: float) -> None:
        self.tau = positive_scalar(tau, "tau (trust radius)")

    def __repr__(self) -> str:
        return f"EuclideanRegion(tau={self.tau:g})"

    def unit_region(self) -> tuple[VelocityRegion, float]:
        return EuclideanRegion(1.0), self.tau

    def closed_form(self, sigma: np.ndarray) -> Formula:
        norm = float(np.linalg.norm(sigma))
        v = self.tau * sigma / norm if norm > 0 else np.zeros_like(sigma)
        return Formula(Q=v, stated_power=self.tau * norm, message="derived maximizer (Q proportional to I)")

    def constraints(self, v: cp.Variable) -> list[Any]:
        return [cp.norm(v, 2) <= self.tau]

    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        return {"||v||_2": (float(np.linalg.norm(Q)), self.tau)}

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        return self.tau * float(np.linalg.norm(sigma)), True


class EllipticRegion(VelocityRegion):
    r"""Elliptic trust region :math:`\dot\theta^\top P\dot\theta \le \tau^2`, :math:`P \succ 0`.

    Covers Table 1's colored GD (metric :math:`P`), Newton (:math:`H`), NGD (:math:`F`) and K-FAC
    (:math:`\bigoplus_\ell A_\ell\otimes G_\ell`, see :func:`kronecker_metric`).
    """

    name = "elliptic"

    def __init__(self, metric: Any, tau: float) -> None:
        matrix = symmetric_matrix(metric, "metric")
        values = np.linalg.eigvalsh(matrix)
        if not values[0] > zero_tolerance(values):
            raise ValueError(f"metric must be symmetric positive definite; smallest eigenvalue {values[0]:.3g}")
        self.metric = matrix
        self.tau = positive_scalar(tau, "tau (trust radius)")
        self.dim = matrix.shape[0]
        self._factor = scipy.linalg.cho_factor(matrix)

    def __repr__(self) -> str:
        return f"EllipticRegion(metric={self.dim}x{self.dim}, tau={self.tau:g})"

    def unit_region(self) -> tuple[VelocityRegion, float]:
        # v'Pv <= tau^2  <=>  u'(P/p)u <= 1 with v = (tau/sqrt(p)) u
        p = moment_scale(self.metric)
        return EllipticRegion(self.metric / p, 1.0), self.tau / math.sqrt(p)

    def closed_form(self, sigma: np.ndarray) -> Formula:
        direction = scipy.linalg.cho_solve(self._factor, sigma)
        dual = math.sqrt(max(float(sigma @ direction), 0.0))
        v = self.tau * direction / dual if dual > 0 else np.zeros_like(sigma)
        return Formula(Q=v, stated_power=self.tau * dual, message="derived maximizer (Q proportional to metric^-1)")

    def constraints(self, v: cp.Variable) -> list[Any]:
        root = np.linalg.cholesky(self.metric).T
        return [cp.norm(root @ v, 2) <= self.tau]

    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        return {"(v' P v)^(1/2)": (math.sqrt(max(float(Q @ self.metric @ Q), 0.0)), self.tau)}

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        return self.tau * math.sqrt(max(float(sigma @ scipy.linalg.cho_solve(self._factor, sigma)), 0.0)), True


class DiagonalRegion(VelocityRegion):
    r"""Diagonal trust region :math:`\sum_jc_j\dot\theta_j^2 \le B` (Table 1 AdaGrad, RMSProp)."""

    name = "diagonal-velocity"

    def __init__(self, c: Any, B: float) -> None:
        self.c = positive_vector(c, "c (coordinate costs)")
        self.B = positive_scalar(B, "B")
        self.dim = None if self.c.size == 1 else self.c.size

    def __repr__(self) -> str:
        costs = f"array of {self.c.size}" if self.c.size > 1 else f"{self.c[0]:g}"
        return f"DiagonalRegion(c={costs}, B={self.B:g})"

    def unit_region(self) -> tuple[VelocityRegion, float]:
        # sum_j c_j v_j^2 <= B  <=>  sum_j (c_j/c_max) u_j^2 <= 1 with v = sqrt(B/c_max) u
        c_max = float(np.max(self.c))
        return DiagonalRegion(self.c / c_max, 1.0), math.sqrt(self.B / c_max)

    def _costs(self, n: int) -> np.ndarray:
        return np.full(n, float(self.c[0])) if self.c.size == 1 else self.c

    def closed_form(self, sigma: np.ndarray) -> Formula:
        c = self._costs(sigma.size)
        energy = float(np.sum(sigma**2 / c))
        v = math.sqrt(self.B / energy) * sigma / c if energy > 0 else np.zeros_like(sigma)
        return Formula(Q=v, stated_power=math.sqrt(self.B * energy), message="derived maximizer")

    def constraints(self, v: cp.Variable) -> list[Any]:
        return [cp.sum_squares(cp.multiply(np.sqrt(self._costs(v.shape[0])), v)) <= self.B]

    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        return {"sum_j c_j v_j^2": (float(np.sum(self._costs(Q.size) * Q**2)), self.B)}

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        return math.sqrt(self.B * float(np.sum(sigma**2 / self._costs(sigma.size)))), True


class LayerwiseRegion(VelocityRegion):
    r"""Layer-wise trust region :math:`\|\dot\theta_\ell\|_2 \le r_\ell` (Table 1 LAMB/LARS)."""

    name = "layerwise"

    def __init__(self, radii: Any, layer_sizes: Sequence[int]) -> None:
        self.radii = positive_vector(radii, "radii (per-layer trust radii)")
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) != self.radii.size or any(s < 1 for s in sizes):
            raise ValueError(f"layer_sizes must give one positive size per radius; got {layer_sizes!r} for "
                             f"{self.radii.size} radii")
        self.layer_sizes = sizes
        self.dim = sum(sizes)
        self.bounds = np.cumsum([0, *sizes])

    def __repr__(self) -> str:
        return f"LayerwiseRegion(radii=array of {self.radii.size}, layer_sizes={self.layer_sizes})"

    def unit_region(self) -> tuple[VelocityRegion, float]:
        r_max = float(np.max(self.radii))
        return LayerwiseRegion(self.radii / r_max, self.layer_sizes), r_max

    def _layers(self) -> list[slice]:
        return [slice(self.bounds[i], self.bounds[i + 1]) for i in range(len(self.layer_sizes))]

    def closed_form(self, sigma: np.ndarray) -> Formula:
        v = np.zeros_like(sigma)
        for radius, layer in zip(self.radii, self._layers(), strict=True):
            norm = float(np.linalg.norm(sigma[layer]))
            if norm > 0:
                v[layer] = radius * sigma[layer] / norm
        return Formula(Q=v, stated_power=self.upper_bound(sigma)[0], message="derived maximizer")

    def constraints(self, v: cp.Variable) -> list[Any]:
        return [cp.norm(v[layer], 2) <= radius for radius, layer in zip(self.radii, self._layers(), strict=True)]

    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        return {f"||v_{i}||_2": (float(np.linalg.norm(Q[layer])), float(r))
                for i, (r, layer) in enumerate(zip(self.radii, self._layers(), strict=True))}

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        pairs = zip(self.radii, self._layers(), strict=True)
        return float(sum(r * np.linalg.norm(sigma[layer]) for r, layer in pairs)), True

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        tol = EIGEN_TIE_TOL * float(np.linalg.norm(sigma))
        if all(np.linalg.norm(sigma[layer]) > tol for layer in self._layers()):
            return True, "every layer has a nonzero gradient"
        return False, "a layer with (numerically) zero gradient: its velocity is free in its ball"


class InfinityRegion(VelocityRegion):
    r""":math:`\ell_\infty` trust region :math:`\|\dot\theta\|_\infty \le \tau` (Table 1 signSGD, Lion)."""

    name = "linf"
    kind = "lp"

    def __init__(self, tau: float) -> None:
        self.tau = positive_scalar(tau, "tau (trust radius)")

    def __repr__(self) -> str:
        return f"InfinityRegion(tau={self.tau:g})"

    def unit_region(self) -> tuple[VelocityRegion, float]:
        return InfinityRegion(1.0), self.tau

    def closed_form(self, sigma: np.ndarray) -> Formula:
        return Formula(Q=self.tau * np.sign(sigma), stated_power=self.tau * float(np.sum(np.abs(sigma))),
                       message="tau * sign(g) (Table 1 signSGD)")

    def constraints(self, v: cp.Variable) -> list[Any]:
        return [v <= self.tau, v >= -self.tau]

    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        return {"||v||_inf": (float(np.max(np.abs(Q))), self.tau)}

    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        return self.tau * float(np.sum(np.abs(sigma))), True

    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        if np.all(np.abs(sigma) > EIGEN_TIE_TOL * float(np.max(np.abs(sigma)))):
            return True, "no zero gradient entry: the maximizer is the vertex tau*sign(g)"
        return False, "a (numerically) zero gradient entry: that coordinate is free in [-tau, tau]"


def kronecker_metric(factors: Sequence[tuple[Any, Any]]) -> np.ndarray:
    r""":math:`\bigoplus_\ell A_\ell\otimes G_\ell` (block diagonal of Kronecker products; Table 1 K-FAC)."""
    blocks = [np.kron(real_array(a, "A"), real_array(g, "G")) for a, g in factors]
    return scipy.linalg.block_diag(*blocks)


# ---------------------------------------------------------------------------
# Table 1 learning rates, exactly as printed
# ---------------------------------------------------------------------------


def table1_newton_eta(g: Any, H: Any, tau: float) -> float:
    r"""Table 1 Newton/GN: :math:`\eta^\star = \tau\|g\|_{H^{-1}}/\|H^{-1}g\|_2^2` (Euclidean denominator)."""
    g, H = real_array(g, "g"), real_array(H, "H")
    direction = np.linalg.solve(H, g)
    return tau * math.sqrt(float(g @ direction)) / float(direction @ direction)


def table1_newton_eta_hnorm(g: Any, H: Any, tau: float) -> float:
    r"""Table 1 Newton/GN with the denominator in the :math:`H`-norm: :math:`\tau\|g\|_{H^{-1}}/\|H^{-1}g\|_H^2`."""
    g, H = real_array(g, "g"), real_array(H, "H")
    direction = np.linalg.solve(H, g)
    return tau * math.sqrt(float(g @ direction)) / float(direction @ H @ direction)


def table1_ngd_eta(g: Any, F: Any, B: float) -> float:
    r"""Table 1 NGD: :math:`\eta^\star = \sqrt B/\sqrt{\operatorname{Tr}(F)\|g\|_2}`.

    As printed, with :math:`\|g\|_2` under the root.
    """
    g, F = real_array(g, "g"), real_array(F, "F")
    return math.sqrt(B) / math.sqrt(float(np.trace(F)) * float(np.linalg.norm(g)))


def table1_adagrad_eta(g: Any, c: Any, B: float) -> np.ndarray:
    r"""Table 1 AdaGrad: :math:`\eta_j^\star = \sqrt B|g_j|/(\sum_kg_k^2/c_k)^{1/2}`."""
    g, c = real_array(g, "g"), real_array(c, "c")
    return math.sqrt(B) * np.abs(g) / math.sqrt(float(np.sum(g**2 / c)))


def table1_rmsprop_eta(g: Any, v: Any, B: float) -> np.ndarray:
    r"""Table 1 RMSProp: :math:`\eta_j^\star = \sqrt B(|g_j|/\sqrt{v_j})/(\sum_kg_k^2/v_k)^{1/2}`."""
    g, v = real_array(g, "g"), real_array(v, "v")
    return math.sqrt(B) * (np.abs(g) / np.sqrt(v)) / math.sqrt(float(np.sum(g**2 / v)))


def table1_adam_eta(m: Any, v: Any, B: float) -> float:
    r"""Table 1 Adam: :math:`\eta^\star = \sqrt B\|m/\sqrt v\|_1/\|m/\sqrt v\|_2^2`."""
    ratio = real_array(m, "m") / np.sqrt(real_array(v, "v"))
    return math.sqrt(B) * float(np.sum(np.abs(ratio))) / float(ratio @ ratio)


def table1_sgd_momentum_eta(B: float, beta1: float, g_h_norm: float) -> float:
    r"""Table 1 SGD+Momentum: :math:`\eta^\star = \sqrt{B(1-\beta_1^2)}/(\|g\|_{\mathcal{H}}(1-\beta_1))`.

    ``g_h_norm`` is :math:`\|g\|_{\mathcal{H}}`, which the paper does not define.
    """
    return math.sqrt(B * (1.0 - beta1**2)) / (g_h_norm * (1.0 - beta1))


def table1_layernorm_momentum_eta(B: float, beta1: float, layer_sizes: Sequence[int], layer_norms: Any) -> float:
    r"""Table 1 LayerNorm+Mom.

    :math:`\eta^\star = \sqrt{B(1-\beta_1^2)}/((\sum_\ell d_\ell/\|\theta_\ell\|^2)^{1/2}(1-\beta_1))`.
    """
    norms = real_array(layer_norms, "layer_norms")
    total = float(np.sum(np.asarray(layer_sizes, dtype=float) / norms**2))
    return math.sqrt(B * (1.0 - beta1**2)) / (math.sqrt(total) * (1.0 - beta1))


def table1_lamb_eta(tau: Any, theta_norms: Any, m_norms: Any) -> np.ndarray:
    r"""Table 1 LAMB/LARS: :math:`\eta_\ell^\star = \tau_\ell\|\theta_\ell\|/\|m_\ell\|`."""
    return real_array(tau, "tau") * real_array(theta_norms, "theta_norms") / real_array(m_norms, "m_norms")
