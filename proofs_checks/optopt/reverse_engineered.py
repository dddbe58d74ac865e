r"""App. C — Corollaries 10–22: the "reverse-engineered" optimizers (SGD … LARS/LAMB).

Each corollary has four kinds of claims (catalogue App. C intro): ``.global`` (Step-1 Cauchy–Schwarz optimum),
``.commutativity`` (Step-2 projection of :math:`Q^C` onto budget ∩ cone is the restricted optimum), ``.recovery``
(the restricted optimum is the named optimizer) and ``.lr`` / other hyperparameters.

Shared facts used as independent references (derived here, not taken from the engine):

* quadratic budget :math:`\operatorname{Tr}(Q^\top MQ) \le B`, :math:`M \succ 0`, :math:`Q` unrestricted: with
  :math:`Y = M^{1/2}Q`, :math:`\langle Q,R\rangle = \langle Y, M^{-1/2}R\rangle \le \sqrt B\|M^{-1/2}R\|_F`, attained by
  :math:`Q = \sqrt BM^{-1}R/\|M^{-1/2}R\|_F`;
* ray cone :math:`\{\eta U : \eta \ge 0\}` inside that budget: segment :math:`0 \le \eta \le \eta_{\max} =
  \sqrt B/\|U\|_M`; restricted optimum :math:`\eta_{\max}` if :math:`\langle U,R\rangle > 0`, else 0.
"""

from __future__ import annotations

import math
from typing import Any

import cvxpy as cp
import numpy as np
from hypothesis import strategies as st

from proofs_checks.optopt import _reference_updates as ref
from theorylab.budgets import corollaries as cor
from theorylab.budgets import solve_to_optimality
from theorylab.claims import Context, NumericalFailure, claim
from theorylab.testing.strategies import log_uniform

EXACT = 1e-10
# Catalogue: Clarabel objective rel 1e-6, matrix rel 1e-4, and a discrepancy counts only beyond 100x the tolerance.
CVX_OBJ = 100 * 1e-6
CVX_MATRIX = 100 * 1e-4

# --------------------------------------------------------------------------- shared helpers


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _spd(rng: np.random.Generator, d: int, log_cond: float) -> np.ndarray:
    r"""M-PSD full rank: :math:`U\operatorname{diag}(e)U^\top`, log-uniform :math:`e \in [s, s\cdot 10^{c}]`."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scale = 10.0 ** rng.uniform(-1.0, 1.0)
    eig = scale * 10.0 ** rng.uniform(0.0, log_cond, size=d)
    M = (q * eig) @ q.T
    return 0.5 * (M + M.T)


def _gradient(rng: np.random.Generator, d: int, norm: float) -> np.ndarray:
    g = rng.standard_normal(d)
    return norm * g / np.linalg.norm(g)


def _metric_norm(A: np.ndarray, M: np.ndarray) -> float:
    return math.sqrt(max(float(np.sum(A * (M @ A))), 0.0))


def _cs_optimum(R: np.ndarray, M: np.ndarray, B: float) -> float:
    r"""Independent Cauchy–Schwarz optimum :math:`\sqrt B\|M^{-1/2}R\|_F` (eigendecomposition of M)."""
    values, vectors = np.linalg.eigh(M)
    inv_half = (vectors / np.sqrt(values)) @ vectors.T
    return math.sqrt(B) * float(np.linalg.norm(inv_half @ R))


def _cvx_quadratic_optimum(R: np.ndarray, M: np.ndarray, B: float, psd: bool) -> tuple[float, np.ndarray]:
    r"""max ⟨Q,R⟩ s.t. Tr(QᵀMQ) ≤ B (Q unrestricted, or symmetric PSD) with Clarabel.

    Solved in units where ‖M‖₂ = 1, B = 1, ‖R‖_F = 1 (exact homogeneity: Q ↦ sQ with s = (B/‖M‖₂)^{1/2}); the value is
    re-evaluated in numpy at the returned point, PSD-clipped and scaled into the budget (an explicit feasible
    certificate, so it can only lie below the true optimum).
    """
    m_scale = float(np.linalg.norm(M, 2))
    M1 = M / m_scale
    values, vectors = np.linalg.eigh(M1)
    half = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    R1 = R / float(np.linalg.norm(R))
    Q = cp.Variable(R.shape, symmetric=psd)
    cons = [cp.sum_squares(half @ Q) <= 1.0] + ([Q >> 0] if psd else [])
    prob = cp.Problem(cp.Maximize(cp.trace(R1.T @ Q)), cons)
    solve_to_optimality(prob, "CLARABEL", "budget program")
    point = np.array(Q.value) * math.sqrt(B / m_scale)
    if psd:
        w, v = np.linalg.eigh(0.5 * (point + point.T))
        point = (v * np.clip(w, 0.0, None)) @ v.T
    norm = _metric_norm(point, M)
    if norm > 0:
        point = point * min(1.0, math.sqrt(B) / norm)
    return float(np.sum(point * R)), point


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0:
        return 1.0 if na == nb else 0.0
    return float(a @ b) / (na * nb)


def _in_ray(S: np.ndarray, U: np.ndarray) -> bool:
    """Whether S = ηU for some η ≥ 0 (relative residual ≤ 1e-9)."""
    coef = float(np.sum(S * U)) / float(np.sum(U * U))
    return coef >= 0 and float(np.linalg.norm(S - coef * U)) <= 1e-9 * float(np.linalg.norm(S))


# --------------------------------------------------------------------------- Cor. 10-16 instances


_metric_instance = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "d": st.integers(1, 8),
    "log_cond": st.floats(0.0, 4.0),
    "B": log_uniform(1e-3, 1e3),
    "g_norm": st.one_of(st.sampled_from([0.01, 1.0, 100.0]), log_uniform(1e-2, 1e2)),
})


def _kfac_layers(rng: np.random.Generator, d: int, log_cond: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split d into layers of size a·b (a, b ≤ 2 or 3) with Kronecker factors (A_ℓ, G_ℓ)."""
    layers, left = [], d
    while left > 0:
        options = [(a, b) for a in (1, 2) for b in (1, 2, 3) if a * b <= left]
        a, b = options[rng.integers(len(options))]
        layers.append((_spd(rng, a, log_cond / 2), _spd(rng, b, log_cond / 2)))
        left -= a * b
    return layers


_SHAMPOO_SHAPES = [(1, 2), (2, 2), (2, 3), (3, 4), (2, 2, 2)]


def _metric_case(number: int, inst: dict[str, Any]) -> dict[str, Any]:
    r"""Budget metric M, cone shape U (None: PD cone), stated optimizer shape S, stated η*, named-optimizer update."""
    rng = _rng(inst["seed"])
    d, lc, B = inst["d"], inst["log_cond"], inst["B"]
    case: dict[str, Any] = {"B": B}
    if number == 10:
        M = np.eye(d)
        U = S = np.eye(d)
        g = _gradient(rng, d, inst["g_norm"])
        eta = cor.corollary10_lr(g, B)
        update = ref.sgd(g, 1.0)
        lag = rng.standard_normal((d, d)) * float(np.linalg.norm(g)) ** 2 / d
        case["R_lags"] = np.vstack([np.outer(g, g), lag])  # R[0] = ggᵀ, R[1] random: the D-F program with K = 1
    elif number == 11:
        P = _spd(rng, d, lc)
        M, U, S = np.linalg.inv(P), np.eye(d), P
        g = _gradient(rng, d, inst["g_norm"])
        eta = cor.metric_lr(g, np.linalg.inv(P), B)
        update = P @ g
        case["variant_shape"] = P
    elif number == 12:
        H = _spd(rng, d, lc)
        M, U, S = H, None, np.linalg.inv(H)
        g = _gradient(rng, d, inst["g_norm"])
        eta = cor.metric_lr(g, np.linalg.inv(H), B)
        update = ref.newton(g, H)
    elif number == 13:
        A = _spd(rng, d, lc)
        memory = int(rng.integers(1, 6))
        s_pairs = [rng.standard_normal(d) for _ in range(memory)]
        y_pairs = [A @ s for s in s_pairs]
        Bk = ref.lbfgs_matrix(d, s_pairs, y_pairs)
        Bk = 0.5 * (Bk + Bk.T)
        M, U, S = Bk, np.linalg.inv(Bk), np.linalg.inv(Bk)
        g = _gradient(rng, d, inst["g_norm"])
        eta = cor.metric_lr(g, np.linalg.inv(Bk), B)
        update = ref.lbfgs_direction(g, s_pairs, y_pairs)
    elif number == 14:
        F = _spd(rng, d, lc)
        M, U, S = F, np.eye(d), np.linalg.inv(F)
        g = _gradient(rng, d, inst["g_norm"])
        eta = cor.metric_lr(g, np.linalg.inv(F), B)
        update = ref.natural_gradient(g, F, 1.0)
    elif number == 15:
        layers = _kfac_layers(rng, d, lc)
        blocks = [np.kron(A, G) for A, G in layers]
        M = cor.block_diagonal(blocks)
        U, S = np.eye(d), np.linalg.inv(M)
        g = _gradient(rng, d, inst["g_norm"])
        eta = cor.metric_lr(g, S, B)
        pieces, start = [], 0
        for A, G in layers:
            a, b = A.shape[0], G.shape[0]
            X = g[start:start + a * b].reshape(a, b)  # row-major vec: (A⊗G)vec(X) = vec(A X Gᵀ)
            pieces.append(ref.kfac([X.T], [A], [G], 1.0)[0].T.ravel())
            start += a * b
        update = np.concatenate(pieces)
        case["blocks"] = blocks
    elif number == 16:
        shape = _SHAMPOO_SHAPES[inst["seed"] % len(_SHAMPOO_SHAPES)]
        factors = [_spd(rng, n, lc / len(shape)) for n in shape]
        M = cor.kronecker(factors)
        U = S = cor.corollary16_optimizer(factors, 1.0)
        d = M.shape[0]
        g = _gradient(rng, d, inst["g_norm"])
        eta = cor.metric_lr(g, np.linalg.inv(M), B)
        update = S @ g
        G_tensor = g.reshape(shape)
        mode_moments = []
        for i in range(len(shape)):
            unfold = np.moveaxis(G_tensor, i, 0).reshape(shape[i], -1)
            mode_moments.append(unfold @ unfold.T + 1e-3 * np.eye(shape[i]))
        case["shampoo_cosine"] = _cosine(
            cor.kronecker([cor.matrix_power_psd(f, -0.5) for f in mode_moments]) @ g,
            ref.shampoo_tensor(G_tensor, mode_moments, 1.0).ravel())
        case["factors"] = factors
    else:  # pragma: no cover
        raise ValueError(number)
    case.update(g=g, M=M, U=U, S=S, eta_stated=eta, update=update, d=d)
    return case


def _stated_global(number: int, case: dict[str, Any]) -> tuple[np.ndarray, float]:
    g, B = case["g"], case["B"]
    if number == 10:
        return cor.corollary10_global(case.get("R_lags", np.outer(g, g)), B)
    if number == 11:
        return cor.corollary11_global(g, case["S"], B)
    if number in (12, 13):
        return cor.corollary12_global(g, case["M"], B)
    if number == 14:
        return cor.corollary14_global(g, case["M"], B)
    if number == 15:
        return cor.corollary15_global(g, case["blocks"], B)
    return cor.corollary16_global(g, case["factors"], B)


def _check_metric_global(ctx: Context, number: int) -> None:
    def prop(inst: dict[str, Any]) -> None:
        case = _metric_case(number, inst)
        g, M, B = case["g"], case["M"], case["B"]
        R = case.get("R_lags", np.outer(g, g))
        M = np.eye(R.shape[0]) if "R_lags" in case else M
        QC, P_stated = _stated_global(number, case)
        optimum = _cs_optimum(R, M, B)
        ctx.compare(P_stated, optimum, "==", EXACT, label="stated P* vs Cauchy-Schwarz optimum")
        ctx.compare(_metric_norm(QC, M) ** 2, B, "<=", 1e-9, label="Q^C within budget")
        ctx.compare(float(np.sum(QC * R)), optimum, "==", EXACT, label="<Q^C,R> vs optimum")

    ctx.search(prop, _metric_instance, label=f"cor{number} global", max_examples=ctx.pick(200, 2000))

    def prop_cvx(inst: dict[str, Any]) -> None:
        case = _metric_case(number, inst)
        R = case.get("R_lags", np.outer(case["g"], case["g"]))
        M = np.eye(R.shape[0]) if "R_lags" in case else case["M"]
        _, P_stated = _stated_global(number, case)
        value, _ = _cvx_quadratic_optimum(R, M, case["B"], psd=False)
        ctx.compare(P_stated, value, "==", CVX_OBJ, label="stated P* vs cvxpy (Q unrestricted)")

    ctx.search(prop_cvx, _metric_instance, label=f"cor{number} global vs cvxpy", max_examples=ctx.pick(10, 100))
    rng = _rng(ctx.seed)
    record = []
    for _ in range(ctx.pick(3, 20)):
        inst = {"seed": int(rng.integers(2**32)), "d": int(rng.integers(1, 6)), "log_cond": 2.0, "B": 1.0,
                "g_norm": 1.0}
        case = _metric_case(number, inst)
        case.pop("R_lags", None)
        try:
            value, _ = _cvx_quadratic_optimum(np.outer(case["g"], case["g"]), case["M"], 1.0, psd=True)
        except NumericalFailure:
            continue
        record.append(value / _stated_global(number, case)[1])
    ctx.note("P3 with Q symmetric PSD (for the record): optimum / stated P*", record)


