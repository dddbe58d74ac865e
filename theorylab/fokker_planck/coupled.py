r"""The coupled population system (120)–(122): Fokker–Planck PDE and replicator gate.

.. math::

    \partial_t\mu_t = -\nabla\cdot(s\,v_{\lambda_t}\mu_t) + \sigma\Delta\mu_t, \qquad
    v_\lambda = \sum_i\lambda_id_i, \qquad (120)

    \dot\lambda_i = \theta\lambda_i\Bigl(h_i(\mu_t, \lambda_t) - \sum_j\lambda_jh_j(\mu_t, \lambda_t)\Bigr),
    \qquad (121)

    h_i(\mu, \lambda) = -\int\langle\nabla f, d_i\rangle\,d\mu \qquad (122,\ \texttt{score="align"}),

or the advantage analogue of Definition 3(2), :math:`h_i = a_i -
\sum_j\lambda_ja_j` with :math:`a_i = \int\langle\nabla f, d_i\rangle d\mu`
(``score="adv"``), or any callable ``score(density, lam, alignment) -> h``.

Time integration (Strang splitting, one step of size :math:`\Delta t`):

1. gate half step at frozen :math:`\mu^n`: :math:`\lambda \leftarrow
   \lambda\odot e^{\theta\frac{\Delta t}{2}h}/Z` (the exact replicator
   solution for frozen scores, computed as a softmax, so :math:`\lambda`
   stays on the simplex to round-off);
2. backward-Euler Scharfetter–Gummel step of (120) with the drift
   :math:`v_{\lambda}` of the half-step weights (positive, conservative);
3. gate half step at :math:`\mu^{n+1}`.

For ``"align"`` and ``"adv"`` the scores depend on :math:`\lambda` only
through a constant shift, which the replicator ignores, so steps 1 and 3 are
exact for frozen :math:`\mu`. The scheme is first order in time (the
backward-Euler step); the operator is re-assembled and re-factorised
whenever :math:`\lambda` changes.
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
from theorylab.fokker_planck.free_energy import META_SCORES, population_meta_scores
from theorylab.fokker_planck.grid import FaceField, UniformGrid, as_face_field, face_field_combination
from theorylab.fokker_planck.scheme import FokkerPlanckResult, _face_entries, _implicit_solver, _pattern, _time_grid
from theorylab.simplex import multiplicative_weights_step

__all__ = ["GatedPopulationModel", "solve_coupled_fokker_planck"]

ScoreLike = str | Callable[[FloatArray, FloatArray, FloatArray], Any]


@dataclass
class GatedPopulationModel:
    r"""Data of the coupled system (120)–(122) on a grid.

    Attributes
    ----------
    grid : UniformGrid
        The grid.
    base_drifts_on_faces : list of FaceField
        :math:`d_i` (normal components) on the interior faces, used by the transport.
    base_drifts_at_cells : numpy.ndarray
        :math:`d_i` at the cell centres, shape ``(K, d, *grid.shape)``, used by the scores.
    objective_gradient : numpy.ndarray
        :math:`\nabla f` at the cell centres, shape ``(d, *grid.shape)``.
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.
    theta : float
        Gate rate :math:`\theta \ge 0`.
    sign : {"a", "b"}
        Drift-sign reading of (120).
    score : {"align", "adv"} or callable
        Meta-score reading; a callable receives ``(density, lam, alignment)``
        and returns :math:`h`, shape ``(K,)``.
    """

    grid: UniformGrid
    base_drifts_on_faces: list[FaceField]
    base_drifts_at_cells: FloatArray
    objective_gradient: FloatArray
    sigma: float
    theta: float
    sign: str
    score: ScoreLike = "align"

    def __post_init__(self) -> None:
        if not isinstance(self.grid, UniformGrid):
            raise ValueError(f"grid must be a UniformGrid; got {type(self.grid).__name__}")
        transport_sign(self.sign)
        self.sigma = as_diffusion(self.sigma)
        self.theta = as_float(self.theta, "theta", nonnegative=True)
        if not self.base_drifts_on_faces:
            raise ValueError("base_drifts_on_faces must hold at least one base drift")
        self.base_drifts_on_faces = [
            as_face_field(self.grid, d, f"base_drifts_on_faces[{i}]") for i, d in enumerate(self.base_drifts_on_faces)
        ]
        k = len(self.base_drifts_on_faces)
        self.base_drifts_at_cells = as_real_array(
            self.base_drifts_at_cells, "base_drifts_at_cells", (k, self.grid.ndim, *self.grid.shape)
        )
        self.objective_gradient = as_real_array(
            self.objective_gradient, "objective_gradient", (self.grid.ndim, *self.grid.shape)
        )
        if not callable(self.score) and self.score not in META_SCORES:
            raise ValueError(f"score must be one of {META_SCORES} or a callable; got {self.score!r}")

    @classmethod
    def from_functions(
        cls,
        grid: UniformGrid,
        base_drifts: Sequence[Callable[[FloatArray], Any]],
        objective_gradient: Callable[[FloatArray], Any],
        sigma: float,
        theta: float,
        *,
        sign: str,
        score: ScoreLike = "align",
    ) -> GatedPopulationModel:
        """Build the model from callables ``d_i(points) -> (d, ...)`` and ``grad_f(points) -> (d, ...)``."""
        if not base_drifts:
            raise ValueError("base_drifts must hold at least one callable")
        return cls(
            grid=grid,
            base_drifts_on_faces=[as_face_field(grid, d, f"base_drifts[{i}]") for i, d in enumerate(base_drifts)],
            base_drifts_at_cells=np.stack(
                [grid.evaluate_vector(d, f"base_drifts[{i}]") for i, d in enumerate(base_drifts)]
            ),
            objective_gradient=grid.evaluate_vector(objective_gradient, "objective_gradient"),
            sigma=sigma,
            theta=theta,
            sign=sign,
            score=score,
        )

    @property
    def n_bases(self) -> int:
        """Number :math:`K` of base drifts."""
        return len(self.base_drifts_on_faces)

    def drift(self, lam: Any) -> FaceField:
        r"""The mixed drift :math:`v_\lambda = \sum_i\lambda_id_i` on the faces."""
        return face_field_combination(np.asarray(lam, dtype=np.float64), self.base_drifts_on_faces)

    def alignment(self, density: Any) -> FloatArray:
        r""":math:`a_i(\mu) = \int\langle\nabla f, d_i\rangle\,d\mu`, shape ``(K,)``."""
        mu = np.asarray(density, dtype=np.float64)
        inner = np.einsum("j...,ij...->i...", self.objective_gradient, self.base_drifts_at_cells)
        return np.sum(inner * mu, axis=tuple(range(1, self.grid.ndim + 1))) * self.grid.cell_volume

    def meta_scores(self, density: Any, lam: Any) -> FloatArray:
        r"""Population meta-scores :math:`h(\mu, \lambda)` in the model's reading."""
        alignment = self.alignment(density)
        if callable(self.score):
            h = as_real_array(self.score(np.asarray(density), np.asarray(lam), alignment), "score(...)")
            if h.shape != (self.n_bases,):
                raise ValueError(f"score(...) must return shape ({self.n_bases},); got {h.shape}")
            return h
        return population_meta_scores(alignment, lam, self.score)


