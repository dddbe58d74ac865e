r"""Density snapshots: the Fokker–Planck scheme in both sign readings against the law of the iterates (TrailMix (120)).

Top row, linear drift :math:`v = \bar cx` (:math:`f = \tfrac12x^2`, :math:`\bar c = 1`, :math:`\sigma = 0.4`,
:math:`\mu_0 = \mathcal N(1.5, 0.2)`): the Scharfetter–Gummel solution of (120) as printed (reading a, mass
moves with :math:`+v`) and with the drift sign flipped (reading b, mass moves with :math:`-v`), the exact Gaussian
solution of each (dashed), and the histogram of the iterates of (3),
:math:`X_{k+1} = X_k - h\,v(X_k) + \sqrt{2\sigma h}\,\xi_k`, at three times.

Bottom row, F-PLNC with :math:`d = \nabla f` (Langevin), :math:`\sigma = 0.5`, :math:`\mu_0 = \mathcal N(2, 0.3)`:
the reading-b scheme against the iterates' histogram, and at the last time the Gibbs density
:math:`\propto e^{-f/\sigma}` (the exact discrete steady state of the scheme,
:func:`~theorylab.fokker_planck.gibbs_density`); with ``budget="full"`` also FiPy's solution of the same problem
(:class:`~theorylab.fokker_planck.FipyFokkerPlanck`, exponential convection scheme). Claims:
``trailmix.eq120.pde-sign-a``, ``trailmix.eq120.pde-sign-b``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

import theorylab.fokker_planck as fp
from sims import Reproduction, script_main

NAME = "density-snapshots"
TITLE = "Density snapshots of the Fokker-Planck scheme (both readings) against the iterates of (3) (TrailMix (120))"

LINEAR_TIMES = (0.25, 0.5, 1.0)
LANGEVIN_TIMES = (0.25, 1.0, 4.0)


def iterates(x0: np.ndarray, drift: Any, sigma: float, step: float, times: tuple[float, ...],
             rng: np.random.Generator) -> list[np.ndarray]:
    """Positions of the iterates X <- X - h v(X) + sqrt(2 sigma h) xi at the given times."""
    x = x0.copy()
    out, clock = [], 0
    for t in times:
        n = int(round(t / step))
        for _ in range(n - clock):
            x = x - step * drift(x) + math.sqrt(2 * sigma * step) * rng.standard_normal(x.shape)
        clock = n
        out.append(x.copy())
    return out


def scheme_snapshots(grid: fp.UniformGrid, mu0: np.ndarray, drift: Any, sigma: float, sign: str,
                     times: tuple[float, ...], dt: float) -> list[np.ndarray]:
    """Backward-Euler Scharfetter-Gummel densities at the given times (one sparse LU for the fixed drift)."""
    stepper = fp.FokkerPlanckStepper(grid, drift, sigma, sign=sign)
    out, mu, clock = [], mu0, 0
    for t in times:
        n = int(round(t / dt))
        if n > clock:
            mu = stepper.advance(mu, dt, n_steps=n - clock)
        clock = n
        out.append(mu)
    return out


def all_faces(grid: fp.UniformGrid) -> np.ndarray:
    """Cell boundaries of a 1-D grid, box ends included (``axis_faces`` lists the interior faces only)."""
    return np.concatenate(([grid.lower[0]], grid.axis_faces(0), [grid.upper[0]]))


def _l1_to_histogram(grid: fp.UniformGrid, density: np.ndarray, samples: np.ndarray,
                     group: int) -> tuple[float, float]:
    """L1 distance between cell masses grouped ``group`` cells per bin and the samples' bin frequencies, and the
    expected L1 distance of as many exact samples (sum of sqrt(2 p (1 - p) / (pi N)))."""
    edges = all_faces(grid)[::group]
    mass = np.add.reduceat(density * grid.cell_volume, np.arange(0, density.size, group))[: edges.size - 1]
    counts = np.histogram(samples, bins=edges)[0] / samples.size
    outside = 1.0 - counts.sum()
    p = np.clip(mass, 0.0, 1.0)
    noise = float(np.sum(np.sqrt(2.0 * p * (1.0 - p) / (math.pi * samples.size))))
    return float(np.sum(np.abs(mass - counts)) + abs(outside - max(0.0, 1.0 - mass.sum()))), noise


def run(out_dir: Path | str, *, budget: str = "quick", seed: int = 0) -> Reproduction:
    """Compute the snapshots, write ``density_snapshots.npz`` / ``.csv`` and the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_particles = 20_000 if budget == "quick" else 200_000
    cells, dt, step = (360, 4e-3, 1e-2) if budget == "quick" else (1920, 5e-4, 1e-3)

    # linear drift, both readings
    sigma_lin, c_bar, m0, v0 = 0.4, 1.0, 1.5, 0.2
    grid_lin = fp.UniformGrid([(-8.0, 16.0)], cells)
    mu0_lin = grid_lin.normalize(fp.gaussian_density(grid_lin, m0, v0))

    def linear(x: np.ndarray) -> np.ndarray:
        return c_bar * x

    scheme = {s: scheme_snapshots(grid_lin, mu0_lin, linear, sigma_lin, s, LINEAR_TIMES, dt) for s in "ab"}
    particles_lin = iterates(m0 + math.sqrt(v0) * rng.standard_normal((1, n_particles)), linear, sigma_lin, step,
                             LINEAR_TIMES, rng)

    # Langevin on F-PLNC, reading b
    sigma_pl = 0.5
    grid_pl = fp.UniformGrid([(-6.0, 6.0)], cells)
    x_pl = grid_pl.cell_centers[0]
    f_pl = x_pl**2 + 3 * np.sin(x_pl) ** 2

    def plnc_gradient(x: np.ndarray) -> np.ndarray:
        return 2 * x + 3 * np.sin(2 * x)

    mu0_pl = grid_pl.normalize(fp.gaussian_density(grid_pl, 2.0, 0.3))
    scheme_pl = scheme_snapshots(grid_pl, mu0_pl, plnc_gradient, sigma_pl, "b", LANGEVIN_TIMES, dt)
    particles_pl = iterates(2.0 + math.sqrt(0.3) * rng.standard_normal((1, n_particles)), plnc_gradient, sigma_pl,
                            step, LANGEVIN_TIMES, rng)
    gibbs = fp.gibbs_density(grid_pl, f_pl, sigma_pl)
    fipy_density = None
    if budget == "full":
        solver = fp.FipyFokkerPlanck(grid_pl, mu0_pl, plnc_gradient, sigma_pl, sign="b", dt=dt)
        solver.step(int(round(LANGEVIN_TIMES[-1] / dt)))
        fipy_density = solver.density

    group = max(1, cells // 90)
    summary: dict[str, Any] = {}
    for j, t in enumerate(LINEAR_TIMES):
        for s in "ab":
            l1, noise = _l1_to_histogram(grid_lin, scheme[s][j], particles_lin[j][0], group)
            summary[f"L1(iterates, reading {s} scheme), linear drift, t={t:g} (Monte Carlo floor)"] = [
                round(l1, 4), round(noise, 4)]
    for j, t in enumerate(LANGEVIN_TIMES):
        l1, noise = _l1_to_histogram(grid_pl, scheme_pl[j], particles_pl[j][0], group)
        summary[f"L1(iterates, reading b scheme), F-PLNC, t={t:g} (Monte Carlo floor)"] = [round(l1, 4),
                                                                                            round(noise, 4)]
    summary["L1(scheme at t=4, Gibbs), F-PLNC"] = round(float(np.sum(np.abs(scheme_pl[-1] - gibbs))
                                                              * grid_pl.cell_volume), 5)
    if fipy_density is not None:
        summary["L1(scheme, FiPy) at t=4, F-PLNC"] = float(np.sum(np.abs(scheme_pl[-1] - fipy_density))
                                                           * grid_pl.cell_volume)

    data_npz = out / "density_snapshots.npz"
    np.savez(data_npz, x_linear=grid_lin.cell_centers[0], x_plnc=x_pl, times_linear=LINEAR_TIMES,
             times_plnc=LANGEVIN_TIMES, scheme_a=np.stack(scheme["a"]), scheme_b=np.stack(scheme["b"]),
             scheme_plnc=np.stack(scheme_pl), gibbs=gibbs)
    data_csv = out / "density_snapshots.csv"
    with data_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["quantity", "value"])
        for key, value in summary.items():
            writer.writerow([key, value])

    fig, axes = plt.subplots(2, 3, figsize=(15, 7.5), constrained_layout=True)
    x_lin = grid_lin.cell_centers[0]
    bins_lin = all_faces(grid_lin)[::group]
    for j, t in enumerate(LINEAR_TIMES):
        ax = axes[0, j]
        ax.hist(particles_lin[j][0], bins=bins_lin, density=True, color="grey", alpha=0.45,
                label=f"iterates of (3), h = {step:g}")
        for s, color in (("a", "tab:red"), ("b", "tab:blue")):
            mean, cov = fp.linear_drift_gaussian_moments(m0, v0, c_bar, sigma_lin, t, sign=s)
            exact = np.exp(-0.5 * (x_lin - mean[0]) ** 2 / cov[0, 0]) / math.sqrt(2 * math.pi * cov[0, 0])
            ax.plot(x_lin, scheme[s][j], color=color, lw=2, label=f"scheme, reading {s}")
            ax.plot(x_lin, exact, color="black", lw=1, ls="--", label="exact Gaussian" if s == "a" else None)
        ax.set_xlim(-3, 10)
        ax.set_title(f"linear drift v = x, sigma = {sigma_lin:g}, t = {t:g}", fontsize=10)
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        ax.legend(fontsize=8)
    bins_pl = all_faces(grid_pl)[::group]
    for j, t in enumerate(LANGEVIN_TIMES):
        ax = axes[1, j]
        ax.hist(particles_pl[j][0], bins=bins_pl, density=True, color="grey", alpha=0.45,
                label=f"iterates of (3), h = {step:g}")
        ax.plot(x_pl, scheme_pl[j], color="tab:blue", lw=2, label="scheme, reading b")
        if j == len(LANGEVIN_TIMES) - 1:
            ax.plot(x_pl, gibbs, color="black", lw=1, ls="--", label=r"Gibbs $\propto e^{-f/\sigma}$")
            if fipy_density is not None:
                ax.plot(x_pl, fipy_density, color="tab:orange", lw=1, ls=":", label="FiPy")
        ax.set_xlim(-3, 4)
        ax.set_title(f"F-PLNC, d = grad f, sigma = {sigma_pl:g}, t = {t:g}", fontsize=10)
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        ax.legend(fontsize=8)
    fig.suptitle("trailmix.eq120.pde-sign-a / -b: the iterates of (3) follow reading b (mass moves with -v), "
                 "not (120) as printed", fontsize=11)
    figure = out / "density_snapshots.png"
    fig.savefig(figure, dpi=110)
    plt.close(fig)
    return Reproduction(NAME, data=[data_npz, data_csv], figures=[figure], summary=summary,
                        caption="Scheme (readings a and b), exact Gaussian / Gibbs references and the iterates' "
                                "histogram")


if __name__ == "__main__":
    script_main(run)