def _segment_projection(QC: np.ndarray, U: np.ndarray, W: np.ndarray, eta_max: float) -> float:
    r"""Coefficient of the projection of :math:`Q^C` onto :math:`\{\eta U: 0\le\eta\le\eta_{\max}\}` in the metric
    :math:`\langle A,B\rangle_W = \operatorname{Tr}(A^\top WB)`."""
    return float(np.clip(np.sum(QC * (W @ U)) / np.sum(U * (W @ U)), 0.0, eta_max))


def _check_metric_commutativity(ctx: Context, number: int) -> None:
    def prop(inst: dict[str, Any]) -> None:
        case = _metric_case(number, inst)
        case.pop("R_lags", None)  # instantaneous moment
        g, M, U, B = case["g"], case["M"], case["U"], case["B"]
        R = np.outer(g, g)
        QC, _ = _stated_global(number, case)
        eta_max = math.sqrt(B) / _metric_norm(U, M)
        eta_opt = eta_max if float(np.sum(U * R)) > 0 else 0.0
        d = U.shape[0]
        ctx.compare(_segment_projection(QC, U, np.eye(d), eta_max), eta_opt, "==", 1e-9,
                    label="H-metric projection coefficient vs restricted argmax")
        ctx.compare(_segment_projection(QC, U, M, eta_max), eta_opt, "==", 1e-9,
                    label="budget-metric projection coefficient vs restricted argmax")

    ctx.search(prop, _metric_instance, label=f"cor{number} commutativity", max_examples=ctx.pick(200, 2000))


def _check_metric_recovery(ctx: Context, number: int, compare_update: bool = True) -> None:
    cosines: list[float] = []

    def prop(inst: dict[str, Any]) -> None:
        case = _metric_case(number, inst)
        g, M, U, S, B = case["g"], case["M"], case["U"], case["S"], case["B"]
        R = np.outer(g, g)
        eta_max = math.sqrt(B) / _metric_norm(U, M)
        restricted_value = eta_max * max(float(np.sum(U * R)), 0.0)
        stated_value = math.sqrt(B) / _metric_norm(S, M) * float(np.sum(S * R))
        ctx.compare(_in_ray(S, U), True, label="stated Q* shape lies in the cone")
        ctx.compare(stated_value, restricted_value, "==", 1e-9, label="saturated stated Q* vs restricted optimum")
        if compare_update:
            ctx.compare(_cosine(eta_max * U @ g, case["update"]), 1.0, "==", 1e-9,
                        label="cos(restricted optimum·g, named optimizer update)")
        if "shampoo_cosine" in case:
            cosines.append(case["shampoo_cosine"])

    ctx.search(prop, _metric_instance, label=f"cor{number} recovery", max_examples=ctx.pick(200, 2000))
    if cosines:
        ctx.note("(b) cos(⊗G_i^{-1/2} g, Gupta et al. Shampoo step) min/max", [min(cosines), max(cosines)])


def _check_metric_lr(ctx: Context, number: int) -> None:
    def prop(inst: dict[str, Any]) -> None:
        case = _metric_case(number, inst)
        M, S, B = case["M"], case["S"], case["B"]
        ctx.compare(_metric_norm(case["eta_stated"] * S, M), math.sqrt(B), "==", EXACT,
                    label="budget norm of η*·shape vs √B (saturation)")
        ctx.compare(case["eta_stated"], math.sqrt(B) / _metric_norm(S, M), "==", EXACT,
                    label="stated η* vs restricted optimum along the stated shape")

    ctx.search(prop, _metric_instance, label=f"cor{number} lr", max_examples=ctx.pick(200, 2000))


def _cvx_psd_projection(QC: np.ndarray, M: np.ndarray, B: float) -> np.ndarray:
    r"""Frobenius projection of :math:`Q^C` onto :math:`\{Q \succeq 0 : \operatorname{Tr}(QMQ) \le B\}` (Clarabel),
    solved in units ‖M‖₂ = 1, B = 1 (:math:`\Pi_{M,B}(X) = s\,\Pi_{M/\|M\|,1}(X/s)`, :math:`s=(B/\|M\|_2)^{1/2}`);
    the returned point is PSD-clipped and scaled into the budget."""
    d = QC.shape[0]
    m_scale = float(np.linalg.norm(M, 2))
    s = math.sqrt(B / m_scale)
    values, vectors = np.linalg.eigh(M / m_scale)
    half = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    Q = cp.Variable((d, d), symmetric=True)
    prob = cp.Problem(cp.Minimize(cp.norm(Q - QC / s, "fro")), [cp.sum_squares(half @ Q) <= 1.0, Q >> 0])
    solve_to_optimality(prob, "CLARABEL", "projection program")
    w, v = np.linalg.eigh(0.5 * (Q.value + Q.value.T))
    point = s * (v * np.clip(w, 0.0, None)) @ v.T
    norm = _metric_norm(point, M)
    return point * min(1.0, math.sqrt(B) / norm) if norm > 0 else point


def _newton_instance(inst: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, float]:
    case = _metric_case(12, inst)
    return case["g"], case["M"], case["B"]


_newton_cvx_instance = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "d": st.integers(1, 6),
    "log_cond": st.floats(0.0, 4.0),
    "B": log_uniform(1e-3, 1e3),
    "g_norm": st.sampled_from([0.01, 1.0, 100.0]),
})


# --------------------------------------------------------------------------- Cor. 10-16 claims


@claim(id="optopt.corollary10.global", title="Cor. 10 (SGD): global optimum under the H-ball",
       source="App. C.1 Cor. 10 proof Step 1, eq. 62, line ~803",
       statement="Q^C = √B R/‖R‖_H, P*(R) = √B‖R‖_H; with R[0] = ggᵀ: Q^C[0] = √B ggᵀ/‖g‖², P* = √B‖g‖².",
       kind="optimality")
def corollary10_global(ctx: Context) -> None:
    r"""Program :math:`\max\langle Q,R\rangle_{\mathcal H}` s.t. :math:`\|Q\|_{\mathcal H}\le\sqrt B`,
    Q[n] unrestricted,
    truncated at K = 1 with :math:`R[0] = gg^\top` and a random non-symmetric :math:`R[1]`.

    .. math:: P^\star = \sqrt B\|R\|_{\mathcal H}

    Compared (rel 1e-10) with the independent Cauchy–Schwarz value, feasibility and value of the stated
    :math:`Q^C`, and with Clarabel (rel 1e-4 = 100× the
    objective tolerance). d ∈ 1..8, B log-uniform in [1e-3, 1e3], ‖g‖ ∈ {0.01, 1, 100} or
    log-uniform. The optimum under P3's Q ⪰ 0 (instantaneous R) is recorded as a note.
    """
    _check_metric_global(ctx, 10)


@claim(id="optopt.corollary10.commutativity",
       title="Cor. 10: projection of Q^C onto budget ∩ cone is the restricted optimum",
       source="Cor. 10 proof Step 2, eq. 63, line ~808",
       statement="Π_{𝒬_F(B)∩𝒞_memoryless}(Q^C) ∈ argmax_{Q∈𝒬_F(B)∩𝒞_memoryless}⟨Q,R⟩_H.", kind="consistency")
def corollary10_commutativity(ctx: Context) -> None:
    r"""Cone :math:`\{\eta I\delta\}`, budget :math:`\|Q\|_{\mathcal H}\le\sqrt B`, :math:`R[0]=gg^\top`.
    Segment :math:`0\le\eta\le\eta_{\max}=\sqrt{B/d}`; projection coefficient
    :math:`\operatorname{clip}(\langle Q^C,I\rangle/\langle I,I\rangle,0,\eta_{\max}) = \sqrt B/d` (H metric = budget
    metric here) against the restricted argmax :math:`\eta_{\max}` (since :math:`\langle I,gg^\top\rangle>0`);
    rel 1e-9.
    """
    _check_metric_commutativity(ctx, 10)


@claim(id="optopt.corollary10.recovery", title="Cor. 10: the restricted optimum is SGD",
       source="Cor. 10 statement, line ~790–794; proof Step 5",
       statement="the optimum of P3 over 𝒬_F(B) ∩ 𝒞_memoryless is Q*[n] = η*Iδ[n], i.e. SGD θ̇ = η*g.",
       kind="optimality")
def corollary10_recovery(ctx: Context) -> None:
    r"""Shape check (the scale η* is ``.lr``): the stated shape I lies in the cone, its saturated value equals the
    exact restricted optimum :math:`\eta_{\max}\langle I,R\rangle`, and the restricted optimum applied to g is
    parallel to the reference SGD update (cosine 1, rel 1e-9).
    """
    _check_metric_recovery(ctx, 10)


@claim(id="optopt.corollary10.lr", title="Cor. 10: η* = √B/(√d‖g‖₂)",
       source="Cor. 10 eq. 61 (= eq. 67), line ~794; proof eqs. 64–67, line ~815–827",
       statement="η* = √B / (√d ‖g‖₂), d the parameter dimension.", kind="optimality")
def corollary10_lr(ctx: Context) -> None:
    r"""Saturation: :math:`\|\eta^\star I\|_{\mathcal H} = \eta^\star\sqrt d` must equal :math:`\sqrt B`, i.e. the
    restricted optimum along the cone is :math:`\sqrt{B/d}`; both compared with the stated η* (rel 1e-10) for
    ‖g‖ ∈ {0.01, 1, 100} and log-uniform.
    """
    _check_metric_lr(ctx, 10)


@claim(id="optopt.corollary11.global", title="Cor. 11 (colored GD): global optimum under the elliptic budget",
       source="Cor. 11 proof Step 1, eq. 71, line ~848",
       statement="Q^C[0] = √B Pggᵀ/‖Pggᵀ‖_{P⁻¹}, P*(R) = √B‖Pggᵀ‖_{P⁻¹}.", kind="optimality")
def corollary11_global(ctx: Context) -> None:
    r"""Budget :math:`\operatorname{Tr}(Q^\top P^{-1}Q)\le B`, Q unrestricted; independent value
    :math:`\sqrt B\|P^{1/2}gg^\top\|_F`, stated :math:`Q^C` feasibility/value (rel 1e-10)
    and Clarabel (rel 1e-4 = 100× the
    objective tolerance).
    P from M-PSD with condition 1–1e4.
    """
    _check_metric_global(ctx, 11)


@claim(id="optopt.corollary11.commutativity", title="Cor. 11: eq. 72",
       source="Cor. 11 proof Step 2, eq. 72, line ~852",
       statement="Π_{𝒬_P(B)∩𝒞_memoryless}(Q^C) ∈ argmax_{Q∈𝒬_P(B)∩𝒞_memoryless}⟨Q,R⟩_H.", kind="consistency")
def corollary11_commutativity(ctx: Context) -> None:
    r"""Cone of eq. 69 :math:`\{\eta I\}`; segment :math:`\eta_{\max}=\sqrt{B/\operatorname{Tr}P^{-1}}`; projection
    coefficient of :math:`Q^C` in the H metric and in the :math:`P^{-1}` metric vs the restricted argmax
    :math:`\eta_{\max}` (rel 1e-9).
    """
    _check_metric_commutativity(ctx, 11)


@claim(id="optopt.corollary11.recovery", title="Cor. 11: the restricted optimum is colored GD Q* = η*P",
       source="Cor. 11 statement, line ~833–842",
       statement="the optimum of P3 over 𝒬_P(B) ∩ 𝒞_memoryless (cone of eq. 69) is Q* = η*P.", kind="optimality")
def corollary11_recovery(ctx: Context) -> None:
    r"""Cone as defined in eq. 69, :math:`\{\eta I\}`: is P in the cone; does the saturated :math:`\eta P` attain the
    restricted optimum :math:`\eta_{\max}\|g\|^2`; is the restricted optimum applied to g parallel to the colored-GD
    update Pg (cosine, rel 1e-9). Variant (proof Step 3 cone {ηP}): recorded as a note.
    """
    _check_metric_recovery(ctx, 11)
    rng = _rng(ctx.seed)
    gains = []
    for _ in range(20):
        inst = {"seed": int(rng.integers(2**32)), "d": 4, "log_cond": 2.0, "B": 1.0, "g_norm": 1.0}
        case = _metric_case(11, inst)
        g, P, M = case["g"], case["S"], case["M"]
        gains.append(float(g @ P @ g) / _metric_norm(P, M))
    ctx.note("variant cone {ηP}: saturated value √B·gᵀPg/√Tr(P) (d=4, B=1) over 20 draws, min/max",
             [min(gains), max(gains)])


@claim(id="optopt.corollary11.lr", title="Cor. 11: η* = √B/(√Tr(P⁻¹)‖g‖₂)",
       source="Cor. 11 eq. 70 (= eq. 76), line ~840; proof eqs. 73–76",
       statement="η* = √B / (√Tr(P⁻¹) ‖g‖₂), with Q* = η*P.", kind="optimality")
def corollary11_lr(ctx: Context) -> None:
    r"""Saturation of :math:`\|\eta^\star P\|_{P^{-1}} = \eta^\star\sqrt{\operatorname{Tr}P}` against
    :math:`\sqrt B`, and η* against :math:`\sqrt B/\|P\|_{P^{-1}}` (rel 1e-10).
    """
    _check_metric_lr(ctx, 11)


@claim(id="optopt.corollary12.global", title="Cor. 12 (Newton): global optimum under the curvature budget",
       source="Cor. 12 proof Step 1, eq. 80, line ~895",
       statement="Q^C[0] = √B H⁻¹ggᵀ/‖H⁻¹ggᵀ‖_H, P*(R) = √B‖H⁻¹ggᵀ‖_H.", kind="optimality")
def corollary12_global(ctx: Context) -> None:
    r"""Budget :math:`\operatorname{Tr}(Q^\top HQ)\le B`, Q unrestricted: independent value
    :math:`\sqrt B\|H^{-1/2}gg^\top\|_F`, stated :math:`Q^C` (rel 1e-10), Clarabel (rel 1e-4 = 100× the
    objective tolerance).
    """
    _check_metric_global(ctx, 12)


