"""The report: results.json schema, the markdown page and the self-contained HTML page."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import toy_claims  # noqa: E402,F401

from theorylab.claims import REGISTRY, CheckResult, Context, claim, run_claim  # noqa: E402
from theorylab.report import load_results, verdict_counts, verdict_table, write_report  # noqa: E402


@claim(id="toyfig.figure", title="a figure", source="tests", statement="a plot", kind="experiment")
def figure_claim(ctx: Context) -> CheckResult:
    """Draws a line and reports it as a reproduction."""
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    fig.savefig(ctx.figure_path("line"))
    plt.close(fig)
    return ctx.experiment("a line, as in the paper")


def test_report_embeds_figures_and_lists_every_claim(tmp_path):
    ids = ["toy.true-identity", "toy.false-inequality", "toyfig.figure"]
    results = [run_claim(REGISTRY[i], seed=0, out_dir=tmp_path) for i in ids]
    paths = write_report(results, tmp_path, seed=0, budget="quick", claims=REGISTRY)
    page = paths["html"].read_text()
    assert "data:image/png;base64," in page  # self-contained
    assert "src=\"figures/" not in page
    for i in ids:
        assert f'id="{i}"' in page
    assert "Draws a line" in page  # the procedure (docstring)
    md = paths["md"].read_text()
    assert "![toyfig.figure](figures/toyfig.figure-line.png)" in md
    doc = json.loads(paths["json"].read_text())
    assert doc["budget"] == "quick" and doc["seed"] == 0
    assert [c["id"] for c in doc["claims"]] == sorted(ids)
    assert doc["claims"][2]["verdict"] == "not-checkable"  # a figure without recorded comparisons
    assert load_results(tmp_path)["toy.false-inequality"]["verdict"] == "refuted"


def test_counts_and_table():
    rows = [dict(id="a.x", paper="a", verdict="confirmed", n_examples=3, worst_slack=0.5, sensitivity=0.01),
            dict(id="a.y", paper="a", verdict="refuted", n_examples=1, worst_slack=-1.0, sensitivity=None),
            dict(id="trailmix.z", paper="trailmix", verdict="inconclusive", n_examples=0, worst_slack=None,
                 sensitivity=None)]
    counts = verdict_counts(rows)
    assert list(counts) == ["trailmix", "a"]  # catalogue papers first
    assert counts["a"] == {"confirmed": 1, "refuted": 1, "inconclusive": 0, "not-checkable": 0}
    table = verdict_table(rows)
    assert "a.x" in table and "sens=0.01" in table
