r"""Simplex trajectories of λ and the free energy V = f − τH along the coupled flow (101)–(102).

TrailMix Lemma 8 claims that :math:`\mathcal V = f - \tau H(\lambda)` is non-increasing
along the same-timescale flow (``trailmix.lemma8.trajectory``). This reproduction
integrates the flow for K = 3 scaled bases (:math:`d_i = c_i\nabla f`,
:math:`c = (0.1, 1, 2)`), :math:`f = \tfrac12 x^\top\mathrm{diag}(1, 0.5)x`,
:math:`\theta = 5`, with both λ-dynamics (projected (102), replicator) and both
Definition 3 scores, and draws

1. the weight trajectories on the simplex (one panel per dynamics/score pair),
2. :math:`\mathcal V(t)` for :math:`\tau \in \{0, 0.5, 1, 2\}` from the uniform
   start, with the grid steps on which :math:`\mathcal V` increases marked.

Data: ``coupled_flow.npz`` (times, states, weights) and ``coupled_flow_increases.csv``
(largest increase of :math:`\mathcal V` per pair, start and τ).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
from scipy.special import entr

from sims import Reproduction, script_main
from theorylab import flows, problems

NAME = "coupled-flow"
TITLE = "Simplex trajectories of lambda and V = f - tau H along the coupled flow (101)-(102)"

PAIRS = (("proj", "align"), ("proj", "adv"), ("rep", "align"), ("rep", "adv"))
SCALES = np.array([0.1, 1.0, 2.0])
TAUS = (0.0, 0.5, 1.0, 2.0)
THETA = 5.0
X0 = np.array([3.0, -2.0])


def _ternary(lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Barycentric coordinates on the equilateral triangle with vertices e_1, e_2, e_3."""
    return lam[:, 1] + 0.5 * lam[:, 2], (math.sqrt(3) / 2) * lam[:, 2]


def _starts(budget: str, rng: np.random.Generator) -> list[np.ndarray]:
    fixed = [np.full(3, 1 / 3), np.array([0.8, 0.1, 0.1]), np.array([0.1, 0.1, 0.8])]
    extra = [] if budget == "quick" else list(rng.dirichlet(np.ones(3), size=5))
    return fixed + extra


def run(out_dir: str | Path, *, budget: str = "quick", seed: int = 0) -> Reproduction:
    """Integrate the four (dynamics, score) pairs, write the data and the two figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    problem = problems.quadratic(np.diag([1.0, 0.5]))
    bases = flows.scaled_bases(SCALES, 2)
    starts = _starts(budget, rng)
    n_dense = 2001 if budget == "quick" else 8001
    t_final = 10.0
    grid = np.concatenate([[0.0], np.logspace(-4, 1, n_dense - 1)])
    arrays: dict[str, np.ndarray] = {}
    rows = []
    summary: dict[str, float] = {}
    fig_s, axes_s = plt.subplots(2, 2, figsize=(9, 8))
    fig_v, axes_v = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    for (dynamics, score), ax_s, ax_v in zip(PAIRS, axes_s.ravel(), axes_v.ravel(), strict=True):
        flow = flows.CoupledFlow(problem, bases, weight_dynamics=dynamics, score=score, theta=THETA)
        tri = np.array([[0, 0], [1, 0], [0.5, math.sqrt(3) / 2], [0, 0]])
        ax_s.plot(tri[:, 0], tri[:, 1], color="0.4", linewidth=1)
        for label, (px, py) in zip((f"c={c:g}" for c in SCALES), ((-0.06, -0.05), (0.96, -0.05), (0.45, 0.9)),
                                   strict=True):
            ax_s.text(px, py, label, fontsize=8)
        for index, lam0 in enumerate(starts):
            sol = flows.integrate_flow(flow, X0, lam0, t_final, t_eval=grid, method="LSODA")
            key = f"{dynamics}_{score}_start{index}"
            arrays[f"{key}_t"], arrays[f"{key}_x"], arrays[f"{key}_lam"] = sol.t, sol.x, sol.lam
            bx, by = _ternary(sol.lam[:: max(1, sol.t.size // 400)])
            ax_s.plot(bx, by, color=f"C{index}", linewidth=1.2)
            ax_s.plot(bx[:1], by[:1], "o", color=f"C{index}", markersize=4)
            ax_s.plot(bx[-1:], by[-1:], "s", color=f"C{index}", markersize=4)
            entropy = np.sum(entr(np.maximum(sol.lam, 0.0)), axis=1)
            f_values = problem.value(sol.x)
            for tau in TAUS:
                values = f_values - tau * entropy
                bad, excess = flows.find_increases(values, 1e-9)
                j = int(np.argmax(np.diff(values)))
                largest = float(values[j + 1] - values[j])
                rows.append({"dynamics": dynamics, "score": score, "start": index, "lam0": lam0.round(4).tolist(),
                             "tau": tau, "n_increasing_steps": int(bad.size), "largest_increase": largest,
                             "at_t": float(sol.t[j])})
                name = f"{dynamics}-{score}, tau={tau:g}"
                summary[name] = max(summary.get(name, -math.inf), largest)
                if index == 0:
                    every = max(1, sol.t.size // 400)
                    line, = ax_v.plot(sol.t[::every], values[::every], linewidth=1, label=f"tau = {tau:g}")
                    rising = np.full(values.size, np.nan)
                    rising[bad + 1] = values[bad + 1]
                    ax_v.plot(sol.t[::every], rising[::every], color=line.get_color(), linewidth=4, alpha=0.35)
        ax_s.set_title(f"{dynamics} / {score}: lambda(t) (o start, s end)", fontsize=9)
        ax_s.set_aspect("equal")
        ax_s.axis("off")
        ax_v.set_title(f"{dynamics} / {score}: V = f - tau H, uniform start (thick: V increases)", fontsize=8)
        ax_v.set_xscale("symlog", linthresh=1e-3)
        ax_v.set_xlabel("t")
        ax_v.set_ylabel("V(x(t), lambda(t))")
        ax_v.legend(fontsize=7)
    fig_s.suptitle(f"trailmix.lemma8.trajectory: weights on the simplex, c = {SCALES.tolist()}, theta = {THETA:g}",
                   fontsize=10)
    fig_v.suptitle("trailmix.lemma8.trajectory: free energy V = f - tau H along (101)-(102) (claimed non-increasing)",
                   fontsize=10)
    paths = [out / "coupled_flow_simplex.png", out / "coupled_flow_free_energy.png"]
    fig_s.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.9, wspace=0.05, hspace=0.12)
    fig_v.subplots_adjust(left=0.08, right=0.98, bottom=0.08, top=0.9, wspace=0.22, hspace=0.25)
    for fig, path in zip((fig_s, fig_v), paths, strict=True):
        fig.savefig(path, dpi=90)
        plt.close(fig)
    data_npz = out / "coupled_flow.npz"
    np.savez_compressed(data_npz, **arrays)
    data_csv = out / "coupled_flow_increases.csv"
    with data_csv.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Reproduction(
        name=NAME,
        data=[data_npz, data_csv],
        figures=paths,
        summary={f"largest increase of V ({k})": round(v, 6) for k, v in summary.items()},
        caption=f"f = x^T diag(1, 0.5) x / 2, K = 3 scaled bases c = {SCALES.tolist()}, theta = {THETA:g}, "
                f"x0 = {X0.tolist()}, t in [0, {t_final:g}], {len(starts)} starts",
    )


if __name__ == "__main__":
    script_main(run)
