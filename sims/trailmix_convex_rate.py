"""Convex rates of fixed mixtures: last and averaged iterates against 1/sqrt(T) and log(T)/sqrt(T).

Claims ``trailmix.theorem1.2.last-iterate``, ``trailmix.theorem1.2.averaged``,
``trailmix.theorem4`` and ``trailmix.table1.convex``: a noisy PSD-singular
quadratic (exact moments) and deterministic gradient descent on a logistic
loss (no minimiser), :math:`\\alpha_t = \\alpha_0/\\sqrt{t+1}`.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from sims import Reproduction, script_main

NAME = "convex-rate"
TITLE = "E f(x_T) - f* and E f(xbar_T) - f* against the stated convex rates"


def run(out_dir: Path, *, budget: str = "quick", seed: int = 0) -> Reproduction:
    """Simulate both instances, write ``convex_rate.csv`` and ``convex_rate.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from proofs_checks.trailmix import _rates_helpers as rh
    from theorylab import problems

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t_max = 3_000 if budget == "quick" else 100_000
    horizons = rh.horizon_grid(t_max)
    alpha0 = 0.2
    alphas = alpha0 / np.sqrt(np.arange(t_max) + 1.0)
    tr = rh.linear_sgd_moments(np.diag([1.0, 0.0]), np.array([2.0, 1.0]), np.eye(2)[None], np.ones(1), alphas,
                               noise_scale=0.5, record=np.concatenate([[0], horizons]), average=True)
    curves = {"noisy singular quadratic (s = 0.5)": (np.exp(tr.log_f[1:]), np.exp(tr.log_f_avg[1:]))}

    problem = problems.logistic(np.array([1.0]))
    xs = np.empty(t_max + 1)
    x = -2.0
    for t in range(t_max + 1):
        xs[t] = x
        if t < t_max:
            x = x + alphas[t] / (1.0 + math.exp(x))  # x - alpha_t f'(x), f'(x) = -sigmoid(-x)
    averages = np.concatenate([[np.nan], np.cumsum(xs)[:-1] / np.arange(1, t_max + 1)])
    last = problem.value(xs[:, None])
    avg = np.concatenate([[np.nan], problem.value(averages[1:, None])])
    curves["F-LOG, deterministic GD"] = (last[horizons], avg[horizons])

    rows = []
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for ax, (name, (f_last, f_avg)) in zip(axes, curves.items(), strict=True):
        ax.loglog(horizons, f_last, "k-", lw=2, label=r"$\mathbb{E}f(x_T) - f_*$ (last iterate)")
        ax.loglog(horizons, f_avg, "C1-", lw=2, label=r"$\mathbb{E}f(\bar x_T) - f_*$ (average)")
        k = np.searchsorted(horizons, 10)
        ax.loglog(horizons, f_last[k] * np.sqrt(horizons[k] / horizons), "0.6", lw=1, label=r"$\propto 1/\sqrt{T}$")
        ax.loglog(horizons, f_avg[k] * math.sqrt(horizons[k]) / math.log(horizons[k])
                  * np.log(np.maximum(horizons, 2)) / np.sqrt(horizons), "C1:", lw=1, label=r"$\propto\log T/\sqrt{T}$")
        ax.set_xlabel("horizon T")
        ax.set_ylabel("optimality gap")
        ax.set_title(name)
        ax.legend(fontsize=8)
        for T, a_, b_ in zip(horizons, f_last, f_avg, strict=True):
            rows.append({"instance": name, "T": int(T), "f_last_gap": a_, "f_avg_gap": b_})
    fig.suptitle("trailmix.theorem1.2 / theorem4 / table1.convex: alpha_t = alpha_0/sqrt(t+1)")
    png = out_dir / "convex_rate.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    data = out_dir / "convex_rate.csv"
    with data.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = {name: {"sqrt(T) (f(x_T) - f*) at T_max": float(v[0][-1] * math.sqrt(horizons[-1]))}
               for name, v in curves.items()}
    return Reproduction(NAME, [data], [png], summary, "convex rates, last and averaged iterates")


if __name__ == "__main__":
    script_main(run)
