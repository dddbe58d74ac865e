"""The claim contract: registry, comparisons, searches and results.

A *claim* is a function decorated with :func:`claim`. It receives a
:class:`Context` and computes; the verdict follows from what it recorded:

* every :meth:`Context.compare` records one relation between two measured
  quantities (both sides are kept);
* :meth:`Context.search` runs a property over a hypothesis strategy
  (derandomized from the seed, shrinking to a minimal counterexample) and
  records the comparisons the property makes for every example;
* :meth:`Context.sweep` records a whole array of comparisons at once, for
  exhaustive enumerations such as "for all T <= 10**6".

:meth:`Context.result` turns the record into a :class:`CheckResult`:

* **refuted** if any comparison is violated beyond its tolerance (the
  counterexample is the shrunk one, with both sides);
* **inconclusive** if any evaluation was non-finite or raised
  :class:`NumericalFailure`, or too few examples were evaluated;
* **confirmed** otherwise, with the number of examples evaluated, the worst
  slack and the *sensitivity*: the smallest relative tightening of the claim
  (from :data:`SENSITIVITY_LEVELS`) that the same search refutes.

Sensitivity is read off the recorded comparisons.  The search is
derandomized, so rerunning it against a tightened claim evaluates the same
examples up to the first one that violates the tightened claim; whether such
an example exists is exactly what the record shows.
"""

from __future__ import annotations

import json
import math
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

VERDICTS = ("confirmed", "refuted", "inconclusive", "not-checkable")
BUDGETS = ("quick", "full")
PAPERS = ("trailmix", "mada", "optopt", "metaopt")
RELATIONS = ("<=", "<", ">=", ">", "==")

#: Relative tightenings tried for the sensitivity of a confirmed claim.
SENSITIVITY_LEVELS = (1e-9, 1e-6, 1e-3, 1e-2, 1e-1, 1.0)

#: A confirmed claim not refuted at this tightening "has no teeth", and says so.
NO_TEETH_LEVEL = 0.1

#: Examples per search, by budget tier.
MAX_EXAMPLES = {"quick": 200, "full": 5000}

#: Default time limit of one claim, in seconds, by budget tier.
TIME_LIMITS = {"quick": 120.0, "full": 3600.0}

#: Fewer valid examples than this (or than requested, if smaller) is inconclusive.
MIN_VALID_EXAMPLES = 10


class NumericalFailure(Exception):
    """Raised by a check when the numerics cannot decide (solver status, NaN, ...).

    Inside a search it marks one example as invalid; outside, the whole claim
    is inconclusive with this message.
    """


class ClaimTimeout(BaseException):
    """Raised inside a claim when its time limit has passed.

    Derived from ``BaseException`` so that hypothesis does not mistake it for a
    failing example and try to shrink it.
    """


# --------------------------------------------------------------------------- results


class CheckResult(dict):
    """The outcome of one claim, a dict with attribute access.

    Keys: ``id, paper, title, kind, source, statement, verdict, message,
    counterexample, lhs, rhs, worst_slack, n_examples, sensitivity, seed,
    budget, seconds, figures, details``.  All values are JSON-serializable.
    """

    FIELDS = (
        "id", "paper", "title", "kind", "source", "statement", "verdict", "message",
        "counterexample", "lhs", "rhs", "worst_slack", "n_examples", "sensitivity",
        "seed", "budget", "seconds", "figures", "details",
    )

    def __init__(self, **kwargs: Any) -> None:
        unknown = set(kwargs) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"unknown CheckResult fields {sorted(unknown)}; expected {self.FIELDS}")
        defaults = dict.fromkeys(self.FIELDS)
        defaults.update(figures=[], details={}, n_examples=0, message="")
        defaults.update(kwargs)
        if defaults["verdict"] is not None and defaults["verdict"] not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}; got {defaults['verdict']!r}")
        super().__init__(defaults)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __repr__(self) -> str:
        width = max(map(len, self.FIELDS))
        rows = [f"{k.rjust(width)}: {self[k]!r}" for k in self.FIELDS if self.get(k) not in (None, [], {})]
        return "\n".join(rows)

    def to_json(self) -> dict[str, Any]:
        return {k: to_jsonable(self.get(k)) for k in self.FIELDS}


