r"""The inertial mixed system of TrailMix Appendix F.2 (Definition 6, Lemma 11), with both momentum signs.

Discrete recursion (148)–(149) with fixed weights,

.. math::

    x_{t+1} = x_t - \alpha\Bigl(\bar P\nabla f(x_t) - s\,\beta v_t\Bigr), \qquad
    v_{t+1} = (1 - \gamma)v_t - \bar P\nabla f(x_t), \qquad \bar P = \sum_i\lambda_iP_i,

and its continuous-time form (152)–(154),

.. math::

    \dot x = -\bar P\nabla f(x) + s\,\beta v, \qquad \dot v = -\gamma v - \bar P\nabla f(x), \qquad
    \dot\lambda_i = \theta\lambda_i(h_i - \textstyle\sum_j\lambda_jh_j),

with the momentum sign :math:`s = -1` as printed (``.momentum-minus``) or
:math:`s = +1` (``.momentum-plus``), and Def. 3 scores of the base directions
:math:`d_i = P_i\nabla f`. The phase-space function of Lemma 11 is
:math:`\mathcal W = f + \tfrac\beta2\|v\|^2 - \tau H(\lambda)` (150).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp
from scipy.special import entr

from theorylab.claims import NumericalFailure
from theorylab.problems import Problem

#: Momentum signs: ``-1`` is (148)/(152) as printed, ``+1`` the flipped reading.
MOMENTUM_SIGNS = {"minus": -1.0, "plus": 1.0}


@dataclass(frozen=True, eq=False)
class InertialSystem:
    r"""Parameters of the inertial system (152)–(154).

    Attributes
    ----------
    problem : Problem
        Objective :math:`f`.
    preconditioners : numpy.ndarray
        Constant symmetric positive definite :math:`P_i`, shape ``(K, d, d)``.
    beta, gamma : float
        Momentum :math:`\beta > 0` and damping :math:`\gamma \in (0, 1]`.
    momentum_sign : float
        :math:`s = -1` (as printed) or :math:`+1`.
    theta : float
        Replicator rate :math:`\theta \ge 0` (0: fixed weights).
    score : str
        ``"align"`` or ``"adv"`` (Definition 3 with :math:`d_i = P_i\nabla f`).
    """

    problem: Problem
    preconditioners: np.ndarray
    beta: float
    gamma: float
    momentum_sign: float = -1.0
    theta: float = 0.0
    score: str = "align"

    def __post_init__(self) -> None:
        p = np.asarray(self.preconditioners, dtype=float)
        if p.ndim != 3 or p.shape[1:] != (self.problem.dim, self.problem.dim):
            raise ValueError(f"preconditioners must have shape (K, {self.problem.dim}, {self.problem.dim}); "
                             f"got {p.shape}")
        if not (self.beta > 0 and 0 < self.gamma <= 1):
            raise ValueError(f"need beta > 0 and gamma in (0, 1]; got beta={self.beta}, gamma={self.gamma}")
        if self.momentum_sign not in (-1.0, 1.0):
            raise ValueError(f"momentum_sign must be -1 or +1; got {self.momentum_sign}")
        if self.score not in ("align", "adv"):
            raise ValueError(f"score must be 'align' or 'adv'; got {self.score!r}")
        p = 0.5 * (p + np.swapaxes(p, 1, 2))
        object.__setattr__(self, "preconditioners", p)
        object.__setattr__(self, "_alignment", np.linalg.eigvalsh(p)[:, 0])

    @property
    def alignment(self) -> np.ndarray:
        r""":math:`c_i = \lambda_{\min}(P_i)` (Lemma 10)."""
        return self._alignment

    def mixture(self, lam: np.ndarray) -> np.ndarray:
        r""":math:`\bar P = \sum_i\lambda_iP_i`."""
        return np.einsum("k,kij->ij", lam, self.preconditioners)

    def scores(self, g: np.ndarray, lam: np.ndarray) -> np.ndarray:
        r"""Definition 3 scores with :math:`d_i = P_ig`."""
        a = np.einsum("i,kij,j->k", g, self.preconditioners, g)
        return -a if self.score == "align" else a - float(lam @ a)

    def field(self, x: np.ndarray, v: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r""":math:`(\dot x, \dot v, \dot\lambda)` of (152)–(154) at one state."""
        g = self.problem.grad(x)
        pg = self.mixture(lam) @ g
        xdot = -pg + self.momentum_sign * self.beta * v
        vdot = -self.gamma * v - pg
        h = self.scores(g, lam)
        lamdot = self.theta * lam * (h - float(lam @ h))
        return xdot, vdot, lamdot


def phase_space_rates(system: InertialSystem, x: np.ndarray, v: np.ndarray, lam: np.ndarray,
                      tau: float) -> dict[str, float]:
    r"""Exact :math:`\dot{\mathcal W}` by the chain rule and the right-hand side of (151), at an interior state.

    .. math::

        \dot{\mathcal W} = \langle\nabla f, \dot x\rangle + \beta\langle v, \dot v\rangle
        - \tau\langle\nabla H(\lambda), \dot\lambda\rangle, \qquad
        \text{(151): } -c(\lambda)\|\nabla f\|^2 - (\gamma - \beta)\|v\|^2 - \tau\theta\mathrm{Var}_\lambda(h).

    Also returns ``resolution``, a rounding bound for these sums.
    """
    xdot, vdot, lamdot = system.field(x, v, lam)
    g = system.problem.grad(x)
    h = system.scores(g, lam)
    grad_entropy = -(np.log(lam) + 1.0) if tau > 0 else np.zeros_like(lam)
    terms = [float(g @ xdot), system.beta * float(v @ vdot), -tau * float(grad_entropy @ lamdot)]
    mean_h = float(lam @ h)
    variance = float(lam @ (h - mean_h) ** 2)
    c_lam = float(lam @ system.alignment)
    bound_terms = [-c_lam * float(g @ g), -(system.gamma - system.beta) * float(v @ v),
                   -tau * system.theta * variance]
    p_norm = float(np.linalg.norm(system.mixture(lam), 2))
    magnitude = (p_norm * float(g @ g) + system.beta * (1 + p_norm) * float(np.linalg.norm(g) * np.linalg.norm(v))
                 + system.beta * float(v @ v) + tau * float(np.abs(grad_entropy) @ np.abs(lamdot))
                 + tau * system.theta * float(lam @ h**2) + c_lam * float(g @ g))
    d, k = x.size, lam.size
    return {"rate": math.fsum(terms), "claimed_bound": math.fsum(bound_terms),
            "resolution": 64 * (d + k) * d * np.finfo(float).eps * magnitude}


def integrate_inertial(system: InertialSystem, x0: np.ndarray, v0: np.ndarray, lam0: np.ndarray,
                       times: np.ndarray, *, rtol: float = 1e-10, atol: float = 1e-12,
                       method: str = "LSODA") -> dict[str, np.ndarray]:
    r"""Integrate (152)–(154) with ``solve_ivp`` on ``times`` (from ``times[0]``).

    The weights are integrated in log-coordinates on their support
    (:math:`y_i = \log\lambda_i`, :math:`\dot y_i = \theta(h_i - \bar h)`,
    :math:`\lambda = \mathrm{softmax}(y)`), so they stay on the simplex.

    Returns
    -------
    dict
        ``t``, ``x`` (n, d), ``v`` (n, d), ``lam`` (n, K).

    Raises
    ------
    NumericalFailure
        If the solver fails or the states are not finite.
    """
    d = system.problem.dim
    support = lam0 > 0
    k = lam0.size

    def weights(y: np.ndarray) -> np.ndarray:
        lam = np.zeros(k)
        w = np.exp(y - y.max())
        lam[support] = w / w.sum()
        return lam

    def rhs(t: float, state: np.ndarray) -> np.ndarray:
        x, v, y = state[:d], state[d:2 * d], state[2 * d:]
        lam = weights(y)
        xdot, vdot, lamdot = system.field(x, v, lam)
        g = system.problem.grad(x)
        h = system.scores(g, lam)[support]
        ydot = system.theta * (h - float(lam[support] @ h))
        return np.concatenate([xdot, vdot, ydot])

    y0 = np.concatenate([x0, v0, np.log(lam0[support])])
    with np.errstate(all="ignore"):
        sol = solve_ivp(rhs, (float(times[0]), float(times[-1])), y0, method=method, t_eval=times, rtol=rtol,
                        atol=atol)
    if sol.status != 0 or sol.y.shape[1] != times.size or not np.all(np.isfinite(sol.y)):
        raise NumericalFailure(f"inertial ODE: solve_ivp failed ({sol.message})")
    lam = np.array([weights(y) for y in sol.y[2 * d:].T])
    return {"t": sol.t, "x": sol.y[:d].T, "v": sol.y[d:2 * d].T, "lam": lam}


def inertial_recursion(system: InertialSystem, x0: np.ndarray, v0: np.ndarray, lam: np.ndarray, alpha: float,
                       n_steps: int, record: np.ndarray | None = None) -> dict[str, np.ndarray]:
    r"""The discrete recursion (148)–(149) with fixed weights and constant step :math:`\alpha`.

    Parameters
    ----------
    record : array of int, optional
        Iteration indices to return (default: all, ``0..n_steps``).

    Returns
    -------
    dict
        ``steps``, ``x``, ``v`` at the recorded iterations.
    """
    p_bar = system.mixture(lam)
    x, v = np.array(x0, dtype=float), np.array(v0, dtype=float)
    wanted = np.arange(n_steps + 1) if record is None else np.asarray(record)
    keep = set(int(i) for i in wanted)
    xs, vs = {}, {}
    if 0 in keep:
        xs[0], vs[0] = x.copy(), v.copy()
    sign_beta = system.momentum_sign * system.beta
    for step in range(1, n_steps + 1):
        pg = p_bar @ system.problem.grad(x)
        x, v = x - alpha * (pg - sign_beta * v), (1.0 - system.gamma) * v - pg
        if step in keep:
            xs[step], vs[step] = x.copy(), v.copy()
    if not all(np.all(np.isfinite(xs[i])) for i in xs):
        raise NumericalFailure(f"the inertial recursion diverged (alpha={alpha:g})")
    return {"steps": wanted, "x": np.array([xs[int(i)] for i in wanted]),
            "v": np.array([vs[int(i)] for i in wanted])}


def linear_recursion_states(system: InertialSystem, x0: np.ndarray, v0: np.ndarray, lam: np.ndarray, alpha: float,
                            steps: np.ndarray) -> dict[str, np.ndarray]:
    r"""(148)–(149) for a quadratic :math:`f = \tfrac12(x - x^*)^\top A(x - x^*)` by powers of the one-step matrix.

    With :math:`B = \bar PA` and :math:`z = (x - x^*, v)` the recursion is linear,
    :math:`z_{t+1} = Mz_t`,

    .. math::

        M = \begin{pmatrix} I - \alpha B & s\alpha\beta I \\ -B & (1 - \gamma)I \end{pmatrix},

    so :math:`z_n = M^nz_0` (``numpy.linalg.matrix_power``, :math:`O(\log n)`
    products) gives the iterates at the requested ``steps`` exactly as the
    loop of :func:`inertial_recursion` would, up to rounding, at any :math:`n`.

    Raises
    ------
    ValueError
        If the objective is not a quadratic (its Hessian varies).
    """
    problem = system.problem
    d = problem.dim
    probe = np.random.default_rng(0).standard_normal((3, d))
    hessians = problem.hess(probe)
    a = hessians[0]
    if not np.allclose(hessians, a[None], rtol=1e-12, atol=0.0):
        raise ValueError(f"{problem.name} is not quadratic; use inertial_recursion")
    centre = np.zeros(d) if problem.x_star is None else np.asarray(problem.x_star, dtype=float)
    b = system.mixture(lam) @ a
    eye = np.eye(d)
    m = np.block([[eye - alpha * b, system.momentum_sign * alpha * system.beta * eye],
                  [-b, (1.0 - system.gamma) * eye]])
    z0 = np.concatenate([np.asarray(x0, dtype=float) - centre, np.asarray(v0, dtype=float)])
    states = np.array([np.linalg.matrix_power(m, int(n)) @ z0 for n in steps])
    if not np.all(np.isfinite(states)):
        raise NumericalFailure(f"the inertial recursion diverged (alpha={alpha:g})")
    return {"steps": np.asarray(steps), "x": states[:, :d] + centre, "v": states[:, d:]}


def entropy_rows(lam: np.ndarray) -> np.ndarray:
    r""":math:`H(\lambda)` of each row."""
    return np.sum(entr(np.maximum(lam, 0.0)), axis=-1)


def describe_system(system: InertialSystem) -> dict[str, Any]:
    """Parameters of a system for reports."""
    return {"beta": system.beta, "gamma": system.gamma, "momentum_sign": system.momentum_sign,
            "theta": system.theta, "score": system.score, "c_i": system.alignment.round(6).tolist(),
            "objective": system.problem.name}
