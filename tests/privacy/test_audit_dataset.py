"""Every sentence of the 136M Keystrokes subset, as a canary, is absent from the default
policy's output of the whole converted dataset, and so are the typists' raw identifiers.

The keystroke rows alone never hold a sentence as one string, so the converted sessions also
carry each sentence's committed text as a ``text_input`` event; the positive control shows the
audit does find the canaries in the raw events.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson

from privacy.audit import NeedleSet, Scanner
from privacy.evaluation.keystrokes import Participant, to_events
from privacy.evaluation.runs import make_pipeline, sanitize_session


def _canaries(participants: list[Participant]) -> list[str]:
    return sorted({s for p in participants for s in (*p.sentences, *p.typed) if len(s) >= 8})


def _raw_ids(participants: list[Participant]) -> list[str]:
    return [i for p in participants for i in (p.login, p.device_id, p.session_id)]


def test_no_typed_sentence_or_raw_identifier_reaches_default_output(
    participants: list[Participant], tmp_path: Path
) -> None:
    pipeline = make_pipeline("default")
    counts: Counter[str] = Counter()
    out = tmp_path / "sanitized.jsonl"
    with out.open("wb") as handle:
        for participant in participants:
            events, _ = to_events(participant, committed_text=True)
            for _, event in sanitize_session(pipeline, events, counts):
                handle.write(orjson.dumps(event) + b"\n")
    canaries = _canaries(participants)
    assert len(canaries) > 1000
    scanner = Scanner(
        [NeedleSet("canary", canaries), NeedleSet("raw identifier", _raw_ids(participants))],
        None,
    )
    with out.open("rb") as handle:
        findings = list(scanner.scan_lines(handle))
    assert findings == []
    assert counts["sanitized"] > len(participants)


def test_the_audit_finds_the_canaries_in_raw_events(participants: list[Participant]) -> None:
    sample = participants[:3]
    scanner = Scanner([NeedleSet("canary", _canaries(sample))], None, presidio=False)
    lines = [orjson.dumps(e) for p in sample for e in to_events(p, committed_text=True)[0]]
    found = [f for f in scanner.scan_lines(lines) if f.kind == "canary"]
    assert len({f.line for f in found}) == sum(len(p.sentences) for p in sample)
    assert {f.field for f in found} == {"text"}
    raw_ids = Scanner([NeedleSet("raw identifier", _raw_ids(sample))], None, presidio=False)
    assert sum(1 for _ in raw_ids.scan_lines(lines)) >= len(lines)