@claim(id="optopt.corollary12.commutativity", title="Cor. 12: eq. 81",
       source="Cor. 12 proof Step 2, eq. 81, line ~900",
       statement="Π_{𝒬_H(B)∩𝒞_memoryless}(Q^C) ∈ argmax_{Q∈𝒬_H(B)∩𝒞_memoryless}⟨Q,R⟩_H.", kind="consistency")
def corollary12_commutativity(ctx: Context) -> None:
    r"""Cone :math:`\{\eta P: \eta\ge0, P\succ0\}` (closure: PSD). Frobenius projection of :math:`Q^C` onto
    :math:`\{Q\succeq0:\operatorname{Tr}(QHQ)\le B\}` (Clarabel), its value :math:`g^\top\Pi g` against the restricted
    optimum (Clarabel, re-evaluated at a feasible PSD point); relation ``>=`` with rel 1e-2 (100× the catalogue matrix
    tolerance; the projection is feasible, so it can only be below). d ∈ 1..6.
    """
    def prop(inst: dict[str, Any]) -> None:
        g, H, B = _newton_instance(inst)
        R = np.outer(g, g)
        QC, _ = cor.corollary12_global(g, H, B)
        projection = _cvx_psd_projection(QC, H, B)
        optimum, _ = _cvx_quadratic_optimum(R, H, B, psd=True)
        ctx.compare(float(g @ projection @ g), optimum, ">=", CVX_MATRIX, label="value of Π(Q^C) vs restricted optimum")

    ctx.search(prop, _newton_cvx_instance, label="cor12 commutativity", max_examples=ctx.pick(8, 200))


@claim(id="optopt.corollary12.recovery",
       title="Cor. 12: the optimum over the curvature budget ∩ PD matrices is Newton, Q* = η*H⁻¹",
       source="Cor. 12 statement, line ~879–888",
       statement="the optimum of P3 over 𝒬_H(B) ∩ 𝒞_memoryless, 𝒞_memoryless = {ηPδ : η ≥ 0, P ≻ 0}, is Newton's "
                 "method Q* = η*H⁻¹.", kind="optimality")
def corollary12_recovery(ctx: Context) -> None:
    r"""Restricted optimum :math:`\max g^\top Qg` s.t. :math:`Q\succeq0`, :math:`\operatorname{Tr}(QHQ)\le B`
    (Clarabel; value re-evaluated at the PSD-clipped, budget-scaled solution: an explicit feasible certificate).
    Compared with the value of the saturated Newton shape :math:`\eta H^{-1}`,
    :math:`\eta=\sqrt{B/\operatorname{Tr}H^{-1}}`: ``>=`` rel 1e-4 (100× the objective tolerance).
    Direction of the optimum applied to g vs
    the
    Newton step :math:`H^{-1}g` recorded as a note. H condition 1–1e4, d ∈ 1..6.
    """
    cosines: list[float] = []

    def prop(inst: dict[str, Any]) -> None:
        g, H, B = _newton_instance(inst)
        Hinv = np.linalg.inv(H)
        newton_value = math.sqrt(B) / _metric_norm(Hinv, H) * float(g @ Hinv @ g)
        optimum, point = _cvx_quadratic_optimum(np.outer(g, g), H, B, psd=True)
        cosines.append(_cosine(point @ g, ref.newton(g, H)))
        ctx.compare(newton_value, optimum, ">=", CVX_OBJ, label="saturated ηH⁻¹ value vs restricted optimum")

    ctx.search(prop, _newton_cvx_instance, label="cor12 recovery", max_examples=ctx.pick(20, 200))
    if cosines:
        ctx.note("cos(Q_opt g, H⁻¹g) min/max", [min(cosines), max(cosines)])


@claim(id="optopt.corollary12.lr", title="Cor. 12: η* = √B/(√Tr(H⁻¹)‖g‖₂)",
       source="Cor. 12 eq. 79 (= eq. 85), line ~886; proof eqs. 82–85",
       statement="η* = √B / (√Tr(H⁻¹) ‖g‖₂), with Q* = η*H⁻¹.", kind="optimality")
def corollary12_lr(ctx: Context) -> None:
    r"""Saturation :math:`\|\eta^\star H^{-1}\|_H=\eta^\star\sqrt{\operatorname{Tr}H^{-1}}` vs :math:`\sqrt B`
    (rel 1e-10)."""
    _check_metric_lr(ctx, 12)


@claim(id="optopt.corollary13.global", title="Cor. 13 (L-BFGS): global optimum under the B_k budget",
       source="Cor. 13 proof Step 1, eq. 89, line ~943",
       statement="Q^C[0] = √B B_k⁻¹ggᵀ/‖B_k⁻¹ggᵀ‖_{B_k}, P*(R) = √B‖B_k⁻¹ggᵀ‖_{B_k}.", kind="optimality")
def corollary13_global(ctx: Context) -> None:
    r"""As Cor. 12 with :math:`B_k` the BFGS matrix after 1–5 curvature pairs :math:`(s, y=As)` of a quadratic
    with Hessian A (condition 1–1e4), initial matrix :math:`\gamma^{-1}I`."""
    _check_metric_global(ctx, 13)


@claim(id="optopt.corollary13.commutativity", title="Cor. 13: eq. 90",
       source="Cor. 13 proof Step 2, eq. 90, line ~947",
       statement="Π_{𝒬_B(B)∩𝒞_memoryless}(Q^C) ∈ argmax_{Q∈𝒬_B(B)∩𝒞_memoryless}⟨Q,R⟩_H.", kind="consistency")
def corollary13_commutativity(ctx: Context) -> None:
    r"""Ray :math:`\{\eta B_k^{-1}\}`, :math:`\eta_{\max}=\sqrt{B/\operatorname{Tr}B_k^{-1}}`; projection coefficient
    of :math:`Q^C` (H and :math:`B_k` metrics) vs :math:`\eta_{\max}` (rel 1e-9)."""
    _check_metric_commutativity(ctx, 13)


@claim(id="optopt.corollary13.recovery", title="Cor. 13: the restricted optimum is L-BFGS, Q* = η*B_k⁻¹",
       source="Cor. 13 statement, line ~927–936",
       statement="the optimum of P3 over 𝒬_B(B) ∩ {ηB_k⁻¹δ} is Q* = η*B_k⁻¹ (the L-BFGS step direction B_k⁻¹g).",
       kind="optimality")
def corollary13_recovery(ctx: Context) -> None:
    r"""Shape in cone, saturated value = restricted optimum, and the direction :math:`B_k^{-1}g` against the
    L-BFGS two-loop recursion output for the same pairs (cosine 1, rel 1e-9)."""
    _check_metric_recovery(ctx, 13)


@claim(id="optopt.corollary13.lr", title="Cor. 13: η* = √B/(√Tr(B_k⁻¹)‖g‖₂)",
       source="Cor. 13 eq. 88 (= eq. 94), line ~934; proof eqs. 91–94",
       statement="η* = √B / (√Tr(B_k⁻¹) ‖g‖₂).", kind="optimality")
def corollary13_lr(ctx: Context) -> None:
    r"""Saturation of :math:`\|\eta^\star B_k^{-1}\|_{B_k}` vs :math:`\sqrt B` (rel 1e-10)."""
    _check_metric_lr(ctx, 13)


@claim(id="optopt.corollary14.global", title="Cor. 14 (NGD): global optimum under the Fisher budget",
       source="Cor. 14 proof Step 1, eq. 97, line ~985",
       statement="Q^C = √B F⁻¹ggᵀ/‖F⁻¹ggᵀ‖_F, P*(R) = √B‖F⁻¹ggᵀ‖_F (F-weighted norm).", kind="optimality")
def corollary14_global(ctx: Context) -> None:
    r"""Budget :math:`\operatorname{Tr}(Q^\top FQ)\le B`; as Cor. 12 with F from M-PSD (condition 1–1e4)."""
    _check_metric_global(ctx, 14)


@claim(id="optopt.corollary14.commutativity", title="Cor. 14: eq. 98",
       source="Cor. 14 proof Step 2, eq. 98, line ~990",
       statement="Π_{𝒬_F(B,F)∩𝒞_memoryless}(Q^C) ∈ argmax_{Q∈𝒬_F(B,F)∩𝒞_memoryless}⟨Q,R⟩_H.", kind="consistency")
def corollary14_commutativity(ctx: Context) -> None:
    r"""Cone :math:`\{\eta I\}` (eq. 95), :math:`\eta_{\max}=\sqrt{B/\operatorname{Tr}F}`; projection coefficients
    (H and F metrics) vs :math:`\eta_{\max}` (rel 1e-9)."""
    _check_metric_commutativity(ctx, 14)


@claim(id="optopt.corollary14.recovery", title="Cor. 14: the restricted optimum is NGD, Q* = η*F⁻¹",
       source="Cor. 14 statement, eq. 96, line ~974–980",
       statement="solving P3 under 𝒬_F(B,F) ∩ {ηI} \"produces Natural Gradient Descent as the optimal solution\" "
                 "with Q* = η*F⁻¹.", kind="optimality")
def corollary14_recovery(ctx: Context) -> None:
    r"""Cone as defined, :math:`\{\eta I\}`: is :math:`F^{-1}` in it; saturated :math:`\eta F^{-1}` value vs the
    restricted optimum; restricted optimum·g vs the NGD step :math:`F^{-1}g` (cosine, rel 1e-9)."""
    _check_metric_recovery(ctx, 14)


@claim(id="optopt.corollary14.lr", title="Cor. 14: η* = √B/(√Tr(F⁻¹)‖g‖₂)",
       source="Cor. 14 eq. 96, line ~978; proof eqs. 99–102, line ~1000–1010",
       statement="η* = √B / (√Tr(F⁻¹) ‖g‖₂), with Q* = η*F⁻¹.", kind="optimality")
def corollary14_lr(ctx: Context) -> None:
    r"""Saturation of :math:`\|\eta^\star F^{-1}\|_F=\eta^\star\sqrt{\operatorname{Tr}F^{-1}}` vs :math:`\sqrt B`
    (rel 1e-10)."""
    _check_metric_lr(ctx, 14)


@claim(id="optopt.corollary15.global", title="Cor. 15 (K-FAC): global optimum under the block-Fisher budget",
       source="Cor. 15 proof Step 1, eq. 105, line ~1028",
       statement="Q^C = √B blockdiag(F_ℓ⁻¹)ggᵀ/‖blockdiag(F_ℓ⁻¹)ggᵀ‖_block, P*(R) = √B‖blockdiag(F_ℓ⁻¹)ggᵀ‖_block.",
       kind="optimality")
def corollary15_global(ctx: Context) -> None:
    r"""Reading (a): :math:`Q_\ell` the ℓ-th block row, budget :math:`\operatorname{Tr}(Q^\top
    \operatorname{blockdiag}(F_\ell)Q)\le B`; :math:`F_\ell = A_\ell\otimes G_\ell` with layer sizes a·b ≤ 6.
    Readings (b)/(c) are not run."""
    _check_metric_global(ctx, 15)


@claim(id="optopt.corollary15.commutativity", title="Cor. 15: eq. 106",
       source="Cor. 15 proof Step 2, eq. 106, line ~1032",
       statement="Π_{𝒬_block∩𝒞_memoryless}(Q^C) ∈ argmax_{Q∈𝒬_block∩𝒞_memoryless}⟨Q,R⟩_H.", kind="consistency")
def corollary15_commutativity(ctx: Context) -> None:
    r"""Cone :math:`\{\eta I\}`; projection coefficients (H and block metrics) vs the restricted argmax (rel 1e-9)."""
    _check_metric_commutativity(ctx, 15)


@claim(id="optopt.corollary15.recovery", title="Cor. 15: the restricted optimum is K-FAC",
       source="Cor. 15 statement, eq. 104, line ~1016–1022",
       statement="solving P3 under 𝒬_block ∩ {ηIδ} \"produces K-FAC as the optimal solution\" with "
                 "Q* = η* blockdiag(F_ℓ⁻¹).", kind="optimality")
def corollary15_recovery(ctx: Context) -> None:
    r"""Cone as defined, :math:`\{\eta I\}`: membership of :math:`\operatorname{blockdiag}F_\ell^{-1}`, its saturated
    value vs the restricted optimum, and the restricted optimum·g vs the K-FAC reference step
    :math:`G_\ell^{-1}W_\ell A_\ell^{-1}` per layer (cosine, rel 1e-9)."""
    _check_metric_recovery(ctx, 15)


@claim(id="optopt.corollary15.lr", title="Cor. 15: η* = √B/(√(Σ_ℓTr F_ℓ⁻¹)‖g‖₂)",
       source="Cor. 15 eq. 104, line ~1021; proof eqs. 107–110, line ~1040–1052",
       statement="η* = √B / (√(Σ_ℓ Tr(F_ℓ⁻¹)) ‖g‖₂), with Q* = η* blockdiag(F_ℓ⁻¹).", kind="optimality")
def corollary15_lr(ctx: Context) -> None:
    r"""Saturation of the block norm of :math:`\eta^\star\operatorname{blockdiag}F_\ell^{-1}` vs √B (rel 1e-10)."""
    _check_metric_lr(ctx, 15)


@claim(id="optopt.corollary16.global", title="Cor. 16 (Shampoo): global optimum under the Kronecker budget",
       source="Cor. 16 proof Step 1, eq. 114, line ~1072",
       statement="Q^C = √B (⊗G_i⁻¹)ggᵀ/‖(⊗G_i⁻¹)ggᵀ‖_Kron, P*(R) = √B‖(⊗G_i⁻¹)ggᵀ‖_Kron.", kind="optimality")
