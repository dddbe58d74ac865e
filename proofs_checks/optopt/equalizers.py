r"""App. D — Tables 2, 3 and 4: moments, budgets and "equalizers" of the named optimizers.

Rows that state formulas are checked on the formula they state; rows that restate a corollary of App. C run
their own comparison on the Table's formula and cite the corollary (whose own checks live in
``reverse_engineered.py``). Purely interpretive rows are not checkable.

Notation: learning power of :math:`Q` on a moment :math:`\Sigma` is :math:`\operatorname{Tr}(Q\Sigma)`; the
data-metric ("Lyap") budget is :math:`\operatorname{Tr}(Q\Sigma_0Q) \le B`, :math:`Q \succeq 0`, with
:math:`\Sigma_0 = \Sigma` in the paper's :math:`\mathcal Q_L(B)`. For a family closed under positive scaling the
best power under that budget is :math:`\sqrt B\max_Q J(Q)`, :math:`J(Q) = \operatorname{Tr}(Q\Sigma)/
\operatorname{Tr}(Q\Sigma_0Q)^{1/2}`, and the saturated :math:`\eta Q` has power :math:`\sqrt B J(Q)`.
Kronecker products use ``numpy.kron`` with the row-major vec: the per-sample gradient :math:`\delta a^\top` of a
weight matrix is :math:`\delta\otimes a`, so a layer's K-FAC Fisher block is :math:`G\otimes A` and its K-FAC
preconditioner :math:`G^{-1}\otimes A^{-1}` (the Table's :math:`A^{-1}\otimes G^{-1}` in the column-major vec).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.optimize
from hypothesis import strategies as st

from proofs_checks.optopt import _equalizer_helpers as eqh
from proofs_checks.optopt import _reference_updates as ref
from theorylab.budgets import DiagonalBudget, LyapunovBudget, solve
from theorylab.budgets import corollaries as cor
from theorylab.budgets.cones import one_pole_family
from theorylab.budgets.velocity import InfinityRegion
from theorylab.claims import CheckResult, Context, NumericalFailure, claim
from theorylab.testing.strategies import log_uniform

#: Exact algebra, closed form vs closed form (catalogue tolerance conventions).
EXACT = 1e-10
#: Closed form vs cvxpy / a numerical search, objective (Clarabel rel 1e-6).
SEARCH_OBJ = 1e-6
#: Estimator / proportionality band of the catalogue (|Δ slope| ≤ 0.05).
SLOPE_BAND = 0.05

_BETAS = st.one_of(st.sampled_from([1e-6, 0.5, 0.9, 0.999, 1 - 1e-6]), st.floats(1e-6, 1 - 1e-6))


def _compare_arrays(ctx: Context, lhs: np.ndarray, rhs: np.ndarray, rtol: float, label: str) -> None:
    r"""Record the entry of largest discrepancy, tolerance ``rtol`` times the largest magnitude of either array."""
    lhs, rhs = np.asarray(lhs).ravel(), np.asarray(rhs).ravel()
    scale = float(max(np.max(np.abs(lhs)), np.max(np.abs(rhs)), np.finfo(float).tiny))
    i = int(np.argmax(np.abs(lhs - rhs)))
    ctx.compare(float(np.real(lhs[i])), float(np.real(rhs[i])), "==", rtol=0.0, atol=rtol * scale, scale=scale,
                label=label)


# =========================================================================== Table 2


def _kfac_instance(rng: np.random.Generator, family: str, n_layers: int, log_cond: float
                   ) -> tuple[np.ndarray, np.ndarray, list[list[int]], list[list[np.ndarray]]]:
    r"""Moment :math:`\Sigma_{tr}`, the K-FAC preconditioner, the factor shapes and the K-FAC factors.

    ``kronecker``: :math:`\Sigma = \bigoplus_\ell G_\ell\otimes A_\ell` exactly. ``linear-net``: per-sample gradients of
    a linear net :math:`x \mapsto W_L\cdots W_1x` with squared loss; :math:`A_\ell = E[aa^\top]`, :math:`G_\ell =
    E[\delta\delta^\top]` estimated from the same samples, :math:`\Sigma_{tr}` the full empirical gradient moment.
    """
    sizes = [int(rng.integers(1, 4)) for _ in range(n_layers + 1)]
    shapes = [[sizes[i + 1], sizes[i]] for i in range(n_layers)]
    if family == "kronecker":
        factors = [[eqh.spd(rng, out, log_cond / 2), eqh.spd(rng, inp, log_cond / 2)] for out, inp in shapes]
        sigma = eqh.factored_operator(factors)
    else:
        weights = [rng.standard_normal((sizes[i + 1], sizes[i])) / math.sqrt(sizes[i]) for i in range(n_layers)]
        n = 20 * sum(a * b for a, b in shapes)
        x = rng.standard_normal((n, sizes[0])) * 10.0 ** rng.uniform(-0.5, 0.5, sizes[0])
        y = rng.standard_normal((n, sizes[-1]))
        acts = [x]
        for W in weights:
            acts.append(acts[-1] @ W.T)
        delta = acts[-1] - y
        grads, deltas = [None] * n_layers, [None] * n_layers
        for i in reversed(range(n_layers)):
            deltas[i] = delta
            grads[i] = np.einsum("no,ni->noi", delta, acts[i]).reshape(n, -1)
            delta = delta @ weights[i]
        flat = np.hstack(grads)
        sigma = flat.T @ flat / n
        factors = [[deltas[i].T @ deltas[i] / n, acts[i].T @ acts[i] / n] for i in range(n_layers)]
    sigma = 0.5 * (sigma + sigma.T)
    kfac = eqh.factored_operator([[np.linalg.inv(G), np.linalg.inv(A)] for G, A in factors])
    return sigma, kfac, shapes, factors


_factored_instance = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "layers": st.integers(1, 2),
    "log_cond": st.floats(0.0, 3.0),
    "B": log_uniform(1e-3, 1e3),
})


def _check_factored(ctx: Context, sigma: np.ndarray, stated: np.ndarray, shapes: list[list[int]],
                    starts: list[list[np.ndarray]], B: float, rng: np.random.Generator, label: str) -> float:
    r"""Stated saturated power vs the best factored power found (and vs the CP-L bound); returns the cosine."""
    values = np.linalg.eigvalsh(sigma)
    if values[0] <= 1e-12 * values[-1]:
        raise NumericalFailure("moment not positive definite: the data-metric program needs Sigma > 0 here")
    unit = sigma / float(np.trace(sigma))
    stated_J = eqh.normalized_power(stated, unit, unit)
    identity = [[np.eye(n) for n in block] for block in shapes]
    found_J, found_Q = eqh.best_factored_power(unit, unit, shapes, [starts, identity], rng, n_random=ctx.pick(1, 3),
                                               stop_above=stated_J * (1 + 100 * SEARCH_OBJ))
    bound_J = solve(LyapunovBudget(1.0), unit).stated_power  # (Tr Σ)^{1/2}, Cor. 2(iii) on Σ ≻ 0
    scale = math.sqrt(B * float(np.trace(sigma)))
    ctx.compare(math.sqrt(B) * found_J * math.sqrt(np.trace(sigma)), scale * bound_J, "<=", rtol=1e-9,
                label="best factored power <= CP-L optimum (sanity)")
    ctx.compare(scale * stated_J, scale * found_J, "==", rtol=SEARCH_OBJ,
                label=f"saturated {label} power vs best factored power found")
    return eqh.matrix_cosine(stated, found_Q)


@claim(id="optopt.table2.kfac", title="K-FAC: data-metric budget Tr(Q²Σ) ≤ B with Q factored",
       source="Table 2 row K-FAC, line ~1433; Table 3/4 K-FAC rows",
       statement="maximizing Tr(QΣ_tr) over Kronecker-factored block Q = ⊕_ℓ(X_ℓ ⊗ Y_ℓ) ⪰ 0 with Tr(Q²Σ_tr) ≤ B "
                 "gives the K-FAC preconditioner ⊕_ℓ(A_ℓ⁻¹ ⊗ G_ℓ⁻¹) (up to scale), where A_ℓ, G_ℓ are the K-FAC "
                 "factors of Σ_tr.",
       kind="optimality")
def table2_kfac(ctx: Context) -> CheckResult:
    r"""
    .. math::

        \max_{Q = \bigoplus_\ell X_\ell\otimes Y_\ell \succeq 0,\ \operatorname{Tr}(Q^2\Sigma)\le B}
        \operatorname{Tr}(Q\Sigma) \overset{?}{=} \sqrt B\,J\Big(\bigoplus_\ell G_\ell^{-1}\otimes A_\ell^{-1}\Big)

    Moments: (i) exactly Kronecker :math:`\Sigma = \bigoplus_\ell G_\ell\otimes A_\ell` (random SPD factors, condition
    up to :math:`10^{3}` per layer); (ii) the empirical gradient moment of a 1–2 layer linear net (layers up to
    3×3) with K-FAC factors estimated from the same per-sample activations and back-propagated errors. The factored
    optimum is searched over :math:`X_\ell = LL^\top`, :math:`Y_\ell = MM^\top` (L-BFGS from the K-FAC factors, from
    the identity and from random starts; the local search is skipped when a start already beats the stated power
    by more than 100× the tolerance); its value is evaluated exactly at the returned :math:`Q` (a feasible point
    once saturated), so it is a lower bound, and the CP-L closed form :math:`\sqrt{B\operatorname{Tr}\Sigma}`
    (Cor. 2(iii), :math:`\Sigma \succ 0`) is an upper bound. Recorded: saturated K-FAC power vs best factored power,
    rel 1e-6 (numerical search); the cosine of the two normalized maximizers is noted. A moment that is not
    positive definite makes the example inconclusive (the data-metric program is then not the one stated).
    Reading: the paper's data-metric budget :math:`\operatorname{Tr}(Q^2\Sigma_{tr})` with the same :math:`\Sigma_{tr}`
    as the objective (Table 2: "Lyap (block-Kronecker)").
    """
    cosines: list[float] = []

    def prop(inst: dict[str, Any], family: str) -> None:
        rng = np.random.default_rng(inst["seed"])
        sigma, kfac, shapes, factors = _kfac_instance(rng, family, inst["layers"], inst["log_cond"])
        ctx.event(family)
        starts = [[np.linalg.inv(G), np.linalg.inv(A)] for G, A in factors]
        cosines.append(_check_factored(ctx, sigma, kfac, shapes, starts, inst["B"], rng, "K-FAC"))

    ctx.search(prop, inst=_factored_instance, family=st.sampled_from(["kronecker", "linear-net"]),
               max_examples=ctx.pick(12, 200), label="K-FAC vs factored data-metric optimum")
    if cosines:
        ctx.note("cos(K-FAC Q, best factored Q) min/max", [min(cosines), max(cosines)])
    return ctx.result()


@claim(id="optopt.table2.kfac.corrected",
       title="K-FAC is the data-metric optimum for the metric Σ² (not Σ) when Σ is Kronecker-factored",
       source="Table 2 row K-FAC, line ~1433; derived",
       statement="for Σ = ⊕_ℓ(G_ℓ ⊗ A_ℓ) ≻ 0, maximizing Tr(QΣ) over Q ⪰ 0 (factored or not) with Tr(QΣ²Q) ≤ B gives "
                 "Q* ∝ ⊕_ℓ(G_ℓ⁻¹ ⊗ A_ℓ⁻¹) = Σ⁻¹ (K-FAC); with the stated budget Tr(Q²Σ) ≤ B the factored maximizer is "
                 "∝ I.",
       kind="optimality")
def table2_kfac_corrected(ctx: Context) -> CheckResult:
    r"""Derivation: for :math:`\max\operatorname{Tr}(Q\Sigma)` s.t. :math:`\operatorname{Tr}(Q\Sigma_0Q) \le B` the
    stationary point solves :math:`\Sigma_0X + X\Sigma_0 = \Sigma`. With :math:`\Sigma_0 = \Sigma^2` (commuting)
    :math:`X = \Sigma^{-1}/2 \succ 0`, so :math:`Q^\star = \sqrt B\,\Sigma^{-1}/\|\Sigma^{-1}\|_{\Sigma^2}` and
    :math:`P^\star = \sqrt{Bd}`; for :math:`\Sigma = \bigoplus_\ell G_\ell\otimes A_\ell`,
    :math:`\Sigma^{-1} = \bigoplus_\ell G_\ell^{-1}\otimes A_\ell^{-1}` is factored, hence also the factored optimum.
    With the stated :math:`\Sigma_0 = \Sigma`, :math:`X = I/2` (Cor. 2(iii)): the factored optimum is :math:`\propto I`.

    Same exactly-Kronecker instances as ``optopt.table2.kfac``. Recorded: saturated K-FAC power under the
    :math:`\Sigma^2` metric vs the engine's Lyapunov-form optimum (``LyapunovBudget(B, metric=Σ²)``) and vs
    :math:`\sqrt{Bd}`, rel 1e-9 (closed forms; the Lyapunov solve loses
    :math:`\kappa\epsilon`, :math:`\kappa \le 10^3`);
    saturated K-FAC power vs the best factored power found under the :math:`\Sigma^2` metric, rel 1e-6; under the
    stated metric, the identity's saturated power vs :math:`\sqrt{B\operatorname{Tr}\Sigma}`, rel 1e-10.
    """

    def prop(inst: dict[str, Any]) -> None:
        rng = np.random.default_rng(inst["seed"])
        sigma, kfac, shapes, factors = _kfac_instance(rng, "kronecker", inst["layers"], inst["log_cond"])
        B, d = inst["B"], sigma.shape[0]
        unit = sigma / float(np.trace(sigma)) * d  # Σ² metric is not scale-free: keep the same Σ up to a factor
        scale = float(np.trace(sigma)) / d
        metric = unit @ unit
        kfac_power = math.sqrt(B) * eqh.normalized_power(kfac, unit, metric)
        optimum = solve(LyapunovBudget(B, metric=metric), unit).power
        ctx.compare(kfac_power, optimum, "==", rtol=1e-9, label="K-FAC power vs Lyapunov optimum, metric Σ²")
        ctx.compare(kfac_power, math.sqrt(B * d), "==", rtol=1e-9, label="K-FAC power vs (B d)^(1/2), metric Σ²")
        starts = [[np.linalg.inv(G), np.linalg.inv(A)] for G, A in factors]
        identity = [[np.eye(n) for n in block] for block in shapes]
        found, _ = eqh.best_factored_power(unit, metric, shapes, [starts, identity], rng, n_random=ctx.pick(0, 2),
                                           stop_above=kfac_power / math.sqrt(B) * (1 + 100 * SEARCH_OBJ))
        ctx.compare(kfac_power, math.sqrt(B) * found, ">=", rtol=SEARCH_OBJ,
                    label="K-FAC power vs best factored power, metric Σ²")
        identity_power = math.sqrt(B * scale) * eqh.normalized_power(np.eye(d), unit, unit)
        ctx.compare(identity_power, math.sqrt(B * float(np.trace(sigma))), "==", rtol=EXACT,
                    label="saturated I power vs (B Tr Σ)^(1/2), stated metric Σ")

    ctx.search(prop, _factored_instance, max_examples=ctx.pick(8, 150), label="K-FAC under the Σ² metric")
    return ctx.result()


def _shampoo_instance(rng: np.random.Generator, shape: tuple[int, ...], log_cond: float, kronecker: bool
                      ) -> tuple[np.ndarray, list[np.ndarray]]:
    r"""Gradient moment :math:`\Sigma = E[\operatorname{vec}G\operatorname{vec}G^\top]` of a tensor-gradient stream and
    the mode-wise second moments :math:`G_i = E[G_{(i)}G_{(i)}^\top]` (unfoldings)."""
    n = 30 * int(np.prod(shape))
    mixers = [eqh.psd_power(eqh.spd(rng, k, log_cond / len(shape)), 0.5) for k in shape]
    Z = rng.standard_normal((n, *shape))
    for i, M in enumerate(mixers):
        Z = np.moveaxis(np.tensordot(Z, M, axes=([i + 1], [1])), -1, i + 1)
    if not kronecker:
        Z = Z + 0.5 * rng.standard_normal(Z.shape) * np.exp(rng.uniform(-1, 1, shape))
    flat = Z.reshape(n, -1)
    sigma = flat.T @ flat / n
    modes = []
    for i, k in enumerate(shape):
        unfold = np.moveaxis(Z, i + 1, 1).reshape(n, k, -1)
        modes.append(np.einsum("nab,ncb->ac", unfold, unfold) / n)
    return 0.5 * (sigma + sigma.T), modes


_SHAMPOO_SHAPES = [(2, 2), (3, 4), (2, 3), (2, 2, 2)]


@claim(id="optopt.table2.shampoo", title="Shampoo: data-metric budget with multi-axis Kronecker Q",
       source="Table 2 row Shampoo, line ~1434 (\"Lyap (multi-axis Kronecker)\"); Table 3 Shampoo row",
       statement="maximizing Tr(QΣ_tr) over Q = ⊗_i X_i ⪰ 0 with Tr(Q²Σ_tr) ≤ B gives the Shampoo preconditioner "
                 "(⊗_i G_i^{−1/2} as in Cor. 16 / Table 3's ⊗H_i^{−1/2}; report also ⊗G_i^{−1/4}), where G_i are "
                 "the mode-wise second moments.",
       kind="optimality")
def table2_shampoo(ctx: Context) -> CheckResult:
    r"""
    .. math::

        \max_{Q = \otimes_iX_i \succeq 0,\ \operatorname{Tr}(Q^2\Sigma)\le B}\operatorname{Tr}(Q\Sigma)
        \overset{?}{=} \sqrt B\,J(\otimes_iG_i^{-1/2})

    Streams of matrix / tensor gradients of shapes 2×2, 3×4, 2×3, 2×2×2 (:math:`30\prod n_i` samples), mode-mixed
    Gaussian (exactly Kronecker population moment) or with added coordinate noise (not Kronecker);
    :math:`\Sigma = E[\operatorname{vec}G\operatorname{vec}G^\top]` and :math:`G_i` the mode unfoldings' second moments,
    both empirical from the same samples. The factored optimum is searched as in ``optopt.table2.kfac`` (starts:
    the Shampoo factors, the identity, random); recorded: saturated :math:`\otimes G_i^{-1/2}` power vs best factored
    power, rel 1e-6. The same ratio for :math:`\otimes G_i^{-1/4}` (Gupta et al.'s exponent for matrices) is noted.
    """
    quarter: list[float] = []

    def prop(inst: dict[str, Any], shape_index: int, kronecker: bool) -> None:
        rng = np.random.default_rng(inst["seed"])
        shape = _SHAMPOO_SHAPES[shape_index]
        sigma, modes = _shampoo_instance(rng, shape, inst["log_cond"], kronecker)
        ctx.event(f"shape {shape}, {'kronecker' if kronecker else 'non-kronecker'}")
        stated = cor.kronecker([eqh.psd_power(G, -0.5) for G in modes])
        starts = [[eqh.psd_power(G, -0.5) for G in modes]]
        _check_factored(ctx, sigma, stated, [list(shape)], starts, inst["B"], rng, "Shampoo ⊗G_i^{-1/2}")
        unit = sigma / np.trace(sigma)
        q4 = cor.kronecker([eqh.psd_power(G, -0.25) for G in modes])
        quarter.append(eqh.normalized_power(q4, unit, unit) / math.sqrt(np.trace(unit)))

    ctx.search(prop, inst=_factored_instance, shape_index=st.integers(0, len(_SHAMPOO_SHAPES) - 1),
               kronecker=st.booleans(), max_examples=ctx.pick(10, 200), label="Shampoo vs factored optimum")
    if quarter:
        ctx.note("⊗G_i^{-1/4}: saturated power / optimum, min/max", [min(quarter), max(quarter)])
    return ctx.result()


@claim(id="optopt.table2.lamb-lars", title="LAMB/LARS: trace budget per layer",
       source="Table 2 row LAMB/LARS, line ~1432 (\"M = Σ_tr per layer ℓ; Trace per layer: Tr(Q_ℓ) ≤ τ_ℓ + norm "
              "ratio\")",
       statement="LAMB/LARS correspond to a per-layer trace budget Tr(Q_ℓ) ≤ τ_ℓ \"+ norm ratio\".",
       kind="qualitative")
def table2_lamb_lars(ctx: Context) -> CheckResult:
    r"""Not checkable: "+ norm ratio" is not defined, so no program is stated whose optimum could be compared with
    LARS/LAMB. Exploratory numbers (noted, no verdict): for a per-layer trace budget
    :math:`\{Q_\ell \succeq 0, \operatorname{Tr}Q_\ell \le \tau_\ell\}` the optimum is
    :math:`\tau_\ell u_1u_1^\top` (top
    eigenvector of :math:`\Sigma_\ell`, power :math:`\tau_\ell\sigma_{\max}`), the optimum restricted to
    :math:`\alpha_\ell I` is :math:`\alpha_\ell = \tau_\ell/d_\ell` (power
    :math:`\tau_\ell\operatorname{Tr}\Sigma_\ell/d_\ell`), and the LARS step norm :math:`\|\theta_\ell\|` is
    obtained only with :math:`\tau_\ell = d_\ell\|\theta_\ell\|/\|g_\ell\|`
    chosen from the parameters: the "norm ratio" then carries the whole LARS rule."""
    rng = np.random.default_rng(ctx.seed)
    rows = []
    for d in (2, 5, 10):
        a = rng.standard_normal((d, 3 * d))
        sigma = a @ a.T / (3 * d)
        values = np.linalg.eigvalsh(sigma)
        rows.append({"d": d, "trace_optimum_per_tau": float(values[-1]), "isotropic_per_tau": float(values.mean())})
    ctx.note("per-layer trace budget: optimum and isotropic restriction (power per unit tau)", rows)
    return ctx.not_checkable("\"+ norm ratio\" is undefined, so Table 2's LAMB/LARS row states no program to solve; "
                             "exploratory trace-budget numbers are in details")


# =========================================================================== Table 3: filters


@claim(id="optopt.table3.momentum", title="momentum is the one-pole filter ηI(1−β)/(1−βz⁻¹)",
       source="Table 3 row Momentum (HB/NAG), line ~1446",
       statement="the heavy-ball/EMA momentum equalizer is Q(z) = ηI(1−β)/(1−βz⁻¹), i.e. impulse response "
                 "η(1−β)βⁿI, whose output is η·EMA_β(g).",
       kind="identity")
def table3_momentum(ctx: Context) -> CheckResult:
    r"""
    .. math::

        Q(z) = \eta\frac{1-\beta}{1-\beta z^{-1}}I,\qquad q[n] = \eta(1-\beta)\beta^n,\qquad
        \sum_{n\le t}q[n]g[t-n] = \eta\,\mathrm{EMA}_\beta(g)[t] = \text{heavy ball with } \eta' = \eta(1-\beta).

    Three comparisons, rel 1e-10 of the largest magnitude (exact recursions; round-off grows like :math:`T\epsilon`):
    the heavy-ball recursion :math:`v \leftarrow \beta v + g`, :math:`\dot\theta = \eta(1-\beta)v` driven by an impulse
    against :math:`\eta(1-\beta)\beta^n`; its output on random gradient sequences (:math:`d \le 4`,
    :math:`T \le 200`, scales over 4 decades) against the causal convolution with the stated response and against
    :math:`\eta\,\mathrm{EMA}_\beta(g)`; the DTFT of the simulated :math:`T`-tap response at 16 frequencies against
    the stated transfer function on the unit circle times the exact truncation factor
    :math:`1-(\beta e^{-i\omega})^T`. :math:`\beta \in [10^{-6}, 1-10^{-6}]` with both ends, :math:`\eta` log-uniform
    in :math:`[10^{-3}, 10^3]`.
    """

    def prop(beta: float, eta: float, d: int, T: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        impulse = np.zeros((T, 1))
        impulse[0] = 1.0
        simulated = eqh.heavy_ball_steps(impulse, beta, eta * (1.0 - beta))[:, 0]
        stated = eta * (1.0 - beta) * beta ** np.arange(T)
        _compare_arrays(ctx, simulated, stated, EXACT, "heavy-ball impulse response vs η(1−β)βⁿ")
        g = rng.standard_normal((T, d)) * 10.0 ** rng.uniform(-2, 2, d)
        steps = eqh.heavy_ball_steps(g, beta, eta * (1.0 - beta))
        _compare_arrays(ctx, steps, eqh.causal_convolution(stated, g), EXACT, "heavy ball vs stated filter output")
        _compare_arrays(ctx, steps, eta * eqh.ema(g, beta), EXACT, "heavy ball vs η·EMA_β(g)")
        omega = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
        zinv = np.exp(-1j * omega)
        dtft = np.array([np.sum(simulated * z ** np.arange(T)) for z in zinv])
        transfer = eta * (1.0 - beta) / (1.0 - beta * zinv) * (1.0 - (beta * zinv) ** T)
        _compare_arrays(ctx, np.concatenate([dtft.real, dtft.imag]),
                        np.concatenate([transfer.real, transfer.imag]), EXACT,
                        "DTFT of simulated response vs stated Q(e^{iω})·(1−(βe^{−iω})^T)")

    ctx.search(prop, beta=_BETAS, eta=log_uniform(1e-3, 1e3), d=st.integers(1, 4), T=st.integers(1, 200),
               seed=st.integers(0, 2**32 - 1), max_examples=ctx.pick(60, 2000), label="one-pole filter")
    return ctx.result()


@claim(id="optopt.table3.nesterov", title="Nesterov is the lead–lag filter ηI(1−β)/(1−βz⁻¹)(1 + γz⁻¹)",
       source="Table 3 row Nesterov, line ~1448; Table 4 (\"γ: look-ahead lead\")",
       statement="Nesterov momentum's update is the output of Q(z) = ηI (1−β)/(1−βz⁻¹) · (1 + γz⁻¹) for some "
                 "(η, β, γ).",
       kind="identity")
def table3_nesterov(ctx: Context) -> CheckResult:
    r"""
    .. math::

        \text{PyTorch NAG: } v \leftarrow \mu v + g,\ \dot\theta = \eta(g + \mu v)
        \;\Longrightarrow\; \frac{\eta((1+\mu) - \mu z^{-1})}{1-\mu z^{-1}}
        = \eta'\frac{1-\beta}{1-\beta z^{-1}}(1+\gamma z^{-1}),\
        \beta = \mu,\ \gamma = -\frac{\mu}{1+\mu},\ \eta' = \eta\frac{1+\mu}{1-\mu}.

    :math:`(\eta', \beta, \gamma)` are fitted from the first three taps of the simulated impulse response (exact for
    this family), independently of the derivation above; then recorded, rel 1e-10: the whole simulated impulse
    response (:math:`T` taps) against the fitted lead–lag response, the NAG output on random gradient sequences
    against the causal convolution with it, and the DTFT of the simulated response at 16 frequencies against the
    lead–lag transfer function on the unit circle with the exact :math:`T`-tap truncation terms. Both the PyTorch
    form and Sutskever's form (on the look-ahead variable)
    are run; :math:`\mu \in [10^{-6}, 1-10^{-6}]`, :math:`\eta` log-uniform, :math:`3 \le T \le 200`. The fitted
    :math:`\gamma(\mu)` is noted with :math:`-\mu/(1+\mu)` (negative: a lag tap, not a lead).
    """
    gammas: list[tuple[float, float]] = []

    def prop(mu: float, eta: float, d: int, T: int, seed: int, form: str) -> None:
        rng = np.random.default_rng(seed)
        impulse = np.zeros((T, 1))
        impulse[0] = 1.0
        simulated = eqh.nesterov_steps(impulse, mu, eta, form)[:, 0]
        eta_fit, beta_fit, gamma_fit = eqh.fit_lead_lag(simulated)
        ctx.event(form)
        gammas.append((mu, gamma_fit))
        fitted = eqh.lead_lag_impulse(eta_fit, beta_fit, gamma_fit, T)
        _compare_arrays(ctx, simulated, fitted, EXACT, "NAG impulse response vs fitted lead-lag response")
        g = rng.standard_normal((T, d)) * 10.0 ** rng.uniform(-2, 2, d)
        _compare_arrays(ctx, eqh.nesterov_steps(g, mu, eta, form), eqh.causal_convolution(fitted, g), EXACT,
                        "NAG output vs lead-lag filter output")
        zinv = np.exp(-1j * np.linspace(0.0, 2 * np.pi, 16, endpoint=False))
        dtft = np.array([np.sum(simulated * z ** np.arange(T)) for z in zinv])
        pole = beta_fit * zinv
        transfer = eta_fit * (1.0 - beta_fit) / (1.0 - pole) * (
            (1.0 - pole**T) + gamma_fit * zinv * (1.0 - pole ** (T - 1)))
        _compare_arrays(ctx, np.concatenate([dtft.real, dtft.imag]), np.concatenate([transfer.real, transfer.imag]),
                        EXACT, "DTFT of NAG response vs lead-lag Q(e^{iω}) (exact T-tap truncation)")

    ctx.search(prop, mu=_BETAS, eta=log_uniform(1e-3, 1e3), d=st.integers(1, 4), T=st.integers(3, 200),
               seed=st.integers(0, 2**32 - 1), form=st.sampled_from(["pytorch", "sutskever"]),
               max_examples=ctx.pick(60, 2000), label="lead-lag filter")
    if gammas:
        sample = sorted(gammas)[:: max(1, len(gammas) // 10)]
        ctx.note("fitted gamma vs mu, with -mu/(1+mu)", [(m, g, -m / (1 + m)) for m, g in sample])
    return ctx.result()


@claim(id="optopt.table3.adam", title="Adam's equalizer Q(z) = diag(η(1−β1)/(1−β1z⁻¹))(diag√v + ε)⁻¹",
       source="Table 3 row Adam/AdamW, line ~1451",
       statement="the filter Q(z) = diag(η(1−β1)/(1−β1z⁻¹)) (diag√v + ε)⁻¹ applied to g gives the Adam step "
                 "η m/(√v + ε) (m = EMA_β1(g)); it is a parameter restriction of the D-Diag optimum.",
       kind="identity")
def table3_adam(ctx: Context) -> CheckResult:
    r"""
    .. math::

        q_j[n] = \frac{\eta(1-\beta_1)\beta_1^n}{\sqrt{v_j}+\epsilon},\qquad
        \sum_{n\le t}q[n]\odot g[t-n] = \frac{\eta\,m_t}{\sqrt v+\epsilon}.

    Recorded, rel 1e-10: the convolution of random gradient sequences with the stated diagonal response against
    Adam without bias correction with :math:`v` frozen (the statement's :math:`\operatorname{diag}\sqrt v` is a fixed
    matrix); and the stated response against :math:`\eta` times the D-Diag one-pole shape of Cor. 6
    (``cones.one_pole_family`` with costs :math:`c_j = \sqrt{v_j}+\epsilon`), i.e. the filter lies in the
    parametric family of the D-Diag program. :math:`v_j` log-uniform over 8 decades, :math:`\epsilon \in
    \{0, 10^{-8}, \text{log-uniform}\}`, :math:`\beta_1` with both ends. Noted (not part of the identity): the
    relative deviation when :math:`v` is updated every step (:math:`\beta_2 = 0.999`), which the frozen filter does
    not represent, and that AdamW's decoupled decay :math:`-\eta\lambda\theta` does not act on :math:`g` at all.
    """
    drift: list[float] = []

    def prop(beta1: float, eta: float, d: int, T: int, seed: int, eps: float) -> None:
        rng = np.random.default_rng(seed)
        v = 10.0 ** rng.uniform(-4, 4, d)
        g = rng.standard_normal((T, d)) * np.sqrt(v) * 10.0 ** rng.uniform(-1, 1, d)
        costs = np.sqrt(v) + eps
        response = eta * (1.0 - beta1) * beta1 ** np.arange(T)[:, None] / costs[None, :]
        adam = eqh.adam_steps(g, beta1, eta, v, eps)
        _compare_arrays(ctx, eqh.causal_convolution(response, g), adam, EXACT,
                        "stated filter output vs Adam step (v frozen)")
        family = one_pole_family(beta1, T - 1, d, costs=costs)
        _compare_arrays(ctx, response, eta * family, EXACT, "stated response vs η·D-Diag one-pole shape (Cor. 6)")
        if T > 1:
            moving = eqh.adam_steps(g, beta1, eta, v, eps, beta2=0.999)
            drift.append(float(np.max(np.abs(moving - adam)) / np.max(np.abs(adam))))

    ctx.search(prop, beta1=_BETAS, eta=log_uniform(1e-3, 1e3), d=st.integers(1, 6), T=st.integers(1, 200),
               seed=st.integers(0, 2**32 - 1), eps=st.one_of(st.sampled_from([0.0, 1e-8]), log_uniform(1e-8, 1.0)),
               max_examples=ctx.pick(60, 2000), label="Adam filter")
    if drift:
        ctx.note("time-varying v (beta2 = 0.999): max relative deviation from the frozen-v filter, median/max",
                 [float(np.median(drift)), max(drift)])
    ctx.note("AdamW", "decoupled decay -eta*lambda*theta acts on theta, not on g: not represented by Q(z)")
    return ctx.result()


# =========================================================================== Table 3: diagonal rows


def _gradient_stream(rng: np.random.Generator, d: int, steps: int, ar: bool) -> tuple[np.ndarray, np.ndarray]:
    scales = 10.0 ** rng.uniform(-1.5, 1.5, d)
    noise = rng.standard_normal((steps, d))
    if ar:
        for n in range(1, steps):
            noise[n] = 0.5 * noise[n - 1] + math.sqrt(0.75) * noise[n]
    return noise * scales, scales


def _check_diagonal_equalizer(ctx: Context, seed: int, source: str, ar: bool, costs_kind: str, beta2: float) -> None:
    r"""q* of Cor. 2(iv) with M = Σ_tr and the row's costs vs the optimizer's per-coordinate scaling."""
    rng = np.random.default_rng(seed)
    d, steps, eps = 50, 1000, 1e-12
    g, scales = _gradient_stream(rng, d, steps, ar)
    if costs_kind == "cumulative":
        accumulated = np.sum(g**2, axis=0)
        costs = np.sqrt(accumulated)
        scaling = 1.0 / np.sqrt(eps + accumulated)
        reference_step = ref.adagrad(g, 1.0, eps)
        moment_ema = accumulated / steps
    else:
        v = np.zeros(d)
        for gt in g:
            v = beta2 * v + (1.0 - beta2) * gt**2
        costs = np.sqrt(v)
        scaling = 1.0 / np.sqrt(v)
        reference_step = ref.rmsprop(g, 1.0, beta2)
        moment_ema = v
    diag = {"population": scales**2, "empirical": moment_ema, "instantaneous": g[-1] ** 2}[source]
    ctx.event(f"M_jj {source}")
    q = np.diag(solve(DiagonalBudget(1.0, costs), np.diag(diag)).Q)
    ok = q > 0
    if ok.sum() < 3:
        raise NumericalFailure("fewer than 3 positive q_j: no proportionality fit")
    slope = float(np.polyfit(np.log(scaling[ok]), np.log(q[ok]), 1)[0])
    ratio = q[ok] / scaling[ok]
    ctx.compare(slope, 1.0, "==", rtol=0.0, atol=SLOPE_BAND, scale=1.0, label="log-log slope of q*_j vs scaling")
    ctx.compare(float(np.std(ratio) / np.mean(ratio)), 0.0, "<=", rtol=0.0, atol=SLOPE_BAND, scale=1.0,
                label="coefficient of variation of q*_j / scaling")
    step = q * g[-1]
    ctx.compare(eqh.matrix_cosine(step, reference_step), 1.0, "==", rtol=1e-3,
                label="cos(q* ⊙ g_t, reference optimizer step)")


_diag_search = {
    "seed": st.integers(0, 2**31),
    "source": st.sampled_from(["population", "empirical", "instantaneous"]),
    "ar": st.booleans(),
}


@claim(id="optopt.table3.adagrad", title="AdaGrad's equalizer q_j* ∝ M_jj/c_j with cumulative costs",
       source="Table 3 row AdaGrad, line ~1449 (\"Q = diag(q); q_j* ∝ M_jj/c_j; c_j ↑ with cum. second moment\"); "
              "Table 2 row AdaGrad (M = Σ_tr, Diag budget Σ_j c_j q_j² ≤ B)",
       statement="AdaGrad is the diagonal-budget optimum q_j* ∝ M_jj/c_j with M = Σ_tr and c_j = √(cumulative second "
                 "moment), i.e. this q* is proportional to AdaGrad's per-coordinate scaling 1/√(ε + Σ_{s≤t} g_j[s]²).",
       kind="consistency")
def table3_adagrad(ctx: Context) -> CheckResult:
    r"""
    .. math::

        q_j^\star = \sqrt{\frac{B}{\sum_k M_{kk}^2/c_k}}\,\frac{M_{jj}}{c_j}
        \overset{?}{\propto} \frac{1}{\sqrt{\epsilon + \sum_{s\le t}g_j[s]^2}},
        \qquad c_j = \Big(\sum_{s\le t}g_j[s]^2\Big)^{1/2}.

    Gradient streams, :math:`d = 50` coordinates with scales over 3 decades, 1000 steps, i.i.d. or AR(1) (a = 0.5).
    :math:`M = \Sigma_{tr}` read three ways (events): the population :math:`s_j^2`, the empirical mean
    :math:`\frac1t\sum_sg_j[s]^2`, the instantaneous :math:`g_j[t]^2`. :math:`q^\star` from the Cor. 2(iv) closed form
    (engine). Recorded (catalogue estimator band 0.05): slope of :math:`\log q_j^\star` on :math:`\log` of AdaGrad's
    scaling vs 1; coefficient of variation of their ratio vs 0; and the cosine of :math:`q^\star\odot g_t` with the
    AdaGrad step (reference update) vs 1, rel 1e-3.
    """
    ctx.search(lambda seed, source, ar: _check_diagonal_equalizer(ctx, seed, source, ar, "cumulative", 0.0),
               **_diag_search, max_examples=ctx.pick(12, 200), label="AdaGrad proportionality")
    return ctx.result()


@claim(id="optopt.table3.rmsprop", title="RMSProp's equalizer: as AdaGrad with EMA costs",
       source="Table 3 row RMSProp, line ~1450 (\"same as AdaGrad but c_j from EMA of g_j²\"); Table 2 row RMSProp",
       statement="RMSProp is the diagonal-budget optimum q_j* ∝ M_jj/c_j with M = Σ_tr and c_j = √EMA(g_j²), i.e. "
                 "q* ∝ 1/√v_j.",
       kind="consistency")
def table3_rmsprop(ctx: Context) -> CheckResult:
    r"""
    .. math::

        q_j^\star \propto \frac{M_{jj}}{c_j},\ c_j = \sqrt{v_j},\ v \leftarrow \beta_2v + (1-\beta_2)g^2
        \quad\overset{?}{\Longrightarrow}\quad q_j^\star \propto \frac{1}{\sqrt{v_j}}.

    As ``optopt.table3.adagrad`` with EMA costs, :math:`\beta_2 \in \{0.9, 0.99, 0.999\}`, and the RMSProp step
    (reference update, :math:`\epsilon = 0`) in the cosine comparison; :math:`M_{jj}` population, empirical (the same
    EMA :math:`v_j`) or instantaneous.
    """
    ctx.search(lambda seed, source, ar, beta2: _check_diagonal_equalizer(ctx, seed, source, ar, "ema", beta2),
               **_diag_search, beta2=st.sampled_from([0.9, 0.99, 0.999]), max_examples=ctx.pick(12, 200),
               label="RMSProp proportionality")
    return ctx.result()


def _check_diagonal_corrected(ctx: Context, seed: int, source: str, ar: bool, costs_kind: str, beta2: float) -> None:
    r"""q*_j·c_j ∝ M_jj for any M (exact), and q* ∝ 1/c_j (the optimizer's scaling) for isotropic M."""
    rng = np.random.default_rng(seed)
    g, scales = _gradient_stream(rng, 50, 1000, ar)
    if costs_kind == "cumulative":
        costs = np.sqrt(np.sum(g**2, axis=0))
        moment = costs**2 / g.shape[0]
    else:
        v = np.zeros(g.shape[1])
        for gt in g:
            v = beta2 * v + (1.0 - beta2) * gt**2
        costs, moment = np.sqrt(v), v
    diag = {"population": scales**2, "empirical": moment, "instantaneous": g[-1] ** 2}[source]
    ctx.event(f"M_jj {source}")
    budget = DiagonalBudget(1.0, costs)
    q = np.diag(solve(budget, np.diag(diag)).Q)
    kappa = float(np.sum(q * costs * diag) / np.sum(diag**2))
    _compare_arrays(ctx, q * costs, kappa * diag, EXACT, "q*_j c_j vs kappa M_jj")
    sigma2 = float(np.mean(diag))
    q_iso = np.diag(solve(budget, sigma2 * np.eye(costs.size)).Q)
    kappa_iso = float(np.sum(q_iso / costs) / np.sum(1.0 / costs**2))
    _compare_arrays(ctx, q_iso, kappa_iso / costs, EXACT, "isotropic M: q*_j vs kappa / c_j")


@claim(id="optopt.table3.adagrad.corrected", title="AdaGrad's scaling is the diagonal optimum only for isotropic M",
       source="Table 3 rows AdaGrad / RMSProp, line ~1449–1450; Cor. 2(iv); derived",
       statement="with costs c_j (AdaGrad: √(Σ_{s≤t} g_j[s]²); RMSProp: √v_j) the Cor. 2(iv) optimum satisfies "
                 "q*_j c_j ∝ M_jj for every M, so q* ∝ 1/c_j (the AdaGrad / RMSProp scaling) iff M_jj is constant "
                 "in j, e.g. M = σ²I.",
       kind="identity")
def table3_adagrad_corrected(ctx: Context) -> CheckResult:
    r"""Derivation: Cor. 2(iv) gives :math:`q_j^\star = \kappa M_{jj}/c_j` with
    :math:`\kappa = (B/\sum_kM_{kk}^2/c_k)^{1/2}`, so :math:`q_j^\star c_j = \kappa M_{jj}` exactly and
    :math:`q^\star \propto 1/c` iff :math:`M_{jj}` does not depend on :math:`j`. With :math:`M_{jj} \approx c_j^2/t`
    (the empirical moment that the costs are built from) :math:`q_j^\star \propto c_j`: the opposite exponent.

    Same gradient streams as ``optopt.table3.adagrad`` / ``optopt.table3.rmsprop`` (both cost kinds, the three
    readings of :math:`M`); recorded, rel 1e-10 (closed form vs closed form, engine ``DiagonalBudget``):
    :math:`q_j^\star c_j` vs :math:`\kappa M_{jj}` (:math:`\kappa` least squares), and for :math:`M = \bar\sigma^2I`,
    :math:`q_j^\star` vs :math:`\kappa'/c_j`.
    """
    ctx.search(lambda seed, source, ar, costs_kind, beta2: _check_diagonal_corrected(ctx, seed, source, ar, costs_kind,
                                                                                     beta2),
               **_diag_search, costs_kind=st.sampled_from(["cumulative", "ema"]),
               beta2=st.sampled_from([0.9, 0.99, 0.999]), max_examples=ctx.pick(20, 300),
               label="diagonal optimum vs scaling")
    return ctx.result()


@claim(id="optopt.table3.lamb-lars", title="LAMB/LARS equalizer: Q_ℓ = α_ℓI with ‖v_ℓ‖ ∝ ‖θ_ℓ‖",
       source="Table 3 row LAMB/LARS, line ~1452; Table 4 row LAMB/LARS (trust ratio ‖θ_ℓ‖/‖m_ℓ‖)",
       statement="the LAMB/LARS equalizer is layer-wise isotropic, Q_ℓ = α_ℓI, with per-layer step norm ‖θ̇_ℓ‖ ∝ "
                 "‖θ_ℓ‖; this is the optimizer obtained in Cor. 22.",
       kind="consistency")
def table3_lamb_lars(ctx: Context) -> CheckResult:
    r"""
    Cor. 22 (eqs. 164–165): :math:`Q[n] = \bigoplus_\ell\eta^\star(1-\beta_1)\beta_1^n\alpha_\ell I`,
    :math:`\alpha_\ell = 1/\|\theta_\ell\|`, so :math:`\dot\theta_\ell = \eta^\star m_\ell/\|\theta_\ell\|`
    (:math:`m = \mathrm{EMA}_{\beta_1}(g)`). The row asks :math:`\|\dot\theta_\ell\| \propto \|\theta_\ell\|`:

    .. math::

        \log\|\dot\theta_\ell\| = c + a\log\|\theta_\ell\| + b\log\|m_\ell\|,
        \qquad a \overset{?}{=} 1,\ b \overset{?}{=} 0.

    8–20 layers of sizes 1–20, :math:`\|\theta_\ell\|` and :math:`\|m_\ell\|` log-uniform over 2 decades each,
    independently; :math:`m_\ell` from EMAs of random gradient histories; :math:`\eta^\star, \alpha_\ell` from the
    engine
    (``corollary22_lr``, ``corollary22_alpha``). Recorded: least-squares :math:`a` vs 1 and :math:`b` vs 0 (band 0.05),
    and the layer-wise isotropy :math:`\cos(\dot\theta_\ell, m_\ell) = 1` (rel 1e-10). The same regression for the
    reference LAMB step (You et al. 2020, Adam direction replaced by :math:`m`) is noted.
    """
    lamb_slopes: list[list[float]] = []

    def regress(step_norms: np.ndarray, theta_norms: np.ndarray, m_norms: np.ndarray) -> np.ndarray:
        design = np.column_stack([np.ones_like(theta_norms), np.log(theta_norms), np.log(m_norms)])
        return np.linalg.lstsq(design, np.log(step_norms), rcond=None)[0]

    def prop(seed: int, layers: int, beta1: float, B: float) -> None:
        rng = np.random.default_rng(seed)
        sizes = rng.integers(1, 21, layers)
        theta_norms = 10.0 ** rng.uniform(-1, 1, layers)
        momenta, params = [], []
        for size, norm in zip(sizes, theta_norms, strict=True):
            history = rng.standard_normal((30, size))
            m = eqh.ema(history, beta1)[-1]
            momenta.append(m * 10.0 ** rng.uniform(-1, 1) / np.linalg.norm(m))
            theta = rng.standard_normal(size)
            params.append(theta * norm / np.linalg.norm(theta))
        eta = cor.corollary22_lr(B, beta1, sizes.tolist(), theta_norms)
        alpha = cor.corollary22_alpha(theta_norms)
        steps = [eta * a * m for a, m in zip(alpha, momenta, strict=True)]
        m_norms = np.array([np.linalg.norm(m) for m in momenta])
        coef = regress(np.array([np.linalg.norm(s) for s in steps]), theta_norms, m_norms)
        ctx.compare(float(coef[1]), 1.0, "==", rtol=0.0, atol=SLOPE_BAND, scale=1.0,
                    label="exponent of ||theta_l|| in ||step_l|| (Cor. 22)")
        ctx.compare(float(coef[2]), 0.0, "==", rtol=0.0, atol=SLOPE_BAND, scale=1.0,
                    label="exponent of ||m_l|| in ||step_l|| (Cor. 22)")
        worst = min(eqh.matrix_cosine(s, m) for s, m in zip(steps, momenta, strict=True))
        ctx.compare(worst, 1.0, "==", rtol=EXACT, label="min_l cos(step_l, m_l): Q_l = alpha_l I")
        lamb = ref.lamb(momenta, params, 1.0)
        lamb_slopes.append(regress(np.array([np.linalg.norm(s) for s in lamb]), theta_norms, m_norms)[1:].tolist())

    ctx.search(prop, seed=st.integers(0, 2**31), layers=st.integers(8, 20), beta1=_BETAS,
               B=log_uniform(1e-3, 1e3), max_examples=ctx.pick(30, 1000), label="layer step norms")
    if lamb_slopes:
        ctx.note("reference LAMB: fitted exponents (||theta||, ||m||), first example", lamb_slopes[0])
    return ctx.result()


# =========================================================================== Table 3: equal power


_kron_instance = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "log_cond": st.floats(0.0, 2.0),
    "layers": st.integers(1, 3),
    "modes": st.lists(st.integers(1, 3), min_size=2, max_size=3),
})