def solve_coupled_fokker_planck(
    model: GatedPopulationModel,
    density0: Any,
    lam0: Any,
    *,
    t_final: float,
    dt: float,
    save_every: int | None = None,
    trackers: Sequence[Any] = (),
) -> FokkerPlanckResult:
    r"""Integrate (120)–(122) by Strang splitting (module docstring).

    Parameters
    ----------
    model : GatedPopulationModel
        Drifts, scores and parameters.
    density0 : array_like
        Initial density (normalised to unit mass).
    lam0 : array_like
        Initial gate weights on the simplex, shape ``(K,)``.
    t_final, dt : float
        Final time and (maximal) time step.
    save_every : int, optional
        Save the density every this many steps (initial and final always).
    trackers : sequence of Tracker, optional
        Called as ``handle(t, density, lam)`` at the start and after every step.

    Returns
    -------
    FokkerPlanckResult
        With ``lam``, ``lams`` (every step) and ``lam_times`` filled.
    """
    if not isinstance(model, GatedPopulationModel):
        raise ValueError(f"model must be a GatedPopulationModel; got {type(model).__name__}")
    grid = model.grid
    mu = grid.normalize(density0, "density0")
    if np.shape(lam0) != (model.n_bases,):
        raise ValueError(
            f"lam0 must be a point of the simplex of length K = {model.n_bases}; got shape {np.shape(lam0)}"
        )
    try:
        lam = multiplicative_weights_step(lam0, np.zeros(model.n_bases), 0.0)
    except ValueError as exc:
        raise ValueError(f"lam0 is not a point of the simplex: {exc}") from None
    t_final, n_steps, dt = _time_grid(t_final, dt)
    save_every = n_steps if save_every is None else as_positive_int(save_every, "save_every")
    half = 0.5 * model.theta * dt
    pattern = _pattern(grid)
    s = transport_sign(model.sign)
    trackers = list(trackers)
    for tracker in trackers:
        tracker.handle(0.0, mu, lam)
    times, saved = [0.0], [mu.copy()]
    lams = [lam.copy()]
    cached_lam: FloatArray | None = None
    solve = None
    for step in range(1, n_steps + 1):
        lam = multiplicative_weights_step(lam, model.meta_scores(mu, lam), half)
        if cached_lam is None or not np.array_equal(lam, cached_lam):
            entries = _face_entries(grid, model.drift(lam), model.sigma, s)
            solve = _implicit_solver(grid, pattern.matrix(entries, 1.0, -dt))
            cached_lam = lam.copy()
        mu = solve(mu.ravel()).reshape(grid.shape)
        lam = multiplicative_weights_step(lam, model.meta_scores(mu, lam), half)
        t = step * dt
        lams.append(lam.copy())
        for tracker in trackers:
            tracker.handle(t, mu, lam)
        if (step % save_every == 0 or step == n_steps) and times[-1] != t:
            times.append(t)
            saved.append(mu.copy())
    return FokkerPlanckResult(
        t=t_final,
        density=mu,
        times=np.array(times),
        densities=np.stack(saved),
        n_steps=n_steps,
        dt=dt,
        trackers=trackers,
        lam=lam,
        lams=np.stack(lams),
        lam_times=dt * np.arange(n_steps + 1),
    )
