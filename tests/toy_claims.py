"""Claims written for the tests of the claim machinery (paper key ``toy``)."""

from __future__ import annotations

import math
import os
import signal
import time

import numpy as np
from hypothesis import strategies as st

from theorylab.claims import Context, claim


@claim(id="toy.true-identity", title="Pythagorean identity", source="tests",
       statement="sin(x)^2 + cos(x)^2 = 1", kind="identity")
def true_identity(ctx: Context) -> None:
    """Both sides agree to round-off for every x in [-100, 100]."""
    ctx.search(lambda x: ctx.compare(math.sin(x) ** 2 + math.cos(x) ** 2, 1.0, "==", rtol=1e-12),
               st.floats(-100, 100))


@claim(id="toy.true-inequality", title="AM-GM", source="tests",
       statement="sqrt(ab) <= (a+b)/2 for a, b >= 0", kind="inequality")
def true_inequality(ctx: Context) -> None:
    """Tight on the diagonal a = b, so a 1e-9 tightening is refuted there."""
    ctx.search(lambda a, b: ctx.compare(math.sqrt(a * b), (a + b) / 2, "<="),
               a=st.floats(0, 10), b=st.floats(0, 10))


@claim(id="toy.false-inequality", title="a false bound", source="tests",
       statement="x^2 <= x + 1 for x in [-10, 10]", kind="inequality")
def false_inequality(ctx: Context) -> None:
    """Fails for x > golden ratio and x < -0.618...; the shrunk counterexample is small."""
    ctx.search(lambda x: ctx.compare(x * x, x + 1, "<="), st.floats(-10, 10))


@claim(id="toy.nan", title="a check whose numerics fail", source="tests",
       statement="log(x) = log(x) for x in [-1, 1]", kind="identity")
def nan_check(ctx: Context) -> None:
    """log of a negative number is NaN: those examples are invalid, so no verdict can be earned."""
    def prop(x: float) -> None:
        with np.errstate(invalid="ignore", divide="ignore"):
            value = float(np.log(x))
        ctx.compare(value, value, "==")
    ctx.search(prop, st.floats(-1, 1))


@claim(id="toy.raises", title="a check that raises", source="tests",
       statement="-", kind="identity")
def raises(ctx: Context) -> None:
    """Raises before recording anything."""
    raise RuntimeError("the check broke")


@claim(id="toy.slow", title="a check that never finishes", source="tests",
       statement="-", kind="identity", time_limit=1.0)
def slow(ctx: Context) -> None:
    """Sleeps past its one-second limit."""
    time.sleep(30)


@claim(id="toy.crash", title="a check whose process dies", source="tests",
       statement="-", kind="identity")
def crash(ctx: Context) -> None:
    """Kills its own worker process (as a segfault in a compiled extension would)."""
    os.kill(os.getpid(), signal.SIGKILL)


@claim(id="toy.equivalence", title="parity", source="tests",
       statement="n is even iff n^2 is even", kind="equivalence")
def equivalence(ctx: Context) -> None:
    """Logical comparison; both cases must show up."""
    def prop(n: int) -> None:
        ctx.event("even" if n % 2 == 0 else "odd")
        ctx.compare(n % 2 == 0, (n * n) % 2 == 0, "==")
    ctx.search(prop, st.integers(-1000, 1000))


@claim(id="toy.sweep", title="harmonic bound", source="tests",
       statement="sum_{t<=T} 1/t <= 1 + log T", kind="inequality")
def sweep(ctx: Context) -> None:
    """Exhaustive over T <= 10^5, tight at T = 1."""
    T = np.arange(1, 10**5 + 1)
    ctx.sweep(np.cumsum(1.0 / T), 1 + np.log(T), "<=", examples={"T": T})


@claim(id="toy.no-teeth", title="a loose bound", source="tests",
       statement="|sin x| <= 10", kind="inequality")
def no_teeth(ctx: Context) -> None:
    """Far from tight: only the 100% tightening (bound 0) is refuted."""
    ctx.search(lambda x: ctx.compare(abs(math.sin(x)), 10.0, "<="), st.floats(-10, 10))


FAST = ["toy.true-identity", "toy.true-inequality", "toy.false-inequality", "toy.nan",
        "toy.raises", "toy.equivalence", "toy.sweep", "toy.no-teeth"]