def _equal_power_compare(ctx: Context, Q: np.ndarray, sigma: np.ndarray, label: str) -> None:
    _, powers = eqh.equal_power_profile(Q, sigma)
    ctx.compare(float(np.max(powers)), float(np.min(powers)), "==", rtol=EXACT, label=label)


@claim(id="optopt.table3.kfac", title="K-FAC = equal power in each layer's (factored) Fisher metric",
       source="Table 3 row K-FAC, line ~1453 (\"Q = ⊕(A_ℓ⁻¹⊗G_ℓ⁻¹) approx; Equal-power in each layer's Fisher "
              "metric (factored)\"); Table 4 K-FAC row",
       statement="with moment equal to the factored Fisher Σ = ⊕_ℓ(A_ℓ⊗G_ℓ), Q = ⊕_ℓ(A_ℓ⁻¹⊗G_ℓ⁻¹) allocates equal "
                 "learning power to every eigendirection of Σ within each layer (p_i = (u_iᵀQu_i)σ_i constant).",
       kind="identity")
def table3_kfac(ctx: Context) -> CheckResult:
    r"""
    .. math:: p_i = (u_i^\top Qu_i)\,\sigma_i,\quad \Sigma_\ell = A_\ell\otimes G_\ell = \sum_i\sigma_iu_iu_i^\top,
              \quad Q_\ell = A_\ell^{-1}\otimes G_\ell^{-1}:\quad \max_i p_i \overset{?}{=} \min_i p_i .

    Per layer (1–3 layers, factors 1×1 to 3×3, random SPD with condition up to :math:`10^2` each, so
    :math:`\kappa(\Sigma_\ell) \le 10^4` and rel 1e-10 is attainable in float64), eigendecomposition of
    :math:`\Sigma_\ell` (``numpy.kron``, engine ``corollaries.kronecker``); recorded: :math:`\max_ip_i` vs
    :math:`\min_ip_i`, rel 1e-10. Noted: the spread :math:`\max p/\min p` when the Fisher of a linear net is not
    Kronecker and K-FAC's factors are estimated from it (``optopt.table2.kfac``'s linear-net moments).
    """
    spreads: list[float] = []

    def prop(inst: dict[str, Any]) -> None:
        rng = np.random.default_rng(inst["seed"])
        for _ in range(inst["layers"]):
            a, b = (int(x) for x in rng.integers(1, 4, 2))
            A, G = eqh.spd(rng, a, inst["log_cond"]), eqh.spd(rng, b, inst["log_cond"])
            sigma = cor.kronecker([A, G])
            Q = cor.kronecker([np.linalg.inv(A), np.linalg.inv(G)])
            _equal_power_compare(ctx, Q, sigma, "layer: max_i p_i vs min_i p_i")
        sigma, kfac, _, _ = _kfac_instance(rng, "linear-net", 1, 0.0)
        _, powers = eqh.equal_power_profile(kfac, sigma)
        if np.min(powers) > 0:
            spreads.append(float(np.max(powers) / np.min(powers)))

    ctx.search(prop, _kron_instance, max_examples=ctx.pick(100, 3000), label="K-FAC equal power")
    if spreads:
        ctx.note("non-Kronecker Fisher (linear net), K-FAC Q: max p / min p, median/max",
                 [float(np.median(spreads)), max(spreads)])
    return ctx.result()


