"""Strongly convex row of Table 1: T (E f(x_T) - f*) for alpha_t = a/(t + 1) and several a mu c.

Claims ``trailmix.table1.strongly-convex.any-constant`` and
``.some-constant``: :math:`f = \\tfrac12x^2`, :math:`d = \\nabla f + \\xi`,
:math:`s = 0.5`; the normalised gap stays bounded only when :math:`2a\\mu c > 1`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from sims import Reproduction, script_main

NAME = "strongly-convex-rate"
TITLE = "T (E f(x_T) - f*) for alpha_t = a/(t+1)"


def run(out_dir: Path, *, budget: str = "quick", seed: int = 0) -> Reproduction:
    """Exact moments for five constants; writes ``strongly_convex_rate.csv`` and ``.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from proofs_checks.trailmix import _rates_helpers as rh

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t_max = 30_000 if budget == "quick" else 1_000_000
    horizons = rh.horizon_grid(t_max)
    rows, summary = [], {}
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for j, product in enumerate((0.1, 0.25, 0.5, 1.0, 2.0)):
        alphas = product / (np.arange(t_max) + 1.0)
        tr = rh.linear_sgd_moments(np.eye(1), np.array([2.0]), np.eye(1)[None], np.ones(1), alphas, noise_scale=0.5,
                                   noise="additive", record=np.concatenate([[0], horizons]), second_moments=False)
        normalised = np.exp(tr.log_f[1:]) * horizons
        fit = rh.tail_slope(horizons, normalised)
        ax.loglog(horizons, normalised, color=f"C{j}", lw=2, label=f"a mu c = {product:g} (tail slope {fit.slope:.2f})")
        summary[f"a mu c = {product:g}"] = {"tail slope of T (E f - f*)": fit.slope}
        rows += [{"a_mu_c": product, "T": int(T), "T_gap": v} for T, v in zip(horizons, normalised, strict=True)]
    ax.set_xlabel("horizon T")
    ax.set_ylabel("T (E f(x_T) - f*)")
    ax.set_title("trailmix.table1.strongly-convex: f = x^2/2, d = grad f + xi, s = 0.5", fontsize=10)
    ax.legend(fontsize=8)
    png = out_dir / "strongly_convex_rate.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    data = out_dir / "strongly_convex_rate.csv"
    with data.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Reproduction(NAME, [data], [png], summary, "Table 1 strongly convex row")


if __name__ == "__main__":
    script_main(run)