def corollary16_global(ctx: Context) -> None:
    r"""Metric :math:`\otimes_iG_i` (numpy.kron) for shapes (1,2), (2,2), (2,3), (3,4), (2,2,2); G_i from M-PSD."""
    _check_metric_global(ctx, 16)


@claim(id="optopt.corollary16.commutativity", title="Cor. 16: eq. 115",
       source="Cor. 16 proof Step 2, eq. 115, line ~1077",
       statement="Π_{𝒬_Kron∩𝒞_Kron}(Q^C) ∈ argmax_{Q∈𝒬_Kron∩𝒞_Kron}⟨Q,R⟩_H.", kind="consistency")
def corollary16_commutativity(ctx: Context) -> None:
    r"""Ray :math:`\{\eta\otimes G_i^{-1/2}\}`, :math:`\eta_{\max}=\sqrt{B/\dim}` (the Kronecker norm of the shape is
    :math:`\sqrt{\dim}`); projection coefficients (H and Kronecker metrics) vs :math:`\eta_{\max}` (rel 1e-9)."""
    _check_metric_commutativity(ctx, 16)


@claim(id="optopt.corollary16.recovery", title="Cor. 16: the restricted optimum is Shampoo, Q* = η*⊗G_i^{−1/2}",
       source="Cor. 16 statement, eq. 113, line ~1058–1066",
       statement="the optimum of P3 over 𝒬_Kron ∩ 𝒞_Kron is Q* = η* ⊗_i G_i^{−1/2} (\"produces Shampoo as the "
                 "optimal solution\").", kind="optimality")
def corollary16_recovery(ctx: Context) -> None:
    r"""(a) verdict: the stated shape is in the cone and its saturated value equals the restricted optimum.
    (b) note: cosine between :math:`\otimes G_i^{-1/2}g` and the Gupta et al. step (mode factors
    :math:`H_i^{-1/(2k)}`) when :math:`G_i` are the gradient's own mode moments (+1e-3 I)."""
    _check_metric_recovery(ctx, 16, compare_update=False)


@claim(id="optopt.corollary16.lr", title="Cor. 16: η* = √B/(√Tr(⊗G_i⁻¹)‖g‖₂)",
       source="Cor. 16 eq. 113 (= eq. 119), line ~1066; proof eqs. 116–119",
       statement="η* = √B / (√Tr(⊗_i G_i⁻¹) ‖g‖₂).", kind="optimality")
def corollary16_lr(ctx: Context) -> None:
    r"""Saturation: :math:`\|\eta^\star\otimes G_i^{-1/2}\|_{\mathrm{Kron}} = \eta^\star\sqrt{\dim}` vs √B
    (rel 1e-10)."""
    _check_metric_lr(ctx, 16)


# --------------------------------------------------------------------------- Cor. 17-19 (AdaGrad, RMSProp, AdaFactor)


_diag_instance = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "d": st.integers(1, 8),
    "lags": st.sampled_from([0, 1, 3, 10]),
    "costs": st.sampled_from(["stream", "log-uniform", "constant"]),
    "B": log_uniform(1e-3, 1e3),
})


def _gradient_stream(rng: np.random.Generator, T: int, d: int) -> np.ndarray:
    """i.i.d. Gaussian gradients with per-coordinate scales spread over 2 decades (some steps heavy-tailed)."""
    scales = 10.0 ** rng.uniform(-1.0, 1.0, size=d)
    return scales * rng.standard_t(df=5, size=(T, d))


def _diag_case(number: int, inst: dict[str, Any]) -> dict[str, Any]:
    r"""Lag diagonals r (K+1, d) (K = 0: instantaneous :math:`g_j^2`; else AR(1) :math:`s_j^2a_j^n`) and costs c."""
    rng = _rng(inst["seed"])
    d, K = inst["d"], inst["lags"]
    history = _gradient_stream(rng, 20, d)
    g = history[-1]
    if K == 0:
        r = (g**2)[None, :]
    else:
        a = rng.uniform(-0.95, 0.95, size=d)
        s2 = 10.0 ** rng.uniform(-2.0, 2.0, size=d)
        r = s2[None, :] * a[None, :] ** np.arange(K + 1)[:, None]
    eps = 1e-8
    beta2 = 0.9
    if inst["costs"] == "stream":
        if number == 17:
            c = np.sqrt(eps + np.sum(history**2, axis=0))
        else:
            v = np.zeros(d)
            for step in history:
                v = beta2 * v + (1.0 - beta2) * step**2
            c = np.sqrt(v)
    elif inst["costs"] == "log-uniform":
        c = 10.0 ** rng.uniform(-3.0, 3.0, size=d)
    else:
        c = np.full(d, 10.0 ** rng.uniform(-3.0, 3.0))
    return {"r": r, "c": c, "g": g, "history": history, "eps": eps, "beta2": beta2, "B": inst["B"]}


def _check_diag_global(ctx: Context, number: int) -> None:
    def prop(inst: dict[str, Any]) -> None:
        case = _diag_case(number, inst)
        r, c, B = case["r"], case["c"], case["B"]
        QC, P_stated = cor.corollary17_global(r, c, B)
        optimum = math.sqrt(B) * math.sqrt(float(np.sum(r**2 / c)))  # y = √c q: Cauchy–Schwarz on r/√c
        ctx.compare(P_stated, optimum, "==", EXACT, label="stated P* vs optimum √B‖r/√c‖")
        ctx.compare(float(np.sum(c * QC**2)), B, "<=", 1e-9, label="Q^C within budget")
        ctx.compare(float(np.sum(QC * r)), optimum, "==", EXACT, label="<Q^C,R> vs optimum")

    ctx.search(prop, _diag_instance, label=f"cor{number} global", max_examples=ctx.pick(200, 2000))

    def prop_cvx(inst: dict[str, Any]) -> None:
        case = _diag_case(number, inst)
        r, c, B = case["r"], case["c"], case["B"]
        q = cp.Variable(r.shape)
        rn = r / float(np.linalg.norm(r))
        budget = cp.sum(cp.multiply(c / c.max(), cp.square(q)))
        prob = cp.Problem(cp.Maximize(cp.sum(cp.multiply(rn, q))), [budget <= 1])
        solve_to_optimality(prob, "CLARABEL", "diagonal budget program")
        point = np.array(q.value) * math.sqrt(B / c.max())
        point *= min(1.0, math.sqrt(B / float(np.sum(c * point**2))))
        ctx.compare(cor.corollary17_global(r, c, B)[1], float(np.sum(point * r)), "==", CVX_OBJ,
                    label="stated P* vs Clarabel (feasible point)")

    ctx.search(prop_cvx, _diag_instance, label=f"cor{number} global vs cvxpy", max_examples=ctx.pick(10, 100))


def _check_diag_commutativity(ctx: Context, number: int) -> None:
    def prop(inst: dict[str, Any]) -> None:
        case = _diag_case(number, {**inst, "lags": 0})
        r, c, B = case["r"][0], case["c"], case["B"]
        ctx.assume(float(np.sum(r)) > 0)
        QC = cor.corollary17_global(r[None, :], c, B)[0][0]
        u = 1.0 / c
        eta_max = math.sqrt(B) / math.sqrt(float(np.sum(c * u**2)))
        eta_opt = eta_max  # ⟨u, r⟩ > 0
        h_coef = float(np.clip(np.sum(QC * u) / np.sum(u * u), 0.0, eta_max))
        hd_coef = float(np.clip(np.sum(c * QC * u) / np.sum(c * u * u), 0.0, eta_max))
        ctx.compare(h_coef, eta_opt, "==", 1e-9, label="H-metric projection coefficient vs restricted argmax")
        ctx.compare(hd_coef, eta_opt, "==", 1e-9, label="H_D-metric projection coefficient vs restricted argmax")

    ctx.search(prop, _diag_instance, label=f"cor{number} commutativity", max_examples=ctx.pick(200, 2000))


def _check_diag_recovery(ctx: Context, number: int) -> None:
    def prop(inst: dict[str, Any]) -> None:
        case = _diag_case(number, {**inst, "costs": "stream", "lags": 0})
        c, g, B = case["c"], case["g"], case["B"]
        r = g**2
        u = 1.0 / c
        eta_max = math.sqrt(B) / math.sqrt(float(np.sum(c * u**2)))
        stated_eta = cor.corollary17_lr(c, B)
        ctx.compare(stated_eta * float(np.sum(u * r)), eta_max * float(np.sum(u * r)), "==", EXACT,
                    label="value of stated Q* vs restricted optimum")
        if number == 17:
            reference = ref.adagrad(case["history"], 1.0, case["eps"])
        else:
            reference = ref.rmsprop(case["history"], 1.0, case["beta2"])
        ctx.compare(float(np.linalg.norm(u * g - reference)), 0.0, "<=", 0.0, 1e-12 * float(np.linalg.norm(reference)),
                    scale=float(np.linalg.norm(reference)), label="diag(1/c)·g vs reference update (lr 1)")

    ctx.search(prop, _diag_instance, label=f"cor{number} recovery", max_examples=ctx.pick(200, 2000))


def _check_diag_lr(ctx: Context, number: int) -> None:
    def prop(inst: dict[str, Any]) -> None:
        case = _diag_case(number, inst)
        c, B = case["c"], case["B"]
        eta = cor.corollary17_lr(c, B)
        ctx.compare(math.sqrt(float(np.sum(c * (eta / c) ** 2))), math.sqrt(B), "==", EXACT,
                    label="‖η* diag(1/c)‖_{H_D} vs √B")

    ctx.search(prop, _diag_instance, label=f"cor{number} lr", max_examples=ctx.pick(200, 2000))


_BETA2_GRID = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 0.999, 0.9999])


@claim(id="optopt.corollary17.global", title="Cor. 17 (AdaGrad): global optimum under the weighted diagonal budget",
       source="Cor. 17 proof Step 1, eq. 123, line ~1124",
       statement="Q^C = √B R/‖R‖_{H_D}, P*(R) = √B‖R‖_{H_D}.", kind="optimality")
def corollary17_global(ctx: Context) -> None:
    r"""Program :math:`\max\sum_{j,n}q_j[n]r_j[n]` s.t. :math:`\sum_jc_j\sum_nq_j[n]^2\le B`. With
    :math:`y=\sqrt c\,q`, Cauchy–Schwarz gives

    .. math:: P^\star = \sqrt B\Big(\sum_{j,n}r_j[n]^2/c_j\Big)^{1/2},\quad Q = \sqrt B\,\operatorname{diag}(1/c)R/N,

    whereas the statement uses :math:`\|R\|_{\mathcal H_D}^2=\sum c_jr_j^2`. Compared rel 1e-10 and with Clarabel
    (feasible point, rel 1e-4). r: instantaneous :math:`g_j^2` or AR(1) lags (K ∈ {1, 3, 10}); c: AdaGrad
    accumulators of a 20-step stream, log-uniform [1e-3, 1e3], or constant (control).
    """
    _check_diag_global(ctx, 17)


@claim(id="optopt.corollary17.commutativity", title="Cor. 17: eq. 124",
       source="Cor. 17 proof Step 2, eq. 124, line ~1129",
       statement="Π_{𝒬_D(B,c)∩𝒞_memoryless}(Q^C) ∈ argmax_{Q∈𝒬_D(B,c)∩𝒞_memoryless}⟨Q,R⟩_{H_D}.", kind="consistency")
def corollary17_commutativity(ctx: Context) -> None:
    r"""Ray :math:`\{\eta\operatorname{diag}(1/c)\}`, :math:`\eta_{\max}=\sqrt B/(\sum1/c_j)^{1/2}`; projection
    coefficient of the stated :math:`Q^C` in the H and :math:`\mathcal H_D` metrics vs :math:`\eta_{\max}` (rel 1e-9),
    instantaneous moment."""
    _check_diag_commutativity(ctx, 17)


@claim(id="optopt.corollary17.recovery", title="Cor. 17: the restricted optimum is AdaGrad",
       source="Cor. 17 statement, line ~1106–1117",
       statement="the optimum of P3 over 𝒬_D(B,c) ∩ 𝒞_memoryless is Q* = η*δ[0] diag(1/c_j), i.e. θ̇_j = η* g_j/"
                 "√(ε + Σ_{s≤t} g_j[s]²).", kind="optimality")
def corollary17_recovery(ctx: Context) -> None:
    r"""Value of the stated :math:`Q^\star` vs the restricted optimum :math:`\eta_{\max}\sum_jg_j^2/c_j` (rel 1e-10),
    and :math:`\operatorname{diag}(1/c)g` vs the reference AdaGrad step (Duchi et al., ε inside the root) on a
    20-step stream with heterogeneous scales (abs 1e-12·‖step‖)."""
    _check_diag_recovery(ctx, 17)


@claim(id="optopt.corollary17.lr", title="Cor. 17: η* = √B/√(Σ_j 1/c_j)",
       source="Cor. 17 eq. 122 (= eq. 127), line ~1115; proof eqs. 125–127",
       statement="η* = √B / √(Σ_j 1/c_j).", kind="optimality")
def corollary17_lr(ctx: Context) -> None:
    r"""Saturation :math:`\|\eta^\star\operatorname{diag}(1/c)\|_{\mathcal H_D}=\sqrt B` (rel 1e-10)."""
    _check_diag_lr(ctx, 17)


@claim(id="optopt.corollary18.global", title="Cor. 18 (RMSProp): global optimum under the weighted diagonal budget",
       source="Cor. 18 proof Step 1, eq. 131, line ~1171",
       statement="Q^C = √B R/‖R‖_{H_D}, P*(R) = √B‖R‖_{H_D}.", kind="optimality")