def _mode_factors(inst: dict[str, Any]) -> list[np.ndarray]:
    rng = np.random.default_rng(inst["seed"])
    return [eqh.spd(rng, int(n), inst["log_cond"]) for n in inst["modes"]]


@claim(id="optopt.table3.shampoo", title="Shampoo = equal power along tensor modes",
       source="Table 3 row Shampoo, line ~1454 (\"Q = ⊗_i H_i^{−1/2}; Equal-power along tensor modes\"); Table 4 "
              "Shampoo row",
       statement="with moment Σ = ⊗_i H_i (mode-wise factors), Q = ⊗_i H_i^{−1/2} allocates equal learning power to "
                 "every eigendirection of Σ (p_i constant).",
       kind="identity")
def table3_shampoo(ctx: Context) -> CheckResult:
    r"""
    .. math:: \Sigma = \otimes_iH_i,\quad Q = \otimes_iH_i^{-1/2} = \Sigma^{-1/2}:\quad
              p_k = (u_k^\top Qu_k)\sigma_k = \sigma_k^{1/2}\ \overset{?}{=}\ \text{const}.

    2 or 3 modes of sizes 1–3, :math:`H_i` random SPD with condition up to :math:`10^2`; :math:`Q` from the engine
    (``corollaries.corollary16_optimizer``, Cor. 16's :math:`\eta\otimes G_i^{-1/2}` with :math:`\eta = 1`). Recorded:
    :math:`\max_kp_k` vs :math:`\min_kp_k`, rel 1e-10 (reading: "equal power along tensor modes" = equal power
    per eigendirection of :math:`\Sigma`, the catalogue's reading). Noted, as the catalogue asks: the spread for the
    moments :math:`\otimes H_i^2` and :math:`\otimes H_i^{1/2}` (the latter is equalized exactly, see
    ``optopt.table3.shampoo.corrected``).
    """
    spreads: dict[str, list[float]] = {"⊗H_i": [], "⊗H_i^2": [], "⊗H_i^(1/2)": []}

    def prop(inst: dict[str, Any]) -> None:
        factors = _mode_factors(inst)
        Q = cor.corollary16_optimizer(factors, 1.0)
        sigma = cor.kronecker(factors)
        _equal_power_compare(ctx, Q, sigma, "max_k p_k vs min_k p_k, moment ⊗H_i")
        for name, power in (("⊗H_i", 1.0), ("⊗H_i^2", 2.0), ("⊗H_i^(1/2)", 0.5)):
            _, p = eqh.equal_power_profile(Q, cor.kronecker([eqh.psd_power(H, power) for H in factors]))
            spreads[name].append(float(np.max(p) / np.min(p)))

    ctx.search(prop, _kron_instance, max_examples=ctx.pick(100, 3000), label="Shampoo equal power")
    ctx.note("max p / min p by moment (max over examples)", {k: max(v) for k, v in spreads.items() if v})
    return ctx.result()


