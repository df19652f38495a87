"""``sanitizer report``: one self-contained HTML page on what the policies protect and cost.

Plots (inline SVG, no external file or script): typist identification per policy as multiples
of chance, inter-key intervals before and after sanitization, and the k-anonymity of the
quasi-identifiers (app, os, screen, coarse time) per time window; then the score and
retention tables. Data: the 136M Keystrokes subset (Dhakal et al., CHI 2018), read from
``../shared/data``; the identification scores come from ``evaluate-timing --json`` or are
measured here.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from privacy.evaluation.classifiers import CLASSIFIER_LABELS
from privacy.evaluation.exposure import inter_key_intervals, k_anonymity
from privacy.evaluation.keystrokes import Participant
from privacy.evaluation.runs import POLICIES, run_policy

CITATION = (
    "Dhakal, Feit, Kristensson, Oulasvirta. Observations on Typing from 136 Million Keystrokes. "
    "CHI 2018. doi:10.1145/3173574.3174220"
)
_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;
padding:.25em .6em;text-align:left}th{background:#f3f3f3}figure{margin:1.5em 0}
figcaption{color:#555;font-size:.9em}.warn{color:#a40}"""


def _svg(figure: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def accuracy_plot(scores: Sequence[dict[str, Any]]) -> str:
    import matplotlib.pyplot as plt

    queries = sorted({s["query"] for s in scores}, reverse=True)
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
                        if (s["policy"], s["query"], s["classifier"]) == (p, query, classifier)
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
        axis.set_title(f"query: {query}")
        axis.set_ylabel("top-1 accuracy, × chance")
    axes[0][0].legend(fontsize=8)
    return _svg(figure)


def interval_plot(intervals: dict[str, np.ndarray]) -> str:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(intervals), figsize=(11, 3), squeeze=False)
    bins = np.logspace(0, 6.5, 60)
    for axis, (policy, gaps) in zip(axes[0], intervals.items(), strict=True):
        positive = gaps[gaps > 0]
        zero = 1 - len(positive) / max(len(gaps), 1)
        weights = np.full(len(positive), 1 / max(len(gaps), 1))
        axis.hist(positive, bins=bins, weights=weights, color="tab:blue")
        axis.set_xscale("log")
        axis.set_title(f"{policy}: {len(gaps)} gaps, {zero:.0%} are 0", fontsize=9)
        axis.set_xlabel("ms between typing events")
    axes[0][0].set_ylabel("share of gaps")
    return _svg(figure)


def k_anonymity_plot(shares: dict[str, tuple[float, float]]) -> str:
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 3))
    names = list(shares)
    unique = [shares[n][0] for n in names]
    small = [shares[n][1] - shares[n][0] for n in names]
    rest = [1 - shares[n][1] for n in names]
    axis.barh(names, unique, color="tab:red", label="k = 1")
    axis.barh(names, small, left=unique, color="tab:orange", label="2 ≤ k ≤ 4")
    axis.barh(names, rest, left=np.add(unique, small), color="tab:green", label="k ≥ 5")
    axis.set_xlabel("share of events")
    axis.legend(fontsize=8, loc="lower right")
    return _svg(figure)


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def render(
    results: dict[str, Any],
    intervals: dict[str, np.ndarray],
    shares: dict[str, tuple[float, float]],
    window_ms: int,
) -> str:
    scores = results["scores"]
    for s in scores:
        s["top-1"] = f"{s['top1']:.1%} ({s['top1_x_chance']:.1f}×)"
        s["top-5"] = f"{s['top5']:.1%} ({s['top5_x_chance']:.1f}×)"
    load = results["load"]
    kept = results["retention_table"]
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Privacy report: keystroke timing</title><style>{_CSS}</style></head><body>
<h1>Privacy report: keystroke timing and quasi-identifiers</h1>
<p>Data: {load["files"]} participants of the 136M Keystrokes study ({html.escape(CITATION)}),
15 sentences each, converted to interaction/v1 events and run through each built-in policy.
{load["malformed_rows"]} malformed rows skipped. The dataset has no mouse events.</p>
<figure>{accuracy_plot(scores)}<figcaption>Typist identification, top-1 accuracy as a multiple
of chance (log scale). Dotted: chance; dashed: 2× (target for the baseline); dash-dot: 3×
(target for the learned models), with half a session as the query.</figcaption></figure>
<figure>{interval_plot(intervals)}<figcaption>Time between consecutive typing events (key
presses, or typing summaries). Raw gaps are the biometric; sanitized gaps are 0 or multiples of
the summary window.</figcaption></figure>
<figure>{k_anonymity_plot(shares)}<figcaption>k-anonymity of (app, os, screen, coarse time)
within {window_ms // 60_000}-minute windows: the share of events whose combination is shared by
k distinct users.</figcaption></figure>
<h2>Scores</h2>{
        _table(scores, ["policy", "classifier", "query", "typists", "queries", "top-1", "top-5"])
    }
<h2>What training keeps</h2>{_table(kept, list(kept[0]) if kept else [])}
</body></html>"""


def measure_exposure(
    people: Sequence[Participant], window_ms: int
) -> tuple[dict[str, np.ndarray], dict[str, tuple[float, float]]]:
    """Per policy: the inter-key intervals left, and the shares of events with k <= 1 and k <= 4."""
    intervals, shares = {}, {}
    for policy in POLICIES:
        run = run_policy(policy, people)
        intervals[policy] = inter_key_intervals(run.out_sessions)
        k = k_anonymity(run.out_sessions, window_ms)
        shares[policy] = (k.share_at_most(1), k.share_at_most(4))
    return intervals, shares
