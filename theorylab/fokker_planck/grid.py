r"""Uniform cell-centred grids on boxes in one and two dimensions.

A :class:`UniformGrid` splits the box :math:`\prod_k [a_k, b_k]` into
:math:`n_1 \times \dots \times n_d` equal cells (:math:`d \in \{1, 2\}`).
Densities are arrays of cell values of shape :attr:`UniformGrid.shape`
(``indexing="ij"``: axis ``k`` of the array is coordinate ``k``), with
:math:`\int \mu\,dx \approx \sum_{\text{cells}} |C|\,\mu_C`.

Vector fields on the cells have shape ``(d, *shape)``; a *face field* is the
normal component of a vector field on the interior faces, one array per axis:
``face_field[k]`` has the shape of the grid with axis ``k`` shortened by one,
entry ``[..., i, ...]`` sitting on the face between cells ``i`` and ``i + 1``
of axis ``k``. Callables that describe fields take points of shape
``(d, ...)`` (coordinate first) and return values of shape ``(...)``
(scalars) or ``(d, ...)`` (vectors); the same callables therefore work on
grids and on particle clouds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from theorylab.fokker_planck._validation import FloatArray, as_density_values, as_real_array

__all__ = ["FaceField", "UniformGrid", "as_face_field", "face_field_combination", "sample_on_faces"]

#: Normal components on the interior faces, one array per axis.
FaceField = tuple[FloatArray, ...]

#: Smallest number of cells per axis.
MIN_CELLS = 3


class UniformGrid:
    r"""Uniform cell-centred grid on a box in one or two dimensions.

    Parameters
    ----------
    bounds : sequence of (float, float)
        ``[(a_1, b_1)]`` or ``[(a_1, b_1), (a_2, b_2)]`` with :math:`a_k < b_k`;
        a single pair ``(a, b)`` is read as a 1-D box.
    shape : int or sequence of int
        Number of cells per axis (at least 3 each).

    Raises
    ------
    ValueError
        If the box is not 1-D or 2-D, a bound is not finite, :math:`a_k \ge b_k`,
        or a cell count is not an integer >= 3.

    Examples
    --------
    >>> grid = UniformGrid([(-4.0, 4.0)], 80)
    >>> grid.shape, grid.spacing
    ((80,), (0.1,))
    """

    def __init__(self, bounds: Sequence[Any], shape: int | Sequence[int]) -> None:
        pairs = list(bounds)
        if len(pairs) == 2 and all(np.ndim(b) == 0 for b in pairs):
            pairs = [tuple(pairs)]
        if len(pairs) not in (1, 2):
            raise ValueError(f"bounds must give 1 or 2 intervals (a 1-D or 2-D box); got {len(pairs)}")
        lower, upper = [], []
        for k, pair in enumerate(pairs):
            arr = np.asarray(pair, dtype=np.float64) if np.ndim(pair) == 1 else None
            if arr is None or arr.shape != (2,) or not np.all(np.isfinite(arr)) or not arr[0] < arr[1]:
                raise ValueError(f"bounds[{k}] must be a finite interval (a, b) with a < b; got {pair!r}")
            lower.append(float(arr[0]))
            upper.append(float(arr[1]))
        counts = [shape] if np.ndim(shape) == 0 else list(shape)
        if len(counts) != len(pairs):
            raise ValueError(f"shape must give one cell count per axis ({len(pairs)}); got {shape!r}")
        cells = []
        for k, n in enumerate(counts):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) < MIN_CELLS:
                raise ValueError(f"shape[{k}] (cells along axis {k}) must be an integer >= {MIN_CELLS}; got {n!r}")
            cells.append(int(n))
        self._lower = tuple(lower)
        self._upper = tuple(upper)
        self._shape = tuple(cells)

    # ------------------------------------------------------------------
    # geometry
    # ------------------------------------------------------------------

    @property
    def ndim(self) -> int:
        """Dimension :math:`d` of the box."""
        return len(self._shape)

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of cells per axis."""
        return self._shape

    @property
    def lower(self) -> tuple[float, ...]:
        """Lower corner of the box."""
        return self._lower

    @property
    def upper(self) -> tuple[float, ...]:
        """Upper corner of the box."""
        return self._upper

    @property
    def n_cells(self) -> int:
        """Total number of cells."""
        return int(np.prod(self._shape))

    @property
    def spacing(self) -> tuple[float, ...]:
        """Cell widths :math:`h_k = (b_k - a_k)/n_k`."""
        return tuple((b - a) / n for a, b, n in zip(self._lower, self._upper, self._shape, strict=True))

    @property
    def cell_volume(self) -> float:
        r"""Cell volume :math:`|C| = \prod_k h_k`."""
        return float(np.prod(self.spacing))

    def axis_centers(self, axis: int) -> FloatArray:
        """Cell-centre coordinates along one axis, shape ``(n_axis,)``."""
        self._check_axis(axis)
        h = self.spacing[axis]
        return self._lower[axis] + h * (np.arange(self._shape[axis]) + 0.5)

    def axis_faces(self, axis: int) -> FloatArray:
        """Interior face coordinates along one axis, shape ``(n_axis - 1,)``."""
        self._check_axis(axis)
        h = self.spacing[axis]
        return self._lower[axis] + h * np.arange(1, self._shape[axis])

    @property
    def cell_centers(self) -> FloatArray:
        """Cell centres, shape ``(d, *shape)``."""
        axes = [self.axis_centers(k) for k in range(self.ndim)]
        return np.stack(np.meshgrid(*axes, indexing="ij"))

    def face_centers(self, axis: int) -> FloatArray:
        """Centres of the interior faces normal to ``axis``, shape ``(d, *face_shape(axis))``."""
        axes = [self.axis_faces(k) if k == axis else self.axis_centers(k) for k in range(self.ndim)]
        return np.stack(np.meshgrid(*axes, indexing="ij"))

    def face_shape(self, axis: int) -> tuple[int, ...]:
        """Shape of the interior faces normal to ``axis``."""
        self._check_axis(axis)
        return tuple(n - 1 if k == axis else n for k, n in enumerate(self._shape))

    def _check_axis(self, axis: int) -> None:
        if not isinstance(axis, (int, np.integer)) or not 0 <= axis < self.ndim:
            raise ValueError(f"axis must be an integer in [0, {self.ndim}); got {axis!r}")

    # ------------------------------------------------------------------
    # fields and integrals
    # ------------------------------------------------------------------

    def evaluate(self, func: Callable[[FloatArray], Any], name: str = "func") -> FloatArray:
        """Evaluate a scalar callable at the cell centres; returns shape :attr:`shape`."""
        return as_real_array(func(self.cell_centers), f"{name}(cell_centers)", self._shape)

    def evaluate_vector(self, func: Callable[[FloatArray], Any], name: str = "func") -> FloatArray:
        """Evaluate a vector callable at the cell centres; returns shape ``(d, *shape)``."""
        return as_real_array(func(self.cell_centers), f"{name}(cell_centers)", (self.ndim, *self._shape))

    def integrate(self, values: Any) -> float:
        r"""Midpoint rule :math:`\sum_C |C|\,g_C` of cell values ``values``."""
        arr = np.asarray(values, dtype=np.float64)
        if arr.shape != self._shape:
            raise ValueError(f"values must have the grid shape {self._shape}; got shape {arr.shape}")
        return float(np.sum(arr) * self.cell_volume)

    def normalize(self, density: Any, name: str = "density") -> FloatArray:
        r"""Return ``density`` scaled to unit mass :math:`\sum_C |C|\mu_C = 1`.

        Raises
        ------
        ValueError
            If ``density`` has the wrong shape, contains NaN or infinity, has a
            negative value, or its total mass is zero or not finite.
        """
        arr = as_density_values(density, name, self._shape)
        with np.errstate(over="ignore"):
            mass = float(np.sum(arr)) * self.cell_volume
        if not np.isfinite(mass) or mass <= 0.0:
            raise ValueError(
                f"{name} is not normalizable: its total mass on the grid is {mass!r} (need a finite positive mass)"
            )
        return arr / mass

    def __repr__(self) -> str:
        box = ", ".join(f"({a:g}, {b:g})" for a, b in zip(self._lower, self._upper, strict=True))
        return f"UniformGrid([{box}], {self._shape})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UniformGrid) and (self._lower, self._upper, self._shape) == (
            other._lower,
            other._upper,
            other._shape,
        )

    def __hash__(self) -> int:
        return hash((self._lower, self._upper, self._shape))