@claim(id="optopt.table3.shampoo.corrected", title="Shampoo ⊗H_i^{−1/2} equalizes power for the moment ⊗H_i^{1/2}",
       source="Table 3 row Shampoo, line ~1454; derived",
       statement="Q = ⊗_i H_i^{−1/2} gives p_k = (u_kᵀQu_k)σ_k constant for the moment Σ = ⊗_i H_i^{1/2} (and, for "
                 "Σ = ⊗_i H_i, p_k = σ_k^{1/2}).",
       kind="identity")
def table3_shampoo_corrected(ctx: Context) -> CheckResult:
    r"""Derivation: :math:`\otimes_iH_i^{-1/2} = (\otimes_iH_i)^{-1/2}` (mixed-product rule and uniqueness of the PSD
    root), so for :math:`\Sigma = \otimes_iH_i^{1/2}` it equals :math:`\Sigma^{-1}` and
    :math:`p_k = \sigma_k^{-1}\sigma_k = 1`; for :math:`\Sigma = \otimes_iH_i` it is :math:`\Sigma^{-1/2}` and
    :math:`p_k = \sigma_k^{1/2}`. Same
    instances and tolerance as ``optopt.table3.shampoo`` (rel 1e-10): :math:`\max p = \min p` for
    :math:`\otimes H_i^{1/2}`, and :math:`p_k` vs :math:`\sigma_k^{1/2}` (largest entry deviation) for
    :math:`\otimes H_i`."""

    def prop(inst: dict[str, Any]) -> None:
        factors = _mode_factors(inst)
        Q = cor.corollary16_optimizer(factors, 1.0)
        _equal_power_compare(ctx, Q, cor.kronecker([eqh.psd_power(H, 0.5) for H in factors]),
                             "max_k p_k vs min_k p_k, moment ⊗H_i^(1/2)")
        values, powers = eqh.equal_power_profile(Q, cor.kronecker(factors))
        _compare_arrays(ctx, powers, np.sqrt(values), EXACT, "p_k vs sigma_k^(1/2), moment ⊗H_i")

    ctx.search(prop, _kron_instance, max_examples=ctx.pick(100, 3000), label="Shampoo equal power (corrected)")
    return ctx.result()


