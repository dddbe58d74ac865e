r"""``theorylab bench dynamics``: the Fokker–Planck engine measured in one run.

Sections (all measured one after the other in the same process):

1. Scharfetter–Gummel (scipy.sparse, factorised once) against FiPy on the same
   grid, same drift and same backward-Euler step: time per step, speed-up and
   the L1 distance of the answers (FiPy's exponential scheme is the same
   discretisation; its power-law scheme is a different one, whose distance
   shows the size of the discretisation error).
2. The discrete Gibbs density as the steady state: the null vector of the
   operator and a long backward-Euler run against :math:`e^{-\Phi/\sigma}/Z`.
3. Spatial order of accuracy against the exact Ornstein–Uhlenbeck (Gaussian)
   solution, the semi-discrete system integrated exactly in time
   (``expm_multiply``), with the least-squares order.

Targets (measured here, never asserted in tests): at least 100x faster per
step than FiPy at nx = 200 with the same answer, Gibbs to 1e-12, second-order
spatial accuracy.
"""

from __future__ import annotations

import time

import numpy as np

from theorylab.fokker_planck.fipy_reference import FipyFokkerPlanck
from theorylab.fokker_planck.gaussian import gaussian_density, linear_drift_gaussian_moments
from theorylab.fokker_planck.grid import UniformGrid, sample_on_faces
from theorylab.fokker_planck.scheme import (
    FokkerPlanckStepper,
    drift_from_potential,
    fokker_planck_operator,
    gibbs_density,
    stationary_density,
)

__all__ = ["run"]

SIGMA = 0.5


def _double_well_gradient(points: np.ndarray) -> np.ndarray:
    r""":math:`\nabla f` for :math:`f = (x^2 - 1)^2 + \tfrac12 y^2 + 0.3xy` (1-D: first term only)."""
    if points.shape[0] == 1:
        return 4.0 * points * (points**2 - 1.0)
    x, y = points
    return np.stack([4.0 * x * (x**2 - 1.0) + 0.3 * y, y + 0.3 * x])


def _l1(grid: UniformGrid, a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(np.abs(a - b)) * grid.cell_volume)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _sg_vs_fipy(full: bool) -> str:
    n_steps = 100 if full else 20
    dt = 1e-3
    cases = [("1-D double well", UniformGrid([(-2.5, 2.5)], 200)), ("1-D double well", UniformGrid([(-2.5, 2.5)], 800))]
    cases.append(("2-D double well", UniformGrid([(-2.5, 2.5), (-3.0, 3.0)], (64, 64))))
    rows = []
    for label, grid in cases:
        centers = grid.cell_centers
        mu0 = grid.normalize(np.exp(-np.sum((centers - 0.4) ** 2, axis=0) / 0.1))
        drift = sample_on_faces(grid, _double_well_gradient)

        # both solvers take one untimed first step (setup, caches); per-step time = median over the timed steps
        start = time.perf_counter()
        stepper = FokkerPlanckStepper(grid, drift, SIGMA, sign="b")
        mu_sg = stepper.advance(mu0, dt, 1)
        setup = time.perf_counter() - start
        sg_times = []
        for _ in range(n_steps):
            start = time.perf_counter()
            mu_sg = stepper.advance(mu_sg, dt, 1)
            sg_times.append(time.perf_counter() - start)
        per_step_sg = float(np.median(sg_times))

        reference = FipyFokkerPlanck(grid, mu0, drift, SIGMA, sign="b", dt=dt)
        reference.step(1)
        fipy_times = []
        for _ in range(n_steps):
            start = time.perf_counter()
            reference.step(1)
            fipy_times.append(time.perf_counter() - start)
        per_step_fipy = float(np.median(fipy_times))
        power_law = FipyFokkerPlanck(grid, mu0, drift, SIGMA, sign="b", dt=dt, convection="power_law")
        power_law.step(n_steps + 1)
        rows.append(
            [
                label,
                "x".join(str(n) for n in grid.shape),
                str(n_steps),
                f"{1e3 * setup:.2f}",
                f"{1e6 * per_step_sg:.1f}",
                f"{1e3 * per_step_fipy:.2f}",
                f"{per_step_fipy / per_step_sg:.0f}x",
                f"{_l1(grid, mu_sg, reference.density):.1e}",
                f"{_l1(grid, mu_sg, power_law.density):.1e}",
            ]
        )
    header = [
        "problem",
        "cells",
        "timed steps",
        "SG setup [ms]",
        "SG per step [us]",
        "FiPy per step [ms]",
        "speed-up",
        "L1(SG, FiPy exponential)",
        "L1(SG, FiPy power-law)",
    ]
    note = (
        f"Backward Euler, dt = {dt:g}, sigma = {SIGMA}, reading b, v = grad f sampled at the face centres. "
        "SG setup = assembly + sparse LU + first step; FiPy per step includes its matrix build; "
        "both solvers take one untimed step first; per-step times are medians."
    )
    return "### Scharfetter–Gummel vs FiPy (same grid, same step)\n\n" + note + "\n\n" + _table(header, rows)