def corollary18_global(ctx: Context) -> None:
    r"""As ``optopt.corollary17.global`` with RMSProp EMA costs :math:`c_j=v_j^{1/2}` (β2 = 0.9, 20 steps)."""
    _check_diag_global(ctx, 18)


@claim(id="optopt.corollary18.commutativity", title="Cor. 18: eq. 132",
       source="Cor. 18 proof Step 2, eq. 132, line ~1176",
       statement="Π_{𝒬_D(B,c)∩𝒞_memoryless}(Q^C) ∈ argmax_{Q∈𝒬_D(B,c)∩𝒞_memoryless}⟨Q,R⟩_{H_D}.", kind="consistency")
def corollary18_commutativity(ctx: Context) -> None:
    r"""As ``optopt.corollary17.commutativity`` with EMA costs."""
    _check_diag_commutativity(ctx, 18)


@claim(id="optopt.corollary18.recovery", title="Cor. 18: the restricted optimum is RMSProp",
       source="Cor. 18 statement, line ~1151–1165",
       statement="the optimum over 𝒬_D(B,c) ∩ 𝒞_memoryless is Q* = η*δ[0] diag(1/c_j), i.e. θ̇_j = η* g_j/√v_j.",
       kind="optimality")
def corollary18_recovery(ctx: Context) -> None:
    r"""As ``optopt.corollary17.recovery`` against the Tieleman–Hinton RMSProp step (β2 = 0.9, v0 = 0, ε = 0)."""
    _check_diag_recovery(ctx, 18)


@claim(id="optopt.corollary18.lr", title="Cor. 18: η* = √B/√(Σ_j 1/c_j)",
       source="Cor. 18 eq. 130, line ~1162; proof eqs. 133–135", statement="η* = √B / √(Σ_j 1/c_j).",
       kind="optimality")
def corollary18_lr(ctx: Context) -> None:
    r"""Saturation :math:`\|\eta^\star\operatorname{diag}(1/c)\|_{\mathcal H_D}=\sqrt B` (rel 1e-10)."""
    _check_diag_lr(ctx, 18)


@claim(id="optopt.corollary18.beta2", title="Cor. 18: β2* = argmax (Σ_j r_j[0]/c_j)/√(Σ_j 1/c_j)",
       source="Cor. 18 eq. 130, line ~1162; proof eq. 136, line ~1197",
       statement="β2* = argmax_{0<β2<1} (Σ_j r_j[0]/c_j)/√(Σ_j 1/c_j), with c_j = c_j(β2) = v_j[t]^{1/2}, is the "
                 "optimal EMA decay of RMSProp.", kind="optimality")
def corollary18_beta2(ctx: Context) -> None:
    r"""Comparison across β2 at equal budget B = 1: for each β2 on the grid {0, 0.1, …, 0.9, 0.99, 0.999, 0.9999}
    the restricted optimum of the family is :math:`\eta_{\max}(\beta_2)\operatorname{diag}(1/c(\beta_2))` and its
    directly evaluated power :math:`\langle Q,R\rangle` (population :math:`r_j[0]=E g_j^2`) is compared with
    :math:`\sqrt B` × the stated objective (rel 1e-10); the argmaxes are compared (boolean). Streams: i.i.d. Gaussian
    with heterogeneous scales (d = 200, T = 500 quick; d = 1000, T = 3000 full), AR(1) coordinates, drifting scale.
    Where the argmax lies (interior/boundary) is counted as events.
    """
    rng = _rng(ctx.seed)
    d, T = ctx.pick((200, 500), (1000, 3000))
    for stream in ("iid", "ar1", "drift"):
        for _ in range(ctx.pick(3, 10)):
            scales = 10.0 ** rng.uniform(-1.0, 1.0, size=d)
            noise = rng.standard_normal((T, d))
            if stream == "ar1":
                a = rng.uniform(-0.9, 0.9, size=d)
                g = np.empty((T, d))
                g[0] = noise[0]
                for t in range(1, T):
                    g[t] = a * g[t - 1] + np.sqrt(1 - a**2) * noise[t]
                g *= scales
                r0 = scales**2
            elif stream == "drift":
                ramp = np.linspace(0.5, 2.0, T)[:, None]
                g = scales * ramp * noise
                r0 = (scales * 2.0) ** 2
            else:
                g = scales * noise
                r0 = scales**2
            stated, direct = [], []
            for beta2 in _BETA2_GRID:
                v = np.zeros(d)
                for step in g:
                    v = beta2 * v + (1.0 - beta2) * step**2
                c = np.sqrt(v)
                stated.append(cor.corollary18_beta2_objective(r0, c))
                u = 1.0 / c
                eta_max = 1.0 / math.sqrt(float(np.sum(c * u**2)))
                direct.append(eta_max * float(np.sum(u * r0)))
            ctx.sweep(direct, stated, "==", EXACT, examples={"beta2": list(_BETA2_GRID)}, label=f"{stream} power")
            ctx.compare(bool(np.argmax(direct) == np.argmax(stated)), True, label=f"{stream} argmax agreement")
            best = int(np.argmax(stated))
            ctx.event(f"{stream}: argmax {'boundary' if best in (0, len(_BETA2_GRID) - 1) else 'interior'}")


# AdaFactor


_factor_instance = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "m": st.integers(1, 4),
    "n": st.integers(1, 4),
    "B": log_uniform(1e-3, 1e3),
})


def _factor_case(inst: dict[str, Any], beta2: float = 0.9, T: int = 10) -> dict[str, Any]:
    rng = _rng(inst["seed"])
    m, n = inst["m"], inst["n"]
    row_scale, col_scale = 10.0 ** rng.uniform(-1, 1, size=m), 10.0 ** rng.uniform(-1, 1, size=n)
    history = row_scale[None, :, None] * col_scale[None, None, :] * rng.standard_normal((T, m, n))
    rows, cols = np.zeros(m), np.zeros(n)
    for G in history:
        rows = beta2 * rows + (1 - beta2) * np.sum(G**2, axis=1)
        cols = beta2 * cols + (1 - beta2) * np.sum(G**2, axis=0)
    Q0 = np.kron(np.diag(rows**-0.5), np.diag(cols**-0.5))
    return {"G": history[-1], "history": history, "rows": rows, "cols": cols, "Q0": Q0, "B": inst["B"],
            "beta2": beta2}


@claim(id="optopt.corollary19.global", title="Cor. 19 (AdaFactor): global optimum under the factored budget",
       source="Cor. 19 proof Step 1, eq. 140, line ~1219",
       statement="Q^C = √B R/‖R‖_{H_K}, P*(R) = √B‖R‖_{H_K}, with R[0] = GGᵀ and ‖Q‖²_{H_K} = Σ_n Tr(Q[n]ᵀQ[n]).",
       kind="optimality")
def corollary19_global(ctx: Context) -> None:
    r"""𝒬_K(B,r,c) as written is :math:`\{Q=\operatorname{diag}(\hat r)^{-1/2}\otimes\operatorname{diag}(\hat c)^{-1/2}:
    \|Q\|_{\mathcal H}^2\le B\}` — its elements are mn × mn, while the stated :math:`Q^C=\sqrt BGG^\top/\|GG^\top\|` is
    m × m. Verdict: whether :math:`Q^C` has the dimensions of an element of 𝒬_K (boolean) and, for the
    dimension-compatible variant :math:`R=\operatorname{vec}G\operatorname{vec}G^\top`, whether the stated
    :math:`Q^C` is of the form (scalar)·diag ⊗ diag (boolean). m, n ∈ 1..4, r̂, ĉ un-bias-corrected EMAs (β2 = 0.9).
    """
    def prop(inst: dict[str, Any]) -> None:
        case = _factor_case(inst)
        G, m, n = case["G"], inst["m"], inst["n"]
        QC, _ = cor.corollary10_global(G @ G.T, case["B"])
        ctx.compare(QC.shape == (m * n, m * n), True, label="Q^C has the dimensions of an element of 𝒬_K")
        v = G.ravel()
        QCv, _ = cor.corollary10_global(np.outer(v, v), case["B"])
        off = QCv - np.diag(np.diag(QCv))
        ctx.compare(bool(np.linalg.norm(off) <= 1e-12 * np.linalg.norm(QCv)), True,
                    label="vec variant: Q^C is diagonal (necessary for diag ⊗ diag)")

    ctx.search(prop, _factor_instance, label="cor19 global", max_examples=ctx.pick(200, 2000))


@claim(id="optopt.corollary19.commutativity", title="Cor. 19: eq. 141",
       source="Cor. 19 proof Step 2, eq. 141, line ~1224",
       statement="Π_{𝒬_K∩𝒞_memoryless}(Q^C) ∈ argmax_{Q∈𝒬_K∩𝒞_memoryless}⟨Q,R⟩_{H_K}.", kind="consistency")
def corollary19_commutativity(ctx: Context) -> None:
    r"""Dimension-compatible moment :math:`R=\operatorname{vec}G\operatorname{vec}G^\top`,
    :math:`Q^C=\sqrt BR/\|R\|_F`; ray :math:`\{\eta Q_0\}`, :math:`\eta_{\max}=\sqrt B/\|Q_0\|_F`; projection
    coefficient
    vs :math:`\eta_{\max}` (rel 1e-9)."""
    def prop(inst: dict[str, Any]) -> None:
        case = _factor_case(inst)
        v, Q0, B = case["G"].ravel(), case["Q0"], case["B"]
        QC, _ = cor.corollary10_global(np.outer(v, v), B)
        eta_max = math.sqrt(B) / float(np.linalg.norm(Q0))
        coef = float(np.clip(np.sum(QC * Q0) / np.sum(Q0 * Q0), 0.0, eta_max))
        ctx.compare(coef, eta_max, "==", 1e-9, label="projection coefficient vs restricted argmax")

    ctx.search(prop, _factor_instance, label="cor19 commutativity", max_examples=ctx.pick(200, 2000))


@claim(id="optopt.corollary19.recovery", title="Cor. 19: the restricted optimum is AdaFactor",
       source="Cor. 19 statement, line ~1203–1213",
       statement="the optimum over 𝒬_K ∩ 𝒞_memoryless is Q* = η*δ[0](diag(r̂)^{−1/2} ⊗ diag(ĉ)^{−1/2}); applied to "
                 "vec(G) it is the AdaFactor step θ̇_ij = η* G_ij/√(r̂_i ĉ_j).", kind="optimality")
def corollary19_recovery(ctx: Context) -> None:
    r"""Row-major vec. Value of the stated :math:`\eta^\star Q_0` vs the restricted optimum :math:`\eta_{\max}
    \langle Q_0,\operatorname{vec}G\operatorname{vec}G^\top\rangle` (rel 1e-10) and the direction of
    :math:`Q_0\operatorname{vec}G` vs the Shazeer–Stern step :math:`G/\sqrt{\hat V}`, :math:`\hat V=rc^\top/1^\top r`
    (same EMAs, no clipping / relative step; cosine, rel 1e-10)."""
    def prop(inst: dict[str, Any]) -> None:
        case = _factor_case(inst)
        v, Q0, B = case["G"].ravel(), case["Q0"], case["B"]
        eta_max = math.sqrt(B) / float(np.linalg.norm(Q0))
        power = float(v @ Q0 @ v)
        ctx.compare(cor.corollary19_lr(case["rows"], case["cols"], B) * power, eta_max * power, "==", EXACT,
                    label="value of stated Q* vs restricted optimum")
        reference = ref.adafactor(case["history"], 1.0, case["beta2"], eps=0.0).ravel()
        ctx.compare(_cosine(Q0 @ v, reference), 1.0, "==", EXACT, label="cos(Q0 vec G, AdaFactor step)")

    ctx.search(prop, _factor_instance, label="cor19 recovery", max_examples=ctx.pick(200, 2000))


@claim(id="optopt.corollary19.lr", title="Cor. 19: η* = √B/√(Σ_iΣ_j 1/(r̂_iĉ_j))",
       source="Cor. 19 eq. 139 (= eq. 144), line ~1211; proof eq. 142",
       statement="η* = √B / √(Σ_i Σ_j 1/(r̂_i ĉ_j)).", kind="optimality")
def corollary19_lr(ctx: Context) -> None:
    r"""Saturation :math:`\|\eta^\star Q_0\|_{\mathcal H}=\sqrt B` (rel 1e-10)."""
    def prop(inst: dict[str, Any]) -> None:
        case = _factor_case(inst)
        eta = cor.corollary19_lr(case["rows"], case["cols"], case["B"])
        ctx.compare(eta * float(np.linalg.norm(case["Q0"])), math.sqrt(case["B"]), "==", EXACT,
                    label="‖η* Q0‖_H vs √B")

    ctx.search(prop, _factor_instance, label="cor19 lr", max_examples=ctx.pick(200, 2000))


@claim(id="optopt.corollary19.beta2", title="Cor. 19: β2* from eq. 139",
       source="Cor. 19 eq. 139, line ~1211; proof eqs. 143–145, line ~1236–1246",
       statement="β2* = argmax_{0<β2<1} (Σ_{i,j} G_ij²/(r̂_i ĉ_j)) / √(Σ_i Σ_j 1/(r̂_i ĉ_j)) maximizes the "
                 "budget-normalized gain ⟨Q_η,R⟩/‖Q_η‖ of the corollary's family.", kind="optimality")