# =========================================================================== Newton rows


def _curvature_instance(inst: dict[str, Any]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    r"""Curvature :math:`H` and training moments: quadratic model (:math:`\Sigma_{tr} = H^2`), least squares
    (per-sample gradients at a random point, :math:`H = X^\top X/n`), a random PSD moment, and :math:`gg^\top`."""
    rng = np.random.default_rng(inst["seed"])
    d = inst["d"]
    if inst["model"] == "least-squares":
        n = int(rng.integers(d, 10 * d + 1))
        X = rng.standard_normal((n, d)) * 10.0 ** rng.uniform(0, inst["log_cond"] / 2, d)
        H = X.T @ X / n
        if np.linalg.eigvalsh(H)[0] <= 1e-10 * np.linalg.eigvalsh(H)[-1]:
            X = np.vstack([X, np.eye(d)])
            n += d
            H = X.T @ X / n
        theta, y = rng.standard_normal(d), rng.standard_normal(n)
        per_sample = -X * (X @ theta - y)[:, None]
        moments = {"Sigma_tr least squares": per_sample.T @ per_sample / n}
    else:
        H = eqh.spd(rng, d, inst["log_cond"])
        a = rng.standard_normal((d, d))
        moments = {"Sigma_tr = H^2 (quadratic)": H @ H, "Sigma_tr random PSD": a @ a.T / d}
    g = rng.standard_normal(d)
    moments["g g^T"] = np.outer(g, g)
    return 0.5 * (H + H.T), {k: 0.5 * (v + v.T) for k, v in moments.items()}


_curvature_search = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "d": st.integers(1, 8),
    "log_cond": st.floats(0.0, 4.0),
    "B": log_uniform(1e-3, 1e3),
    "model": st.sampled_from(["quadratic", "least-squares"]),
})


