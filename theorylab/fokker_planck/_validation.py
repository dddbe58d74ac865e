"""Input checks shared by the Fokker–Planck engine.

Every public function of :mod:`theorylab.fokker_planck` validates its input
with these helpers, so that bad input raises :class:`ValueError` naming the
argument, what is expected and what was received.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Accepted spellings of the drift-sign readings of (7)/(120).
SIGN_READINGS = {"a": 1.0, "b": -1.0}


def transport_sign(sign: Any) -> float:
    r"""The factor :math:`s` with transport velocity :math:`u = s\,v_\lambda`.

    Parameters
    ----------
    sign : {"a", "b"}
        ``"a"``: (120) as printed, :math:`\partial_t\mu + \nabla\cdot(\mu v) =
        \sigma\Delta\mu`, mass moves with :math:`+v` (:math:`s = +1`).
        ``"b"``: :math:`\partial_t\mu = \nabla\cdot(\mu v) + \sigma\Delta\mu`,
        mass moves with :math:`-v` (:math:`s = -1`).

    Returns
    -------
    float
        ``+1.0`` or ``-1.0``.

    Raises
    ------
    ValueError
        If ``sign`` is not ``"a"`` or ``"b"``.
    """
    if not isinstance(sign, str) or sign not in SIGN_READINGS:
        raise ValueError(
            "sign must be 'a' (eq. (120) as printed: mass transported with +v) or 'b' "
            f"(drift sign flipped: mass transported with -v); got {sign!r}"
        )
    return SIGN_READINGS[sign]


def as_float(value: Any, name: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    """Convert ``value`` to a finite float, optionally requiring a sign.

    Parameters
    ----------
    value : float
        Input.
    name : str
        Argument name for error messages.
    positive, nonnegative : bool, optional
        Require ``value > 0`` or ``value >= 0``.

    Returns
    -------
    float
        The value.

    Raises
    ------
    ValueError
        If ``value`` is not a finite real scalar with the requested sign.
    """
    kind = "positive " if positive else "nonnegative " if nonnegative else ""
    what = f"a finite {kind}real number"
    if isinstance(value, bool) or np.iscomplexobj(value):
        raise ValueError(f"{name} must be {what}; got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {what}; got {value!r}") from None
    if arr.ndim != 0:
        raise ValueError(f"{name} must be {what}; got an array of shape {arr.shape}")
    out = float(arr)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be {what}; got {out}")
    if positive and not out > 0.0:
        raise ValueError(f"{name} must be {what}; got {out}")
    if nonnegative and not out >= 0.0:
        raise ValueError(f"{name} must be {what}; got {out}")
    return out


def as_diffusion(sigma: Any) -> float:
    r"""Validate the diffusion coefficient :math:`\sigma > 0`.

    The paper allows :math:`\sigma \ge 0`, but the Scharfetter–Gummel flux,
    the Gibbs density :math:`e^{-\Phi/\sigma}` and the entropy term
    :math:`\sigma\,\mathrm{Ent}` of Definition 4 need :math:`\sigma > 0`.
    """
    if isinstance(sigma, bool):
        raise ValueError(f"sigma (diffusion coefficient) must be a finite number > 0; got {sigma!r}")
    try:
        value = float(np.asarray(sigma, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"sigma (diffusion coefficient) must be a finite number > 0; got {sigma!r}") from None
    if not np.isfinite(value) or value <= 0.0:
        raise ValueError(
            "sigma (diffusion coefficient) must be a finite number > 0 (the scheme needs diffusion; "
            f"sigma = 0 is pure transport); got {value}"
        )
    return value


def as_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Validate an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def as_real_array(value: Any, name: str, shape: tuple[int, ...] | None = None) -> FloatArray:
    """Convert to a finite float64 array, optionally of an exact shape.

    Raises
    ------
    ValueError
        If the input is complex, not numeric, of the wrong shape or contains
        NaN or infinity.
    """
    if np.iscomplexobj(value):
        raise ValueError(f"{name} must be a real array; got a complex array")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real numeric array; got {type(value).__name__}") from None
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got shape {arr.shape}")
    n_nan = int(np.count_nonzero(np.isnan(arr)))
    if n_nan:
        raise ValueError(f"{name} contains {n_nan} NaN value{'s' if n_nan > 1 else ''}")
    n_inf = int(np.count_nonzero(np.isinf(arr)))
    if n_inf:
        raise ValueError(f"{name} contains {n_inf} infinite value{'s' if n_inf > 1 else ''}")
    return arr


def as_density_values(value: Any, name: str, shape: tuple[int, ...]) -> FloatArray:
    """Validate nonnegative, finite density values of a given shape."""
    arr = as_real_array(value, name, shape)
    minimum = float(arr.min())
    if minimum < 0.0:
        n_neg = int(np.count_nonzero(arr < 0.0))
        raise ValueError(
            f"{name} must be nonnegative (a density); got {n_neg} negative value"
            f"{'s' if n_neg > 1 else ''}, the smallest {minimum!r}"
        )
    return arr