def _gibbs(full: bool) -> str:
    grids = [UniformGrid([(-2.5, 2.5)], 200), UniformGrid([(-2.5, 2.5), (-3.0, 3.0)], (64, 64))]
    if full:
        grids.insert(1, UniformGrid([(-2.5, 2.5)], 800))
    rows = []
    for grid in grids:
        centers = grid.cell_centers
        if grid.ndim == 1:
            potential = (centers[0] ** 2 - 1.0) ** 2
        else:
            x, y = centers
            potential = (x**2 - 1.0) ** 2 + 0.5 * y**2 + 0.3 * x * y
        for sign in ("a", "b"):
            drift = drift_from_potential(grid, potential, sign=sign)
            gibbs = gibbs_density(grid, potential, SIGMA)
            steady = stationary_density(grid, drift, SIGMA, sign=sign)
            operator = fokker_planck_operator(grid, drift, SIGMA, sign=sign)
            residual = np.max(np.abs(operator @ gibbs.ravel())) / (np.max(np.abs(operator)) * np.max(gibbs))
            mu0 = grid.normalize(np.exp(-np.sum((centers - 0.4) ** 2, axis=0) / 0.1))
            long_run = FokkerPlanckStepper(grid, drift, SIGMA, sign=sign).advance(mu0, 10.0, 200)
            rows.append(
                [
                    "x".join(str(n) for n in grid.shape),
                    sign,
                    f"{residual:.1e}",
                    f"{np.max(np.abs(steady - gibbs)) / np.max(gibbs):.1e}",
                    f"{_l1(grid, steady, gibbs):.1e}",
                    f"{_l1(grid, long_run, gibbs):.1e}",
                    f"{abs(grid.integrate(long_run) - 1.0):.1e}",
                    f"{long_run.min():.1e}",
                ]
            )
    header = [
        "cells",
        "sign",
        "‖A g‖∞ / (max abs(A_ij) · ‖g‖∞)",
        "‖null vector − g‖∞ / ‖g‖∞",
        "L1(null vector, g)",
        "L1(BE t=2000, g)",
        "mass error (BE)",
        "min density (BE)",
    ]
    note = (
        "g = discrete Gibbs density exp(-Phi/sigma)/Z, Phi a double well, drift = discrete gradient "
        f"(drift_from_potential), sigma = {SIGMA}; null vector = stationary_density (sparse LU + refinement); "
        "BE: 200 steps of dt = 10 from a Gaussian bump (its distance to g is its round-off mass drift, "
        "about eps * dt * max abs(A_ij) per step)."
    )
    return "### Discrete Gibbs density as steady state\n\n" + note + "\n\n" + _table(header, rows)


def _order(full: bool) -> str:
    t_final, rate, sigma = 1.0, 1.5, 0.4
    mean0, var0 = 1.0, 0.3
    sections = []
    resolutions_1d = [25, 50, 100, 200, 400] + ([800, 1600] if full else [])
    resolutions_2d = [16, 32, 64] + ([128] if full else [])
    matrix = np.array([[1.0, 0.3], [-0.2, 0.7]])
    mean2, cov2 = np.array([1.0, -0.5]), np.array([[0.5, 0.1], [0.1, 0.3]])
    for label, resolutions in (("1-D", resolutions_1d), ("2-D", resolutions_2d)):
        rows, spacings, errors = [], [], []
        for n in resolutions:
            if label == "1-D":
                grid = UniformGrid([(-8.0, 8.0)], n)
                mu0 = grid.normalize(gaussian_density(grid, mean0, var0))
                stepper = FokkerPlanckStepper(grid, lambda p: rate * p, sigma, sign="b")
                mean_t, cov_t = linear_drift_gaussian_moments(mean0, var0, rate, sigma, t_final, sign="b")
            else:
                grid = UniformGrid([(-6.0, 6.0), (-6.0, 6.0)], (n, n))
                mu0 = grid.normalize(gaussian_density(grid, mean2, cov2))
                stepper = FokkerPlanckStepper(grid, lambda p: np.einsum("ij,j...->i...", matrix, p), sigma, sign="b")
                mean_t, cov_t = linear_drift_gaussian_moments(mean2, cov2, matrix, sigma, t_final, sign="b")
            start = time.perf_counter()
            mu = stepper.evolve_exact_in_time(mu0, t_final)
            elapsed = time.perf_counter() - start
            error = _l1(grid, mu, gaussian_density(grid, mean_t, cov_t))
            observed = ""
            if errors:
                observed = f"{np.log(errors[-1] / error) / np.log(spacings[-1] / grid.spacing[0]):.3f}"
            spacings.append(grid.spacing[0])
            errors.append(error)
            rows.append([str(n), f"{grid.spacing[0]:.4f}", f"{error:.3e}", observed, f"{1e3 * elapsed:.1f}"])
        fitted = np.polyfit(np.log(spacings), np.log(errors), 1)[0]
        header = ["cells per axis", "h", "L1 error at t = 1", "observed order", "expm time [ms]"]
        sections.append(f"{label} (fitted order {fitted:.3f}):\n\n" + _table(header, rows))
    note = (
        "Ornstein-Uhlenbeck, reading b: 1-D v = 1.5 x, 2-D v = M x with a non-symmetric M; "
        "sigma = 0.4; semi-discrete system exact in time, so the error is the spatial one."
    )
    return "### Spatial order against the exact Gaussian solution\n\n" + note + "\n\n" + "\n\n".join(sections)


def run(full: bool = False) -> str:
    """Run the benchmark and return its tables as Markdown text.

    Parameters
    ----------
    full : bool
        Add the larger sizes and more steps.

    Returns
    -------
    str
        The measured tables.
    """
    start = time.perf_counter()
    parts = ["## Fokker–Planck engine (theorylab bench dynamics" + (" --full)" if full else ")")]
    parts.append(_sg_vs_fipy(full))
    parts.append(_gibbs(full))
    parts.append(_order(full))
    parts.append(f"Total bench time: {time.perf_counter() - start:.1f} s")
    return "\n\n".join(parts) + "\n"