def _newton_power_under_metric(H: np.ndarray, sigma: np.ndarray, B: float) -> tuple[float, float]:
    r"""(saturated :math:`\eta H^{-1}` power, optimum) for :math:`\max\operatorname{Tr}(Q\Sigma)`,
    :math:`\operatorname{Tr}(QHQ) \le B`, :math:`Q \succeq 0`. Optimum from the engine's Lyapunov form, re-evaluated
    here as an explicit feasible point (PSD and budget checked)."""
    H_inv = np.linalg.inv(H)
    eta = math.sqrt(B / float(np.trace(H_inv)))  # Tr(ηH⁻¹ H ηH⁻¹) = η² Tr H⁻¹
    newton_power = eta * float(np.sum(H_inv * sigma))
    Q = solve(LyapunovBudget(B, metric=H), sigma).Q
    used = float(np.sum(Q * (H @ Q)))
    if used > B * (1 + 1e-9) or np.linalg.eigvalsh(0.5 * (Q + Q.T))[0] < -1e-9 * np.linalg.norm(Q):
        raise NumericalFailure(f"Lyapunov-form maximizer not feasible: Tr(QHQ) = {used:.6g} vs B = {B:.6g}, "
                               f"lambda_min = {np.linalg.eigvalsh(0.5 * (Q + Q.T))[0]:.3g}")
    return newton_power, float(np.sum(Q * sigma))


