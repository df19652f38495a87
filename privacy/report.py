"""``sanitizer report``: one self-contained HTML page on what the policies protect and cost.

First the verdict of every figure against issue 9's targets, then the evidence: typist
identification per policy and attacker (keystrokes as logged and with letters restored), mouse
user identification, what training keeps (order of actions, clicks, keystroke retention), and
k-anonymity as numbers. Plots are inline SVG (no external file or script). The page names the
sanitizer's version, the date and what the run covered. Figures come from
``evaluate-timing --json`` / ``evaluate-mouse --json`` files or are measured here
(``measure``): by default a sample sized to finish within about a minute, ``full`` the whole
data sets. Data: the 136M Keystrokes subset (Dhakal et al., CHI 2018), the Balabit mouse
subset (Fülöp et al., 2016), both read from ``../shared/data``, and the simulator's traffic.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from privacy.evaluation.classifiers import CLASSIFIER_LABELS
from privacy.evaluation.mouse import CITATION as MOUSE_CITATION

CITATION = (
    "Dhakal, Feit, Kristensson, Oulasvirta. Observations on Typing from 136 Million Keystrokes. "
    "CHI 2018. doi:10.1145/3173574.3174220"
)
_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;
padding:.25em .6em;text-align:left}th{background:#f3f3f3}figure{margin:1.5em 0}
figcaption{color:#555;font-size:.9em}.warn{color:#a40}.PASS{color:#070;font-weight:bold}
.FAIL{color:#b00;font-weight:bold}"""


def _svg(figure: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def accuracy_plot(scores: Sequence[dict[str, Any]]) -> str:
    import matplotlib.pyplot as plt

    scores = [s for s in scores if s["query"] == "half"]
    queries = list(dict.fromkeys(s.get("letters", "restored") for s in scores))
    policies = list(dict.fromkeys(s["policy"] for s in scores))
    classifiers = list(dict.fromkeys(s["classifier"] for s in scores))
    figure, axes = plt.subplots(1, len(queries), figsize=(11, 3.8), sharey=True, squeeze=False)
    width = 0.8 / max(len(classifiers), 1)
    for axis, query in zip(axes[0], queries, strict=True):
        for n, classifier in enumerate(classifiers):
            values = [
                next(
                    (
                        s["top1_x_chance"]
                        for s in scores
                        if (s["policy"], s.get("letters", "restored"), s["classifier"])
                        == (p, query, classifier)
                    ),
                    np.nan,
                )
                for p in policies
            ]
            axis.bar(
                np.arange(len(policies)) + n * width,
                np.maximum(values, 0.1),
                width,
                label=CLASSIFIER_LABELS.get(classifier, classifier),
            )
        for level, style in ((1, ":"), (2, "--"), (3, "-.")):
            axis.axhline(level, color="grey", linestyle=style, linewidth=0.8)
        axis.set_yscale("log")
        axis.set_xticks(np.arange(len(policies)) + 0.4 - width / 2, policies)
        axis.set_title(f"half a session, letters {query}")
        axis.set_ylabel("top-1 accuracy, × chance")
    axes[0][0].legend(fontsize=8)
    return _svg(figure)


def mouse_plot(scores: Sequence[dict[str, Any]]) -> str:
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(9, 3.2))
    policies = list(dict.fromkeys(s["policy"] for s in scores))
    kinds = list(dict.fromkeys((s["features"], s["classifier"]) for s in scores))
    width = 0.8 / max(len(kinds), 1)
    for n, kind in enumerate(kinds):
        values = [
            next((s["x_chance"] for s in scores if (s["policy"], (s["features"], s["classifier"]))
                  == (p, kind)), np.nan)
            for p in policies
        ]  # fmt: skip
        axis.bar(np.arange(len(policies)) + n * width, values, width, label=" / ".join(kind))
    axis.axhline(1, color="grey", linestyle=":", linewidth=0.8)
    axis.axhline(3, color="grey", linestyle="-.", linewidth=0.8)
    axis.set_xticks(np.arange(len(policies)) + 0.4 - width / 2, policies)
    axis.set_ylabel("top-1 (balanced), × chance")
    axis.set_ylim(0, 10)
    axis.legend(fontsize=8)
    return _svg(figure)


def k_anonymity_plot(bands: dict[str, dict[str, float]]) -> str:
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 3))
    names = list(bands)
    unique = [bands[n]["k=1"] for n in names]
    small = [bands[n]["k=2-4"] for n in names]
    rest = [bands[n]["k>=5"] for n in names]
    axis.barh(names, unique, color="tab:red", label="k = 1")
    axis.barh(names, small, left=unique, color="tab:orange", label="2 ≤ k ≤ 4")
    axis.barh(names, rest, left=np.add(unique, small), color="tab:green", label="k ≥ 5")
    axis.set_xlabel("share of events")
    axis.legend(fontsize=8, loc="lower right")
    return _svg(figure)


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{html.escape(str(r.get(c)))}">{html.escape(_cell(r.get(c)))}</td>'
            if c == "verdict"
            else f"<td>{html.escape(_cell(r.get(c)))}</td>"
            for c in columns
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if value is None:
        return "lost"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _share(value: float | None) -> str:
    return "lost" if value is None else f"{value:.1%}"


