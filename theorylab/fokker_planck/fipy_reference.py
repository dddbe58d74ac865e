r"""FiPy as an independent implementation of the same Fokker–Planck problem.

The equation (120) with transport velocity :math:`u = s\,v` is posed in FiPy
as

.. code-block:: python

    TransientTerm() + <Convection>Term(coeff=u) == DiffusionTerm(coeff=sigma)

on a ``Grid1D`` / ``Grid2D`` covering the same box with the same cells, the
same face velocities on the interior faces, zero velocity on the boundary
faces and FiPy's default no-flux boundary. FiPy builds and solves its own
matrices (backward Euler in time). With ``convection="exponential"`` its
face weighting is Patankar's exponential scheme, algebraically the
Scharfetter–Gummel flux; ``"power_law"``, ``"hybrid"``, ``"upwind"`` and
``"central"`` give different discretisations of the same equation that agree
with it only up to discretisation error.

FiPy is imported lazily (it is slow to import).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from theorylab.fokker_planck._validation import (
    FloatArray,
    as_diffusion,
    as_float,
    as_positive_int,
    transport_sign,
)
from theorylab.fokker_planck.grid import DriftLike, UniformGrid, as_face_field

__all__ = ["FIPY_CONVECTION_SCHEMES", "FipyFokkerPlanck"]

#: FiPy convection terms by name.
FIPY_CONVECTION_SCHEMES = {
    "exponential": "ExponentialConvectionTerm",
    "power_law": "PowerLawConvectionTerm",
    "hybrid": "HybridConvectionTerm",
    "upwind": "UpwindConvectionTerm",
    "central": "CentralDifferenceConvectionTerm",
}


class FipyFokkerPlanck:
    r"""The Fokker–Planck equation (120) solved by FiPy (backward Euler).

    Parameters
    ----------
    grid : UniformGrid
        The grid (1-D or 2-D); FiPy gets a mesh with the same cells.
    density0 : array_like
        Initial density at the cell centres (normalised to unit mass).
    drift : callable or face field
        The paper's drift :math:`v` on the interior faces.
    sigma : float
        Diffusion coefficient :math:`\sigma > 0`.
    sign : {"a", "b"}
        Drift-sign reading (``"a"``: transport with :math:`+v`).
    dt : float
        Time step.
    convection : str, optional
        One of :data:`FIPY_CONVECTION_SCHEMES` (default ``"exponential"``).
    tolerance : float, optional
        Relative residual tolerance of FiPy's LU solver (with iterative refinement).

    Examples
    --------
    >>> grid = UniformGrid([(-5.0, 5.0)], 50)
    >>> x = grid.cell_centers[0]
    >>> ref = FipyFokkerPlanck(grid, np.exp(-x**2), lambda p: p, 0.5, sign="b", dt=0.01)
    >>> ref.step(5)
    >>> round(grid.integrate(ref.density), 10)
    1.0
    """

    def __init__(
        self,
        grid: UniformGrid,
        density0: Any,
        drift: DriftLike,
        sigma: float,
        *,
        sign: str,
        dt: float,
        convection: str = "exponential",
        tolerance: float = 1e-12,
    ) -> None:
        import fipy
        from fipy.solvers.scipy import LinearLUSolver

        if convection not in FIPY_CONVECTION_SCHEMES:
            raise ValueError(f"convection must be one of {sorted(FIPY_CONVECTION_SCHEMES)}; got {convection!r}")
        s = transport_sign(sign)
        self.grid = grid
        self.sigma = as_diffusion(sigma)
        self.dt = as_float(dt, "dt", positive=True)
        faces = as_face_field(grid, drift)
        mu0 = grid.normalize(density0, "density0")
        spacing = grid.spacing
        if grid.ndim == 1:
            mesh = fipy.Grid1D(nx=grid.shape[0], dx=spacing[0]) + [[grid.lower[0]]]
        else:
            mesh = fipy.Grid2D(nx=grid.shape[0], ny=grid.shape[1], dx=spacing[0], dy=spacing[1]) + [
                [grid.lower[0]],
                [grid.lower[1]],
            ]
        self._mesh = mesh
        velocity = np.zeros((grid.ndim, mesh.numberOfFaces))
        centers = np.asarray(mesh.faceCenters)
        normals = np.asarray(mesh.faceNormals)
        interior = ~np.asarray(mesh.exteriorFaces)
        for k in range(grid.ndim):
            on_axis = interior & (np.abs(normals[k]) > 0.5)
            index = []
            for j in range(grid.ndim):
                offset = (centers[j, on_axis] - grid.lower[j]) / spacing[j]
                # face coordinate along k: interior faces 1..n-1 -> 0..n-2; cell index along the others
                index.append(np.rint(offset).astype(int) - 1 if j == k else np.floor(offset).astype(int))
            velocity[k, on_axis] = s * faces[k][tuple(index)]
        self._variable = fipy.CellVariable(mesh=mesh, value=self._to_fipy(mu0))
        coeff = fipy.FaceVariable(mesh=mesh, rank=1, value=velocity)
        convection_term = getattr(fipy, FIPY_CONVECTION_SCHEMES[convection])(coeff=coeff)
        self._equation = fipy.TransientTerm() + convection_term == fipy.DiffusionTerm(coeff=self.sigma)
        self._solver = LinearLUSolver(tolerance=as_float(tolerance, "tolerance", positive=True), iterations=10)
        self.t = 0.0

    def _to_fipy(self, values: FloatArray) -> FloatArray:
        # FiPy numbers cells with x fastest; our arrays are (nx, ny) in C order
        return values.T.ravel() if self.grid.ndim == 2 else values.ravel()

    def step(self, n_steps: int = 1) -> None:
        """Advance by ``n_steps`` backward-Euler steps of size ``dt``."""
        for _ in range(as_positive_int(n_steps, "n_steps")):
            self._equation.solve(var=self._variable, dt=self.dt, solver=self._solver)
            self.t += self.dt

    @property
    def density(self) -> FloatArray:
        """Current density at the cell centres, shape ``grid.shape``."""
        values = np.array(self._variable.value, dtype=np.float64)
        if self.grid.ndim == 2:
            return values.reshape(self.grid.shape[1], self.grid.shape[0]).T.copy()
        return values