@claim(id="optopt.table3.newton", title="Newton Q = H⁻¹ is the exact Lyap optimum if the constraint matches curvature",
       source="Table 3 row Newton/GN, line ~1455 (\"Q = H⁻¹; Exact Lyap optimum if constraint matches curvature\"); "
              "Table 2 row Newton/GN (\"M = Σ_tr; Lyap with Q = H⁻¹ (or G⁻¹)\")",
       statement="with moment M = Σ_tr and a Lyapunov-type budget whose metric is the curvature — (a) Tr(QHQ) ≤ B, "
                 "(b) the paper's Tr(Q²Σ) ≤ B with Σ = H — the maximizer of Tr(QΣ_tr) is ∝ H⁻¹.",
       kind="optimality")
def table3_newton(ctx: Context) -> CheckResult:
    r"""
    (a) :math:`\max\operatorname{Tr}(Q\Sigma_{tr})` s.t. :math:`Q \succeq 0`, :math:`\operatorname{Tr}(QHQ) \le B`:
    stationarity :math:`HX + XH = \Sigma_{tr}`, :math:`Q^\star = \sqrt BX/\operatorname{Tr}(XHX)^{1/2}`
    (engine ``LyapunovBudget(B, metric=H)``). (b) the paper's :math:`\mathcal Q_L(B)` with :math:`\Sigma = H` in both
    objective and budget (Gauss–Newton: moment = curvature): :math:`Q^\star = \sqrt{B/\operatorname{Tr}H}\,I`
    (Cor. 2(iii)). In both the saturated Newton operator :math:`\eta H^{-1}`,
    :math:`\eta = (B/\operatorname{Tr}H^{-1})^{1/2}`,
    is compared with the optimum by power, rel 1e-6 (the optimum's :math:`Q` is evaluated here as a feasible point).

    Moments :math:`\Sigma_{tr}` (reading a): the quadratic model :math:`L = \tfrac12\theta^\top H\theta`,
    :math:`\theta \sim N(0, I)` (:math:`\Sigma_{tr} = H^2`), per-sample least-squares gradients with
    :math:`H = G = X^\top X/n`, and a random PSD moment; :math:`H` with condition up to :math:`10^4`, :math:`d \le 8`.
    The catalogue's verdict rule is "holds under at least one natural reading": each example records
    :math:`\min` over the readings of the relative power gap (an example where both readings fail refutes the
    disjunction), and a final logical comparison records whether some reading held on every example
    (events count the examples each reading passed).
    """
    held = {"a": True, "b": True}

    def prop(inst: dict[str, Any]) -> None:
        H, moments = _curvature_instance(inst)
        B = inst["B"]
        gaps = {}
        for name, sigma in moments.items():
            if name == "g g^T":
                continue
            newton, optimum = _newton_power_under_metric(H, sigma, B)
            gaps.setdefault("a", []).append((newton, optimum))
        eta = math.sqrt(B / float(np.trace(np.linalg.inv(H))))
        newton_b = eta * H.shape[0]
        optimum_b = float(solve(LyapunovBudget(B), H).power)
        gaps["b"] = [(newton_b, optimum_b)]
        relative = {}
        for reading, pairs in gaps.items():
            relative[reading] = max((opt - new) / opt for new, opt in pairs)
            if relative[reading] > SEARCH_OBJ:
                held[reading] = False
            else:
                ctx.event(f"reading ({reading}) holds")
        best = min(relative, key=relative.get)
        newton, optimum = min(gaps[best], key=lambda p: p[0] / p[1])
        ctx.compare(newton, optimum, "==", rtol=SEARCH_OBJ,
                    label=f"saturated ηH⁻¹ power vs optimum, best reading ({best})")

    ctx.search(prop, _curvature_search, max_examples=ctx.pick(60, 2000), label="Newton under curvature budgets")
    ctx.compare(held["a"] or held["b"], True, label="some reading held on every example")
    ctx.note("readings that held on every example", held)
    return ctx.result()


@claim(id="optopt.table4.newton", title="\"Newton = max power under curvature budget\"",
       source="Table 4 row Newton/GN, line ~1481",
       statement="under the curvature budget of Cor. 12, 𝒬_H(B) = {Q ⪰ 0 : Tr(QHQ) ≤ B} (memoryless), Newton's "
                 "Q = ηH⁻¹ (η saturating the budget) attains the maximum learning power Tr(QΣ) for the instantaneous "
                 "moment Σ = ggᵀ and for Σ = Σ_tr.",
       kind="optimality")
def table4_newton(ctx: Context) -> CheckResult:
    r"""
    .. math:: \eta\operatorname{Tr}(H^{-1}\Sigma) \overset{?}{=} \max_{Q\succeq0,\ \operatorname{Tr}(QHQ)\le B}
              \operatorname{Tr}(Q\Sigma) = \big(2B\operatorname{Tr}(X\Sigma)\big)^{1/2},\quad HX + XH = \Sigma,
              \quad \eta = (B/\operatorname{Tr}H^{-1})^{1/2}.

    Moments :math:`gg^\top` (random :math:`g`) and :math:`\Sigma_{tr}` (quadratic model :math:`H^2`, least-squares
    per-sample gradients, random PSD), :math:`d \le 8`, :math:`H` condition up to :math:`10^4`, B log-uniform.
    Optimum from the engine's Lyapunov form (:math:`X \succeq 0` for :math:`\Sigma \succeq 0`), whose :math:`Q` is
    re-evaluated here as an explicit feasible point; recorded: Newton's power vs the optimum, rel 1e-6. Second
    solver: CP-L(H) with cvxpy (Clarabel) on the first examples with :math:`d \le 5` (noted).
    """
    cvx_record: list[float] = []

    def prop(inst: dict[str, Any]) -> None:
        H, moments = _curvature_instance(inst)
        for name, sigma in moments.items():
            ctx.event(name)
            newton, optimum = _newton_power_under_metric(H, sigma, inst["B"])
            ctx.compare(newton, optimum, "==", rtol=SEARCH_OBJ, label=f"saturated ηH⁻¹ power vs optimum, {name}")
            if H.shape[0] <= 5 and len(cvx_record) < ctx.pick(3, 50):
                cvx = solve(LyapunovBudget(inst["B"], metric=H), sigma, method="cvxpy")
                cvx_record.append(abs(cvx.power - optimum) / max(optimum, 1e-300))

    ctx.search(prop, _curvature_search, max_examples=ctx.pick(60, 2000), label="Newton under the curvature budget")
    if cvx_record:
        ctx.note("|P_cvxpy - P_lyapunov| / P_lyapunov, max", max(cvx_record))
    return ctx.result()


# =========================================================================== Polyak


def _polyak_case(inst: dict[str, Any]) -> dict[str, float]:
    rng = np.random.default_rng(inst["seed"])
    d = inst["d"]
    H = eqh.spd(rng, d, inst["log_cond"])
    values, vectors = np.linalg.eigh(H)
    mode = inst["mode"]
    if mode == "eigenvector":
        error = vectors[:, int(rng.integers(d))]
    elif mode == "kantorovich":
        # v = He ∝ u_min + u_max (equal weights) is the extremal vector of Kantorovich's inequality
        error = np.linalg.solve(H, vectors[:, 0] + vectors[:, -1])
    else:
        error = rng.standard_normal(d)
    error = error * 10.0 ** rng.uniform(-3, 3) / np.linalg.norm(error)
    theta_star = rng.standard_normal(d)
    theta = theta_star + error
    gap = 0.5 * float(error @ H @ error)  # L - L*
    grad = H @ error                      # ∇L; g = -∇L
    g = -grad
    return {"polyak": gap / float(grad @ grad), "stated": float(g @ g) / float(g @ H @ g),
            "kappa": float(values[-1] / values[0]), "theta": theta, "H": H, "theta_star": theta_star, "g": g}


_polyak_search = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "d": st.integers(1, 8),
    "log_cond": st.floats(0.0, 4.0),
    "mode": st.sampled_from(["random", "eigenvector", "kantorovich"]),
})


@claim(id="optopt.table3.polyak", title="Polyak step α = ‖g‖²/(gᵀHg)",
       source="Table 3 row Polyak step, line ~1459 (\"Q = αI with α from loss & grad norm; closed-form α = "
              "‖g‖²/(gᵀHg) (local)\"); Table 2 (\"Frob + 1D line search\"), Table 4",
       statement="the Polyak step size, computed from loss and gradient norm, equals (locally, on a quadratic model) "
                 "α = ‖g‖²/(gᵀHg).",
       kind="identity")
def table3_polyak(ctx: Context) -> CheckResult:
    r"""
    .. math:: L = \tfrac12(\theta-\theta^\star)^\top H(\theta-\theta^\star):\quad
              \alpha_P = \frac{L - L^\star}{\|g\|^2} \overset{?}{=} \frac{\|g\|^2}{g^\top Hg} = \alpha_{LS}.

    Random quadratics, :math:`d \le 8`, :math:`H` SPD with condition up to :math:`10^4`, error
    :math:`\theta - \theta^\star` random, an eigenvector of :math:`H`, or Kantorovich-extremal, norm over 6 decades.
    Recorded: :math:`\alpha_P` vs :math:`\alpha_{LS}`, rel 1e-10 (both exact closed forms). Noted: that
    :math:`\alpha_{LS}` is the exact line-search step (scipy bounded minimization of
    :math:`\alpha \mapsto L(\theta + \alpha g)`, relative deviation).
    """
    line_search: list[float] = []

    def prop(inst: dict[str, Any]) -> None:
        case = _polyak_case(inst)
        ctx.event(inst["mode"])
        ctx.compare(case["polyak"], case["stated"], "==", rtol=EXACT, label="Polyak (L-L*)/||g||^2 vs ||g||^2/g'Hg")
        if len(line_search) < 20:
            H, theta, star, g = case["H"], case["theta"], case["theta_star"], case["g"]

            def loss(alpha: float) -> float:
                e = theta + alpha * g - star
                return 0.5 * float(e @ H @ e)

            found = scipy.optimize.minimize_scalar(loss, bounds=(0.0, 4 * case["stated"]), method="bounded",
                                                   options={"xatol": 1e-12 * case["stated"]})
            line_search.append(abs(found.x - case["stated"]) / case["stated"])

    ctx.search(prop, _polyak_search, max_examples=ctx.pick(200, 5000), label="Polyak step")
    if line_search:
        ctx.note("||g||^2/g'Hg vs numerical exact line search: max relative deviation", max(line_search))
    return ctx.result()