def corollary19_beta2(ctx: Context) -> None:
    r"""Matrix-gradient streams (m, n) ∈ {(4, 6), (16, 32)} with row/column scale structure, T = 200 (quick) / 1000;
    on the β2 grid the directly evaluated gain :math:`\langle Q_0,\operatorname{vec}G\operatorname{vec}G^\top\rangle/
    \|Q_0\|_{\mathcal H}=\sum G_{ij}^2(\hat r_i\hat c_j)^{-1/2}/(\sum(\hat r_i\hat c_j)^{-1})^{1/2}`
    at the argmax of the
    eq. 139 objective vs the maximum gain (rel 1e-10); whether the argmaxes agree is counted, the value ratio noted."""
    rng = _rng(ctx.seed)
    T = ctx.pick(200, 1000)
    ratios: list[float] = []
    for m, n in ((4, 6), (16, 32)):
        for _ in range(ctx.pick(2, 10)):
            row_scale, col_scale = 10.0 ** rng.uniform(-1, 1, size=m), 10.0 ** rng.uniform(-1, 1, size=n)
            history = row_scale[None, :, None] * col_scale[None, None, :] * rng.standard_normal((T, m, n))
            G = history[-1]
            stated, direct = [], []
            for beta2 in _BETA2_GRID:
                rows, cols = np.zeros(m), np.zeros(n)
                for step in history:
                    rows = beta2 * rows + (1 - beta2) * np.sum(step**2, axis=1)
                    cols = beta2 * cols + (1 - beta2) * np.sum(step**2, axis=0)
                weights = 1.0 / np.outer(rows, cols)
                stated.append(cor.corollary19_beta2_objective(G, rows, cols))
                # ⟨Q0, vec G vec Gᵀ⟩ = Σ G²/√(r̂ĉ), ‖Q0‖_H = (Σ 1/(r̂ĉ))^{1/2}
                direct.append(float(np.sum(G**2 * np.sqrt(weights))) / math.sqrt(float(np.sum(weights))))
            ctx.compare(direct[int(np.argmax(stated))], max(direct), "==", EXACT,
                        label=f"({m},{n}) gain at the stated β2* vs the maximum gain on the grid")
            ctx.event(f"({m},{n}) argmaxes {'agree' if np.argmax(direct) == np.argmax(stated) else 'differ'}")
            ratios.append(float(np.max(np.array(stated) / np.array(direct))))
    ctx.note("max over grid of (eq. 139 objective / direct gain), per stream", ratios)


# --------------------------------------------------------------------------- Cor. 20-22 (signSGD, Lion, LARS/LAMB)


@st.composite
def _sign_gradients(draw: st.DrawFn) -> dict[str, Any]:
    """g with mixed signs, magnitudes below and above 1, some exact zeros; τ log-uniform."""
    d = draw(st.integers(1, 8))
    magnitudes = [draw(st.one_of(st.just(0.0), log_uniform(1e-2, 1e2))) for _ in range(d)]
    signs = [draw(st.sampled_from([-1.0, 1.0])) for _ in range(d)]
    return {"g": np.array(magnitudes) * np.array(signs), "tau": draw(log_uniform(1e-3, 1e3))}


@claim(id="optopt.corollary20.global", title="Cor. 20 (signSGD): global optimum under the ℓ∞ budget",
       source="Cor. 20 proof Step 1, eq. 149, line ~1270",
       statement="Q^C[0] = τ diag(sign(g_j)), Q^C[n] = 0 for n > 0, P*(R) = τ‖g‖₁.", kind="optimality")
def corollary20_global(ctx: Context) -> None:
    r"""Program over eq. 146: :math:`q_j=\eta s_j`, :math:`\eta\max_j|s_j|\le\tau`, :math:`|s_j|\le1` ⇔
    :math:`|q_j|\le\tau`; objective :math:`\langle Q,gg^\top\rangle=\sum_jq_jg_j^2`, so the optimum is
    :math:`\tau\|g\|_2^2` at :math:`Q=\tau I` (explicit certificate; dual bound :math:`\sum\tau g_j^2`). Compared with
    the stated :math:`P^\star=\tau\|g\|_1` and with :math:`\langle Q^C,R\rangle` (rel 1e-10)."""
    def prop(case: dict[str, Any]) -> None:
        g, tau = case["g"], case["tau"]
        QC, P_stated = cor.corollary20_global(g, tau)
        optimum = tau * float(g @ g)
        ctx.compare(P_stated, optimum, "==", EXACT, scale=max(optimum, tau), label="stated P* vs τ‖g‖²")
        ctx.compare(float(g @ QC @ g), optimum, "==", EXACT, scale=max(optimum, tau), label="<Q^C,ggᵀ> vs optimum")

    ctx.search(prop, _sign_gradients(), label="cor20 global", max_examples=ctx.pick(200, 2000))


@claim(id="optopt.corollary20.commutativity", title="Cor. 20: eq. 150",
       source="Cor. 20 proof Step 2, eq. 150, line ~1275",
       statement="Π_{𝒬_∞(τ)∩𝒞_sign}(Q^C) ∈ argmax_{Q∈𝒬_∞(τ)∩𝒞_sign}⟨Q,R⟩_H.", kind="consistency")
def corollary20_commutativity(ctx: Context) -> None:
    r"""Cone :math:`\{\eta\operatorname{diag}(\operatorname{sign}g)\}`, segment :math:`0\le\eta\le\tau`; the stated
    :math:`Q^C` lies on it (η = τ) so its projection is itself. Its value :math:`\tau\sum_j\operatorname{sign}(g_j)
    g_j^2` vs the restricted maximum :math:`\tau\max(0,\sum_j\operatorname{sign}(g_j)g_j^2)` (rel 1e-10, scale
    τ‖g‖²)."""
    def prop(case: dict[str, Any]) -> None:
        g, tau = case["g"], case["tau"]
        U = np.diag(np.sign(g))
        ctx.assume(np.any(g != 0))
        QC, _ = cor.corollary20_global(g, tau)
        coef = float(np.clip(np.sum(QC * U) / np.sum(U * U), 0.0, tau))
        signed = float(g @ U @ g)
        ctx.compare(coef * signed, tau * max(signed, 0.0), "==", EXACT, scale=tau * float(g @ g),
                    label="value of Π(Q^C) vs restricted maximum")

    ctx.search(prop, _sign_gradients(), label="cor20 commutativity", max_examples=ctx.pick(200, 2000))


@claim(id="optopt.corollary20.recovery", title="Cor. 20: the restricted optimum is signSGD, θ̇ = τ sign(g)",
       source="Cor. 20 statement, eq. 148, line ~1263; proof Step 4",
       statement="solving P3 under 𝒬_∞(τ) ∩ 𝒞_sign produces signSGD: Q* = τδ diag(sign g_j) and θ̇ = Q*g = τ sign(g).",
       kind="consistency")
def corollary20_recovery(ctx: Context) -> None:
    r""":math:`Q^\star g=\tau\operatorname{diag}(\operatorname{sign}g)g=\tau|g|` against the signSGD reference
    :math:`\tau\operatorname{sign}(g)` (norm of the difference vs 0, scale :math:`\tau\sqrt d`, abs 1e-12·scale).
    :math:`\lambda_{\min}(Q^\star)` is recorded (P3 needs Q ⪰ 0)."""
    lam_min: list[float] = []

    def prop(case: dict[str, Any]) -> None:
        g, tau = case["g"], case["tau"]
        Q = tau * np.diag(np.sign(g))
        lam_min.append(float(np.min(np.diag(Q))) / tau)
        scale = tau * math.sqrt(g.size)
        ctx.compare(float(np.linalg.norm(Q @ g - ref.sign_sgd(g, tau))), 0.0, "<=", 0.0, 1e-12 * scale, scale=scale,
                    label="‖Q*g − τ sign g‖")

    ctx.search(prop, _sign_gradients(), label="cor20 recovery", max_examples=ctx.pick(200, 2000))
    ctx.note("min λ_min(Q*)/τ over examples", min(lam_min) if lam_min else None)


@claim(id="optopt.corollary20.lr", title="Cor. 20: η* = τ", source="Cor. 20 eq. 148/153, line ~1263, ~1292",
       statement="within 𝒬_∞(τ) ∩ 𝒞_sign the optimal scale is η* = τ.", kind="optimality")
def corollary20_lr(ctx: Context) -> None:
    r"""Objective :math:`\eta\sum_j\operatorname{sign}(g_j)g_j^2` on :math:`\eta\in[0,\tau]` (linear: maximum at an
    end point); value at η = τ vs the maximum (rel 1e-10, scale τ‖g‖²)."""
    def prop(case: dict[str, Any]) -> None:
        g, tau = case["g"], case["tau"]
        ctx.assume(np.any(g != 0))
        signed = float(g @ np.diag(np.sign(g)) @ g)
        ctx.compare(tau * signed, max(0.0, tau * signed), "==", EXACT, scale=tau * float(g @ g),
                    label="value at η = τ vs max over [0, τ]")

    ctx.search(prop, _sign_gradients(), label="cor20 lr", max_examples=ctx.pick(200, 2000))


# Lion


_lion_instance = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "d": st.integers(1, 6),
    "lags": st.integers(0, 10),
    "family": st.sampled_from(["ar1", "ma1", "empirical"]),
    "tau": log_uniform(1e-3, 1e3),
})

_BETA1_GRID = np.concatenate([[1e-6], np.linspace(0.0005, 0.9995, 2000), [1 - 1e-6]])


def _lion_case(inst: dict[str, Any]) -> dict[str, Any]:
    """Lag diagonals r (K+1, d) from L-AR1 (a of both signs), L-MA1 or L-EMP, and a random sign pattern of m."""
    rng = _rng(inst["seed"])
    d, K = inst["d"], inst["lags"]
    lags = np.arange(K + 1)[:, None]
    if inst["family"] == "ar1":
        a = rng.uniform(-0.95, 0.95, size=d)
        r = 10.0 ** rng.uniform(-1, 1, size=d) * a**lags
    elif inst["family"] == "ma1":
        b = rng.uniform(-0.9, 0.9, size=d)
        r = np.zeros((K + 1, d))
        r[0] = 1 + b**2
        if K >= 1:
            r[1] = b
    else:
        a = rng.uniform(-0.9, 0.9, size=d)
        T = 400
        x = np.zeros((T, d))
        noise = rng.standard_normal((T, d))
        for t in range(1, T):
            x[t] = a * x[t - 1] + noise[t]
        r = np.array([np.mean(x[k:] * x[: T - k], axis=0) for k in range(K + 1)])
    signs = rng.choice([-1.0, 1.0], size=d)
    return {"r": r, "signs": signs, "tau": inst["tau"]}


@claim(id="optopt.corollary21.global", title="Cor. 21 (Lion): global optimum, norm of eq. 159",
       source="Cor. 21 proof Step 1, eq. 157, line ~1315; norm from eq. 159, line ~1327",
       statement="over {diagonal Q : max_j Σ_n |q_j[n]| ≤ τ}: Q^C[n] = τ diag(sign(R_jj[n])), P*(R) = τ Σ_n Σ_j "
                 "|R_jj[n]|.", kind="optimality")
def corollary21_global(ctx: Context) -> None:
    r"""Per coordinate an ℓ1 ball over lags, whose support function is the ℓ∞ norm:

    .. math:: P^\star = \tau\sum_j\max_n|R_{jj}[n]|

    (explicit maximizer: all mass on the largest lag). Compared with the stated :math:`\tau\sum_{n,j}|R_{jj}[n]|`
    (rel 1e-10); feasibility of the stated :math:`Q^C` (max_j Σ_n|q| ≤ τ). K ∈ 0..10, L-AR1/L-MA1/L-EMP. The HiGHS LP
    (cvxpy) is run on a few instances as a second solver."""
    def prop(inst: dict[str, Any]) -> None:
        case = _lion_case(inst)
        r, tau = case["r"], case["tau"]
        QC, P_stated = cor.corollary21_global(r, tau)
        optimum = tau * float(np.sum(np.max(np.abs(r), axis=0)))
        ctx.compare(P_stated, optimum, "==", EXACT, label="stated P* vs τΣ_j max_n|R_jj[n]|")
        ctx.compare(float(np.max(np.sum(np.abs(QC), axis=0))), tau, "<=", 1e-12, label="Q^C within budget")

    ctx.search(prop, _lion_instance, label="cor21 global", max_examples=ctx.pick(200, 2000))
    rng = _rng(ctx.seed)
    agreement = []
    for _ in range(ctx.pick(3, 20)):
        case = _lion_case({"seed": int(rng.integers(2**32)), "d": 3, "lags": 5, "family": "ar1", "tau": 1.0})
        q = cp.Variable(case["r"].shape)
        prob = cp.Problem(cp.Maximize(cp.sum(cp.multiply(case["r"], q))), [cp.sum(cp.abs(q), axis=0) <= 1.0])
        stated = float(np.sum(np.max(np.abs(case["r"]), axis=0)))
        agreement.append(solve_to_optimality(prob, "HIGHS", "entrywise LP") / stated)
    ctx.note("HiGHS LP value / τΣ_j max_n|R_jj[n]| (K = 5)", agreement)


@claim(id="optopt.corollary21.global-entrywise", title="Cor. 21: global optimum, entrywise reading |q_j[n]| ≤ τ",
       source="Cor. 21 proof Step 1 text and eq. 157, line ~1312–1315",
       statement="over {diagonal Q : |q_j[n]| ≤ τ ∀ j, n} (truncated at K lags): Q^C[n] = τ diag(sign(R_jj[n])), "
                 "P*(R) = τ Σ_n Σ_j |R_jj[n]|.", kind="optimality")
