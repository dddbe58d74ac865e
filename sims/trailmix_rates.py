"""Nonconvex rate of fixed mixtures: Theorem 3's bounds (71) and (77) against exact trajectories.

Claims ``trailmix.theorem1.1``, ``trailmix.theorem3`` (and ``.eq77``,
``.corrected``) and ``trailmix.table1.nonconvex``. Two instances with
:math:`\\alpha_t = \\alpha_0/\\sqrt{t+1}`: a noisy quadratic (exact moments) and
deterministic gradient descent on the nonconvex PL function F-PLNC.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from sims import Reproduction, script_main

NAME = "nonconvex-rate"
TITLE = "min_t E||grad f(x_t)||^2 against Theorem 3's bounds (71) and (77)"


def _bounds(f0: float, g2: float, lipschitz: float, c_min: float, alpha0: float, big_t: np.ndarray) -> dict:
    root = np.sqrt(big_t)
    return {
        "(71)": f0 / (2 * c_min * alpha0 * root) + lipschitz * g2 * alpha0 * np.log(big_t) / (2 * c_min * root),
        "(77)": f0 / (c_min * alpha0 * root) + lipschitz * g2 * alpha0 * (1 + np.log(big_t)) / (2 * c_min * root),
    }


def run(out_dir: Path, *, budget: str = "quick", seed: int = 0) -> Reproduction:
    """Simulate both instances, write ``nonconvex_rate.csv`` and ``nonconvex_rate.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from proofs_checks.trailmix import _rates_helpers as rh
    from theorylab import problems

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t_max = 3_000 if budget == "quick" else 100_000
    horizons = rh.horizon_grid(t_max)
    rows, curves = [], {}

    # noisy quadratic, B-NOISY bases c = (0.5, 2), lambda = (1/2, 1/2)
    a = np.diag([1.0, 10.0])
    p = np.stack([0.5 * np.eye(2), 2.0 * np.eye(2)])
    lam = np.array([0.5, 0.5])
    alpha0 = 0.05
    alphas = alpha0 / np.sqrt(np.arange(t_max) + 1.0)
    tr = rh.linear_sgd_moments(a, np.array([3.0, -1.0]), p, lam, alphas, noise_scale=0.5,
                               record=np.concatenate([[0], horizons]))
    lhs = np.exp(tr.log_min_grad2[1:])
    bounds = _bounds(math.exp(tr.log_f[0]), math.exp(tr.log_dir2_total), 10.0, 1.25, alpha0, horizons.astype(float))
    curves["noisy quadratic (s = 0.5)"] = (lhs, bounds)

    # deterministic GD on F-PLNC, c = 1
    problem = problems.pl_nonconvex(1)
    alpha0_p = 0.02
    x = 2.5
    grad2 = np.empty(t_max + 1)
    for t in range(t_max + 1):
        g = 2.0 * x + 3.0 * math.sin(2.0 * x)  # F-PLNC gradient (d = 1)
        grad2[t] = g * g
        if t < t_max:
            x = x - alpha0_p / math.sqrt(t + 1.0) * g
    g2_sup = float(np.max(grad2))
    running = np.concatenate([[np.nan], np.minimum.accumulate(grad2)[:-1]])
    lhs_p = running[horizons]
    bounds_p = _bounds(float(problem.value(np.array([2.5]))), g2_sup, 8.0, 1.0, alpha0_p, horizons.astype(float))
    curves["F-PLNC, deterministic GD"] = (lhs_p, bounds_p)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for ax, (name, (values, bnds)) in zip(axes, curves.items(), strict=True):
        ax.loglog(horizons, values, "k-", lw=2, label=r"$\min_{t<T}\mathbb{E}\|\nabla f(x_t)\|^2$ (exact)")
        ax.loglog(horizons, bnds["(71)"], "C3--", label="bound (71) as stated")
        ax.loglog(horizons, bnds["(77)"], "C0:", label="bound (77) from the proof")
        ref = values[2] * np.sqrt(3) / math.log(3) * np.log(np.maximum(horizons, 3)) / np.sqrt(horizons)
        ax.loglog(horizons, ref, color="0.6", lw=1, label=r"$\propto \ln T/\sqrt{T}$")
        ax.set_xlabel("horizon T")
        ax.set_ylabel(r"$\min_{t<T}\mathbb{E}\|\nabla f\|^2$")
        ax.set_title(name)
        ax.legend(fontsize=8)
        for T, v, b71, b77 in zip(horizons, values, bnds["(71)"], bnds["(77)"], strict=True):
            rows.append({"instance": name, "T": int(T), "min_grad2": v, "bound_71": b71, "bound_77": b77})
    fig.suptitle("trailmix.theorem1.1 / theorem3 / table1.nonconvex: alpha_t = alpha_0/sqrt(t+1)")
    png = out_dir / "nonconvex_rate.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    data = out_dir / "nonconvex_rate.csv"
    with data.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    violations = {name: int(np.sum(v > b["(71)"] * (1 + 1e-10))) for name, (v, b) in curves.items()}
    return Reproduction(NAME, [data], [png], {"T_max": t_max, "horizons violating (71)": violations},
                        "Theorem 3 bounds against exact min_t E||grad f||^2")


if __name__ == "__main__":
    script_main(run)