@claim(id="optopt.table3.polyak.corrected", title="Polyak step vs exact line search: ½ ≤ α_P/α_LS ≤ (κ+1)²/(8κ)",
       source="Table 3 row Polyak step, line ~1459; derived",
       statement="on L = ½(θ−θ*)ᵀH(θ−θ*), H ≻ 0 with condition κ, the Polyak step α_P = (L−L*)/‖g‖² and the exact "
                 "line-search step α_LS = ‖g‖²/(gᵀHg) satisfy ½ ≤ α_P/α_LS ≤ (κ+1)²/(8κ); the lower bound is attained "
                 "iff θ−θ* is an eigenvector of H, the upper for He ∝ u_min + u_max.",
       kind="inequality")
def table3_polyak_corrected(ctx: Context) -> CheckResult:
    r"""Derivation: with :math:`e = \theta - \theta^\star`, :math:`v = He = \nabla L`,
    :math:`\alpha_P = \tfrac12 e^\top He/\|He\|^2` and :math:`\alpha_{LS} = e^\top H^2e/e^\top H^3e`, so

    .. math:: \frac{\alpha_P}{\alpha_{LS}} = \frac12\,\frac{(v^\top H^{-1}v)(v^\top Hv)}{(v^\top v)^2}
              \in \Big[\frac12,\ \frac12\cdot\frac{(\kappa+1)^2}{4\kappa}\Big]

    by Cauchy–Schwarz (:math:`(v^\top v)^2 \le (v^\top H^{-1}v)(v^\top Hv)`, equality iff :math:`v` is an eigenvector)
    and Kantorovich's inequality (equality for :math:`v \propto u_{\min} + u_{\max}`). In 1-D
    :math:`\alpha_P = \alpha_{LS}/2`,
    so the stated identity needs the factor 2 even there. Same instances as ``optopt.table3.polyak`` (the
    eigenvector and Kantorovich modes hit both bounds); recorded: the ratio against each bound, rel 1e-10.
    """

    def prop(inst: dict[str, Any]) -> None:
        case = _polyak_case(inst)
        ctx.event(inst["mode"])
        ratio = case["polyak"] / case["stated"]
        kappa = case["kappa"]
        ctx.compare(ratio, 0.5, ">=", rtol=EXACT, label="alpha_P/alpha_LS >= 1/2")
        ctx.compare(ratio, (kappa + 1) ** 2 / (8 * kappa), "<=", rtol=EXACT,
                    label="alpha_P/alpha_LS <= (kappa+1)^2/(8 kappa)")

    ctx.search(prop, _polyak_search, max_examples=ctx.pick(200, 5000), label="Polyak/line-search bounds")
    return ctx.result()


# =========================================================================== signSGD


@st.composite
def _sparse_gradients(draw: st.DrawFn) -> np.ndarray:
    d = draw(st.integers(1, 20))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    g = rng.standard_normal(d) * 10.0 ** rng.uniform(-3, 3, d)
    zero_fraction = draw(st.sampled_from([0.0, 0.0, 0.2, 0.5]))
    g[rng.random(d) < zero_fraction] = 0.0
    return g


def _sign_velocity(g: np.ndarray, eta: float, sign_of_zero: float | None) -> np.ndarray:
    s = np.sign(g)
    if sign_of_zero is not None:
        s[g == 0] = sign_of_zero
    return eta * s


def _check_sign(ctx: Context, g: np.ndarray, eta: float, sign_of_zero: float | None, cvx_left: list[int]) -> bool:
    velocity = _sign_velocity(g, eta, sign_of_zero)
    value = float(g @ velocity)
    holder = eta * float(np.sum(np.abs(g)))  # max over the ℓ∞ ball (Hölder, attained)
    scale = max(holder, eta * np.finfo(float).tiny)
    ctx.compare(value, holder, "==", rtol=0.0, atol=EXACT * scale, scale=scale,
                label="<g, eta sign g> vs eta ||g||_1 (Hölder maximum)")
    ctx.compare(float(np.max(np.abs(velocity))), eta, "<=", rtol=EXACT, label="||eta sign g||_inf <= eta")
    if cvx_left and cvx_left[0] > 0 and np.any(g != 0):
        cvx_left[0] -= 1
        lp = solve(InfinityRegion(eta), g, method="cvxpy")
        ctx.compare(value, lp.power, "==", rtol=SEARCH_OBJ, label="<g, eta sign g> vs LP optimum (HiGHS)")
    return bool(np.all(np.abs(velocity) == eta))


@claim(id="optopt.table4.signsgd", title="\"signSGD = L-∞ trust-region maximizer\"",
       source="Table 4 row signSGD, line ~1482; Table 3 signSGD row (\"Linear objective + ‖θ̇‖_∞ ≤ η ⇒ vertex\")",
       statement="θ̇ = η sign(g) maximizes ⟨g,θ̇⟩ over ‖θ̇‖_∞ ≤ η and is a vertex of the ℓ∞ ball.",
       kind="optimality")
def table4_signsgd(ctx: Context) -> CheckResult:
    r"""
    .. math:: \langle g, \eta\operatorname{sign}g\rangle = \eta\|g\|_1
              = \max_{\|\dot\theta\|_\infty\le\eta}\langle g,\dot\theta\rangle,
              \qquad \eta\operatorname{sign}g \in \{-\eta, \eta\}^d\ (\text{vertex}).

    Gradients :math:`d \le 20`, entries over 6 decades, a fraction of exact zeros (0, 20 or 50 %: sparse gradients
    and the degenerate :math:`g = 0`), :math:`\eta` log-uniform in :math:`[10^{-3}, 10^3]`, ``numpy.sign``
    (:math:`\operatorname{sign}0 = 0`). Recorded: the value against the Hölder maximum :math:`\eta\|g\|_1` (rel 1e-10),
    feasibility, the LP optimum (engine ``InfinityRegion``, HiGHS, first examples, rel 1e-6), and the vertex
    property as a logical comparison (every :math:`|\dot\theta_j| = \eta`).
    """

    cvx_left = [ctx.pick(10, 200)]

    def prop(g: np.ndarray, eta: float) -> None:
        vertex = _check_sign(ctx, g, eta, None, cvx_left)
        ctx.event("g has a zero entry" if np.any(g == 0) else "no zero entry")
        ctx.compare(vertex, True, label="eta sign(g) is a vertex of the l_inf ball")

    ctx.search(prop, g=_sparse_gradients(), eta=log_uniform(1e-3, 1e3), max_examples=ctx.pick(200, 5000),
               label="sign maximizer")
    return ctx.result()


@claim(id="optopt.table4.signsgd.corrected", title="signSGD: a maximizer always, a vertex iff g has no zero entry",
       source="Table 4 row signSGD, line ~1482; derived",
       statement="θ̇ = η sign(g) (sign 0 = 0) maximizes ⟨g,θ̇⟩ over ‖θ̇‖_∞ ≤ η for every g; it is a vertex of the ℓ∞ "
                 "ball iff no g_j = 0; with sign(0) replaced by +1 it is a vertex maximizer for every g.",
       kind="optimality")
def table4_signsgd_corrected(ctx: Context) -> CheckResult:
    r"""Derivation: :math:`\langle g,\dot\theta\rangle \le \|g\|_1\|\dot\theta\|_\infty` (Hölder) with equality iff
    :math:`\dot\theta_j = \eta\operatorname{sign}g_j` wherever :math:`g_j \ne 0`; coordinates with
    :math:`g_j = 0` are free
    in :math:`[-\eta, \eta]`, so :math:`\operatorname{sign}0 = 0` leaves them at the box's interior and any choice in
    :math:`\{\pm\eta\}` gives a vertex with the same value. Same search as ``optopt.table4.signsgd``; recorded:
    value vs Hölder maximum (both conventions), vertex ⇔ no zero entry (logical), and the vertex property with
    :math:`\operatorname{sign}0 := +1`."""

    cvx_left = [ctx.pick(10, 200)]

    def prop(g: np.ndarray, eta: float) -> None:
        vertex = _check_sign(ctx, g, eta, None, cvx_left)
        no_zero = bool(np.all(g != 0))
        ctx.event("no zero entry" if no_zero else "g has a zero entry")
        ctx.compare(vertex, no_zero, label="vertex iff no zero entry")
        ctx.compare(_check_sign(ctx, g, eta, 1.0, []), True, label="sign(0) := +1 gives a vertex")

    ctx.search(prop, g=_sparse_gradients(), eta=log_uniform(1e-3, 1e3), max_examples=ctx.pick(200, 5000),
               label="sign maximizer (corrected)")
    return ctx.result()


@claim(id="optopt.table4.other-rows", title="remaining one-line implications of Table 4",
       source="Table 4, line ~1461–1484 (rows GD, SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam/AdamW, Adam "
              "(val-aware), LAMB/LARS, K-FAC, Shampoo, Lion, Polyak)",
       statement="interpretive one-liners (e.g. \"GD is the proportional router collapsed to a scalar knob\", "
                 "\"AdaGrad is per-coord water-filling with costs = cumulative variance\", \"Stochasticity only "
                 "changes how you estimate M, not the program\").",
       kind="qualitative")
def table4_other_rows(ctx: Context) -> CheckResult:
    r"""Not checkable: the rows are metaphors ("proportional router", "water-filling", "compute-stable",
    "ultra-aggressive quantized equalizer") without a stated quantity or relation. Their formula-bearing content is
    checked by the Table 3 IDs (``optopt.table3.*``) and the corollaries of App. C (``optopt.corollary10``–``22``)."""
    return ctx.not_checkable("interpretive one-liners with no stated quantity or relation; their formula content is "
                             "checked by optopt.table3.* and optopt.corollary10-22")