def corollary21_global_entrywise(ctx: Context) -> None:
    r"""Box :math:`|q_j[n]|\le\tau`: the LP separates, optimum :math:`\tau\sum|R_{jj}[n]|` at
    :math:`\tau\operatorname{sign}R`. Stated P* and :math:`\langle Q^C,R\rangle` vs it (rel 1e-10); feasibility.
    As K grows the feasible set grows and P* is the partial sum of :math:`\sum_n|R_{jj}[n]|` (noted)."""
    def prop(inst: dict[str, Any]) -> None:
        case = _lion_case(inst)
        r, tau = case["r"], case["tau"]
        QC, P_stated = cor.corollary21_global(r, tau)
        optimum = tau * float(np.sum(np.abs(r)))
        ctx.compare(P_stated, optimum, "==", EXACT, label="stated P* vs box optimum")
        ctx.compare(float(np.sum(QC * r)), optimum, "==", EXACT, label="<Q^C,R> vs box optimum")
        ctx.compare(float(np.max(np.abs(QC))), tau, "<=", 1e-12, label="Q^C within box")

    ctx.search(prop, _lion_instance, label="cor21 global entrywise", max_examples=ctx.pick(200, 2000))


def _lion_gain(r: np.ndarray, signs: np.ndarray, betas: np.ndarray) -> np.ndarray:
    r"""Per unit η: :math:`(1-\beta)\sum_n\beta^n\sum_js_jR_{jj}[n]` (truncated lags)."""
    curve = r @ signs
    return (1 - betas) * sum(value * betas**n for n, value in enumerate(curve))


@claim(id="optopt.corollary21.commutativity", title="Cor. 21: eq. 158",
       source="Cor. 21 proof Step 2, eq. 158, line ~1320",
       statement="Π_{𝒬_∞(τ)∩𝒞_Lion}(Q^C) ∈ argmax_{Q∈𝒬_∞(τ)∩𝒞_Lion}⟨Q,R⟩_H.", kind="consistency")
def corollary21_commutativity(ctx: Context) -> None:
    r"""Cone elements (truncated at K) :math:`q_j[n]=\eta(1-\beta)\beta^ns_j`, :math:`s=\operatorname{sign}m` a random
    pattern, :math:`0\le\eta\le\tau` (eq. 159 norm = η). Projection of :math:`Q^C=\tau\operatorname{sign}R`: for each
    β on a 2002-point grid the best η is the clipped least-squares coefficient; the β with the smallest distance is
    kept. Its value :math:`\langle\Pi,R\rangle` vs the restricted maximum (same grid); relation ``==`` with rel 1e-3
    (grid resolution), scale :math:`\tau\sum|R|`."""
    def prop(inst: dict[str, Any]) -> None:
        case = _lion_case(inst)
        r, s, tau = case["r"], case["signs"], case["tau"]
        QC, _ = cor.corollary21_global(r, tau)
        K = r.shape[0] - 1
        w = (1 - _BETA1_GRID[:, None]) * _BETA1_GRID[:, None] ** np.arange(K + 1)[None, :]  # (grid, K+1)
        inner = w @ (QC @ s)  # ⟨w⊗s, Q^C⟩
        norm2 = np.sum(w**2, axis=1) * s.size  # ⟨w⊗s, w⊗s⟩
        eta = np.clip(inner / norm2, 0.0, tau)
        dist = eta**2 * norm2 - 2 * eta * inner
        j = int(np.argmin(dist))
        best = (float(dist[j]), float(eta[j] * (w[j] @ (r @ s))))
        maximum = tau * max(0.0, float(np.max(_lion_gain(r, s, _BETA1_GRID))))
        ctx.compare(best[1], maximum, "==", 1e-3, scale=tau * float(np.sum(np.abs(r))),
                    label="value of Π(Q^C) vs restricted maximum")

    ctx.search(prop, _lion_instance, label="cor21 commutativity", max_examples=ctx.pick(60, 500))


@claim(id="optopt.corollary21.recovery", title="Cor. 21: the restricted optimum is Lion, θ̇ = η sign(m)",
       source="Cor. 21 statement, line ~1299–1310; proof Step 5",
       statement="solving P3 under 𝒬_∞(τ) ∩ 𝒞_Lion produces the Lion optimizer; the element Q_{η,β1} applied to the "
                 "gradient history gives θ̇ = η sign(m).", kind="consistency")
def corollary21_recovery(ctx: Context) -> None:
    r"""Filter output :math:`\sum_n\eta(1-\beta_1)\beta_1^n\operatorname{diag}(\operatorname{sign}m)g[t-n] =
    \eta\operatorname{sign}(m)\odot m = \eta|m|` with :math:`m=(1-\beta_1)\sum_n\beta_1^ng[t-n]` (history of T = 50
    steps), against :math:`\eta\operatorname{sign}(m)` (norm of the difference vs 0, scale :math:`\eta\sqrt d`). The
    cosine with the Chen et al. Lion step is noted."""
    cosines: list[float] = []

    def prop(inst: dict[str, Any]) -> None:
        rng = _rng(inst["seed"])
        d, eta = inst["d"], inst["tau"]
        beta1 = float(rng.uniform(0.05, 0.99))
        history = _gradient_stream(rng, 50, d)
        weights = (1 - beta1) * beta1 ** np.arange(50)
        m = weights @ history[::-1]
        output = eta * np.sign(m) * m
        scale = eta * math.sqrt(d)
        ctx.compare(float(np.linalg.norm(output - eta * np.sign(m))), 0.0, "<=", 0.0, 1e-12 * scale, scale=scale,
                    label="‖filter output − η sign(m)‖")
        cosines.append(_cosine(eta * np.sign(m), ref.lion(history, eta, beta1, 0.99)))

    ctx.search(prop, _lion_instance, label="cor21 recovery", max_examples=ctx.pick(200, 2000))
    if cosines:
        ctx.note("cos(η sign m, Chen et al. Lion step) min/max", [min(cosines), max(cosines)])


@claim(id="optopt.corollary21.momentum", title="Cor. 21: β1* from eq. 156",
       source="Cor. 21 eq. 156, line ~1306; proof eqs. 159–162, line ~1327–1343",
       statement="β1* = argmax_{0<β1<1} Σ_{n≥0} β1ⁿ Σ_j |Tr(R_j[n])| is the optimal β1 over 𝒬_∞(τ) ∩ 𝒞_Lion (i.e. "
                 "maximizes the gain ⟨Q_{η,β1},R⟩_H/‖Q_{η,β1}‖_{H,∞}).", kind="optimality")
def corollary21_momentum(ctx: Context) -> None:
    r"""On the β grid (2002 points in (0,1)): direct gain :math:`(1-\beta)\sum_n\beta^n\sum_js_jR_{jj}[n]` (eq. 159
    norm = η) at the stated argmax of :math:`\sum_n\beta^n\sum_j|R_{jj}[n]|`, clipped at 0 (η = 0 is optimal when
    the gain is negative), vs the clipped maximum gain on the grid (rel 1e-9, scale Σ|R|)."""
    def prop(inst: dict[str, Any]) -> None:
        case = _lion_case(inst)
        r, s = case["r"], case["signs"]
        gain = _lion_gain(r, s, _BETA1_GRID)
        stated = cor.corollary21_beta1_objective(r, _BETA1_GRID)
        # restricted optimum over (η, β1): τ·max(0, gain); η = 0 whenever every gain is negative
        ctx.compare(max(0.0, float(gain[int(np.argmax(stated))])), max(0.0, float(np.max(gain))), "==", 1e-9,
                    scale=float(np.sum(np.abs(r))), label="optimal value at stated β1* vs restricted optimum (τ = 1)")

    ctx.search(prop, _lion_instance, label="cor21 momentum", max_examples=ctx.pick(200, 2000))


@claim(id="optopt.corollary21.lr", title="Cor. 21: η* = τ", source="Cor. 21 eq. 156/161, line ~1306, ~1336",
       statement="η* = τ for every β1.", kind="optimality")
def corollary21_lr(ctx: Context) -> None:
    r"""Objective :math:`\eta(1-\beta_1)\sum_n\beta_1^n\sum_js_jR_{jj}[n]` on :math:`\eta\in[0,\tau]` (linear in η);
    value at η = τ vs the maximum, for random β1 and sign patterns (incl. anti-aligned), rel 1e-10, scale τΣ|R|."""
    def prop(inst: dict[str, Any]) -> None:
        case = _lion_case(inst)
        r, s, tau = case["r"], case["signs"], case["tau"]
        beta = float(_rng(inst["seed"] + 1).uniform(0.01, 0.99))
        value = tau * float(_lion_gain(r, s, np.array([beta]))[0])
        ctx.compare(value, max(0.0, value), "==", EXACT, scale=tau * float(np.sum(np.abs(r))),
                    label="value at η = τ vs max over [0, τ]")

    ctx.search(prop, _lion_instance, label="cor21 lr", max_examples=ctx.pick(200, 2000))


# LARS / LAMB


_layer_instance = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "layers": st.integers(1, 5),
    "lags": st.integers(0, 5),
    "norms": st.sampled_from(["spread", "equal", "unit"]),
    "B": log_uniform(1e-3, 1e3),
})


def _layer_case(inst: dict[str, Any]) -> dict[str, Any]:
    r"""Layer sizes d_ℓ ∈ 1..4, ‖θ_ℓ‖ over 2 decades (or equal, or 1), lag blocks R_ℓ[n] and per-layer AR(1) traces
    :math:`S_\ell[n]=d_\ell s_\ell^2a_\ell^n`."""
    rng = _rng(inst["seed"])
    L, K = inst["layers"], inst["lags"]
    sizes = [int(x) for x in rng.integers(1, 5, size=L)]
    if inst["norms"] == "spread":
        theta = 10.0 ** rng.uniform(-1, 1, size=L)
    elif inst["norms"] == "equal":
        theta = np.full(L, 10.0 ** rng.uniform(-1, 1))
    else:
        theta = np.ones(L)
    blocks = [rng.standard_normal((K + 1, n, n)) for n in sizes]
    a = rng.uniform(-0.9, 0.95, size=L)
    s2 = 10.0 ** rng.uniform(-1, 1, size=L)
    traces = np.array(sizes)[None, :] * s2[None, :] * a[None, :] ** np.arange(K + 1)[:, None]  # (K+1, L)
    return {"sizes": sizes, "theta": theta, "blocks": blocks, "traces": traces, "B": inst["B"]}


@claim(id="optopt.corollary22.global", title="Cor. 22 (LARS/LAMB): global optimum under the layer-weighted budget",
       source="Cor. 22 proof Step 1, eq. 166, line ~1369",
       statement="Q^C = √B R/‖R‖_{H_layer}, P*(R) = √B‖R‖_{H_layer}, ‖R‖²_{H_layer} = Σ_ℓ ‖θ_ℓ‖² ‖R_ℓ‖²_H.",
       kind="optimality")
def corollary22_global(ctx: Context) -> None:
    r"""Budget :math:`\sum_\ell\|\theta_\ell\|^2\|Q_\ell\|_{\mathcal H}^2\le B` (block-diagonal Q, lags 0..K). With
    :math:`Y_\ell=\|\theta_\ell\|Q_\ell`, Cauchy–Schwarz gives

    .. math:: P^\star=\sqrt B\Big(\sum_\ell\|R_\ell\|_{\mathcal H}^2/\|\theta_\ell\|^2\Big)^{1/2}.

    Stated P* and :math:`\langle Q^C,R\rangle` vs it (rel 1e-10); feasibility of :math:`Q^C`; Clarabel (feasible
    point) on a few instances (rel 1e-4). ‖θ_ℓ‖ spread over 2 decades, equal, or 1 (control)."""
    def prop(inst: dict[str, Any]) -> None:
        case = _layer_case(inst)
        theta, blocks, B = case["theta"], case["blocks"], case["B"]
        N = cor.corollary22_h_layer_norm(blocks, theta)
        P_stated = math.sqrt(B) * N
        h2 = sum(float(np.sum(R**2)) for R in blocks)
        optimum = math.sqrt(B) * math.sqrt(sum(float(np.sum(R**2)) / t**2 for R, t in zip(blocks, theta, strict=True)))
        ctx.compare(P_stated, optimum, "==", EXACT, label="stated P* vs optimum")
        ctx.compare(math.sqrt(B) * h2 / N, optimum, "==", EXACT, label="<Q^C,R> vs optimum")
        budget = sum(t**2 * float(np.sum((math.sqrt(B) * R / N) ** 2)) for R, t in zip(blocks, theta, strict=True))
        ctx.compare(budget, B, "<=", 1e-9, label="Q^C within budget")

    ctx.search(prop, _layer_instance, label="cor22 global", max_examples=ctx.pick(200, 2000))

    def prop_cvx(inst: dict[str, Any]) -> None:
        case = _layer_case({**inst, "layers": min(inst["layers"], 3), "lags": min(inst["lags"], 2)})
        theta, blocks, B = case["theta"], case["blocks"], case["B"]
        variables = [cp.Variable(R.shape[0] * R.shape[1] * R.shape[2]) for R in blocks]
        objective = sum(v @ R.ravel() for v, R in zip(variables, blocks, strict=True))
        tmax = float(np.max(theta))
        budget = sum((t / tmax) ** 2 * cp.sum_squares(v) for v, t in zip(variables, theta, strict=True))
        prob = cp.Problem(cp.Maximize(objective), [budget <= 1.0])
        solve_to_optimality(prob, "CLARABEL", "layer-wise budget program")
        points = [np.array(v.value) * math.sqrt(B) / tmax for v in variables]
        used = sum(t**2 * float(np.sum(p**2)) for p, t in zip(points, theta, strict=True))
        points = [p * min(1.0, math.sqrt(B / used)) for p in points]
        value = sum(float(p @ R.ravel()) for p, R in zip(points, blocks, strict=True))
        ctx.compare(math.sqrt(B) * cor.corollary22_h_layer_norm(blocks, theta), value, "==", CVX_OBJ,
                    label="stated P* vs Clarabel (feasible point)")

    ctx.search(prop_cvx, _layer_instance, label="cor22 global vs cvxpy", max_examples=ctx.pick(12, 100))


