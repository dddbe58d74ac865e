"""PL rate with a constant step: exact E f(x_t) - f* against (86), Table 1's (1 - mu alpha)^t and the plateau.

Claims ``trailmix.theorem1.3``, ``trailmix.theorem5`` (and its readings) and
``trailmix.table1.pl``: :math:`f = \\tfrac12x^2` (:math:`\\mu = L = 1`),
:math:`d = c\\nabla f + \\xi`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from sims import Reproduction, script_main

NAME = "pl-rate"
TITLE = "constant-step SGD on a PL function: plateau, bound (86) and Table 1's rate"


def run(out_dir: Path, *, budget: str = "quick", seed: int = 0) -> Reproduction:
    """Three instances (noisy, deterministic with c = 1 and c = 0.3); writes ``pl_rate.csv`` and ``pl_rate.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from proofs_checks.trailmix import _rates_helpers as rh

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = 200 if budget == "quick" else 2000
    t = np.arange(n + 1)
    alpha = 0.2
    instances = {"s = 0.5, c = 1": (0.5, 1.0), "s = 0, c = 1": (0.0, 1.0), "s = 0, c = 0.3": (0.0, 0.3)}
    rows, summary = [], {}
    fig, ax = plt.subplots(figsize=(7.5, 4.5), constrained_layout=True)
    for j, (name, (s, c)) in enumerate(instances.items()):
        tr = rh.linear_sgd_moments(np.eye(1), np.array([2.0]), c * np.eye(1)[None], np.ones(1), np.full(n, alpha),
                                   noise_scale=s, noise="additive")
        gap = np.exp(tr.log_f)
        g2 = float(np.exp(tr.log_dir2_total))
        rho = 1.0 - 2.0 * c * alpha
        bound = rho**t * gap[0] + g2 * alpha / (4.0 * c)
        table = gap[0] * (1.0 - alpha) ** t
        plateau = 0.5 * alpha**2 * s**2 / (1.0 - (1.0 - alpha * c) ** 2)
        color = f"C{j}"
        ax.semilogy(t, gap, color=color, lw=2, label=f"exact E f(x_t) - f*, {name}")
        ax.semilogy(t, bound, color=color, ls="--", lw=1, label=f"(86), {name}")
        if s == 0.0:
            ax.semilogy(t, table, color=color, ls=":", lw=1, label=f"Table 1 (1 - mu alpha)^t, {name}")
        else:
            ax.axhline(plateau, color=color, ls="-.", lw=1, label=f"exact plateau {plateau:.3g}, {name}")
        summary[name] = {"E f - f* at t_max": float(gap[-1]), "plateau": plateau, "(86) at t_max": float(bound[-1])}
        rows += [{"instance": name, "t": int(k), "gap": gap[k], "bound_86": bound[k], "table1": table[k]} for k in t]
    ax.set_xlabel("iteration t")
    ax.set_ylabel("E f(x_t) - f*")
    ax.set_ylim(1e-12, 10)
    ax.set_title("trailmix.theorem1.3 / theorem5 / table1.pl: f = x^2/2, alpha = 0.2", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    png = out_dir / "pl_rate.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    data = out_dir / "pl_rate.csv"
    with data.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Reproduction(NAME, [data], [png], summary, "constant-step SGD on f = x^2/2")


if __name__ == "__main__":
    script_main(run)
