r"""Conservative Scharfetter–Gummel finite volumes for the Fokker–Planck equation.

The population dynamics of TrailMix, eq. (7) = (120), reads

.. math::

    \partial_t\mu_t + \nabla\cdot(\mu_t v_{\lambda_t}) = \sigma\Delta\mu_t,
    \qquad v_\lambda = \sum_i \lambda_i d_i .

Whether the iterates :math:`x_{t+1} = x_t - \alpha d_t` of (3) move mass
along :math:`+v` (as printed) or :math:`-v` depends on a single sign, so the
sign is a parameter (catalogue readings ``.pde-sign-a`` / ``.pde-sign-b``):

.. math::

    \partial_t \mu = -\nabla\cdot J, \qquad J = u\,\mu - \sigma\nabla\mu,
    \qquad u = s\,v, \quad s = +1 \ (\texttt{sign="a"}),\ s = -1 \ (\texttt{sign="b"}).

Discretisation (cell-centred finite volumes, zero flux on the boundary of the
box): across the face between neighbouring cells :math:`L, R` along an axis
of width :math:`h`, with face velocity :math:`u_f` and Péclet number
:math:`P = u_f h/\sigma`, the Scharfetter–Gummel flux is

.. math::

    J_f = \frac{\sigma}{h}\bigl[B(-P)\,\mu_L - B(P)\,\mu_R\bigr],
    \qquad B(z) = \frac{z}{e^z - 1}.

It is the exact flux of the 1-D two-point problem with constant :math:`u_f`;
for :math:`|P| \to \infty` it becomes upwinding, for :math:`P \to 0`
central differencing. Each face flux leaves one cell and enters its
neighbour, so the semi-discrete operator :math:`A` has zero column sums and
mass is conserved exactly up to round-off; its off-diagonal entries are
positive (:math:`B > 0`), so :math:`I - \Delta t A` is an M-matrix and
backward Euler keeps densities positive for every :math:`\Delta t`.

For a gradient transport :math:`u = -\nabla\Phi` sampled as the discrete
gradient :math:`u_f = -(\Phi_R - \Phi_L)/h`, :math:`B(-P)/B(P) = e^{P}`
makes every face flux of :math:`\mu_C \propto e^{-\Phi_C/\sigma}` vanish,
so the discrete Gibbs density is the exact steady state of the scheme.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply, splu

from theorylab.fokker_planck._validation import (
    FloatArray,
    as_density_values,
    as_diffusion,
    as_float,
    as_positive_int,
    as_real_array,
    transport_sign,
)
from theorylab.fokker_planck.grid import DriftLike, FaceField, UniformGrid, as_face_field

__all__ = [
    "TIME_STEPPING_METHODS",
    "FokkerPlanckResult",
    "FokkerPlanckStepper",
    "bernoulli",
    "drift_from_potential",
    "fokker_planck_operator",
    "gibbs_density",
    "solve_fokker_planck",
    "stationary_density",
    "zero_drift",
]

#: Implicit time-stepping methods of :class:`FokkerPlanckStepper`.
TIME_STEPPING_METHODS = ("backward_euler", "bdf2", "crank_nicolson")


def bernoulli(z: Any) -> FloatArray:
    r"""Bernoulli function :math:`B(z) = z/(e^z - 1)`, :math:`B(0) = 1`.

    Evaluated as :math:`z/\operatorname{expm1}(z)` for :math:`z < 0` and
    :math:`z e^{-z}/(-\operatorname{expm1}(-z))` for :math:`z > 0`, which is
    accurate to a few ulps everywhere and never overflows. The identity
    :math:`B(-z) = e^{z} B(z)` is what makes the discrete Gibbs state exact.

    Parameters
    ----------
    z : array_like
        Arguments (Péclet numbers).

    Returns
    -------
    numpy.ndarray
        :math:`B(z)`, same shape as ``z``; positive everywhere.
    """
    z = np.asarray(z, dtype=np.float64)
    out = np.ones_like(z)
    pos = z > 0.0
    neg = z < 0.0
    zp = z[pos]
    out[pos] = zp * np.exp(-zp) / (-np.expm1(-zp))
    zn = z[neg]
    out[neg] = zn / np.expm1(zn)
    return out


def zero_drift(grid: UniformGrid) -> FaceField:
    """The face field :math:`v = 0` (pure diffusion)."""
    return tuple(np.zeros(grid.face_shape(k)) for k in range(grid.ndim))


def drift_from_potential(grid: UniformGrid, potential: Any, *, sign: str) -> FaceField:
    r"""Drift whose transport velocity is the discrete gradient flow of :math:`\Phi`.

    Returns the paper's drift :math:`v` on the faces such that the transport
    velocity is :math:`u = s v = -\nabla_h\Phi`,

    .. math::

        v_f = -s\,\frac{\Phi_R - \Phi_L}{h}, \qquad s = \pm 1 \text{ (reading a / b)}.

    With it, :func:`gibbs_density` is the exact steady state of the scheme.
    For the TrailMix bases :math:`d_i = c_i\nabla f` under reading b,
    :math:`v_\lambda = \bar c\nabla f` and :math:`\Phi = \bar c f`.

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    potential : array_like
        :math:`\Phi` at the cell centres, shape ``grid.shape``.
    sign : {"a", "b"}
        Drift-sign reading (see :func:`theorylab.fokker_planck.transport_sign`).

    Returns
    -------
    FaceField
        The drift on the interior faces.
    """
    s = transport_sign(sign)
    phi = as_real_array(potential, "potential", grid.shape)
    return tuple(-s * np.diff(phi, axis=k) / h for k, h in enumerate(grid.spacing))


def gibbs_density(grid: UniformGrid, potential: Any, sigma: float) -> FloatArray:
    r"""Normalised discrete Gibbs density :math:`\mu_C \propto e^{-\Phi_C/\sigma}`.

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    potential : array_like
        :math:`\Phi` at the cell centres.
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.

    Returns
    -------
    numpy.ndarray
        Density of unit mass on the grid.
    """
    sigma = as_diffusion(sigma)
    phi = as_real_array(potential, "potential", grid.shape)
    weights = np.exp(-(phi - phi.min()) / sigma)
    return weights / (np.sum(weights) * grid.cell_volume)


# ---------------------------------------------------------------------------
# operator assembly
# ---------------------------------------------------------------------------


def _face_neighbours(grid: UniformGrid, axis: int) -> tuple[FloatArray, FloatArray]:
    """Flat indices of the cells left and right of each interior face normal to ``axis``."""
    index = np.arange(grid.n_cells).reshape(grid.shape)
    left = np.take(index, np.arange(grid.shape[axis] - 1), axis=axis).ravel()
    right = np.take(index, np.arange(1, grid.shape[axis]), axis=axis).ravel()
    return left, right


class _SparsityPattern:
    """CSC structure of the operator on one grid, computed once and reused.

    Every face contributes four entries ``(L, L), (L, R), (R, L), (R, R)``;
    ``slot`` maps each of them to its position in the CSC data array, so that
    assembling a new operator is one ``bincount``.
    """

    def __init__(self, grid: UniformGrid) -> None:
        rows, cols = [], []
        for k in range(grid.ndim):
            left, right = _face_neighbours(grid, k)
            rows += [left, left, right, right]
            cols += [left, right, left, right]
        n = grid.n_cells
        rows_all = np.concatenate(rows + [np.arange(n)])
        cols_all = np.concatenate(cols + [np.arange(n)])
        # CSC order: by column, then row
        keys = cols_all.astype(np.int64) * n + rows_all
        unique, inverse = np.unique(keys, return_inverse=True)
        self.n = n
        self.slot = inverse[: keys.size - n]
        self.diagonal_slot = inverse[keys.size - n :]
        self.indices = (unique % n).astype(np.int32)
        self.indptr = np.searchsorted(unique // n, np.arange(n + 1)).astype(np.int32)
        self.nnz = unique.size

    def matrix(self, entries: FloatArray, diagonal_shift: float = 0.0, scale: float = 1.0) -> sp.csc_matrix:
        """``diagonal_shift * I + scale * A`` from the raw face entries of ``A``."""
        data = scale * np.bincount(self.slot, weights=entries, minlength=self.nnz)
        if diagonal_shift:
            data[self.diagonal_slot] += diagonal_shift
        return sp.csc_matrix((data, self.indices.copy(), self.indptr.copy()), shape=(self.n, self.n))


_PATTERNS: dict[UniformGrid, _SparsityPattern] = {}


def _pattern(grid: UniformGrid) -> _SparsityPattern:
    if grid not in _PATTERNS:
        if len(_PATTERNS) > 32:
            _PATTERNS.clear()
        _PATTERNS[grid] = _SparsityPattern(grid)
    return _PATTERNS[grid]


def _face_entries(grid: UniformGrid, faces: FaceField, sigma: float, s: float) -> FloatArray:
    """Raw operator entries, in the order of :class:`_SparsityPattern`."""
    data = []
    for k, h in enumerate(grid.spacing):
        peclet = (s * h / sigma) * faces[k].ravel()
        coeff_left = (sigma / h**2) * bernoulli(-peclet)
        coeff_right = (sigma / h**2) * bernoulli(peclet)
        data += [-coeff_left, coeff_right, coeff_left, -coeff_right]
    return np.concatenate(data)


def _implicit_solver(grid: UniformGrid, matrix: sp.csc_matrix) -> Any:
    """Sparse LU solve of ``c I - dt A``.

    The matrix is a column diagonally dominant M-matrix, so elimination needs
    no pivoting; a 1-D operator is tridiagonal (natural ordering, no fill-in),
    a 2-D one is structurally symmetric (minimum degree on A + A^T).
    """
    return splu(
        matrix,
        permc_spec="NATURAL" if grid.ndim == 1 else "MMD_AT_PLUS_A",
        diag_pivot_thresh=0.0,
        options={"SymmetricMode": True},
    ).solve


def fokker_planck_operator(grid: UniformGrid, drift: DriftLike, sigma: float, *, sign: str) -> sp.csc_matrix:
    r"""Semi-discrete Fokker–Planck operator :math:`A` with :math:`\dot\mu = A\mu`.

    For every interior face :math:`f` between cells :math:`L` and :math:`R`
    along an axis of width :math:`h`, with :math:`P = s v_f h/\sigma`,

    .. math::

        \dot\mu_L \mathrel{-}= J_f/h, \quad \dot\mu_R \mathrel{+}= J_f/h, \qquad
        J_f = \frac{\sigma}{h}\bigl[B(-P)\mu_L - B(P)\mu_R\bigr],

    and no flux through the outer boundary. :math:`A` has zero column sums
    (conservation) and nonnegative off-diagonal entries.

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    drift : callable or face field
        The paper's drift :math:`v_\lambda` (normal components on the faces).
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.
    sign : {"a", "b"}
        Drift-sign reading: transport velocity :math:`u = +v` (``"a"``, eq.
        (120) as printed) or :math:`u = -v` (``"b"``).

    Returns
    -------
    scipy.sparse.csc_matrix
        :math:`A`, shape ``(grid.n_cells, grid.n_cells)``, acting on
        ``density.ravel()`` (C order).
    """
    if not isinstance(grid, UniformGrid):
        raise ValueError(f"grid must be a UniformGrid; got {type(grid).__name__}")
    sigma = as_diffusion(sigma)
    s = transport_sign(sign)
    faces = as_face_field(grid, drift)
    return _pattern(grid).matrix(_face_entries(grid, faces, sigma, s))


# ---------------------------------------------------------------------------
# time stepping
# ---------------------------------------------------------------------------


class FokkerPlanckStepper:
    r"""Implicit time stepping of :math:`\dot\mu = A\mu` for a fixed drift.

    The operator is assembled once; the sparse LU factorisation
    (:func:`scipy.sparse.linalg.splu`) of the implicit matrix is computed once
    per ``(method, dt)`` and reused by every step.

    * ``"backward_euler"``: :math:`(I - \Delta t A)\mu^{n+1} = \mu^n`; first
      order, unconditionally positive and conservative (the default).
    * ``"bdf2"``: :math:`(3I - 2\Delta t A)\mu^{n+1} = 4\mu^n - \mu^{n-1}`
      (first step backward Euler); second order, conservative, positivity
      not guaranteed.
    * ``"crank_nicolson"``: :math:`(I - \tfrac{\Delta t}{2}A)\mu^{n+1} =
      (I + \tfrac{\Delta t}{2}A)\mu^n`; second order, conservative, positive
      only for :math:`\Delta t\,\max_C|A_{CC}| \le 2`.

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    drift : callable or face field
        The paper's drift :math:`v` on the faces.
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.
    sign : {"a", "b"}
        Drift-sign reading (``"a"``: eq. (120) as printed).

    Examples
    --------
    >>> import numpy as np
    >>> grid = UniformGrid([(-6.0, 6.0)], 120)
    >>> x = grid.cell_centers[0]
    >>> stepper = FokkerPlanckStepper(grid, lambda p: p, 0.5, sign="b")  # v = grad(x^2/2)
    >>> mu = stepper.advance(grid.normalize(np.exp(-(x - 2.0) ** 2)), dt=0.01, n_steps=10)
    >>> round(grid.integrate(mu), 12)
    1.0
    """

    def __init__(self, grid: UniformGrid, drift: DriftLike, sigma: float, *, sign: str) -> None:
        if not isinstance(grid, UniformGrid):
            raise ValueError(f"grid must be a UniformGrid; got {type(grid).__name__}")
        self.grid = grid
        self.sign = sign
        self.sigma = as_diffusion(sigma)
        self.drift = as_face_field(grid, drift)
        self._entries = _face_entries(grid, self.drift, self.sigma, transport_sign(sign))
        self.operator = _pattern(grid).matrix(self._entries)
        self._solvers: dict[tuple[str, float], Any] = {}

    def _solver(self, method: str, dt: float) -> Any:
        key = (method, dt)
        if key not in self._solvers:
            pattern = _pattern(self.grid)
            if method == "backward_euler":
                matrix = pattern.matrix(self._entries, 1.0, -dt)
            elif method == "bdf2":
                matrix = pattern.matrix(self._entries, 3.0, -2.0 * dt)
            else:
                matrix = pattern.matrix(self._entries, 1.0, -0.5 * dt)
            self._solvers[key] = _implicit_solver(self.grid, matrix)
        return self._solvers[key]

    def _check(self, density: Any, dt: Any, method: str) -> tuple[FloatArray, float]:
        if method not in TIME_STEPPING_METHODS:
            raise ValueError(f"method must be one of {TIME_STEPPING_METHODS}; got {method!r}")
        dt = as_float(dt, "dt", positive=True)
        mu = as_density_values(density, "density", self.grid.shape)
        return mu, dt

    def rate(self, density: Any) -> FloatArray:
        r"""The semi-discrete time derivative :math:`A\mu`, shape ``grid.shape``."""
        mu = as_real_array(density, "density", self.grid.shape)
        return (self.operator @ mu.ravel()).reshape(self.grid.shape)

    def advance(self, density: Any, dt: float, n_steps: int = 1, method: str = "backward_euler") -> FloatArray:
        """Advance ``density`` by ``n_steps`` steps of size ``dt``.

        Parameters
        ----------
        density : array_like
            Nonnegative cell values, shape ``grid.shape``.
        dt : float
            Time step (> 0).
        n_steps : int, optional
            Number of steps (>= 1).
        method : {"backward_euler", "bdf2", "crank_nicolson"}, optional
            Time-stepping method.

        Returns
        -------
        numpy.ndarray
            The density after ``n_steps * dt``.
        """
        mu, dt = self._check(density, dt, method)
        n_steps = as_positive_int(n_steps, "n_steps")
        state = mu.ravel().copy()
        previous = None
        for _ in range(n_steps):
            state, previous = self._step_flat(state, previous, dt, method), state
        return state.reshape(self.grid.shape)

    def _step_flat(self, state: FloatArray, previous: FloatArray | None, dt: float, method: str) -> FloatArray:
        if method == "backward_euler" or (method == "bdf2" and previous is None):
            return self._solver("backward_euler", dt)(state)
        if method == "bdf2":
            return self._solver("bdf2", dt)(4.0 * state - previous)
        return self._solver("crank_nicolson", dt)(state + (0.5 * dt) * (self.operator @ state))

    def evolve_exact_in_time(self, density: Any, t: float) -> FloatArray:
        r"""Exact solution :math:`e^{tA}\mu` of the semi-discrete system.

        Uses :func:`scipy.sparse.linalg.expm_multiply`; the only error left is
        the spatial one, which is what grid-convergence studies need.
        """
        mu = as_density_values(density, "density", self.grid.shape)
        t = as_float(t, "t", nonnegative=True)
        return expm_multiply(t * self.operator, mu.ravel()).reshape(self.grid.shape)


def stationary_density(grid: UniformGrid, drift: DriftLike, sigma: float, *, sign: str) -> FloatArray:
    r"""Unit-mass null vector of the semi-discrete operator, :math:`A\mu = 0`.

    One equation of :math:`A\mu = 0` is redundant (:math:`\mathbf 1^\top A = 0`)
    and is replaced by the normalisation :math:`\sum_C |C|\mu_C = 1`; the
    system is solved with a sparse LU factorisation and two steps of
    iterative refinement. For a drift from
    :func:`drift_from_potential` the result equals :func:`gibbs_density` to
    round-off.

    Returns
    -------
    numpy.ndarray
        The steady state, shape ``grid.shape``.

    Raises
    ------
    numpy.linalg.LinAlgError
        If the reduced system is numerically singular (metastable wells).
    """
    operator = fokker_planck_operator(grid, drift, sigma, sign=sign).tolil()
    # replace the row of the largest diagonal entry (best conditioned choice)
    row = int(np.argmax(np.abs(operator.diagonal())))
    operator[row, :] = np.full(grid.n_cells, grid.cell_volume)
    rhs = np.zeros(grid.n_cells)
    rhs[row] = 1.0
    matrix = sp.csc_matrix(operator)
    try:
        solve = splu(matrix).solve
    except RuntimeError as exc:
        raise np.linalg.LinAlgError(
            f"the steady state is not numerically unique ({exc}): the operator has a numerically "
            "multiple null space, e.g. wells separated by barriers much higher than sigma"
        ) from None
    mu = solve(rhs)
    for _ in range(2):  # iterative refinement: the reduced system is badly scaled on fine grids
        mu = mu + solve(rhs - matrix @ mu)
    return mu.reshape(grid.shape)


# ---------------------------------------------------------------------------
# functional interface
# ---------------------------------------------------------------------------


@dataclass
class FokkerPlanckResult:
    """Result of :func:`solve_fokker_planck` (and of the coupled solver).

    Attributes
    ----------
    t : float
        Final time.
    density : numpy.ndarray
        Final density, shape ``grid.shape``.
    times : numpy.ndarray
        Times at which densities were saved.
    densities : numpy.ndarray
        Saved densities, shape ``(len(times), *grid.shape)``.
    n_steps : int
        Number of time steps taken.
    dt : float
        Time step used.
    trackers : list
        The trackers passed in, after the run.
    lam : numpy.ndarray or None
        Final gate weights (coupled solver only).
    lams : numpy.ndarray or None
        Gate weights at every step, shape ``(n_steps + 1, K)`` (coupled solver only).
    lam_times : numpy.ndarray or None
        Times of ``lams``.
    """

    t: float
    density: FloatArray
    times: FloatArray
    densities: FloatArray
    n_steps: int
    dt: float
    trackers: list[Any]
    lam: FloatArray | None = None
    lams: FloatArray | None = None
    lam_times: FloatArray | None = None


def _time_grid(t_final: Any, dt: Any) -> tuple[float, int, float]:
    t_final = as_float(t_final, "t_final", positive=True)
    dt = as_float(dt, "dt", positive=True)
    n_steps = max(1, math.ceil(t_final / dt - 1e-9))
    return t_final, n_steps, t_final / n_steps


def solve_fokker_planck(
    grid: UniformGrid,
    density0: Any,
    drift: DriftLike,
    sigma: float,
    *,
    sign: str,
    t_final: float,
    dt: float,
    method: str = "backward_euler",
    save_every: int | None = None,
    trackers: Sequence[Any] = (),
) -> FokkerPlanckResult:
    r"""Solve the Fokker–Planck equation (120) with a fixed drift.

    .. math::

        \partial_t\mu = -\nabla\cdot(s\,v\,\mu) + \sigma\Delta\mu, \qquad s = \pm1,

    on the grid's box with zero-flux boundaries, from ``density0`` (normalised
    to unit mass) up to ``t_final`` with ``ceil(t_final/dt)`` equal steps.

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    density0 : array_like
        Initial density at the cell centres; any nonnegative array of finite
        positive mass (it is normalised).
    drift : callable or face field
        The paper's drift :math:`v` (sampled on the faces if callable).
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.
    sign : {"a", "b"}
        Drift-sign reading (``"a"`` = (120) as printed).
    t_final, dt : float
        Final time and (maximal) time step.
    method : {"backward_euler", "bdf2", "crank_nicolson"}, optional
        Time stepping, see :class:`FokkerPlanckStepper`.
    save_every : int, optional
        Save the density every this many steps (the initial and final
        densities are always saved).
    trackers : sequence of Tracker, optional
        Objects with ``handle(t, density, lam)``, called at the start and after
        every step (see :mod:`theorylab.fokker_planck.trackers`).

    Returns
    -------
    FokkerPlanckResult
        Final and saved densities, trackers.
    """
    stepper = FokkerPlanckStepper(grid, drift, sigma, sign=sign)
    mu = grid.normalize(density0, "density0")
    if method not in TIME_STEPPING_METHODS:
        raise ValueError(f"method must be one of {TIME_STEPPING_METHODS}; got {method!r}")
    t_final, n_steps, dt = _time_grid(t_final, dt)
    save_every = n_steps if save_every is None else as_positive_int(save_every, "save_every")
    trackers = list(trackers)
    times, saved = [0.0], [mu.copy()]
    for tracker in trackers:
        tracker.handle(0.0, mu, None)
    state, previous = mu.ravel().copy(), None
    for step in range(1, n_steps + 1):
        state, previous = stepper._step_flat(state, previous, dt, method), state
        t = step * dt
        current = state.reshape(grid.shape)
        for tracker in trackers:
            tracker.handle(t, current, None)
        if step % save_every == 0 or step == n_steps:
            if times[-1] != t:
                times.append(t)
                saved.append(current.copy())
    return FokkerPlanckResult(
        t=t_final,
        density=state.reshape(grid.shape),
        times=np.array(times),
        densities=np.stack(saved),
        n_steps=n_steps,
        dt=dt,
        trackers=trackers,
    )
