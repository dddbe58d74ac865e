r"""TrailMix Theorem 13: the rate bound (204) under polynomial schedules, stated versus exact orders.

Left panel: :math:`B(T; p) = C_1/\sum_{t<T}\alpha_t + C_2\sum_{t<T}\alpha_t^2/\sum_{t<T}\alpha_t`
(:math:`\alpha_t = (t+1)^{-p}`, :math:`C_1 = C_2 = 1`, exact partial sums)
for several :math:`p` on log axes up to :math:`T = 10^{12}`, with the rate the
proof states for each :math:`p` drawn dashed through the curve at
:math:`T = 10^3`. Right panel: the exponent :math:`a` of the exact order
:math:`B \asymp T^a(\log T)^b` against :math:`p`, the exponent as printed
(:math:`1/2 - p`, :math:`p - 1/2`) and with flipped signs, and the slopes
fitted on :math:`T \in [10^9, 10^{12}]`.
"""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import numpy as np

from sims import Reproduction, script_main

NAME = "schedule-rates"
TITLE = "Theorem 13: decay of the bound (204) for polynomial step sizes, exact vs stated exponents"

CURVE_EXPONENTS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5)


def _stated(p: float) -> float:
    return 0.5 - p if p < 0.5 else p - 0.5


def run(out_dir: Path, *, budget: str = "quick", seed: int = 0) -> Reproduction:
    """Compute the curves and exponents, write ``schedule_rates.csv``/``.npz`` and the PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from proofs_checks.trailmix._stochastic_helpers import schedule_bound, schedule_bound_orders
    from theorylab.rates import fit_sublinear_rate

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_points = 13 if budget == "quick" else 97
    horizons = np.logspace(0, 12, n_points)
    curves = {p: np.array([schedule_bound(p, t)[2] for t in horizons]) for p in CURVE_EXPONENTS}

    steps = 10 if budget == "quick" else 40
    grid = [Fraction(k, steps) for k in range(1, 2 * steps + 1)]
    fit_horizons = np.logspace(9, 12, 5 if budget == "quick" else 7)
    rows = []
    for p in grid:
        a, b = schedule_bound_orders(p)[2]
        values = np.array([schedule_bound(float(p), t)[2] for t in fit_horizons]) / np.log(fit_horizons) ** float(b)
        slope = fit_sublinear_rate(fit_horizons, values, detect_floor=False).slope
        rows.append({"p": float(p), "exact_a": float(a), "exact_b": float(b), "fitted_slope": slope,
                     "stated": _stated(float(p)), "negated": -_stated(float(p))})

    csv_path = out_dir / "schedule_rates.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    npz_path = out_dir / "schedule_rates.npz"
    np.savez(npz_path, horizons=horizons, **{f"B_p{p:g}": v for p, v in curves.items()})

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(CURVE_EXPONENTS)))
    anchor = int(np.argmin(np.abs(horizons - 1e3)))
    for colour, p in zip(colours, CURVE_EXPONENTS, strict=True):
        left.loglog(horizons, curves[p], color=colour, lw=2, label=f"B(T; p={p:g})")
        if p != 0.5:
            stated = curves[p][anchor] * (horizons / horizons[anchor]) ** _stated(p)
            left.loglog(horizons, stated, color=colour, lw=1, ls="--")
    left.plot([], [], color="grey", ls="--", label="stated rate (proof of Thm 13)")
    left.set_xlabel("horizon T")
    left.set_ylabel("B(T; p), C1 = C2 = alpha0 = 1")
    left.set_ylim(1e-7, 1e7)
    left.set_title("trailmix.theorem13: bound (204) vs stated rates")
    left.legend(fontsize=8, loc="lower left")
    left.grid(True, which="major", alpha=0.3)

    ps = np.array([r["p"] for r in rows])
    right.plot(ps, [r["exact_a"] for r in rows], "k-", lw=2, label="exact exponent a (B ~ T^a log^b T)")
    right.plot(ps, [r["fitted_slope"] for r in rows], "o", color="tab:blue", ms=4,
               label="fitted slope of B/log^b T on [1e9, 1e12]")
    below, above = ps < 0.5, (ps > 0.5) & (ps < 1.0)
    for mask in (below, above):
        right.plot(ps[mask], [r["stated"] for r, m in zip(rows, mask, strict=True) if m], "--",
                   color="tab:red", label="stated exponent" if mask is below else None)
        right.plot(ps[mask], [r["negated"] for r, m in zip(rows, mask, strict=True) if m], ":",
                   color="tab:orange", label="stated, sign flipped" if mask is below else None)
    right.axvline(0.5, color="grey", lw=0.8)
    right.axhline(0.0, color="grey", lw=0.8)
    right.set_xlabel("schedule exponent p (alpha_t = alpha0/(t+1)^p)")
    right.set_ylabel("power exponent of the decay of B(T; p)")
    right.set_title("trailmix.theorem13.exponents-*: exponents")
    right.legend(fontsize=8)
    right.grid(True, alpha=0.3)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.11, top=0.92, wspace=0.22)
    png_path = out_dir / "schedule_rates.png"
    fig.savefig(png_path, dpi=120)
    plt.close(fig)

    best = min(rows, key=lambda r: r["exact_a"])
    return Reproduction(
        name=NAME,
        data=[csv_path, npz_path],
        figures=[png_path],
        summary={"best p (smallest exact exponent)": best["p"], "its exponent": best["exact_a"]},
        caption=TITLE,
    )


if __name__ == "__main__":
    script_main(run)
