"""Results -> ``results.json``, ``index.md`` and a self-contained ``index.html``.

The JSON schema is public::

    {"theorylab_version": str, "seed": int, "budget": "quick" | "full",
     "claims": [CheckResult, ...]}          # claims sorted by ID

Every value is strict JSON (non-finite floats are the strings "nan", "inf", "-inf").
"""

from __future__ import annotations

import base64
import html
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from theorylab.claims import PAPERS, VERDICTS, CheckResult, Claim

RESULTS_JSON = "results.json"


def verdict_counts(results: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """``{paper: {verdict: count}}`` with every verdict present, papers in catalogue order."""
    counts: dict[str, Counter[str]] = {}
    for r in results:
        counts.setdefault(r["paper"], Counter())[r["verdict"]] += 1
    order = [p for p in PAPERS if p in counts] + sorted(set(counts) - set(PAPERS))
    return {p: {v: counts[p][v] for v in VERDICTS} for p in order}


def results_document(results: Sequence[Mapping[str, Any]], *, seed: int, budget: str) -> dict[str, Any]:
    from theorylab import __version__

    claims = sorted((CheckResult(**r).to_json() for r in results), key=lambda r: r["id"])
    return {"theorylab_version": __version__, "seed": seed, "budget": budget, "claims": claims}


def load_results(out_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The last recorded result of each claim in ``out_dir`` (results.json, then results.jsonl)."""
    from theorylab.runner import read_log

    out = Path(out_dir)
    found: dict[str, dict[str, Any]] = {}
    path = out / RESULTS_JSON
    if path.exists():
        try:
            found.update({r["id"]: r for r in json.loads(path.read_text())["claims"]})
        except (json.JSONDecodeError, KeyError, TypeError):
            pass
    found.update({r["id"]: r for r in read_log(out) if "id" in r})
    return found


def write_report(
    results: Sequence[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    seed: int,
    budget: str,
    claims: Mapping[str, Claim] | None = None,
) -> dict[str, Path]:
    """Write ``results.json``, ``index.md`` and ``index.html`` into ``out_dir``.

    ``claims`` (the registry) adds each check's procedure to the pages.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = results_document(results, seed=seed, budget=budget)
    paths = {"json": out / RESULTS_JSON, "md": out / "index.md", "html": out / "index.html"}
    paths["json"].write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
    paths["md"].write_text(render_markdown(doc))
    paths["html"].write_text(render_html(doc, out, claims or {}))
    return paths


# --------------------------------------------------------------------------- text


def _num(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.4g}"
    return "–" if x is None else str(x)


def verdict_table(results: Sequence[Mapping[str, Any]]) -> str:
    """The terminal summary: counts per paper, then one line per claim."""
    lines = []
    counts = verdict_counts(results)
    head = f"{'paper':<10}" + "".join(f"{v:>15}" for v in VERDICTS)
    lines += [head, "-" * len(head)]
    for paper, c in counts.items():
        lines.append(f"{paper:<10}" + "".join(f"{c[v]:>15}" for v in VERDICTS))
    lines.append("")
    width = max((len(r["id"]) for r in results), default=10)
    for r in sorted(results, key=lambda r: r["id"]):
        evidence = f"n={r.get('n_examples', 0)}"
        if r.get("worst_slack") is not None:
            evidence += f" slack={_num(r['worst_slack'])}"
        if r.get("sensitivity") is not None:
            evidence += f" sens={_num(r['sensitivity'])}"
        lines.append(f"{r['id']:<{width}}  {r['verdict']:<14} {evidence}")
    return "\n".join(lines)


def render_markdown(doc: Mapping[str, Any]) -> str:
    claims = doc["claims"]
    out = [f"# theorylab report\n\ntheorylab {doc['theorylab_version']}, seed {doc['seed']}, "
           f"budget `{doc['budget']}`, {len(claims)} claims.\n",
           "| paper | " + " | ".join(VERDICTS) + " |", "|---" * (len(VERDICTS) + 1) + "|"]
    for paper, c in verdict_counts(claims).items():
        out.append(f"| {paper} | " + " | ".join(str(c[v]) for v in VERDICTS) + " |")
    for paper in verdict_counts(claims):
        out.append(f"\n## {paper}\n")
        out.append("| claim | kind | verdict | examples | worst slack | sensitivity |")
        out.append("|---|---|---|---|---|---|")
        rows = [r for r in claims if r["paper"] == paper]
        for r in rows:
            out.append(f"| [{r['id']}](#{r['id']}) | {r['kind']} | **{r['verdict']}** | "
                       f"{r['n_examples']} | {_num(r['worst_slack'])} | {_num(r['sensitivity'])} |")
        for r in rows:
            out.append(f"\n### {r['id']}\n\n*{r['title']}* ({r['source']})\n\n> {r['statement']}\n")
            out.append(f"**{r['verdict']}**: {r['message']}\n")
            if r.get("counterexample"):
                out.append("Counterexample:\n\n```json\n"
                           + json.dumps(r["counterexample"], indent=1) + "\n```\n")
            for fig in r.get("figures") or []:
                out.append(f"![{r['id']}]({fig})\n")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- html

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:2px solid #ddd;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}
th{background:#f4f4f4}.v{font-weight:600;padding:.1em .5em;border-radius:.3em;white-space:nowrap}
.confirmed{background:#d9f2dd;color:#145a20}.refuted{background:#f9d6d5;color:#8a1712}
.inconclusive{background:#fbefc9;color:#6b4d00}.not-checkable{background:#e6e6e6;color:#444}
details.claim{border:1px solid #ddd;border-radius:.4em;margin:.4em 0;padding:.3em .8em}
details.claim>summary{cursor:pointer}details.claim[open]{background:#fcfcfc}
blockquote{margin:.5em 0;padding:.3em .8em;border-left:4px solid #ccd;background:#f7f7fb}
pre{background:#f4f4f4;padding:.6em;overflow-x:auto;font-size:13px}
img{max-width:100%;border:1px solid #eee}.muted{color:#777}
"""


def _badge(verdict: str) -> str:
    return f'<span class="v {html.escape(verdict)}">{html.escape(verdict)}</span>'


def _figure_html(out_dir: Path, rel: str) -> str:
    path = out_dir / rel
    if not path.exists():
        return f'<p class="muted">figure {html.escape(rel)} is missing</p>'
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<figure><img alt="{html.escape(rel)}" src="data:image/png;base64,{data}"></figure>'


def _claim_html(r: Mapping[str, Any], out_dir: Path, procedure: str) -> str:
    e = html.escape
    rows = [("examples evaluated", r.get("n_examples")), ("worst slack", _num(r.get("worst_slack"))),
            ("sensitivity", _num(r.get("sensitivity"))), ("lhs", _num(r.get("lhs"))),
            ("rhs", _num(r.get("rhs"))), ("seconds", _num(r.get("seconds")))]
    parts = [
        f'<details class="claim" id="{e(r["id"])}"><summary>{_badge(r["verdict"])} '
        f'<code>{e(r["id"])}</code> {e(r["title"])}</summary>',
        f'<p class="muted">{e(r["kind"])} · {e(r["source"])}</p>',
        f"<blockquote>{e(r['statement'])}</blockquote>",
        f"<p>{e(r['message'])}</p>",
        "<table>" + "".join(f"<tr><th>{k}</th><td>{e(str(v))}</td></tr>" for k, v in rows) + "</table>",
    ]
    if r.get("counterexample"):
        parts.append("<h4>Counterexample</h4><pre>" + e(json.dumps(r["counterexample"], indent=1)) + "</pre>")
    for fig in r.get("figures") or []:
        parts.append(_figure_html(out_dir, fig))
    if r.get("details"):
        parts.append("<details><summary>details</summary><pre>"
                     + e(json.dumps(r["details"], indent=1)) + "</pre></details>")
    if procedure:
        parts.append("<details><summary>procedure</summary><pre>" + e(procedure) + "</pre></details>")
    parts.append("</details>")
    return "\n".join(parts)


def render_html(doc: Mapping[str, Any], out_dir: Path, claims: Mapping[str, Claim]) -> str:
    e = html.escape
    results = doc["claims"]
    counts = verdict_counts(results)
    body = [f"<h1>theorylab report</h1><p class='muted'>theorylab {e(doc['theorylab_version'])}, "
            f"seed {doc['seed']}, budget <code>{e(doc['budget'])}</code>, {len(results)} claims</p>",
            "<table><tr><th>paper</th>" + "".join(f"<th>{_badge(v)}</th>" for v in VERDICTS) + "</tr>"]
    for paper, c in counts.items():
        body.append(f"<tr><td><a href='#paper-{e(paper)}'>{e(paper)}</a></td>"
                    + "".join(f"<td>{c[v]}</td>" for v in VERDICTS) + "</tr>")
    body.append("</table>")
    for paper in counts:
        body.append(f"<h2 id='paper-{e(paper)}'>{e(paper)}</h2>")
        for r in (r for r in results if r["paper"] == paper):
            c = claims.get(r["id"])
            body.append(_claim_html(r, out_dir, c.procedure if c is not None else ""))
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>theorylab report</title>"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