def _verdict_rows(verdicts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for v in verdicts:
        figure, bound = v["figure"], v["bound"]
        if v["unit"] == "x chance":
            shown, limit = f"{figure:.2f}×", f"{bound:.0f}×"
        elif v["unit"] == "similarity":
            shown, limit = f"{figure:.3f}", f"{bound:.2f}"
        else:
            shown, limit = _share(figure), f"{bound:.0%}"
        sign = "≤" if v["at_most"] else "≥"
        rows.append({**v, "figure": shown, "bound": f"{sign} {limit}"})
    return rows


def render(data: dict[str, Any]) -> str:
    """The page, from ``{"meta", "timing", "mouse"}`` (as ``measure`` or the --json files)."""
    meta, timing, mouse = data["meta"], data.get("timing"), data.get("mouse")
    verdicts = [*(timing or {}).get("verdicts", []), *(mouse or {}).get("verdicts", [])]
    default = [v for v in verdicts if v["policy"] == "default"]
    met = sum(v["verdict"] == "PASS" for v in default)
    parts = [
        f"""<!doctype html><html><head><meta charset="utf-8">
<title>Privacy report</title><style>{_CSS}</style></head><body>
<h1>Privacy report: behavioural identification, retention, quasi-identifiers</h1>
<p>interaction-sanitizer {html.escape(meta["version"])}, {html.escape(meta["date"])}.
{html.escape(meta["coverage"])}</p>
<h2>Verdicts against the targets</h2>
<p>Default policy: <b>{met} of {len(default)}</b> targets met. Targets are set for the
default policy; the other policies are shown for comparison.</p>
{_table(_verdict_rows(verdicts), ["policy", "target", "figure", "bound", "verdict"])}"""
    ]
    if timing:
        loads = ", ".join(
            f"letters {x['letters']}: {x['files']} participants, {x['unidentified_keys']} keys "
            "Unidentified"
            for x in timing["loads"]
        )
        scores = timing["scores"]
        for s in scores:
            s["top-1"] = f"{s['top1']:.1%} ({s['top1_x_chance']:.1f}×)"
            s["top-5"] = f"{s['top5']:.1%} ({s['top5_x_chance']:.1f}×)"
            s["attacker"] = CLASSIFIER_LABELS.get(s["classifier"], s["classifier"])
        parts.append(f"""<h2>Typists (keystrokes)</h2>
<p>Data: the 136M Keystrokes study ({html.escape(CITATION)}); {html.escape(loads)}.
Half a session (7 sentences) is the query; the agnostic attacker knows nothing of the
policy and uses every output field.</p>
<figure>{accuracy_plot(scores)}<figcaption>Typist identification with half a session as the
query, top-1 accuracy as a multiple of chance (log scale). Dotted: chance; dashed: 2×, the
target.</figcaption></figure>
{_table(scores, ["policy", "letters", "attacker", "query", "typists", "queries", "top-1",
                 "top-5"])}""")  # fmt: skip
    if mouse:
        load = mouse["load"]
        minutes = mouse["minutes_per_session"]
        span = "whole sessions (40 min)" if minutes is None else f"first {minutes:g} min"
        for s in mouse["scores"]:
            s["top-1 (balanced)"] = f"{s['top1']:.1%} ({s['x_chance']:.1f}×)"
        parts.append(f"""<h2>Mouse users</h2>
<p>Data: {html.escape(MOUSE_CITATION)}: {load["users"]} users, {load["sessions"]} sessions
({span} of each), {load["events"]} events; {mouse["windows"]} windows of 2 minutes; query
windows never share a session with the reference windows.</p>
<figure>{mouse_plot(mouse["scores"])}<figcaption>Mouse user identification (10 users, ceiling
10×), balanced top-1 as a multiple of chance. Dash-dot: 3×, the target.</figcaption></figure>
{_table(mouse["scores"], ["policy", "features", "classifier", "queries", "top-1 (balanced)"])}""")
    parts.append(_kept_section(timing, mouse))
    if timing and timing.get("simulated"):
        bands = {f["policy"]: f["k_bands"] for f in timing["simulated"]}
        rows = [{"policy": p, **{k: f"{v:.1%}" for k, v in b.items()}} for p, b in bands.items()]
        first = timing["simulated"][0]
        parts.append(f"""<h2>k-anonymity</h2>
<p>Share of output events by k, the number of distinct users sharing the event's (app, os,
screen) within its hour, in the simulator's traffic ({first["users"]} users,
{first["minutes"]:g} min).</p>
{_table(rows, ["policy", "k=1", "k=2-4", "k>=5"])}
<figure>{k_anonymity_plot(bands)}<figcaption>k-anonymity of (app, os, screen, hour).
</figcaption></figure>""")
    parts.append("</body></html>")
    return "\n".join(parts)


def _kept_section(timing: dict[str, Any] | None, mouse: dict[str, Any] | None) -> str:
    rows = []
    for f in (timing or {}).get("simulated", []):
        rows.append({"data": "simulator", "policy": f["policy"], **f["kept"]})
    for policy, kept in (mouse or {}).get("kept", {}).items():
        rows.append({"data": "mouse data", "policy": policy, **kept})
    for row in rows:
        row["order (mean)"] = f"{row['order_similarity']:.3f}"
        row["order (min)"] = f"{row['order_similarity_min']:.3f}"
        row["clicks faithful"] = _share(row["clicks_faithful"])
        row["median click error"] = _share(row["click_error_median"])
    columns = ["data", "policy", "sessions", "order (mean)", "order (min)", "clicks",
               "clicks faithful", "median click error"]  # fmt: skip
    kept = (timing or {}).get("retention_table", [])
    return f"""<h2>What training keeps</h2>
<p>Order of actions (clicks by button, commands, typing bursts, scrolls, focus changes,
pastes), sanitized against raw per session, similarity = 1 − edit distance / length. A click is
faithful when its output position is within 5% of the screen diagonal of where it was.</p>
{_table(rows, columns)}
<h3>Keystroke data</h3>{_table(kept, list(kept[0]) if kept else [])}"""