DriftLike = Callable[[FloatArray], Any] | Sequence[Any] | FloatArray


def sample_on_faces(grid: UniformGrid, field: Callable[[FloatArray], Any], name: str = "drift") -> FaceField:
    r"""Normal components of a vector field at the interior face centres.

    .. math::

        v^{(k)}_{f} = v_k(x_f), \qquad x_f \text{ the centre of face } f \perp e_k.

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    field : callable
        ``field(points) -> (d, ...)`` for points of shape ``(d, ...)``.
    name : str, optional
        Name used in error messages.

    Returns
    -------
    FaceField
        One array per axis, ``face_field[k]`` of shape ``grid.face_shape(k)``.
    """
    out = []
    for k in range(grid.ndim):
        points = grid.face_centers(k)
        values = as_real_array(field(points), f"{name}(face centres, axis {k})", (grid.ndim, *points.shape[1:]))
        out.append(values[k])
    return tuple(out)


def as_face_field(grid: UniformGrid, drift: DriftLike, name: str = "drift") -> FaceField:
    """Validate or sample a face field.

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    drift : callable, sequence of arrays or array
        A callable is sampled with :func:`sample_on_faces`; otherwise one
        array per axis of shape ``grid.face_shape(k)`` (in 1-D a single array
        of length ``n - 1`` is accepted).
    name : str, optional
        Name used in error messages.

    Returns
    -------
    FaceField
        Finite float64 arrays, one per axis.

    Raises
    ------
    ValueError
        If the arrays have the wrong number or shapes or are not finite.
    """
    if callable(drift):
        return sample_on_faces(grid, drift, name)
    if isinstance(drift, np.ndarray) and grid.ndim == 1 and drift.ndim == 1:
        parts: list[Any] = [drift]
    else:
        try:
            parts = list(drift)
        except TypeError:
            raise ValueError(f"{name} must be a callable or one array per axis; got {type(drift).__name__}") from None
        if grid.ndim == 1 and len(parts) == grid.shape[0] - 1 and all(np.ndim(p) == 0 for p in parts):
            parts = [np.asarray(parts, dtype=np.float64)]
    if len(parts) != grid.ndim:
        raise ValueError(f"{name} must have one face array per axis ({grid.ndim}); got {len(parts)}")
    return tuple(as_real_array(p, f"{name}[{k}]", grid.face_shape(k)) for k, p in enumerate(parts))


def face_field_combination(weights: Sequence[float], fields: Sequence[FaceField]) -> FaceField:
    r"""Linear combination :math:`\sum_i w_i F_i` of face fields (e.g. :math:`v_\lambda = \sum_i\lambda_i d_i`)."""
    if len(weights) != len(fields) or not fields:
        raise ValueError(f"need one weight per face field; got {len(weights)} weights and {len(fields)} fields")
    n_axes = len(fields[0])
    return tuple(sum(float(w) * f[k] for w, f in zip(weights, fields, strict=True)) for k in range(n_axes))
