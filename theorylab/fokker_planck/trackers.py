r"""Trackers: record functionals of the solution over time, in the manner of py-pde.

A tracker is any object with ``handle(t, density, lam)``; the solvers call it
at the start and after every step (``lam`` is ``None`` without a gate). A
:class:`FunctionalTracker` records one scalar per call and, when the claim
under test says the functional is non-increasing, flags every increase

.. math::

    \mathcal G(t_{n+1}) - \mathcal G(t_n) > \mathrm{rtol}\cdot\max(1, |\mathcal G(t_n)|)

(the catalogue's monotonicity tolerance is ``rtol = 1e-8``). Ready-made
trackers: :func:`mass_tracker`, :func:`min_density_tracker`, and
:class:`FreeEnergyTracker`, which records every term of Definition 4 and
flags increases of the total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from theorylab.fokker_planck._validation import FloatArray, as_diffusion, as_float, as_positive_int, as_real_array
from theorylab.fokker_planck.free_energy import free_energy_terms
from theorylab.fokker_planck.grid import UniformGrid

__all__ = [
    "FreeEnergyTracker",
    "FunctionalTracker",
    "Increase",
    "Tracker",
    "mass_tracker",
    "min_density_tracker",
]


@dataclass(frozen=True)
class Increase:
    """One flagged increase of a functional claimed to be non-increasing."""

    t_before: float
    t_after: float
    value_before: float
    value_after: float

    @property
    def amount(self) -> float:
        """``value_after - value_before``."""
        return self.value_after - self.value_before


class Tracker:
    """Base class: called every ``interval`` steps with ``handle(t, density, lam)``.

    Parameters
    ----------
    interval : int, optional
        Record at every ``interval``-th call (the first call always records).
    """

    def __init__(self, interval: int = 1) -> None:
        self.interval = as_positive_int(interval, "interval")
        self._calls = 0

    def handle(self, t: float, density: FloatArray, lam: FloatArray | None) -> None:
        """Record the state if this call falls on the interval."""
        if self._calls % self.interval == 0:
            self.record(t, density, lam)
        self._calls += 1

    def record(self, t: float, density: FloatArray, lam: FloatArray | None) -> None:  # pragma: no cover
        """Record the state (override)."""
        raise NotImplementedError


class FunctionalTracker(Tracker):
    r"""Record :math:`\mathcal G(\mu_t, \lambda_t)` and flag increases if it should not increase.

    Parameters
    ----------
    name : str
        Name of the functional.
    functional : callable
        ``functional(density, lam) -> float``.
    non_increasing : bool, optional
        Whether the claim under test says the functional is non-increasing.
    rtol : float, optional
        Relative tolerance of the increase test.
    interval : int, optional
        Record every ``interval`` calls.

    Attributes
    ----------
    times, values : list of float
        The record.
    increases : list of Increase
        Flagged increases (only if ``non_increasing``).
    """

    def __init__(
        self,
        name: str,
        functional: Callable[[FloatArray, FloatArray | None], float],
        *,
        non_increasing: bool = False,
        rtol: float = 1e-8,
        interval: int = 1,
    ) -> None:
        super().__init__(interval)
        self.name = name
        self.functional = functional
        self.non_increasing = bool(non_increasing)
        self.rtol = as_float(rtol, "rtol", nonnegative=True)
        self.times: list[float] = []
        self.values: list[float] = []
        self.increases: list[Increase] = []

    def record(self, t: float, density: FloatArray, lam: FloatArray | None) -> None:
        value = float(self.functional(density, lam))
        if self.non_increasing and self.values:
            before = self.values[-1]
            if value - before > self.rtol * max(1.0, abs(before)):
                self.increases.append(Increase(self.times[-1], float(t), before, value))
        self.times.append(float(t))
        self.values.append(value)

    @property
    def is_monotone(self) -> bool:
        """True if no increase was flagged."""
        return not self.increases

    def as_arrays(self) -> tuple[FloatArray, FloatArray]:
        """``(times, values)`` as arrays."""
        return np.array(self.times), np.array(self.values)

    def __repr__(self) -> str:
        return f"FunctionalTracker({self.name!r}, {len(self.values)} records, {len(self.increases)} increases)"


def mass_tracker(grid: UniformGrid, interval: int = 1) -> FunctionalTracker:
    r"""Track the mass :math:`\sum_C|C|\mu_C`."""
    return FunctionalTracker("mass", lambda mu, lam: float(np.sum(mu)) * grid.cell_volume, interval=interval)


def min_density_tracker(interval: int = 1) -> FunctionalTracker:
    r"""Track :math:`\min_C\mu_C` (positivity)."""
    return FunctionalTracker("min_density", lambda mu, lam: float(np.min(mu)), interval=interval)


class FreeEnergyTracker(Tracker):
    r"""Record every term of the free energy (Definition 4) and flag increases of the total.

    .. math::

        \mathcal F = \int f\,d\mu + \sigma\,\mathrm{Ent}(\mu) - \tau H(\lambda).

    Parameters
    ----------
    grid : UniformGrid
        The grid.
    objective : array_like
        :math:`f` at the cell centres.
    sigma : float
        Diffusion coefficient.
    tau : float, optional
        Gate temperature.
    non_increasing : bool, optional
        Flag increases of the total (Corollary 1(1)); default True.
    rtol : float, optional
        Relative tolerance of the increase test.
    interval : int, optional
        Record every ``interval`` calls.

    Attributes
    ----------
    times : list of float
    terms : dict of str to list of float
        ``"objective"``, ``"entropy"``, ``"gate"``, ``"free_energy"``.
    increases : list of Increase
        Flagged increases of ``free_energy``.
    """

    def __init__(
        self,
        grid: UniformGrid,
        objective: Any,
        sigma: float,
        *,
        tau: float = 0.0,
        non_increasing: bool = True,
        rtol: float = 1e-8,
        interval: int = 1,
    ) -> None:
        super().__init__(interval)
        self.grid = grid
        self.objective = as_real_array(objective, "objective", grid.shape)
        self.sigma = as_diffusion(sigma)
        self.tau = as_float(tau, "tau", nonnegative=True)
        self.non_increasing = bool(non_increasing)
        self.rtol = as_float(rtol, "rtol", nonnegative=True)
        self.times: list[float] = []
        self.terms: dict[str, list[float]] = {"objective": [], "entropy": [], "gate": [], "free_energy": []}
        self.increases: list[Increase] = []

    def record(self, t: float, density: FloatArray, lam: FloatArray | None) -> None:
        terms = free_energy_terms(self.grid, density, self.objective, self.sigma, tau=self.tau, lam=lam)
        total = self.terms["free_energy"]
        if self.non_increasing and total:
            before = total[-1]
            if terms["free_energy"] - before > self.rtol * max(1.0, abs(before)):
                self.increases.append(Increase(self.times[-1], float(t), before, terms["free_energy"]))
        self.times.append(float(t))
        for key, value in terms.items():
            self.terms[key].append(value)

    @property
    def is_monotone(self) -> bool:
        """True if no increase of the total was flagged."""
        return not self.increases

    def as_arrays(self) -> dict[str, FloatArray]:
        """``{"t": times, <term>: values}`` as arrays."""
        out = {"t": np.array(self.times)}
        out.update({key: np.array(values) for key, values in self.terms.items()})
        return out