def _layer_cone_optimum(traces: np.ndarray, theta: np.ndarray, sizes: list[int], B: float,
                        beta: float) -> tuple[float, np.ndarray]:
    r"""For fixed β: :math:`\max\sum_\ell c_\ell\tilde S_\ell` s.t.
    :math:`W\sum_\ell\|\theta_\ell\|^2d_\ell c_\ell^2\le B`, :math:`c\ge0`
    (:math:`c_\ell=\eta\alpha_\ell`, :math:`\tilde S_\ell=\sum_nw_nS_\ell[n]`, :math:`w_n=(1-\beta)\beta^n`,
    :math:`W=\sum_nw_n^2`): :math:`c_\ell\propto\max(\tilde S_\ell,0)/(\|\theta_\ell\|^2d_\ell)`."""
    K = traces.shape[0] - 1
    w = (1 - beta) * beta ** np.arange(K + 1)
    S = w @ traces
    W = float(w @ w)
    weight = theta**2 * np.asarray(sizes, float) * W
    positive = np.clip(S, 0.0, None)
    norm = math.sqrt(float(np.sum(positive**2 / weight)))
    if norm == 0:
        return 0.0, np.zeros_like(S)
    c = math.sqrt(B) * positive / weight / norm
    return float(c @ S), c


@claim(id="optopt.corollary22.commutativity", title="Cor. 22: eq. 167",
       source="Cor. 22 proof Step 2, eq. 167, line ~1376",
       statement="Π_{𝒬_layer∩𝒞_layer}(Q^C) ∈ argmax_{Q∈𝒬_layer∩𝒞_layer}⟨Q,R⟩_{H_layer}.", kind="consistency")
def corollary22_commutativity(ctx: Context) -> None:
    r"""Lags truncated at K; cone elements :math:`Q_\ell[n]=c_\ell w_n(\beta)I`, :math:`c_\ell=\eta\alpha_\ell\ge0`.
    Projection of the stated :math:`Q^C=\sqrt BR/\|R\|_{\mathcal H_{layer}}` in the H metric: for each β on a
    100 / 400-point grid, minimize :math:`\sum_\ell(d_\ell Wc_\ell^2-2c_\ell b_\ell)`
    (:math:`b_\ell=\sum_nw_n\operatorname{Tr}Q^C_\ell[n]`)
    s.t. the budget, by bisection on the multiplier (:math:`c_\ell=\max(b_\ell,0)/(d_\ell W(1+\mu
    \|\theta_\ell\|^2))`); the β with the smallest distance is kept. Its power vs the restricted maximum over the same
    grid (:func:`_layer_cone_optimum`), rel 1e-3 (grid)."""
    grid = np.linspace(0.005, 0.995, ctx.pick(100, 400))

    def prop(inst: dict[str, Any]) -> None:
        case = _layer_case(inst)
        theta, blocks, B, sizes = case["theta"], case["blocks"], case["B"], case["sizes"]
        K = blocks[0].shape[0] - 1
        N = cor.corollary22_h_layer_norm(blocks, theta)
        qc_traces = np.array([[math.sqrt(B) * float(np.trace(R[n])) / N for R in blocks] for n in range(K + 1)])
        true_traces = np.array([[float(np.trace(R[n])) for R in blocks] for n in range(K + 1)])
        d = np.asarray(sizes, float)
        best = (math.inf, 0.0)
        for beta in grid:
            w = (1 - beta) * beta ** np.arange(K + 1)
            W = float(w @ w)
            b = np.clip(w @ qc_traces, 0.0, None)

            def coefficients(mu: float, b: np.ndarray = b, W: float = W) -> np.ndarray:
                return b / (d * W * (1 + mu * theta**2))

            def used(mu: float, W: float = W) -> float:
                return float(W * np.sum(theta**2 * d * coefficients(mu) ** 2))

            lo, hi = 0.0, 1.0
            if used(0.0) > B:
                while used(hi) > B:
                    hi *= 2.0
                for _ in range(80):
                    mid = 0.5 * (lo + hi)
                    lo, hi = (mid, hi) if used(mid) > B else (lo, mid)
                c = coefficients(hi)
            else:
                c = coefficients(0.0)
            dist = float(np.sum(d * W * c**2 - 2 * c * (w @ qc_traces)))
            if dist < best[0]:
                best = (dist, float(c @ (w @ true_traces)))
        maximum = max(_layer_cone_optimum(true_traces, theta, sizes, B, beta)[0] for beta in grid)
        ctx.compare(best[1], maximum, "==", 1e-3, scale=max(abs(maximum), 1e-300),
                    label="power of Π(Q^C) vs restricted maximum")

    ctx.search(prop, _layer_instance, label="cor22 commutativity", max_examples=ctx.pick(30, 300))


@claim(id="optopt.corollary22.recovery", title="Cor. 22: the restricted optimum is LARS/LAMB",
       source="Cor. 22 statement, line ~1351–1365; proof Step 5",
       statement="optimizing P3 over 𝒬_layer ∩ 𝒞_layer \"yields LARS/LAMB optimizer\": the layer-ℓ update is θ̇_ℓ = "
                 "η*(1−β1*)Σ_n β1*ⁿ α*_ℓ g_ℓ[t−n] = η* α*_ℓ m_ℓ with α*_ℓ = 1/‖θ_ℓ‖.", kind="consistency")
def corollary22_recovery(ctx: Context) -> None:
    r"""Per-layer step norms of the stated update :math:`\eta\|m_\ell\|/\|\theta_\ell\|` and of the references LARS
    (:math:`\eta\|\theta_\ell\|/\|g_\ell\|\,g_\ell`) and LAMB (:math:`\eta\|\theta_\ell\|/\|r_\ell\|\,r_\ell`) over 12
    layers with ‖θ_ℓ‖ and ‖g_ℓ‖ spread over 2 decades (m = g, r = g: instantaneous); log-log regression of the step
    norm on (log‖θ_ℓ‖, log‖g_ℓ‖): exponents compared (rel 1e-6, scale 1)."""
    def prop(inst: dict[str, Any]) -> None:
        rng = _rng(inst["seed"])
        L = 12
        theta = [rng.standard_normal(4) * 10.0 ** rng.uniform(-1, 1) for _ in range(L)]
        grads = [rng.standard_normal(4) * 10.0 ** rng.uniform(-1, 1) for _ in range(L)]
        tn = np.array([np.linalg.norm(t) for t in theta])
        gn = np.array([np.linalg.norm(g) for g in grads])
        stated = np.array([np.linalg.norm(g) / t for g, t in zip(grads, tn, strict=True)])
        lars = np.array([np.linalg.norm(x) for x in ref.lars(grads, theta, 1.0)])
        lamb = np.array([np.linalg.norm(x) for x in ref.lamb(grads, theta, 1.0)])
        X = np.column_stack([np.ones(L), np.log(tn), np.log(gn)])
        exp_stated = np.linalg.lstsq(X, np.log(stated), rcond=None)[0]
        for name, steps in (("LARS", lars), ("LAMB", lamb)):
            exp_ref = np.linalg.lstsq(X, np.log(steps), rcond=None)[0]
            ctx.compare(exp_stated[1], exp_ref[1], "==", 1e-6, scale=1.0, label=f"‖θ‖ exponent vs {name}")
            ctx.compare(exp_stated[2], exp_ref[2], "==", 1e-6, scale=1.0, label=f"‖g‖ exponent vs {name}")

    ctx.search(prop, _layer_instance, label="cor22 recovery", max_examples=ctx.pick(50, 500))


@claim(id="optopt.corollary22.momentum", title="Cor. 22: β1* (eq. 165/173) with α_ℓ = 1/‖θ_ℓ‖",
       source="Cor. 22 eq. 165, line ~1361; proof eqs. 168–173",
       statement="with α_ℓ = 1/‖θ_ℓ‖ (proof Step 3), β1* = argmax_{0<β1<1} √(1−β1²) Σ_n β1ⁿ Σ_ℓ S_ℓ[n]/‖θ_ℓ‖₂ "
                 "maximizes the gain over the remaining parameters (η, β1).", kind="optimality")
def corollary22_momentum(ctx: Context) -> None:
    r"""Brute force over (η, β1): for each β1 on the grid (400 / 2000 points in [0.0025, 0.9975]) the best η saturates
    the budget (:math:`\sum_n\beta^{2n}=1/(1-\beta^2)`); AR(1) traces truncated at 200 / 400 lags in both objectives;
    the power at the stated argmax vs the
    maximum power (both clipped at 0: η = 0 if negative), rel 1e-9."""
    grid = np.linspace(0.0025, 0.9975, ctx.pick(400, 2000))
    lags = ctx.pick(200, 400)

    def prop(inst: dict[str, Any]) -> None:
        case = _layer_case({**inst, "lags": lags})
        theta, traces, sizes, B = case["theta"], case["traces"], case["sizes"], case["B"]
        alpha = cor.corollary22_alpha(theta)
        norm2 = (1 - grid) ** 2 / (1 - grid**2) * float(np.sum(theta**2 * np.asarray(sizes) * alpha**2))
        eta = math.sqrt(B) / np.sqrt(norm2)
        curve = traces @ alpha
        powers = eta * (1 - grid) * sum(v * grid**n for n, v in enumerate(curve))
        stated = cor.corollary22_beta1_objective(traces, theta, grid)
        scale = float(np.max(np.abs(powers)))
        ctx.compare(max(0.0, float(powers[int(np.argmax(stated))])), max(0.0, float(np.max(powers))), "==", 1e-9,
                    scale=scale if scale > 0 else 1.0, label="power at stated β1* vs brute-force maximum")

    ctx.search(prop, _layer_instance, label="cor22 momentum", max_examples=ctx.pick(100, 1000))


@claim(id="optopt.corollary22.lr", title="Cor. 22: η* (eq. 165/172) with α_ℓ = 1/‖θ_ℓ‖",
       source="Cor. 22 eq. 165, line ~1361; proof eq. 172, line ~1398",
       statement="η* = √(B(1 − β1*²)) / (√(Σ_ℓ d_ℓ/‖θ_ℓ‖²₂) (1 − β1*)), saturating the budget (eq. 169).",
       kind="identity")
def corollary22_lr(ctx: Context) -> None:
    r"""Budget norm of the stated :math:`Q_\ell[n]=\eta^\star(1-\beta)\beta^n\alpha_\ell I_{d_\ell}`:

    .. math:: \sum_\ell\|\theta_\ell\|^2d_\ell\alpha_\ell^2\eta^{\star2}(1-\beta)^2/(1-\beta^2)

    vs B (rel 1e-10), β on a grid, random layer sizes and norms."""
    def prop(inst: dict[str, Any]) -> None:
        case = _layer_case(inst)
        theta, sizes, B = case["theta"], case["sizes"], case["B"]
        beta = float(_rng(inst["seed"] + 1).uniform(0.001, 0.999))
        eta = cor.corollary22_lr(B, beta, sizes, theta)
        alpha = cor.corollary22_alpha(theta)
        used = float(np.sum(theta**2 * np.asarray(sizes) * alpha**2)) * eta**2 * (1 - beta) ** 2 / (1 - beta**2)
        ctx.compare(used, B, "==", EXACT, label="budget used by the stated Q* vs B")

    ctx.search(prop, _layer_instance, label="cor22 lr", max_examples=ctx.pick(200, 2000))


@claim(id="optopt.corollary22.alpha", title="Cor. 22: α_ℓ* = 1/‖θ_ℓ‖",
       source="Cor. 22 statement after eq. 165, line ~1363",
       statement="over 𝒞_layer (α_ℓ > 0 free), the optimal layer-wise scaling is α_ℓ* ∝ 1/‖θ_ℓ‖₂ (α and η are "
                 "jointly determined up to a common factor; compare directions of the vector (α_ℓ)_ℓ).",
       kind="optimality")
def corollary22_alpha(ctx: Context) -> None:
    r"""For fixed β the inner maximization over :math:`c=\eta\alpha` is the Cauchy–Schwarz problem of
    :func:`_layer_cone_optimum`: :math:`c_\ell\propto\tilde S_\ell/(\|\theta_\ell\|^2d_\ell)`. Compared: the power of
    the stated direction :math:`(1/\|\theta_\ell\|)_\ell` (optimally scaled) vs the optimal power, at the β maximizing
    each (grid), rel 1e-9; the cosine between the directions is noted. L ∈ 1..5, S_ℓ from per-layer AR(1)."""
    grid = np.linspace(0.005, 0.995, 199)
    cosines: list[float] = []

    def prop(inst: dict[str, Any]) -> None:
        case = _layer_case(inst)
        theta, traces, sizes, B = case["theta"], case["traces"], case["sizes"], case["B"]
        ctx.assume(float(np.max(traces[0])) > 0)
        alpha = cor.corollary22_alpha(theta)
        best_opt, best_stated, best_c = -math.inf, -math.inf, None
        for beta in grid:
            value, c = _layer_cone_optimum(traces, theta, sizes, B, beta)
            K = traces.shape[0] - 1
            w = (1 - beta) * beta ** np.arange(K + 1)
            W = float(w @ w)
            eta = math.sqrt(B / (W * float(np.sum(theta**2 * np.asarray(sizes) * alpha**2))))
            stated = max(0.0, eta * float(alpha @ (w @ traces)))
            if value > best_opt:
                best_opt, best_c = value, c
            best_stated = max(best_stated, stated)
        if best_c is not None and np.any(best_c > 0):
            cosines.append(_cosine(best_c, alpha))
        ctx.compare(best_stated, best_opt, "==", 1e-9, label="power with α = 1/‖θ‖ vs optimal α")

    ctx.search(prop, _layer_instance, label="cor22 alpha", max_examples=ctx.pick(100, 1000))
    if cosines:
        ctx.note("cos(optimal α, 1/‖θ‖) min/max", [min(cosines), max(cosines)])