def to_jsonable(value: Any) -> Any:
    """Convert numpy arrays and scalars, fractions and tuples to JSON values.

    Non-finite floats become the strings ``"nan"``, ``"inf"``, ``"-inf"`` so
    that the output is strict JSON.
    """
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if value is None or isinstance(value, str):
        return value
    return repr(value)


# --------------------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class Comparison:
    """One measured relation ``lhs <relation> rhs``.

    Parameters
    ----------
    lhs, rhs : float or bool
        The two measured sides.  Booleans make a *logical* comparison (only
        ``==``), used for equivalences; it has no tightening.
    relation : {"<=", "<", ">=", ">", "=="}
    rtol, atol : float
        Numerical tolerance: the relation may fail by at most
        ``atol + rtol * max(|lhs|, |rhs|)``.  Strict relations need a margin
        larger than that; with ``rtol = atol = 0`` they are exact.
    scale : float, optional
        The claim's natural magnitude, against which slack and tightening are
        measured (default ``max(|lhs|, |rhs|)``, or 1 where both are 0).
        For a bound against 0, such as :math:`H(\\lambda) \\ge 0`, pass the
        magnitude that makes "1 % tighter" meaningful (here 1 or log K).
    label : str
        Names the comparison in reports when a property makes several.
    """

    lhs: float
    rhs: float
    relation: str = "=="
    rtol: float = 1e-10
    atol: float = 1e-12
    scale: float | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(f"relation must be one of {RELATIONS}; got {self.relation!r}")
        if self.logical and self.relation != "==":
            raise ValueError("boolean sides can only be compared with '=='")
        if not (self.rtol >= 0 and self.atol >= 0):
            raise ValueError(f"rtol and atol must be >= 0; got rtol={self.rtol}, atol={self.atol}")

    @property
    def logical(self) -> bool:
        return isinstance(self.lhs, (bool, np.bool_)) and isinstance(self.rhs, (bool, np.bool_))

    @property
    def finite(self) -> bool:
        return self.logical or (math.isfinite(float(self.lhs)) and math.isfinite(float(self.rhs)))

    @property
    def allowance(self) -> float:
        if self.logical:
            return 0.0
        return self.atol + self.rtol * max(abs(float(self.lhs)), abs(float(self.rhs)))

    @property
    def magnitude(self) -> float:
        if self.scale is not None:
            return float(self.scale)
        m = max(abs(float(self.lhs)), abs(float(self.rhs)))
        return m if m > 0 else 1.0

    @property
    def slack(self) -> float:
        """Margin before violation, in units of :attr:`magnitude` (< 0: on the wrong side)."""
        if self.logical:
            return 0.0 if bool(self.lhs) == bool(self.rhs) else -1.0
        lhs, rhs = float(self.lhs), float(self.rhs)
        if self.relation in ("<=", "<"):
            gap = rhs - lhs
        elif self.relation in (">=", ">"):
            gap = lhs - rhs
        else:
            gap = -abs(lhs - rhs)
        return gap / self.magnitude

    def violated(self, tightening: float = 0.0) -> bool:
        """Whether the claim, tightened by ``tightening`` relative to the scale, fails here.

        Tightening moves the bound against the claim: ``lhs <= rhs`` becomes
        ``lhs <= rhs - t*scale``; ``lhs >= rhs`` becomes ``lhs >= rhs + t*scale``;
        an identity ``lhs == rhs`` becomes ``lhs == rhs + t*scale``.
        """
        if self.logical:
            return tightening == 0.0 and bool(self.lhs) != bool(self.rhs)
        lhs, rhs, tol = float(self.lhs), float(self.rhs), self.allowance
        shift = tightening * self.magnitude
        if self.relation == "<=":
            return lhs - (rhs - shift) > tol
        if self.relation == "<":
            return (rhs - shift) - lhs <= tol
        if self.relation == ">=":
            return (rhs + shift) - lhs > tol
        if self.relation == ">":
            return lhs - (rhs + shift) <= tol
        return abs(lhs - (rhs + shift)) > tol

    def describe(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "lhs": to_jsonable(self.lhs),
            "relation": self.relation,
            "rhs": to_jsonable(self.rhs),
            "rtol": self.rtol,
            "atol": self.atol,
            "slack": to_jsonable(self.slack) if self.finite else None,
        }


