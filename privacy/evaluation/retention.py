"""What a policy leaves for training: the other side of the privacy numbers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from privacy.evaluation.features import event_class
from privacy.evaluation.runs import PolicyRun

_RESOLUTIONS_MS = (3_600_000, 60_000, 10_000, 1000, 100, 10, 1)


@dataclass(frozen=True)
class Retention:
    policy: str
    events_in: int
    events_out: int
    presses_as_events: float  # output key_down / input key_down
    releases_kept: float  # output key_up / input key_up
    order_kept: bool  # seq present and strictly increasing in every session
    class_sequence_kept: bool  # output key classes of presses == input, in every session
    ts_resolution_ms: int
    events_per_window: float  # mean output events per (session, focused window)
    typing_summaries: int
    mouse: str

    def describe(self) -> dict[str, str]:
        """Human-readable cells for the table beside the scores."""
        return {
            "events out/in": f"{self.events_out / max(self.events_in, 1):.0%}",
            "presses kept": f"{self.presses_as_events:.0%}",
            "releases kept": f"{self.releases_kept:.0%}",
            "action order kept": "yes" if self.order_kept else "no",
            "key-class sequence kept": (
                "yes"
                if self.class_sequence_kept
                else "no: coarse counts per burst"
                if self.typing_summaries
                else "no"
            ),
            "ts resolution": _duration(self.ts_resolution_ms),
            "events per focus window": f"{self.events_per_window:.0f}",
            "mouse path shape": self.mouse,
        }


def _duration(ms: int) -> str:
    if ms >= 60_000:
        return f"{ms // 60_000} min"
    return f"{ms // 1000} s" if ms >= 1000 else f"{ms} ms"


def _resolution(timestamps: list[int]) -> int:
    for step in _RESOLUTIONS_MS:
        if all(ts % step == 0 for ts in timestamps):
            return step
    return 1


def measure(run: PolicyRun) -> Retention:
    counts_in: Counter[str] = Counter()
    counts_out: Counter[str] = Counter()
    order_kept = class_sequence_kept = True
    windows: Counter[tuple[int, object]] = Counter()
    summaries = 0
    timestamps = []
    for number, (raw, out) in enumerate(zip(run.raw_sessions, run.out_sessions, strict=True)):
        counts_in.update(event["type"] for event in raw)
        counts_out.update(event["type"] for event in out)
        seqs = [event.get("seq") for event in out]
        if None in seqs or any(b <= a for a, b in pairwise(seqs)):  # type: ignore[operator]
            order_kept = False
        raw_classes = [event_class(e) for e in raw if e["type"] == "key_down"]
        out_classes = [event_class(e) for e in out if e["type"] == "key_down"]
        class_sequence_kept = class_sequence_kept and raw_classes == out_classes
        for event in out:
            windows[number, event.get("window_title")] += 1
            summaries += event["type"] == "text_input" and event.get("field") == "typing"
            timestamps.append(int(event["ts"]))
    mouse_in = counts_in["mouse_move"]
    mouse = (
        f"{counts_out['mouse_move'] / mouse_in:.0%} of moves kept"
        if mouse_in
        else "n/a (no mouse input)"
    )
    return Retention(
        policy=run.policy,
        events_in=sum(counts_in.values()),
        events_out=sum(counts_out.values()),
        presses_as_events=counts_out["key_down"] / max(counts_in["key_down"], 1),
        releases_kept=counts_out["key_up"] / max(counts_in["key_up"], 1),
        order_kept=order_kept,
        class_sequence_kept=class_sequence_kept,
        ts_resolution_ms=_resolution(timestamps),
        events_per_window=sum(windows.values()) / max(len(windows), 1),
        typing_summaries=summaries,
        mouse=mouse,
    )
