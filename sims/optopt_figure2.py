r"""Figure 2 of "Optimizing optimizers": optimal optimizers under different budget types (panels a, b, c).

Claims ``optopt.figure2.a``, ``optopt.figure2.b``, ``optopt.figure2.c``. The paper gives no protocol; the one
used here is the catalogue's (``claims-optopt.md``, "## Figure 2") and every choice it leaves open is written
to ``optopt_figure2_caption.md`` next to the figures.

* Panel a: :math:`L = \tfrac12\theta^\top H\theta`, :math:`\theta_0 \sim N(0, I)`, :math:`\Sigma = E[gg^\top] = H^2`;
  equal-power optimizers :math:`\|Q\|_F = \sqrt B` (:math:`B = 1`): :math:`Q^\star_F = \sqrt B\Sigma/\|\Sigma\|_F`,
  random Wishart :math:`Q = \sqrt B W/\|W\|_F`, and :math:`\sqrt{B/d}\,I`; expected loss under the gradient flow
  (exact, ``expm``), under discrete steps (exact), and with :math:`\Sigma_t` re-estimated along the trajectory
  (EMA / instantaneous :math:`gg^\top`, Monte Carlo over common :math:`\theta_0` samples).
* Panels b, c: the discrete loop :math:`\theta_{t+1} = \theta_t + Q_tg_t`, :math:`Q_t` the Cor. 2 closed form of
  each budget on :math:`\Sigma_t = \mathrm{EMA}(gg^\top)`, each budget tuned over a grid of its parameters;
  b on rotated quadratics, c on the chained Rosenbrock function and a 2-layer tanh MLP regression.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sims import Reproduction, script_main
from theorylab.budgets import DiagonalBudget, FrobeniusBudget, LyapunovBudget, SpectralBudget
from theorylab.budgets import training as tr

NAME = "optopt-figure2"
TITLE = "Figure 2: equal-budget Frobenius optimizers (a) and best-tuned budget types on quadratic (b) / nonconvex (c)"

PANELS = ("a", "b", "c")
FAMILIES = ("frobenius", "spectral", "lyapunov", "diagonal")
FAMILY_LABELS = {"frobenius": "Frobenius (B)", "spectral": "spectral (tau, lambda)",
                 "lyapunov": "data-metric (B)", "diagonal": "diagonal (B, c)"}


# --------------------------------------------------------------------------- protocol


def panel_a_protocol(budget: str) -> dict[str, Any]:
    """Sizes of panel a by tier (quick: one spectrum, one seed; full: the catalogue's protocol)."""
    quick = budget == "quick"
    return {
        "d": 20,
        "B": 1.0,
        "spectra": ["diag-logspace(-2,0)"] if quick else ["diag-logspace(-2,0)", "rotated-logspace(-2,0)",
                                                          "diag-logspace(-1,0)", "diag-two-cluster"],
        "seeds": 1 if quick else 3,
        "n_random": 20 if quick else 50,
        "flow_times": [0.5, 2.0, 10.0, 50.0, 200.0, 1000.0, 5000.0],
        "discrete_steps": [1, 2, 10, 50, 200, 1000, 5000],
        "reestimated_steps": [1, 2, 10, 50, 200] if quick else [1, 2, 10, 50, 200, 1000],
        "n_theta0": 8 if quick else 64,
        "ema_decay": 0.9,
    }


def panel_bc_protocol(panel: str, budget: str) -> dict[str, Any]:
    """Grids, steps and instances of panels b and c by tier."""
    quick = budget == "quick"
    n_b = 12 if quick else 45
    n_spec = 5 if quick else 9
    proto: dict[str, Any] = {
        "B_grid": np.logspace(-10, 1, n_b),
        "tau_lambda_axis": np.logspace(-3, 1, n_spec),
        "steps": 150 if quick else 500,
        "seeds": 1 if quick else 3,
        "moments": ["ema 0.9"] if quick else ["ema 0.9", "ema 0.99"] + (["exact"] if panel == "b" else []),
        "costs": ["unit", "sqrt-ema-g2"],
    }
    if panel == "b":
        proto["problems"] = ["quadratic-d10"] if quick else ["quadratic-d10", "quadratic-d50"]
    else:
        proto["problems"] = ["rosenbrock-d10-fixed"] if quick else ["rosenbrock-d10-fixed", "rosenbrock-d10-random",
                                                                     "mlp-176"]
        if not quick:
            proto["steps_by_problem"] = {"mlp-176": 300}
            proto["seeds_by_problem"] = {"mlp-176": 1}
    return proto


def _spectrum_hessian(name: str, d: int, rng: np.random.Generator) -> np.ndarray:
    if name.endswith("logspace(-2,0)"):
        h = np.logspace(-2, 0, d)
    elif name.endswith("logspace(-1,0)"):
        h = np.logspace(-1, 0, d)
    elif name.endswith("two-cluster"):
        h = np.where(np.arange(d) < d // 2, 0.01, 1.0)
    else:
        raise ValueError(f"unknown spectrum {name!r}")
    if name.startswith("rotated"):
        q, r = np.linalg.qr(rng.standard_normal((d, d)))
        q = q * np.sign(np.diag(r))
        H = (q * h) @ q.T
        return 0.5 * (H + H.T)
    return np.diag(h)


def frobenius_normalized(matrix: np.ndarray, B: float) -> np.ndarray:
    r""":math:`\sqrt B\,M/\|M\|_F` (the Frobenius closed form applied to ``matrix``)."""
    return FrobeniusBudget(B).closed_form(matrix).Q


# --------------------------------------------------------------------------- panel a


@dataclass
class PanelA:
    """Expected losses of the equal-budget optimizers, per (spectrum, seed, variant)."""

    protocol: dict[str, Any]
    # key (spectrum, seed, variant) -> dict(horizons, optimal, isotropic, random (n_random, T)); the Monte Carlo
    # variants also keep *_samples: per-theta0 losses (n_theta0, T), random (n_random, n_theta0, T)
    curves: dict[tuple[str, int, str], dict[str, np.ndarray]] = field(default_factory=dict)


def _reestimated_losses(H: np.ndarray, B: float, theta0s: np.ndarray, steps: list[int], moment: str,
                        decay: float) -> np.ndarray:
    """Per-sample losses (n_theta0, len(steps)) of the loop with Q_t = sqrt(B) Sigma_t/||Sigma_t||_F."""
    objective = tr.Objective("quadratic", H.shape[0], lambda x: 0.5 * float(x @ H @ x), lambda x: H @ x)
    rule = tr.closed_form_rule(FrobeniusBudget(B))
    losses = np.array([tr.train(objective, th, rule, max(steps), moment=moment, decay=decay).losses
                       for th in theta0s])
    return losses[:, steps]


def _fixed_q_sample_losses(Q: np.ndarray, H: np.ndarray, theta0s: np.ndarray, steps: list[int]) -> np.ndarray:
    """Per-sample losses (n_theta0, len(steps)) of theta_{k+1} = (I - QH) theta_k from the same theta0 samples."""
    step = np.eye(H.shape[0]) - Q @ H
    out = np.empty((theta0s.shape[0], len(steps)))
    for i, k in enumerate(steps):
        theta = np.linalg.matrix_power(step, int(k)) @ theta0s.T
        out[:, i] = 0.5 * np.einsum("in,ij,jn->n", theta, H, theta)
    return out


def compute_panel_a(budget: str = "quick", seed: int = 0) -> PanelA:
    """All curves of panel a (see :func:`panel_a_protocol`)."""
    proto = panel_a_protocol(budget)
    d, B = proto["d"], proto["B"]
    data = PanelA(proto)
    for spectrum in proto["spectra"]:
        for s in range(proto["seeds"]):
            rng = np.random.default_rng([seed, s, 2])
            H = _spectrum_hessian(spectrum, d, rng)
            sigma = H @ H
            optimal = frobenius_normalized(sigma, B)
            isotropic = math.sqrt(B / d) * np.eye(d)
            randoms = []
            for _ in range(proto["n_random"]):
                W = rng.standard_normal((d, d))
                randoms.append(frobenius_normalized(W @ W.T / d, B))
            times = np.array(proto["flow_times"])
            data.curves[(spectrum, s, "flow")] = {
                "horizons": times,
                "optimal": tr.expected_quadratic_loss(optimal, H, times),
                "isotropic": tr.expected_quadratic_loss(isotropic, H, times),
                "random": np.array([tr.expected_quadratic_loss(Q, H, times) for Q in randoms]),
            }
            steps = np.array(proto["discrete_steps"])
            data.curves[(spectrum, s, "discrete")] = {
                "horizons": steps.astype(float),
                "optimal": tr.expected_quadratic_loss_discrete(optimal, H, steps),
                "isotropic": tr.expected_quadratic_loss_discrete(isotropic, H, steps),
                "random": np.array([tr.expected_quadratic_loss_discrete(Q, H, steps) for Q in randoms]),
            }
            theta0s = rng.standard_normal((proto["n_theta0"], d))
            re_steps = list(proto["reestimated_steps"])
            iso_mc = _fixed_q_sample_losses(isotropic, H, theta0s, re_steps)
            rand_mc = np.array([_fixed_q_sample_losses(Q, H, theta0s, re_steps) for Q in randoms])
            for moment in ("ema", "instant"):
                optimal_mc = _reestimated_losses(H, B, theta0s, re_steps, moment, proto["ema_decay"])
                data.curves[(spectrum, s, moment)] = {
                    "horizons": np.array(re_steps, dtype=float),
                    "optimal": optimal_mc.mean(axis=0),
                    "isotropic": iso_mc.mean(axis=0),
                    "random": rand_mc.mean(axis=1),
                    "optimal_samples": optimal_mc,
                    "isotropic_samples": iso_mc,
                    "random_samples": rand_mc,
                }
    return data


def plot_panel_a(data: PanelA, path: Path) -> Path:
    """Loss curves of the first spectrum and seed, one subplot per variant (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spectrum = data.protocol["spectra"][0]
    variants = ("flow", "discrete", "ema", "instant")
    titles = {"flow": "gradient flow, fixed Q (exact E L)", "discrete": "discrete steps, fixed Q (exact E L)",
              "ema": "Sigma_t = EMA(gg^T), Q_t recomputed (MC)", "instant": "Sigma_t = g g^T, Q_t recomputed (MC)"}
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, variant in zip(axes.ravel(), variants, strict=True):
        c = data.curves[(spectrum, 0, variant)]
        x = c["horizons"]
        for j, row in enumerate(c["random"]):
            ax.loglog(x, row, color="0.6", ls=":", lw=1,
                      label="random Wishart Q, ||Q||_F = sqrt(B)" if j == 0 else None)
        ax.loglog(x, c["isotropic"], color="C1", ls="--", lw=1.5, marker="s", ms=4, label="sqrt(B/d) I")
        ax.loglog(x, c["optimal"], color="C0", lw=2.2, marker="o", ms=4,
                  label="theory Q*_F = sqrt(B) Sigma/||Sigma||_F")
        ax.set_xlabel("time t" if variant == "flow" else "step k")
        ax.set_ylabel("E L")
        ax.set_title(titles[variant], fontsize=9)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"optopt.figure2.a: equal Frobenius budget B = {data.protocol['B']:g}, d = {data.protocol['d']}, "
                 f"H = {spectrum}", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.07, top=0.92, hspace=0.28, wspace=0.2)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def save_panel_a(data: PanelA, out_dir: Path) -> tuple[list[Path], list[Path]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    arrays = {}
    rows = []
    for (spectrum, s, variant), c in data.curves.items():
        key = f"{spectrum}|{s}|{variant}"
        for name, value in c.items():
            arrays[f"{key}|{name}"] = value
        for j, h in enumerate(c["horizons"]):
            all_losses = np.concatenate([[c["optimal"][j], c["isotropic"][j]], c["random"][:, j]])
            rows.append({"spectrum": spectrum, "seed": s, "variant": variant, "horizon": h,
                         "loss_optimal": c["optimal"][j], "loss_isotropic": c["isotropic"][j],
                         "min_loss_random": float(np.min(c["random"][:, j])),
                         "rank_optimal": int(np.sum(all_losses < c["optimal"][j])) + 1,
                         "n_optimizers": all_losses.size})
    npz = out_dir / "optopt_figure2a.npz"
    np.savez(npz, **arrays)
    table = _write_csv(out_dir / "optopt_figure2a.csv", rows)
    png = plot_panel_a(data, out_dir / "optopt_figure2a.png")
    return [npz, table], [png]


# --------------------------------------------------------------------------- panels b, c


@dataclass
class GridPoint:
    """One tuned configuration: family, its parameters, the loss curve and whether it diverged."""

    family: str
    params: dict[str, Any]
    losses: np.ndarray
    diverged: bool
    on_edge: bool

    @property
    def final(self) -> float:
        return math.inf if self.diverged else float(self.losses[-1])


@dataclass
class TunedInstance:
    """All grid points of one (problem, seed) instance, and the best one per family."""

    problem: str
    seed: int
    points: list[GridPoint]
    moment: str = "ema 0.9"

    @property
    def label(self) -> str:
        return f"{self.problem}, Sigma_t: {self.moment}, seed {self.seed}"

    def best(self, family: str) -> GridPoint | None:
        """The grid point with the smallest final loss (``None`` if every point diverged)."""
        ok = [p for p in self.points if p.family == family and not p.diverged]
        return min(ok, key=lambda p: p.final) if ok else None

    def diverged_count(self, family: str) -> tuple[int, int]:
        pts = [p for p in self.points if p.family == family]
        return sum(p.diverged for p in pts), len(pts)


@dataclass
class PanelBC:
    panel: str
    protocol: dict[str, Any]
    instances: list[TunedInstance] = field(default_factory=list)


def _moment_setting(moment: str, objective: Any) -> dict[str, Any]:
    """Keyword arguments of :func:`theorylab.budgets.training.train` for a moment label ("ema 0.9", "exact")."""
    if moment.startswith("ema "):
        return {"moment": "ema", "decay": float(moment.split()[1])}
    if moment == "exact":
        # quadratic with theta0 ~ N(0, I): E[g g^T] = H E[theta0 theta0^T] H = H^2
        H = objective.hess(np.zeros(objective.dim))
        return {"moment": "exact", "exact_moment": H @ H}
    raise ValueError(f"unknown moment setting {moment!r}")


def _instance(problem: str, seed: int, s: int) -> tuple[Any, np.ndarray]:
    rng = np.random.default_rng([seed, s, 3])
    if problem.startswith("quadratic-d"):
        d = int(problem.removeprefix("quadratic-d"))
        objective = tr.rotated_quadratic(np.logspace(-2, 0, d), seed=int(rng.integers(2**31)))
        return objective, rng.standard_normal(d)
    if problem.startswith("rosenbrock-d10"):
        objective = tr.rosenbrock_nd(10)
        start = -0.5 * np.ones(10) if problem.endswith("fixed") else rng.uniform(-2.0, 2.0, 10)
        return objective, start
    if problem == "mlp-176":
        objective = tr.mlp_regression(n_inputs=5, n_hidden=25, n_samples=64, seed=int(rng.integers(2**31)))
        return objective, objective.details["theta0"]
    raise ValueError(f"unknown problem {problem!r}")


def _grid(proto: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any], Any, bool]]:
    B_grid = proto["B_grid"]
    last = len(B_grid) - 1
    for family in ("frobenius", "lyapunov"):
        for i, B in enumerate(B_grid):
            budget = FrobeniusBudget(B) if family == "frobenius" else LyapunovBudget(B)
            yield family, {"B": float(B)}, tr.closed_form_rule(budget), i in (0, last)
    for cost in proto["costs"]:
        for i, B in enumerate(B_grid):
            rule = tr.closed_form_rule(DiagonalBudget(B)) if cost == "unit" else tr.adaptive_diagonal_rule(B)
            yield "diagonal", {"B": float(B), "c": cost}, rule, i in (0, last)
    axis = proto["tau_lambda_axis"]
    n = len(axis)
    for i, tau in enumerate(axis):
        for j, lam in enumerate(axis[: i + 1]):
            edge = i in (0, n - 1) or j in (0, n - 1)
            rule = tr.closed_form_rule(SpectralBudget(tau, lam))
            yield "spectral", {"tau": float(tau), "lam": float(lam)}, rule, edge


def compute_panel_bc(panel: str, budget: str = "quick", seed: int = 0) -> PanelBC:
    """Tune every budget family on every instance of panel b or c (see :func:`panel_bc_protocol`)."""
    if panel not in ("b", "c"):
        raise ValueError(f"panel must be 'b' or 'c'; got {panel!r}")
    proto = panel_bc_protocol(panel, budget)
    data = PanelBC(panel, proto)
    for problem in proto["problems"]:
        steps = proto.get("steps_by_problem", {}).get(problem, proto["steps"])
        for moment in proto["moments"]:
            for s in range(proto.get("seeds_by_problem", {}).get(problem, proto["seeds"])):
                objective, theta0 = _instance(problem, seed, s)
                setting = _moment_setting(moment, objective)
                points = []
                for family, params, rule, edge in _grid(proto):
                    run = tr.train(objective, theta0, rule, steps, **setting)
                    points.append(GridPoint(family, params, run.losses, run.diverged, edge))
                data.instances.append(TunedInstance(problem, s, points, moment))
    return data


def plot_panel_bc(data: PanelBC, path: Path, claim_id: str) -> Path:
    """Best-tuned loss curves per family, one subplot per problem (first seed), log loss axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    firsts = [inst for inst in data.instances if inst.seed == 0]
    ncols = len(data.protocol["moments"])
    nrows = len(firsts) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(8.0, 6.2 * ncols), 0.5 + 4.5 * nrows), squeeze=False)
    for ax, inst in zip(axes.ravel(), firsts, strict=True):
        for k, family in enumerate(FAMILIES):
            best = inst.best(family)
            n_div, n_all = inst.diverged_count(family)
            if best is None:
                ax.plot([], [], color=f"C{k}", label=f"{FAMILY_LABELS[family]}: all {n_all} diverged")
                continue
            params = ", ".join(f"{k2}={v:.2g}" if isinstance(v, float) else f"{k2}={v}"
                               for k2, v in best.params.items())
            edge = " [grid edge]" if best.on_edge else ""
            ax.semilogy(best.losses, color=f"C{k}", lw=2 if family == "frobenius" else 1.5,
                        label=f"{FAMILY_LABELS[family]}: {params}{edge}; diverged {n_div}/{n_all}")
        ax.set_xlabel("step t")
        ax.set_ylabel("training loss")
        ax.set_title(f"{inst.problem}, Sigma_t: {inst.moment}", fontsize=9)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7)
    what = "quadratic loss" if data.panel == "b" else "nonconvex losses"
    fig.suptitle(f"{claim_id}: best-tuned optimizer per budget type on {what}\n"
                 "theta <- theta + Q_t g_t, Q_t = Cor. 2 closed form on the moment estimate Sigma_t", fontsize=10)
    fig.subplots_adjust(left=0.1 / ncols, right=0.98, bottom=0.1 / nrows, top=1.0 - 0.85 / (0.5 + 4.5 * nrows),
                        wspace=0.2, hspace=0.3)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def save_panel_bc(data: PanelBC, out_dir: Path) -> tuple[list[Path], list[Path]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    arrays, rows = {}, []
    for inst in data.instances:
        for n, p in enumerate(inst.points):
            arrays[f"{inst.problem}|{inst.moment}|{inst.seed}|{p.family}|{n}"] = p.losses
            rows.append({"problem": inst.problem, "moment": inst.moment, "seed": inst.seed, "family": p.family,
                         **{k: p.params.get(k, "") for k in ("B", "tau", "lam", "c")},
                         "final_loss": p.final, "area": math.inf if p.diverged else float(np.mean(p.losses)),
                         "diverged": p.diverged, "grid_edge": p.on_edge})
    stem = f"optopt_figure2{data.panel}"
    npz = out_dir / f"{stem}.npz"
    np.savez(npz, **arrays)
    table = _write_csv(out_dir / f"{stem}.csv", rows)
    png = plot_panel_bc(data, out_dir / f"{stem}.png", f"optopt.figure2.{data.panel}")
    return [npz, table], [png]


# --------------------------------------------------------------------------- output


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def caption_text(budget: str) -> str:
    """Every choice the paper leaves open, as used at this tier."""
    a = panel_a_protocol(budget)
    b = panel_bc_protocol("b", budget)
    c = panel_bc_protocol("c", budget)
    mlp_steps = "" if "steps_by_problem" not in c else f", per problem {c['steps_by_problem']}"
    mlp_seeds = "" if "seeds_by_problem" not in c else f" (panel c, per problem: {c['seeds_by_problem']})"
    return f"""# optopt Figure 2 — reproduction protocol ({budget} tier)

The paper gives only the caption and one sentence (no loss functions, dimensions, initialization, moment
estimator, time discretization, step counts, grids, number of random optimizers, seeds or axis scales). The choices
below are the catalogue's suggested protocol (claims-optopt.md, "## Figure 2"), scaled to the tier.

## Panel a (optopt.figure2.a)
- Loss: L = ½ θᵀHθ, d = {a['d']}, H spectra: {', '.join(a['spectra'])} ("rotated": Haar-random eigenbasis;
  "two-cluster": half the eigenvalues 0.01, half 1).
- Initialization θ0 ~ N(0, I), so Σ = E[ggᵀ] = H² (population moment).
- Budget: Frobenius, B = {a['B']:g}; every optimizer has ‖Q‖_F = √B.
- Theory optimizer Q*_F = √B Σ/‖Σ‖_F (Cor. 2(i)); {a['n_random']} random optimizers per instance
  Q = √B W/‖W‖_F with W = GGᵀ/d, G ∈ R^(d×d) standard normal (Wishart, full rank); also √(B/d) I.
- Seeds: {a['seeds']} per spectrum.
- Variants: (i) gradient flow with fixed Q, exact E L(t) = ½Tr(e^(−QHt)ᵀ H e^(−QHt)) (scipy.linalg.expm) at
  t ∈ {a['flow_times']}; (iii) discrete steps θ_(k+1) = (I − QH)θ_k (step size 1), exact E L_k at
  k ∈ {a['discrete_steps']}; (ii) Σ_t re-estimated along the trajectory, Q_t = √B Σ_t/‖Σ_t‖_F recomputed every
  step, Σ_t = EMA(ggᵀ) with decay {a['ema_decay']} (Σ_0 = g_0g_0ᵀ) or Σ_t = g_tg_tᵀ; losses averaged over
  {a['n_theta0']} samples θ0 ~ N(0, I), and the fixed-Q comparators averaged over the same samples, at
  k ∈ {a['reestimated_steps']}.
- Axes: log-log. The figure shows the first spectrum and seed; the csv has all, with the rank of Q*_F.

## Panels b and c (optopt.figure2.b, optopt.figure2.c)
- Loop: θ_(t+1) = θ_t + Q_t g_t, g_t = −∇L(θ_t), no separate learning rate (the budget sets the scale);
  Q_t = the Cor. 2 closed form as stated (Budget.closed_form) on the moment estimate Σ_t: {', '.join(b['moments'])}
  (b), {', '.join(c['moments'])} (c); "ema β": Σ_t = βΣ_(t−1) + (1 − β)g_tg_tᵀ, Σ_0 = g_0g_0ᵀ; "exact": Σ = H² (the
  population moment at θ0 ~ N(0, I); a fixed Q). Costs of the diagonal budget c = 1 or c = √EMA(g²) + 1e−8 (EMA
  with the same β; 0.9 for "exact").
- Steps: {b['steps']} (b), {c['steps']} (c){mlp_steps}.
- Grids: B ∈ logspace(−10, 1, {len(b['B_grid'])}) for the Frobenius, data-metric and diagonal budgets (diagonal:
  both cost choices); (τ, λ) ∈ logspace(−3, 1, {len(b['tau_lambda_axis'])})² with λ ≤ τ for the spectral budget.
- Score: final training loss (the mean loss over the run is in the csv); "best-tuned" = smallest final loss over
  the grid; a winner on the grid's edge is flagged. A run diverges when the loss becomes non-finite or exceeds
  1e8·max(L(θ0), 1); diverged grid points are counted, never chosen.
- Panel b problems: {', '.join(b['problems'])} (H = U diag(logspace(−2, 0, d)) Uᵀ, U Haar, θ0 ~ N(0, I)).
- Panel c problems: {', '.join(c['problems'])} (chained Rosenbrock, a = 1, b = 100, from θ0 = −0.5·1 or
  uniform[−2, 2]^10; MLP: 2-layer tanh regression, 5 inputs, 25 hidden units (176 parameters), 64 samples,
  teacher-network targets with noise 0.1).
- Seeds: {b['seeds']} per problem{mlp_seeds}. Figures: first seed of each problem and moment estimate, log loss axis.
"""


def run(out_dir: Path, *, budget: str = "quick", seed: int = 0, panels: Iterable[str] = PANELS) -> Reproduction:
    """Compute the requested panels and write npz + csv + PNG per panel and the caption file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    panels = tuple(panels)
    unknown = set(panels) - set(PANELS)
    if unknown:
        raise ValueError(f"panels must be a subset of {PANELS}; got {sorted(unknown)}")
    data_files: list[Path] = []
    figures: list[Path] = []
    summary: dict[str, Any] = {}
    if "a" in panels:
        a = compute_panel_a(budget, seed)
        files, figs = save_panel_a(a, out_dir)
        data_files += files
        figures += figs
        summary["a: horizons where Q*_F is not the best"] = sum(
            int(np.sum(c["optimal"] > np.minimum(c["isotropic"], c["random"].min(axis=0)))) for c in a.curves.values())
    for panel in ("b", "c"):
        if panel in panels:
            bc = compute_panel_bc(panel, budget, seed)
            files, figs = save_panel_bc(bc, out_dir)
            data_files += files
            figures += figs
            for inst in bc.instances:
                finals = {f: (p.final if (p := inst.best(f)) else math.inf) for f in FAMILIES}
                summary[f"{panel}: {inst.label} winner"] = min(finals, key=finals.get)
    caption = out_dir / "optopt_figure2_caption.md"
    caption.write_text(caption_text(budget))
    data_files.append(caption)
    return Reproduction(NAME, data_files, figures, summary, TITLE)


if __name__ == "__main__":
    script_main(run)
