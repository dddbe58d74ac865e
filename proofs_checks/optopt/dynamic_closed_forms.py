r"""Corollary 9 — closed forms for the dynamic budgets (App. A.2, proof B.9).

Each claim compares the paper's closed form (``solve(budget, R, "closed-form")`` of
:mod:`theorylab.budgets.dynamic`, the formula exactly as stated) with the cvxpy optimum of the same program
(``method="cvxpy"``, Clarabel), following the catalogue's "Comparing closed forms with cvxpy":

1. objective: the stated :math:`P^\star` and :math:`\langle Q^\star_{\rm closed}, R\rangle_{\mathcal H}` against
   :math:`P_{\rm cvx}`;
2. feasibility of the closed-form filter (budget value :math:`\le` bound, symmetry or lag-wise PSD where the
   reading requires it);
3. the filter itself where the engine's certificate reports a unique maximizer.

A discrepancy counts only beyond 100× the Clarabel tolerances (objective rel :math:`10^{-4}`, filter rel
:math:`10^{-2}`); a cvxpy answer is used only when its independent certificate (numpy residuals and a dual
upper bound) says it is feasible and optimal, so a refutation is backed by an explicit feasible filter with a
better objective or by a numpy-computed infeasibility of the closed form. Solver trouble is a
:class:`~theorylab.claims.NumericalFailure` (invalid example).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from proofs_checks.optopt._lag_helpers import lag_cases, lag_family
from theorylab.budgets import (
    DynamicDiagonalBudget,
    DynamicFrobeniusBudget,
    DynamicLyapunovBudget,
    FrequencySpectralBudget,
    solve,
)
from theorylab.budgets.base import Budget
from theorylab.claims import CheckResult, Comparison, Context, NumericalFailure, claim
from theorylab.testing.strategies import log_uniform

#: Objective agreement: 100 × Clarabel's objective tolerance (catalogue "Closed form vs cvxpy").
OBJECTIVE_RTOL = 1e-4
#: Filter agreement where the maximizer is unique: 100 × Clarabel's matrix tolerance.
FILTER_RTOL = 1e-2
#: Feasibility of a closed form: budget(Q) <= budget (1 + 1e-9); symmetry / PSD residuals <= 1e-9.
FEASIBILITY_TOL = 1e-9


def _optimal_cvxpy(budget: Budget, moment: Any, method: str = "cvxpy") -> Any:
    answer = solve(budget, moment, method=method)
    cert = answer.certificate
    if not (cert.feasible and cert.optimal):
        raise NumericalFailure(f"{method} answer not certified optimal: {cert.summary()}")
    return answer


def compare_closed_with_cvxpy(ctx: Context, budget: Budget, moment: Any, *, stated_power: bool = True,
                              cvxpy_method: str = "cvxpy", closed_method: str = "closed-form") -> list[Comparison]:
    """Record objective, feasibility and (where unique) filter comparisons; return them."""
    closed = solve(budget, moment, method=closed_method)
    exact = _optimal_cvxpy(budget, moment, cvxpy_method)
    p_cvx = float(exact.power)
    scale = max(abs(p_cvx), float(exact.certificate.scale or 0.0), 1e-300)
    comps: list[Comparison] = []
    if stated_power and closed.stated_power is not None:
        comps.append(ctx.compare(closed.stated_power, p_cvx, "==", rtol=OBJECTIVE_RTOL, atol=1e-12 * scale,
                                 scale=scale, label="stated P* vs cvxpy optimum"))
    if not np.all(np.isfinite(closed.Q)):
        # The formula divides by a zero norm (R = 0): no filter to evaluate.
        ctx.event("closed-form filter undefined (0/0)")
        if not comps:
            raise NumericalFailure("closed-form filter undefined and no stated power")
        return comps
    cert = closed.certificate
    comps.append(ctx.compare(closed.power, p_cvx, "==", rtol=OBJECTIVE_RTOL, atol=1e-12 * scale, scale=scale,
                             label="<Q_closed, R> vs cvxpy optimum"))
    comps.append(ctx.compare(cert.budget_residual, 0.0, "<=", rtol=0.0, atol=FEASIBILITY_TOL, scale=1.0,
                             label="closed form budget residual (relative) <= 0"))
    if cert.structure_residual is not None:
        comps.append(ctx.compare(cert.structure_residual, 0.0, "<=", rtol=0.0, atol=FEASIBILITY_TOL, scale=1.0,
                                 label="closed form structure residual <= 0"))
    if cert.min_eigenvalue is not None:
        norm = float(np.max(np.abs(closed.Q))) or 1.0
        comps.append(ctx.compare(cert.min_eigenvalue / norm, 0.0, ">=", rtol=0.0, atol=FEASIBILITY_TOL,
                                 scale=1.0, label="closed form lambda_min(Q[k]) / max|Q| >= 0"))
    if exact.certificate.unique:
        ctx.event("unique maximizer: filter compared")
        distance = float(np.linalg.norm(closed.Q - exact.Q)) / max(float(np.linalg.norm(exact.Q)), 1e-300)
        comps.append(ctx.compare(distance, 0.0, "<=", rtol=0.0, atol=FILTER_RTOL, scale=1.0,
                                 label="||Q_closed - Q_cvx|| / ||Q_cvx|| <= 0"))
    else:
        ctx.event("maximizer not unique: objective only")
    return comps


def _keep_failing_inputs(ctx: Context, comps: list[Comparison], **arrays: Any) -> None:
    if any(c.violated() for c in comps):
        ctx.note("counterexample_comparisons", [c.describe() for c in comps])
        for name, value in arrays.items():
            ctx.note(f"counterexample_{name}", np.asarray(value).tolist())


def _stop_after_counterexample(ctx: Context, families: tuple[str, ...], family: str) -> bool:
    """After a refuted family, skip the remaining families (quick tier only; the full tier runs them all)."""
    if ctx.budget != "quick" or "counterexample_comparisons" not in ctx.details:
        return False
    rest = families[families.index(family) + 1:]
    if rest:
        ctx.note("families skipped after the first counterexample (quick tier)", list(rest))
    return True


def _lag_search(ctx: Context, make_budget: Any, families: tuple[str, ...], *, label: str,
                admissible: Any = None, closed_method: str = "closed-form") -> None:
    max_d = ctx.pick(3, 6)
    lags = ctx.pick((2, 8), (8, 20))

    def prop(case: dict[str, Any]) -> list[Comparison]:
        R = lag_family(case["family"], case["d"], case["K"], case["seed"])
        if admissible is not None:
            ctx.assume(admissible(R))
        ctx.event(f"family {case['family']}")
        budget = make_budget(case, R)
        comps = compare_closed_with_cvxpy(ctx, budget, R, closed_method=closed_method)
        _keep_failing_inputs(ctx, comps, R=R)
        return comps

    for family in families:
        ctx.search(prop, lag_cases((family,), max_d, lags), label=f"{label}: {family}",
                   max_examples=ctx.pick(4, 30))
        if _stop_after_counterexample(ctx, families, family):
            break


ALL_FAMILIES = ("iid", "ar1", "ar1-negative", "var1", "var1-nonnormal", "ma1", "ma1-negative", "val", "emp")


def _zero_moment_example(ctx: Context, budget: Budget) -> None:
    R = np.zeros((3, 2, 2))
    closed = solve(budget, R)
    exact = _optimal_cvxpy(budget, R)
    ctx.note("R = 0: closed-form status", closed.status)
    ctx.compare(closed.stated_power, exact.power, "==", rtol=OBJECTIVE_RTOL, atol=1e-9, scale=1.0,
                label="R = 0: stated P* vs cvxpy")


@claim(
    id="optopt.corollary9.frobenius",
    title="Cor. 9(i): dynamic Frobenius ball, unrestricted Q[k]",
    source="Cor. 9(i), line ~468; proof B.9(i)",
    statement="Q*_F = √B R/‖R‖_H (lag-wise Q*[k] = √B R[k]/‖R‖_H), P*_F(R) = √B‖R‖_H, for the budget "
              "{Q : ‖Q‖_H ≤ √B} with Q[k] ∈ R^{d×d} unrestricted.",
    kind="optimality",
)
def corollary9_frobenius(ctx: Context) -> CheckResult:
    r"""Closed form of the dynamic Frobenius ball against cvxpy (one ``Variable((d, d))`` per lag).

    .. math::

        \max_{\|Q\|_{\mathcal H}\le\sqrt B}\ \sum_{k=0}^K\operatorname{Tr}(Q[k]^\top R[k])
        = \sqrt B\,\|R\|_{\mathcal H},\qquad Q^\star = \sqrt B\,R/\|R\|_{\mathcal H}.

    Moments: L-IID (random rank), L-AR1 (also all :math:`a_j<0`), L-VAR1 (random and strongly non-normal
    :math:`A`, non-symmetric :math:`R[k]`), L-MA1 (also :math:`b<0`), L-VAL (:math:`R_{\rm val}[k] =
    \operatorname{sym}C[k]`, :math:`g_{\rm val} = Pg_{\rm tr} + \text{noise}`), L-EMP (VAR(1), 2000 steps);
    :math:`d \le 3` / :math:`K \in \{2, 8\}` quick, :math:`d \le 6` / :math:`K \in \{8, 20\}` full;
    :math:`B` log-uniform in :math:`[10^{-3}, 10^3]`. Degenerate regime :math:`R = 0`: the filter formula is
    :math:`0/0`, only :math:`P^\star = 0` is compared. Tolerances: module docstring.
    """
    _zero_moment_example(ctx, DynamicFrobeniusBudget(1.0))
    _lag_search(ctx, lambda case, R: DynamicFrobeniusBudget(case["B"]), ALL_FAMILIES, label="lag families")
    return ctx.result()


@claim(
    id="optopt.corollary9.frobenius-symmetric",
    title="Cor. 9(i): dynamic Frobenius ball, symmetric Q[k]",
    source="Cor. 9(i), line ~468; §3 'LTI filter with symmetric matrix impulse response Q[n]' (line ~124)",
    statement="Over {Q : ‖Q‖_H ≤ √B, Q[k] symmetric ∀k}, Q*_F = √B R/‖R‖_H and P*_F(R) = √B‖R‖_H.",
    kind="optimality",
)
def corollary9_frobenius_symmetric(ctx: Context) -> CheckResult:
    r"""The same closed form over symmetric lags (``Variable((d, d), symmetric=True)``).

    Over symmetric filters the program only sees :math:`\operatorname{sym}R[k]`; the stated filter
    :math:`\sqrt B R/\|R\|_{\mathcal H}` is feasible (symmetric) only when every :math:`R[k]` is. Families, sizes
    and tolerances as ``optopt.corollary9.frobenius`` (L-VAR1 with strongly non-normal :math:`A` and L-VAL
    included). Symmetry residual of the closed form is a feasibility comparison (tolerance :math:`10^{-9}`).
    """
    _lag_search(ctx, lambda case, R: DynamicFrobeniusBudget(case["B"], structure="symmetric"), ALL_FAMILIES,
                label="lag families")
    return ctx.result()


@claim(
    id="optopt.corollary9.frobenius-lagpsd",
    title="Cor. 9(i): dynamic Frobenius ball, lag-wise PSD Q[k]",
    source="Cor. 9(i); P3 'subject to Q ⪰ 0' (line ~147)",
    statement="Over {Q : ‖Q‖_H ≤ √B, Q[k] ⪰ 0 ∀k}, Q*_F = √B R/‖R‖_H and P*_F(R) = √B‖R‖_H.",
    kind="optimality",
)
def corollary9_frobenius_lagpsd(ctx: Context) -> CheckResult:
    r"""The same closed form over lag-wise PSD filters (``Variable((d, d), PSD=True)`` per lag).

    Families as ``optopt.corollary9.frobenius``, emphasising L-AR1 with :math:`a_j<0`, L-MA1 with :math:`b<0`,
    L-VAR1 and L-VAL (their lags have negative eigenvalues). Feasibility of the closed form includes
    :math:`\lambda_{\min}(\operatorname{sym}Q[k]) \ge -10^{-9}\max|Q|`.
    """
    families = ("ar1-negative", "ma1-negative", "var1", "val", "ar1", "iid", "ma1", "var1-nonnormal", "emp")
    _lag_search(ctx, lambda case, R: DynamicFrobeniusBudget(case["B"], structure="lag-psd"), families,
                label="lag families")
    return ctx.result()


@claim(
    id="optopt.corollary9.lyapunov",
    title="Cor. 9(iii): dynamic data-metric budget",
    source="Cor. 9(iii), line ~470; proof B.9(iii), line ~747–757",
    statement="For 𝒬_L(B) = {Q : Σ_{k≥0} Tr(Q[k]* Σ Q[k]) ≤ B} with a fixed metric Σ ≻ 0: Q*_L = α Π_supp(R), "
              "α = √(B / Σ_{i:σ_i>0} σ_i), P*_L(R) = √(B Σ_i σ_i), with Σ = R[0], σ_i = eig(Σ) and Π_supp(R) "
              "the memoryless filter (Π_supp(R[0]), 0, 0, …).",
    kind="optimality",
)
def corollary9_lyapunov(ctx: Context) -> CheckResult:
    r"""Stated memoryless filter against the cvxpy optimum of the dynamic data-metric program.

    .. math::

        \max\ \sum_k\operatorname{Tr}(Q[k]^\top R[k])\quad\text{s.t.}\quad
        \sum_k\operatorname{Tr}(Q[k]^\top\Sigma Q[k]) \le B,\qquad \Sigma = R[0],

    with unrestricted real :math:`Q[k]` (the statement puts no structure on :math:`Q`). Reading: the
    catalogue's (:math:`\Sigma = R[0]`, memoryless :math:`\Pi_{\rm supp}(R[0])`). Hypothesis :math:`\Sigma\succ0`:
    examples whose :math:`R[0]` has :math:`\lambda_{\min} \le 10^{-6}\lambda_{\max}` are discarded (the
    statement's own hypothesis; L-VAL is left out because sym :math:`C[0]` is generally indefinite). Families
    L-IID (full rank only survives the filter), L-AR1, L-VAR1, L-MA1, L-EMP. Tolerances: module docstring.
    """
    def definite(R: np.ndarray) -> bool:
        values = np.linalg.eigvalsh(R[0])
        return bool(values[0] > 1e-6 * max(values[-1], 1e-300))

    families = ("ar1", "ar1-negative", "var1", "var1-nonnormal", "ma1", "ma1-negative", "iid", "emp")
    _lag_search(ctx, lambda case, R: DynamicLyapunovBudget(case["B"]), families, label="lag families",
                admissible=definite)
    return ctx.result()


@claim(
    id="optopt.corollary9.lyapunov.corrected",
    title="Cor. 9(iii) corrected: dynamic data-metric budget optimum uses every lag",
    source="derived from Cor. 9(iii) / B.9(iii) (Cauchy–Schwarz in the Σ metric)",
    statement="For Σ = R[0] ≻ 0 and unrestricted Q[k]: Q*[k] = √B Σ^{-1}R[k]/N, N² = Σ_k Tr(R[k]ᵀΣ^{-1}R[k]), "
              "P*_L = √B N.",
    kind="optimality",
)
def corollary9_lyapunov_corrected(ctx: Context) -> CheckResult:
    r"""Derivation: with :math:`X[k] = \Sigma^{1/2}Q[k]`, the budget is :math:`\sum_k\|X[k]\|_F^2 \le B` and the
    objective :math:`\sum_k\operatorname{Tr}(X[k]^\top\Sigma^{-1/2}R[k])`; Cauchy–Schwarz gives
    :math:`X^\star[k] \propto \Sigma^{-1/2}R[k]`, i.e. :math:`Q^\star[k] = \sqrt B\,\Sigma^{-1}R[k]/N`,
    :math:`P^\star = \sqrt B N`, :math:`N^2 = \sum_k\operatorname{Tr}(R[k]^\top\Sigma^{-1}R[k])`. The stated memoryless
    form is the special case :math:`R[k\ge1] = 0`. Evaluated by the engine's ``corrected`` method and compared with
    cvxpy exactly as ``optopt.corollary9.lyapunov`` (same families, hypothesis :math:`\Sigma \succ 0`).
    """
    def definite(R: np.ndarray) -> bool:
        values = np.linalg.eigvalsh(R[0])
        return bool(values[0] > 1e-6 * max(values[-1], 1e-300))

    families = ("ar1", "ar1-negative", "var1", "var1-nonnormal", "ma1", "ma1-negative", "iid", "emp")
    _lag_search(ctx, lambda case, R: DynamicLyapunovBudget(case["B"]), families, label="lag families",
                admissible=definite, closed_method="corrected")
    return ctx.result()


def _diagonal_search(ctx: Context, nonneg: bool) -> None:
    max_d = ctx.pick(3, 6)
    lags = ctx.pick((2, 8), (8, 20))
    families = ("ar1-negative", "ma1-negative", "ar1", "ma1", "var1", "val", "emp", "iid")

    def prop(case: dict[str, Any], cost_seed: int) -> list[Comparison]:
        R = lag_family(case["family"], case["d"], case["K"], case["seed"])
        costs = np.exp(np.random.default_rng(cost_seed).uniform(np.log(1e-3), np.log(1e3), case["d"]))
        ctx.event(f"family {case['family']}")
        budget = DynamicDiagonalBudget(case["B"], c=costs, nonneg=nonneg)
        comps = compare_closed_with_cvxpy(ctx, budget, R)
        _keep_failing_inputs(ctx, comps, R=R, c=costs)
        return comps

    for family in families:
        ctx.search(prop, label=f"{family}, log-uniform costs", max_examples=ctx.pick(4, 30),
                   case=lag_cases((family,), max_d, lags), cost_seed=st.integers(0, 2**32 - 1))
        if _stop_after_counterexample(ctx, families, family):
            break


@claim(
    id="optopt.corollary9.diagonal",
    title="Cor. 9(iv): dynamic diagonal budget, sign-unrestricted q_j[n]",
    source="Cor. 9(iv), line ~471; proof B.9(iv), line ~759–765",
    statement="Over {diag(q_j[n]) : Σ_j c_j Σ_n q_j[n]² ≤ B} with q_j[n] ∈ R: q*_j[n] = √(B / Σ_k ‖R_kk‖²_{H2}/c_k)"
              " · R_jj[n]/c_j, P*_D(R) = √(B Σ_j ‖R_jj‖²_{H2}/c_j), ‖R_jj‖²_{H2} = Σ_n R_jj[n]².",
    kind="optimality",
)
def corollary9_diagonal(ctx: Context) -> CheckResult:
    r"""Closed form of the dynamic diagonal budget against the cvxpy SOCP (``Variable((d, K+1))``).

    .. math::

        \max\ \sum_j\sum_n q_j[n]R_{jj}[n]\quad\text{s.t.}\quad\sum_jc_j\sum_nq_j[n]^2 \le B.

    Families L-AR1 (incl. :math:`a_j<0`), L-MA1 (incl. :math:`b<0`), L-VAR1 (diagonal part), L-VAL, L-EMP,
    L-IID; costs :math:`c_j` log-uniform in :math:`[10^{-3}, 10^3]`, :math:`B` log-uniform in
    :math:`[10^{-3},10^3]`. Tolerances: module docstring.
    """
    _diagonal_search(ctx, nonneg=False)
    return ctx.result()


@claim(
    id="optopt.corollary9.diagonal-nonneg",
    title="Cor. 9(iv): dynamic diagonal budget with q_j[n] ≥ 0",
    source="Cor. 9(iv); A.2 budget 'diag(q_j(z)) ⪰ 0' (line ~463); B.9(iv) 'max_{q_j ≥ 0}'",
    statement="Over {diag(q_j[n]) : q_j[n] ≥ 0, Σ_j c_j Σ_n q_j[n]² ≤ B}, the same q* and P*_D as "
              "corollary9.diagonal.",
    kind="optimality",
)
def corollary9_diagonal_nonneg(ctx: Context) -> CheckResult:
    r"""As ``optopt.corollary9.diagonal`` with ``nonneg=True`` in the program, so the closed form must also have
    :math:`q_j[n] \ge 0` (feasibility tolerance :math:`10^{-9}`, relative). Lag curves with negative entries
    (L-AR1 :math:`a_j<0`, L-MA1 :math:`b<0`) come first in the family list."""
    _diagonal_search(ctx, nonneg=True)
    return ctx.result()


# ----------------------------------------------------------------------------- per-frequency spectral budget

SPECTRAL_FAMILIES = ("ar1", "ar1-negative", "var1", "var1-nonnormal", "ma1", "hermitian")


def _densities(family: str, d: int, seed: int, M: int) -> np.ndarray:
    r"""Exact (untruncated) spectral densities on an M-point grid, Hermitian PSD at every frequency.

    AR(1): :math:`s_j^2(1-a_j^2)/|1-a_je^{-i\omega}|^2`; VAR(1): :math:`H\Sigma_\varepsilon H^*`,
    :math:`H = (I - Ae^{-i\omega})^{-1}`; MA(1): :math:`|1+be^{-i\omega}|^2I`; 'hermitian': random Hermitian PSD
    matrices of random rank, independent across frequencies.
    """
    rng = np.random.default_rng(seed)
    omegas = 2.0 * np.pi * np.arange(M) / M
    phase = np.exp(-1j * omegas)
    if family in ("ar1", "ar1-negative"):
        a = rng.uniform(-0.95, 0.95, d) if family == "ar1" else -rng.uniform(0.05, 0.95, d)
        s = np.exp(rng.uniform(-1.0, 1.0, d))
        values = s[None, :] ** 2 * (1 - a[None, :] ** 2) / np.abs(1 - a[None, :] * phase[:, None]) ** 2
        return np.stack([np.diag(v) for v in values]).astype(complex)
    if family in ("var1", "var1-nonnormal"):
        if family == "var1":
            A = rng.normal(size=(d, d))
            A *= rng.uniform(0.1, 0.95) / max(float(max(abs(np.linalg.eigvals(A)))), 1e-12)
        else:
            A = np.triu(rng.normal(size=(d, d)) * 5.0, 1) + np.diag(rng.uniform(-0.9, 0.9, d))
        out = np.empty((M, d, d), dtype=complex)
        for m in range(M):
            H = np.linalg.inv(np.eye(d) - A * phase[m])
            out[m] = H @ H.conj().T
        return (out + np.conj(np.swapaxes(out, 1, 2))) / 2.0
    if family == "ma1":
        b = rng.uniform(-0.9, 0.9)
        return np.abs(1 + b * phase)[:, None, None] ** 2 * np.eye(d)[None].astype(complex)
    out = np.empty((M, d, d), dtype=complex)
    for m in range(M):
        rank = int(rng.integers(1, d + 1))
        F = rng.normal(size=(d, rank)) + 1j * rng.normal(size=(d, rank))
        out[m] = F @ F.conj().T / rank
    return out


def _spectral_search(ctx: Context, reading: str) -> None:
    max_d = ctx.pick(4, 8)

    def cases_for(families: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries({
            "family": st.sampled_from(families),
            "d": st.integers(1, max_d),
            "M": st.sampled_from(ctx.pick((1, 8, 16), (1, 64, 256))),
            "seed": st.integers(0, 2**32 - 1),
            "lam": log_uniform(1e-3, 1e3),
            "ratio": st.one_of(st.integers(1, 8).map(float), st.floats(0.05, 8.0)),
            "frequency_dependent": st.booleans(),
        })

    def prop(case: dict[str, Any], existence_only: bool = False) -> list[Comparison]:
        M = case["M"]
        S = _densities(case["family"], case["d"], case["seed"], M)
        rng = np.random.default_rng(case["seed"] + 1)
        if case["frequency_dependent"]:
            lam = case["lam"] * np.exp(rng.uniform(-1.0, 1.0, M))
            tau = case["ratio"] * lam * np.exp(rng.uniform(-0.2, 0.2, M))
        else:
            lam, tau = np.array([case["lam"]]), np.array([case["ratio"] * case["lam"]])
        budget = FrequencySpectralBudget(tau, lam, reading=reading)
        tau_m, lam_m = budget.caps(M)
        reachable = bool(np.all(tau_m <= case["d"] * lam_m))
        ctx.event("tau <= d*lambda at every frequency" if reachable else "tau > d*lambda somewhere")
        if reading != "proof" and existence_only:
            # The statement fixes mu by sum_i q_i = tau; record whether such a mu exists.
            closed = solve(budget, S)
            defined = bool(np.all(np.isfinite(closed.Q)))
            comps = [ctx.compare(defined, True, label="a mu with sum_i q_i(omega) = tau(omega) exists")]
            _keep_failing_inputs(ctx, comps, tau=tau_m, lam=lam_m)
            return comps
        if reading != "proof":
            # Objective part: only where the formula defines q (existence is the other part).
            ctx.assume(bool(np.all(np.isfinite(solve(budget, S).Q))))
        ctx.event(f"family {case['family']}")
        comps = compare_closed_with_cvxpy(ctx, budget, S, cvxpy_method="cvxpy-reduced")
        _keep_failing_inputs(ctx, comps, tau=tau_m, lam=lam_m, S_real=S.real, S_imag=S.imag)
        return comps

    for family in SPECTRAL_FAMILIES:
        ctx.search(prop, cases_for((family,)), label=f"per-frequency program (eigen-LP), {family} densities",
                   max_examples=ctx.pick(3, 40))
        if _stop_after_counterexample(ctx, SPECTRAL_FAMILIES, family):
            break
    if reading != "proof":
        ctx.search(lambda case: prop(case, existence_only=True), cases_for(SPECTRAL_FAMILIES),
                   label="existence of mu(omega) with sum_i q_i = tau", max_examples=ctx.pick(15, 200))
    if ctx.budget != "quick":
        # Same basis check: reduced LP and full Hermitian SDP agree on a few inputs.
        rng = np.random.default_rng(ctx.seed)
        for i in range(10):
            S = _densities("var1", 3, int(rng.integers(2**32)), 16)
            budget = FrequencySpectralBudget(1.5, 1.0, reading=reading)
            reduced = _optimal_cvxpy(budget, S, "cvxpy-reduced")
            full = _optimal_cvxpy(budget, S, "cvxpy")
            ctx.compare(reduced.power, full.power, "==", rtol=1e-5, label=f"LP vs SDP #{i}")


_SPECTRAL_DOC = r"""

    Convention: two-sided spectral density :math:`S(\omega) = \sum_{k\in\mathbb Z}R[k]e^{-ik\omega}`,
    :math:`R[-k] = R[k]^\top` (Hermitian PSD for a WSS process), evaluated exactly (untruncated: the truncated
    sum of an AR(1) is not PSD), on :math:`M` uniform frequencies (:math:`M = 1` is the static problem); the
    per-frequency (non-causal) program is

    .. math::

        \max\ \frac1M\sum_m\operatorname{Re}\operatorname{Tr}(Q(\omega_m)S(\omega_m))\quad\text{s.t.}\quad
        0 \preceq Q(\omega_m) \preceq \lambda(\omega_m)I,\ \operatorname{Tr}Q(\omega_m) \le \tau(\omega_m),

    solved per frequency as the eigenvalue LP (``cvxpy-reduced``; at full tier also checked against the
    Hermitian SDP). The causal problem is not checked. Densities from L-AR1 (incl. :math:`a_j<0`), L-VAR1
    (incl. non-normal), L-MA1 and random Hermitian PSD matrices (random rank); :math:`d \le 4` quick,
    :math:`\le 8` full; :math:`\lambda` log-uniform in :math:`[10^{-3},10^3]`, :math:`\tau/\lambda` integer in
    1..8 or real in [0.05, 8]; caps constant or frequency dependent. Tolerances: module docstring.
"""


@claim(
    id="optopt.corollary9.spectral",
    title="Cor. 9(ii): per-frequency spectral budget, operator read as μ(ω) − σ_i(ω)",
    source="Cor. 9(ii), line ~469",
    statement="Q*_S(e^{iω}) = U(ω) diag(q*_i(ω)) U(ω)* with q*_i(ω) = min{λ(ω), max{0, μ(ω) − σ_i(ω)}} and μ(ω) "
              "chosen so that Σ_i q*_i(ω) = τ(ω).",
    kind="optimality",
)
def corollary9_spectral(ctx: Context) -> CheckResult:
    _spectral_search(ctx, "difference")
    return ctx.result()


corollary9_spectral.__doc__ = (
    r"""Statement formula, difference reading :math:`q_i = \min\{\lambda, \max\{0, \mu - \sigma_i\}\}` (bisection
    on :math:`\mu`); existence of :math:`\mu` with :math:`\sum_iq_i = \tau` is recorded as a boolean comparison,
    the objective and feasibility as below.""" + _SPECTRAL_DOC)


@claim(
    id="optopt.corollary9.spectral-product",
    title="Cor. 9(ii): per-frequency spectral budget, operator read as μ(ω)·σ_i(ω)",
    source="Cor. 9(ii), line ~469",
    statement="q*_i(ω) = min{λ(ω), max{0, μ(ω)σ_i(ω)}}, μ(ω) chosen so that Σ_i q*_i(ω) = τ(ω), is the "
              "per-frequency maximizer.",
    kind="optimality",
)
def corollary9_spectral_product(ctx: Context) -> CheckResult:
    _spectral_search(ctx, "product")
    return ctx.result()


corollary9_spectral_product.__doc__ = (
    r"""Statement formula, product reading :math:`q_i = \min\{\lambda, \max\{0, \mu\sigma_i\}\}` (bisection on
    :math:`\mu \ge 0`, else :math:`\mu<0`); existence of :math:`\mu` is a boolean comparison.""" + _SPECTRAL_DOC)


@claim(
    id="optopt.corollary9.spectral-proof",
    title="Cor. 9(ii) proof: greedy top-k per frequency and the integral for P*_S",
    source="proof B.9(ii), line ~735–745",
    statement="Per frequency, q*_i(ω) = λ(ω) for i ≤ k(ω), q*_{k+1}(ω) = τ(ω) − k(ω)λ(ω), q*_i(ω) = 0 for "
              "i > k(ω)+1, k(ω) = ⌊τ(ω)/λ(ω)⌋, and P*_S(R) = (1/2π)∫_0^{2π} [λ(ω) Σ_{i≤k(ω)} σ_i(ω) + "
              "(τ(ω) − k(ω)λ(ω)) σ_{k(ω)+1}(ω)] dω.",
    kind="optimality",
)
def corollary9_spectral_proof(ctx: Context) -> CheckResult:
    _spectral_search(ctx, "proof")
    return ctx.result()


corollary9_spectral_proof.__doc__ = (
    r"""Proof formula (greedy top-:math:`k`, the stated :math:`P^\star_S` as the grid quadrature of the integral)
    against the per-frequency optimum; both the stated :math:`P^\star_S` and
    :math:`\langle Q^\star, S\rangle` are compared. The quadrature convergence in :math:`M` is not separately
    checked: the comparison is exact on each grid.""" + _SPECTRAL_DOC)
