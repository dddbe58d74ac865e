r"""Free energy and each dissipation term over time along the Fokker–Planck scheme (TrailMix App. E).

For three runs of the Scharfetter–Gummel scheme (:mod:`theorylab.fokker_planck`) the figure shows, over
time, the free energy of Definition 4 (123)

.. math::

    \mathcal F(\mu) = \int f\,d\mu + \sigma\,\mathrm{Ent}(\mu)

with its two terms, and the exact time derivative of each term along the scheme
(:func:`~theorylab.fokker_planck.free_energy_rates`: objective, entropy drift part, entropy diffusion part)
against the right side of Lemma 9 (125) (:func:`~theorylab.fokker_planck.dissipation_terms`:
:math:`-c\int\|\nabla f\|^2d\mu - \sigma\,\mathrm{Fisher}(\mu)`), :math:`K = 1`, :math:`d_1 = c\nabla f`,
:math:`\tau = 0`:

* reading a (as printed), :math:`f = \tfrac12x^2`, :math:`c = 1`, :math:`\sigma = 0.5`,
  :math:`\mu_0 = \mathcal N(0.8, 0.5)`;
* reading b (law of the iterates), Langevin: F-PLNC, :math:`c = 1`, :math:`\sigma = 0.5`,
  :math:`\mu_0 = \mathcal N(2, 0.3)`;
* reading b, :math:`f = \tfrac12x^2`, :math:`c = 2`, :math:`\sigma = 1`, :math:`\mu_0 = \mathcal N(0, 0.9)`
  (the stationary density :math:`\propto e^{-cf/\sigma}` is not the minimiser of :math:`\mathcal F`).

For the quadratic runs the exact Gaussian free energy (Ornstein–Uhlenbeck moments,
:func:`~theorylab.fokker_planck.linear_drift_gaussian_moments`) is drawn as a dashed reference. Claims:
``trailmix.lemma9.*``, ``trailmix.corollary1.1.*``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import theorylab.fokker_planck as fp
from sims import Reproduction, script_main

NAME = "free-energy"
TITLE = "Free energy and each term of its dissipation over time (TrailMix Lemma 9, Corollary 1(1))"


@dataclass(frozen=True)
class Scenario:
    """One run: objective, drift factor, diffusion, initial Gaussian, reading, horizon and box."""

    label: str
    objective: str  # "quadratic" or "F-PLNC"
    alignment: float
    sigma: float
    mean0: float
    var0: float
    sign: str
    t_final: float
    bounds: tuple[float, float]


SCENARIOS = (
    Scenario("reading a, f = x^2/2, c = 1, sigma = 0.5", "quadratic", 1.0, 0.5, 0.8, 0.5, "a", 1.0, (-20.0, 20.0)),
    Scenario("reading b (Langevin), F-PLNC, c = 1, sigma = 0.5", "F-PLNC", 1.0, 0.5, 2.0, 0.3, "b", 3.0,
             (-6.0, 6.0)),
    Scenario("reading b, f = x^2/2, c = 2, sigma = 1", "quadratic", 2.0, 1.0, 0.0, 0.9, "b", 2.0, (-8.0, 8.0)),
)


def _objective(name: str) -> tuple[Any, Any]:
    if name == "quadratic":
        return (lambda x: 0.5 * x[0] ** 2), (lambda x: x)
    return (lambda x: x[0] ** 2 + 3.0 * np.sin(x[0]) ** 2), (lambda x: 2.0 * x + 3.0 * np.sin(2.0 * x))


def run_scenario(scenario: Scenario, *, cells: int, dt: float, n_saved: int) -> dict[str, np.ndarray]:
    """Time series of every term of F, of its exact rate along the scheme and of the claimed right side of (125)."""
    grid = fp.UniformGrid([scenario.bounds], cells)
    value, gradient = _objective(scenario.objective)
    f_cells = grid.evaluate(value)

    def drift(x: np.ndarray) -> np.ndarray:
        return scenario.alignment * gradient(x)

    mu0 = grid.normalize(fp.gaussian_density(grid, scenario.mean0, scenario.var0))
    n_steps = int(round(scenario.t_final / dt))
    result = fp.solve_fokker_planck(grid, mu0, drift, scenario.sigma, sign=scenario.sign, t_final=scenario.t_final,
                                    dt=dt, save_every=max(1, n_steps // n_saved))
    rows: dict[str, list[float]] = {}
    for t, mu in zip(result.times, result.densities, strict=True):
        mu = np.maximum(mu, np.finfo(float).tiny)
        terms = fp.free_energy_terms(grid, mu, f_cells, scenario.sigma)
        rates = fp.free_energy_rates(grid, mu, f_cells, drift, scenario.sigma, sign=scenario.sign)
        claimed = fp.dissipation_terms(grid, mu, gradient, scenario.sigma, alignment_constants=[scenario.alignment],
                                       lam=[1.0])
        record = {"t": t, "F": terms["free_energy"], "objective": terms["objective"], "sigma_entropy": terms["entropy"],
                  "rate_total": rates["total"], "rate_objective": rates["objective"],
                  "rate_entropy_drift": rates["entropy_drift"], "rate_entropy_diffusion": rates["entropy_diffusion"],
                  "claimed_total": claimed["total"], "claimed_objective": claimed["objective"],
                  "claimed_fisher": claimed["fisher"], "boundary_mass": float(mu[:2].sum() + mu[-2:].sum())
                  * grid.cell_volume}
        for key, val in record.items():
            rows.setdefault(key, []).append(float(val))
    series = {key: np.array(val) for key, val in rows.items()}
    if scenario.objective == "quadratic":
        means, covs = fp.linear_drift_gaussian_moments(scenario.mean0, scenario.var0, scenario.alignment,
                                                       scenario.sigma, series["t"], sign=scenario.sign)
        var = covs[:, 0, 0]
        series["F_exact"] = 0.5 * (means[:, 0] ** 2 + var) - 0.5 * scenario.sigma * np.log(2 * np.pi * np.e * var)
    return series


def run(out_dir: Path | str, *, budget: str = "quick", seed: int = 0) -> Reproduction:
    """Run the three scenarios, write ``free_energy.npz`` / ``free_energy.csv`` and the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cells, dt = (800, 0.01) if budget == "quick" else (3200, 0.002)
    all_series = [run_scenario(sc, cells=cells, dt=dt, n_saved=60 if budget == "quick" else 200) for sc in SCENARIOS]

    data_npz = out / "free_energy.npz"
    np.savez(data_npz, **{f"s{i}_{k}": v for i, s in enumerate(all_series) for k, v in s.items()})
    data_csv = out / "free_energy.csv"
    with data_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        keys = ["t", "F", "objective", "sigma_entropy", "rate_total", "rate_objective", "rate_entropy_drift",
                "rate_entropy_diffusion", "claimed_total", "claimed_objective", "claimed_fisher"]
        writer.writerow(["scenario", *keys])
        for sc, series in zip(SCENARIOS, all_series, strict=True):
            for j in range(series["t"].size):
                writer.writerow([sc.label, *(f"{series[k][j]:.10g}" for k in keys)])

    fig, axes = plt.subplots(2, len(SCENARIOS), figsize=(5.2 * len(SCENARIOS), 7.5), constrained_layout=True)
    summary: dict[str, Any] = {}
    for j, (sc, series) in enumerate(zip(SCENARIOS, all_series, strict=True)):
        top, bottom = axes[0, j], axes[1, j]
        t = series["t"]
        top.plot(t, series["F"], color="black", lw=2, label=r"$\mathcal{F}$ (scheme)")
        if "F_exact" in series:
            top.plot(t, series["F_exact"], color="orange", ls="--", lw=1.5, label=r"$\mathcal{F}$ exact Gaussian")
        top.plot(t, series["objective"], color="tab:blue", lw=1, label=r"$\int f\,d\mu$")
        top.plot(t, series["sigma_entropy"], color="tab:green", lw=1, label=r"$\sigma\,\mathrm{Ent}(\mu)$")
        top.set_title(sc.label, fontsize=10)
        top.set_xlabel("t")
        top.set_ylabel("free energy and its terms")
        top.legend(fontsize=8)
        bottom.plot(t, series["rate_total"], color="black", lw=2, label=r"exact $d\mathcal{F}/dt$ along the scheme")
        bottom.plot(t, series["claimed_total"], color="red", lw=2, ls="--", label="claimed bound, right side of (125)")
        bottom.plot(t, series["rate_objective"], color="tab:blue", lw=1, label=r"$\frac{d}{dt}\int f\,d\mu$")
        bottom.plot(t, series["rate_entropy_drift"], color="tab:green", lw=1,
                    label=r"$\sigma\frac{d}{dt}$Ent, drift part")
        bottom.plot(t, series["rate_entropy_diffusion"], color="tab:olive", lw=1,
                    label=r"$\sigma\frac{d}{dt}$Ent, diffusion part $=-\sigma^2$Fisher")
        bottom.plot(t, series["claimed_fisher"], color="tab:purple", lw=1, ls=":", label=r"claimed $-\sigma$Fisher")
        bottom.fill_between(t, series["claimed_total"], series["rate_total"],
                            where=series["rate_total"] > series["claimed_total"], color="red", alpha=0.12,
                            label="(125) violated")
        bottom.axhline(0.0, color="grey", lw=0.5)
        bottom.set_xlabel("t")
        bottom.set_ylabel("rates")
        bottom.legend(fontsize=7)
        summary[sc.label] = {
            "F(0)": round(float(series["F"][0]), 6), "F(T)": round(float(series["F"][-1]), 6),
            "max F increase between saved times": round(float(np.max(np.diff(series["F"]), initial=0.0)), 6),
            "max (dF/dt - RHS of (125))": round(float(np.max(series["rate_total"] - series["claimed_total"])), 6),
            "max boundary mass": float(np.max(series["boundary_mass"])),
        }
    fig.suptitle("trailmix.lemma9.* / trailmix.corollary1.1.*: free energy (top) and exact dF/dt vs the claimed "
                 "dissipation (125) (bottom)", fontsize=11)
    figure = out / "free_energy.png"
    fig.savefig(figure, dpi=110)
    plt.close(fig)
    return Reproduction(NAME, data=[data_npz, data_csv], figures=[figure], summary=summary,
                        caption="Free energy, exact dissipation along the scheme and the claimed bound (125)")


if __name__ == "__main__":
    script_main(run)