@contextmanager
def _without_local_constants() -> Iterator[None]:
    """Keep hypothesis from mixing literals of the loaded project modules into its examples.

    hypothesis (6.131 and later) draws, now and then, constants found in the source of every non-library module
    the process has imported; what a run happened to import before a search would then change its examples, and
    a verdict could depend on the order of the claims.  Inside a search only hypothesis's fixed global constants
    are used.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - older hypothesis: no local constants
        yield
        return
    getter = getattr(providers, "_get_local_constants", None)
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    if getter is None or cache is None or not hasattr(providers, "Constants"):  # pragma: no cover
        yield
        return
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = getter
        cache.clear()


# --------------------------------------------------------------------------- evidence


@dataclass
class _Part:
    """Evidence gathered by one search, sweep or group of direct comparisons."""

    label: str
    n_examples: int = 0
    n_invalid: int = 0
    n_shrink_steps: int = 0
    requested: int = 0
    first_invalid: dict[str, Any] | None = None
    worst_slack: float = math.inf
    tightest: dict[str, Any] | None = None
    counterexample: dict[str, Any] | None = None
    refuted_levels: set[float] = field(default_factory=set)
    n_logical: int = 0
    n_quantitative: int = 0
    note: str = ""
    #: A search keeps evaluating only to shrink its counterexample; direct comparisons are all examples.
    shrinks: bool = True

    @property
    def failed(self) -> bool:
        return self.counterexample is not None

    def record(self, example: Any, comparisons: Sequence[Comparison]) -> bool:
        """Record one evaluated example; return True if it violates the claim."""
        bad = [c for c in comparisons if not c.finite]
        if bad:
            self.record_invalid(example, f"non-finite value in {bad[0].describe()}")
            return False
        worst = min(comparisons, key=lambda c: (not c.violated(), c.slack))
        violated = worst.violated()
        entry = {"example": to_jsonable(example), "comparison": worst.describe()}
        if self.failed and self.shrinks:
            self.n_shrink_steps += 1
            if violated:
                self.counterexample = entry
            return violated
        self.n_examples += 1
        for c in comparisons:
            if c.logical:
                self.n_logical += 1
                continue
            self.n_quantitative += 1
            if c.slack < self.worst_slack:
                self.worst_slack = c.slack
                self.tightest = {"example": to_jsonable(example), "comparison": c.describe()}
            for level in SENSITIVITY_LEVELS:
                if level not in self.refuted_levels and c.violated(level):
                    self.refuted_levels.add(level)
        if violated and not self.failed:
            self.counterexample = entry
        return violated

    def record_invalid(self, example: Any, reason: str) -> None:
        if self.failed and self.shrinks:
            self.n_shrink_steps += 1
            return
        self.n_invalid += 1
        if self.first_invalid is None:
            self.first_invalid = {"example": to_jsonable(example), "reason": reason}

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "n_examples": self.n_examples,
            "n_invalid": self.n_invalid,
        }
        if self.requested:
            out["requested"] = self.requested
        if self.n_quantitative:
            out["worst_slack"] = to_jsonable(self.worst_slack)
        if self.first_invalid:
            out["first_invalid"] = self.first_invalid
        if self.n_shrink_steps:
            out["shrink_steps"] = self.n_shrink_steps
        if self.note:
            out["note"] = self.note
        return out


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)


# --------------------------------------------------------------------------- context


class Context:
    """What a claim gets: seed, budget tier, and the recording helpers.

    Parameters
    ----------
    claim_id : str
        The claim being checked (seeds derive from it, so two claims with the
        same run seed do not see the same random stream).
    seed : int
        The run seed.
    budget : {"quick", "full"}
        ``quick`` for CI and the default run (seconds per claim); ``full`` for
        serious searches (minutes per claim).
    out_dir : path, optional
        Where figures go (``out_dir/figures``).
    time_limit : float, optional
        Seconds after which searches stop with :class:`ClaimTimeout`.
    """

    def __init__(
        self,
        claim_id: str = "anonymous",
        seed: int = 0,
        budget: str = "quick",
        out_dir: str | Path | None = None,
        time_limit: float | None = None,
    ) -> None:
        if budget not in BUDGETS:
            raise ValueError(f"budget must be one of {BUDGETS}; got {budget!r}")
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
        self.claim_id = claim_id
        self.seed = int(seed)
        self.budget = budget
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.deadline = None if time_limit is None else time.monotonic() + time_limit
        self.time_limit = time_limit
        self.max_examples = MAX_EXAMPLES[budget]
        self.rng = np.random.default_rng([self.seed, self._stream("rng")])
        self.figures: list[str] = []
        self.details: dict[str, Any] = {}
        self.cases: Counter[str] = Counter()
        self._parts: list[_Part] = []
        self._buffer: list[Comparison] | None = None
        self._direct: _Part | None = None

    # ------------------------------------------------------------------ helpers
    def _stream(self, label: str) -> int:
        return zlib.crc32(f"{self.claim_id}/{label}".encode())

    def pick(self, quick: Any, full: Any) -> Any:
        """The value for the current budget tier."""
        return quick if self.budget == "quick" else full

    def check_deadline(self) -> None:
        """Raise :class:`ClaimTimeout` if the claim's time limit has passed."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ClaimTimeout(f"timed out after {self.time_limit:g} s")

    def note(self, key: str, value: Any) -> None:
        """Attach a detail (a reading chosen, a parameter, a measured number) to the result."""
        self.details[key] = to_jsonable(value)

    def event(self, label: str) -> None:
        """Count a case of the search (for example which branch of an equivalence was hit)."""
        self.cases[label] += 1

    def figure_path(self, name: str) -> Path:
        """Path for a figure of this claim; it is listed in the result and shown in the report."""
        if self.out_dir is None:
            raise ValueError("this Context has no out_dir; figures need one")
        rel = Path("figures") / f"{self.claim_id}-{name}.png"
        (self.out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        if str(rel) not in self.figures:
            self.figures.append(str(rel))
        return self.out_dir / rel

    def attach_figure(self, path: str | Path) -> None:
        """List a figure already written under ``out_dir`` (by a reproduction) in the result."""
        if self.out_dir is None:
            raise ValueError("this Context has no out_dir; figures need one")
        rel = Path(path).resolve().relative_to(self.out_dir.resolve())
        if str(rel) not in self.figures:
            self.figures.append(str(rel))

    # ------------------------------------------------------------------ recording
    def compare(
        self,
        lhs: Any,
        rhs: Any,
        relation: str = "==",
        rtol: float = 1e-10,
        atol: float = 1e-12,
        *,
        scale: float | None = None,
        label: str = "",
    ) -> Comparison:
        """Record ``lhs <relation> rhs`` with both sides (see :class:`Comparison`).

        Inside a :meth:`search` property it belongs to the current example;
        outside, it is one example of its own.
        """
        if not isinstance(lhs, (bool, np.bool_)):
            lhs = float(lhs)
        if not isinstance(rhs, (bool, np.bool_)):
            rhs = float(rhs)
        comp = Comparison(lhs, rhs, relation, rtol, atol, scale, label)
        if self._buffer is not None:
            self._buffer.append(comp)
        else:
            if self._direct is None:
                self._direct = _Part("direct comparisons", shrinks=False)
                self._parts.append(self._direct)
            self._direct.record({"label": label} if label else {}, [comp])
        return comp

    def sweep(
        self,
        lhs: Any,
        rhs: Any,
        relation: str,
        rtol: float = 1e-10,
        atol: float = 1e-12,
        *,
        scale: Any = None,
        examples: Mapping[str, Any] | None = None,
        label: str = "sweep",
    ) -> None:
        """Record a whole array of comparisons (an exhaustive enumeration).

        The arrays are taken in the order given; the first violation is the
        counterexample, so order them from simplest to most complex (for
        example by increasing T).  ``examples`` maps names to arrays of the
        same length that describe each entry.
        """
        lhs_a = np.asarray(lhs, dtype=float).ravel()
        rhs_a = np.broadcast_to(np.asarray(rhs, dtype=float), lhs_a.shape).ravel()
        scale_a = None if scale is None else np.broadcast_to(np.asarray(scale, float), lhs_a.shape)
        examples = dict(examples or {})
        for name, values in examples.items():
            if len(values) != lhs_a.size:
                raise ValueError(f"examples[{name!r}] has length {len(values)}; expected {lhs_a.size}")
        part = _Part(label, requested=lhs_a.size)
        self._parts.append(part)

        def example(i: int) -> dict[str, Any]:
            return {k: v[i] for k, v in examples.items()} or {"index": i}

        finite = np.isfinite(lhs_a) & np.isfinite(rhs_a)
        for i in np.flatnonzero(~finite)[:1]:
            part.record_invalid(example(int(i)), "non-finite value")
        part.n_invalid = int((~finite).sum())
        lhs_f, rhs_f = lhs_a[finite], rhs_a[finite]
        idx = np.flatnonzero(finite)
        if idx.size == 0:
            return
        mag = np.maximum(np.abs(lhs_f), np.abs(rhs_f))
        allowance = atol + rtol * mag
        mag = np.where(mag > 0, mag, 1.0) if scale_a is None else scale_a.ravel()[finite]
        if relation in ("<=", "<"):
            gap = rhs_f - lhs_f
        elif relation in (">=", ">"):
            gap = lhs_f - rhs_f
        elif relation == "==":
            gap = -np.abs(lhs_f - rhs_f)
        else:
            raise ValueError(f"relation must be one of {RELATIONS}; got {relation!r}")

        def violated(shift: np.ndarray) -> np.ndarray:
            if relation == "==":
                return np.abs(lhs_f - rhs_f - shift) > allowance
            if relation in ("<", ">"):
                return gap - shift <= allowance
            return gap - shift < -allowance

        slack = gap / mag
        bad = np.flatnonzero(violated(np.zeros_like(mag)))
        stop = bad[0] + 1 if bad.size else idx.size
        part.n_examples = int(stop)
        seen = slice(0, stop)
        j = int(np.argmin(slack[seen]))
        part.n_quantitative = int(stop)
        part.worst_slack = float(slack[j])

        def entry(k: int) -> dict[str, Any]:
            c = Comparison(float(lhs_f[k]), float(rhs_f[k]), relation, rtol, atol,
                           None if scale_a is None else float(mag[k]), label)
            return {"example": to_jsonable(example(int(idx[k]))), "comparison": c.describe()}

        part.tightest = entry(j)
        if bad.size:
            part.counterexample = entry(int(bad[0]))
        for level in SENSITIVITY_LEVELS:
            if violated(level * mag)[seen].any():
                part.refuted_levels.add(level)

    def assume(self, condition: bool) -> None:
        """Discard the current search example (it is not counted as evaluated)."""
        from hypothesis import assume

        assume(condition)

    def search(
        self,
        prop: Callable[..., Any],
        strategy: Any = None,
        /,
        *,
        label: str | None = None,
        max_examples: int | None = None,
        **strategies: Any,
    ) -> None:
        """Run ``prop`` over examples drawn from hypothesis strategies.

        ``prop`` receives one drawn value (``strategy`` given) or keyword
        arguments (``name=strategy`` given) and calls :meth:`compare` for what
        it measures; it may return comparisons instead.  A violated comparison
        stops generation and hypothesis shrinks the example to a minimal one.
        Non-finite values and :class:`NumericalFailure` make an example
        invalid.  The search is derandomized from the run seed, the claim ID
        and ``label``; it uses no example database.
        """
        from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings, target
        from hypothesis import strategies as st
        from hypothesis.errors import Flaky, Unsatisfiable

        if (strategy is None) == (not strategies):
            raise ValueError("give either one strategy or keyword strategies to search()")
        label = label or f"search {len(self._parts) + 1}"
        n = int(max_examples or self.max_examples)
        part = _Part(label, requested=n)
        self._parts.append(part)
        if strategy is None:
            strategy = st.fixed_dictionaries(strategies)

            def call(value: Any) -> Any:
                return prop(**value)
        else:
            call = prop

        def test(value: Any) -> None:
            self.check_deadline()
            self._buffer = []
            try:
                returned = call(value)
            except NumericalFailure as exc:
                part.record_invalid(value, str(exc))
                return
            finally:
                buffer, self._buffer = self._buffer, None
            if isinstance(returned, Comparison):
                buffer.append(returned)
            elif isinstance(returned, (list, tuple)):
                buffer.extend(c for c in returned if isinstance(c, Comparison))
            if not buffer:
                part.record_invalid(value, "the property recorded no comparison")
                return
            if part.record(value, buffer):
                raise _Violation
            if not part.failed and buffer and all(c.finite for c in buffer):
                slack = min(c.slack for c in buffer)
                if math.isfinite(slack):
                    target(-slack, label=label)

        run = settings(
            max_examples=n,
            derandomize=False,
            database=None,
            deadline=None,
            verbosity=Verbosity.quiet,
            phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )(seed(self.seed * 2**32 + self._stream(label))(given(strategy)(test)))
        try:
            with _without_local_constants():
                run()
        except _Violation:
            pass
        except Unsatisfiable:
            part.note = "hypothesis could not generate examples satisfying the assumptions"
        except Flaky as exc:
            part.note = f"flaky: the failing example did not fail again ({type(exc).__name__})"
            part.n_invalid += 1

    # ------------------------------------------------------------------ verdicts
    def result(self, message: str = "") -> CheckResult:
        """The verdict that follows from everything recorded so far."""
        parts = self._parts
        n_examples = sum(p.n_examples for p in parts)
        n_invalid = sum(p.n_invalid for p in parts)
        failed = [p for p in parts if p.failed]
        quantitative = [p for p in parts if p.n_quantitative]
        worst = min(quantitative, key=lambda p: p.worst_slack, default=None)
        details = dict(self.details)
        details["parts"] = [p.summary() for p in parts]
        if self.cases:
            details["cases"] = dict(sorted(self.cases.items()))
        if worst is not None and worst.tightest is not None:
            details["tightest"] = worst.tightest
        refuted_levels = set().union(*(p.refuted_levels for p in parts)) if parts else set()
        sensitivity = min(refuted_levels) if refuted_levels else None
        worst_slack = None if worst is None else worst.worst_slack
        if failed:
            # the failing comparison may be logical (slack -1), outside the quantitative parts
            failing_slack = failed[0].counterexample["comparison"]["slack"]
            worst_slack = failing_slack if worst_slack is None else min(worst_slack, failing_slack)
        base = dict(
            counterexample=None,
            worst_slack=worst_slack,
            n_examples=n_examples,
            sensitivity=None,
            figures=list(self.figures),
            details=details,
        )
        evidence = f"{n_examples} example{'' if n_examples == 1 else 's'}"
        if n_invalid:
            evidence += f", {n_invalid} invalid"
        if worst_slack is not None:
            evidence += f", worst slack {_fmt(worst_slack)}"
        prefix = f"{message} " if message else ""
        if failed:
            ce = failed[0].counterexample
            comp = ce["comparison"]
            text = (f"{prefix}counterexample in {failed[0].label}: "
                    f"{_fmt(comp['lhs'])} {comp['relation']} {_fmt(comp['rhs'])} fails "
                    f"(tolerance rtol={comp['rtol']:g}, atol={comp['atol']:g}); {evidence}")
            return CheckResult(verdict="refuted", message=text, lhs=comp["lhs"], rhs=comp["rhs"],
                               **{**base, "counterexample": ce})
        if n_invalid:
            first = next(p.first_invalid for p in parts if p.first_invalid)
            reason = first["reason"] if first else "invalid examples"
            return CheckResult(verdict="inconclusive",
                               message=f"{prefix}numerical failure: {reason}; {evidence}", **base)
        short = [p for p in parts if p.requested and p.n_examples < min(MIN_VALID_EXAMPLES, p.requested)]
        if not parts or n_examples == 0 or short:
            why = "no examples evaluated" if not short else (
                f"too few valid examples in {short[0].label} "
                f"({short[0].n_examples} of {short[0].requested}{'; ' + short[0].note if short[0].note else ''})")
            return CheckResult(verdict="inconclusive", message=f"{prefix}{why}", **base)
        if quantitative:
            if sensitivity is None or sensitivity > NO_TEETH_LEVEL:
                teeth = (f"no teeth: the search did not refute the claim tightened by {NO_TEETH_LEVEL:.0%}"
                         + ("" if sensitivity is None else f" (only by {sensitivity:.0%})"))
            else:
                teeth = f"sensitivity {sensitivity:g} (smallest refuted relative tightening)"
        else:
            teeth = "logical equivalence: sensitivity not applicable"
            if self.cases:
                teeth += "; cases " + ", ".join(f"{k}: {v}" for k, v in sorted(self.cases.items()))
        lhs = rhs = None
        if worst is not None and worst.tightest is not None:
            lhs, rhs = worst.tightest["comparison"]["lhs"], worst.tightest["comparison"]["rhs"]
        return CheckResult(verdict="confirmed", message=f"{prefix}{evidence}; {teeth}",
                           lhs=lhs, rhs=rhs, **{**base, "sensitivity": sensitivity})

    def inconclusive(self, message: str) -> CheckResult:
        """A verdict that the numerics could not decide, with the reason."""
        return CheckResult(verdict="inconclusive", message=message, figures=list(self.figures),
                           details=dict(self.details))

    def not_checkable(self, message: str) -> CheckResult:
        """The statement has no numerical content; the message says why."""
        return CheckResult(verdict="not-checkable", message=message, figures=list(self.figures),
                           details=dict(self.details))

    def experiment(self, message: str, comparisons_recorded: bool = False) -> CheckResult:
        """Result of a reproduction (kind ``experiment``).

        With recorded comparisons (the paper's numbers against ours) the
        verdict follows from them as for any claim; without, the reproduction
        is reported with its figures and is not-checkable as a truth claim.
        """
        if comparisons_recorded or self._parts:
            return self.result(message)
        return self.not_checkable(message)


class _Violation(Exception):
    """Raised inside a search to make hypothesis stop and shrink."""


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Claim:
    """A registered check and what the catalogue says about it."""

    id: str
    title: str
    source: str
    statement: str
    kind: str
    func: Callable[[Context], CheckResult | None]
    module: str
    time_limit: float | None = None

    @property
    def paper(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def procedure(self) -> str:
        """The check's docstring: the math and the reading chosen."""
        import inspect

        return inspect.cleandoc(self.func.__doc__ or "")

    def run(self, seed: int = 0, budget: str = "quick", out_dir: str | Path | None = None,
            time_limit: float | None = None) -> CheckResult:
        """Run the check in this process and return its result (never raises for check errors)."""
        return run_claim(self, seed=seed, budget=budget, out_dir=out_dir, time_limit=time_limit)


REGISTRY: dict[str, Claim] = {}


def claim(
    *,
    id: str,
    title: str,
    source: str,
    statement: str,
    kind: str,
    time_limit: float | None = None,
) -> Callable[[Callable[[Context], CheckResult | None]], Callable[[Context], CheckResult | None]]:
    """Register a check under a claim ID.

    Parameters
    ----------
    id : str
        ``<paper>.<name>``; the four seed papers use their catalogue IDs (and
        ``<id>.corrected`` for a derived corrected statement).
    title, source, statement, kind : str
        What the claim says and where (section, equation), as in the catalogue.
    time_limit : float, optional
        Seconds, overriding the tier's default.

    Raises
    ------
    ValueError
        If the ID is malformed or already registered.
    """
    for name, value in (("id", id), ("title", title), ("source", source),
                        ("statement", statement), ("kind", kind)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"claim {name} must be a non-empty string; got {value!r}")
    if "." not in id or id != id.strip() or " " in id:
        raise ValueError(f"claim id must look like '<paper>.<name>' without spaces; got {id!r}")

    def register(func: Callable[[Context], CheckResult | None]) -> Callable[[Context], CheckResult | None]:
        if id in REGISTRY:
            raise ValueError(f"claim {id!r} is already registered (by {REGISTRY[id].module})")
        REGISTRY[id] = Claim(id, title, source, statement, kind, func, func.__module__, time_limit)
        func.claim_id = id  # type: ignore[attr-defined]
        return func

    return register


def run_claim(
    c: Claim,
    *,
    seed: int = 0,
    budget: str = "quick",
    out_dir: str | Path | None = None,
    time_limit: float | None = None,
) -> CheckResult:
    """Run one claim and fill in its identity, seed and timing.

    A check that raises gives ``inconclusive`` with the error; one past its time
    limit gives ``inconclusive`` ("timed out after N s").
    """
    limit = time_limit if time_limit is not None else (c.time_limit or TIME_LIMITS[budget])
    ctx = Context(c.id, seed=seed, budget=budget, out_dir=out_dir, time_limit=limit)
    start = time.perf_counter()
    try:
        with _alarm(limit):
            result = c.func(ctx)
        if result is None:
            result = ctx.result()
        elif not isinstance(result, CheckResult):
            raise TypeError(f"a check must return a CheckResult or None; got {type(result).__name__}")
    except ClaimTimeout:
        result = ctx.inconclusive(f"timed out after {limit:g} s")
    except NumericalFailure as exc:
        result = ctx.inconclusive(f"numerical failure: {exc}")
    except Exception as exc:  # a crashing check never takes down a run
        result = ctx.inconclusive(f"check raised {type(exc).__name__}: {exc}")
    result.update(
        id=c.id, paper=c.paper, title=c.title, kind=c.kind, source=c.source,
        statement=c.statement, seed=seed, budget=budget,
        seconds=round(time.perf_counter() - start, 3),
    )
    json.dumps(result.to_json())  # fail here, not in the report, if a value is not serializable
    return result


class _alarm:
    """Preempt a claim with :class:`ClaimTimeout` via SIGALRM where available.

    Only in the main thread of a Unix process; elsewhere the cooperative
    deadline checks of :meth:`Context.search` still apply.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.previous: Any = None
        self.active = False

    def __enter__(self) -> _alarm:
        import signal
        import threading

        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            def handler(signum: int, frame: Any) -> None:
                raise ClaimTimeout(f"timed out after {self.seconds:g} s")

            self.previous = signal.signal(signal.SIGALRM, handler)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.active = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.active:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


# --------------------------------------------------------------------------- loading

#: Modules that register the seed papers' claims.
BUILTIN_MODULES = ("proofs_checks",)


def load_claims(modules: Iterable[str] = ()) -> dict[str, Claim]:
    """Import the built-in claim packages and ``modules``; return the registry."""
    import importlib

    for name in (*BUILTIN_MODULES, *modules):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name or name.startswith(f"{exc.name}."):
                raise ValueError(f"cannot import claim module {name!r}: {exc}") from exc
            raise
    return REGISTRY


def catalogue_ids(paper: str, spec_dir: str | Path) -> list[str]:
    """The IDs listed in ``spec_dir/ids-<paper>.txt``."""
    path = Path(spec_dir) / f"ids-{paper}.txt"
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]
