"""The figures of a fault run: what the oracle expected against what the topics hold.

Read ``read_committed``: with ``exactly_once`` aborted transactions are then invisible, and with
at-least-once there are none. Duplicates are counted, not removed; content is compared dict for
dict with the oracle's event (``seq`` and typing summaries included, which depend on stage state).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import orjson
from kafka.consumer.fetcher import ConsumerRecord

from localdev.outcomes import Expected, Produced, leaked_secrets, sanitized_by_event_id


@dataclass(frozen=True)
class FaultDone:
    """A fault injected: when (events produced), and how long until every worker was healthy."""

    fault: str
    at_events: int
    produced_meanwhile: int  # production does not pause for a fault
    recovery_s: float


@dataclass
class FaultRunFigures:
    guarantee: str
    faults: tuple[str, ...]
    seed: int = 0
    events_planned: int = 0
    messages_acked: int = 0
    messages_in_raw: int = 0
    events_in_raw: int = 0
    sanitized_expected: int = 0
    sanitized_seen: int = 0
    sanitized_lost: int = 0
    sanitized_unexpected: int = 0
    sanitized_duplicates: int = 0
    quarantine_expected: int = 0
    quarantine_seen: int = 0
    quarantine_lost: int = 0
    quarantine_duplicates: int = 0
    mismatches: int = 0
    aborted_records: int = 0  # sanitized records only a read_uncommitted consumer sees
    hostile: int = 0
    hostile_quarantined: int = 0
    leaks: int = 0
    crashes: int = 0  # workers that exited unasked
    unclean_stops: int = 0  # workers that did not exit 0 within 60 s of SIGTERM
    tracebacks: int = 0
    unrecovered: int = 0  # workers not healthy again after a fault
    wall_s: float = 0.0
    faults_done: list[FaultDone] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.sanitized_lost + self.quarantine_lost

    @property
    def duplicates(self) -> int:
        return self.sanitized_duplicates + self.quarantine_duplicates

    def failures(self) -> list[str]:
        """Why this run fails its guarantee (empty: it holds)."""
        reasons = []
        if self.lost:
            reasons.append(f"{self.lost} lost")
        if self.leaks:
            reasons.append(f"{self.leaks} secrets leaked")
        no_duplicates = self.guarantee == "exactly_once" or set(self.faults) <= {"term"}
        if no_duplicates and self.duplicates:
            reasons.append(f"{self.duplicates} duplicates")
        if self.mismatches or self.sanitized_unexpected:
            reasons.append(f"{self.mismatches + self.sanitized_unexpected} differ from the oracle")
        if self.hostile_quarantined < self.hostile:
            reasons.append(f"{self.hostile - self.hostile_quarantined} hostile not quarantined")
        if self.crashes or self.unrecovered or self.unclean_stops:
            reasons.append(
                f"{self.crashes} crashes, {self.unrecovered} workers not recovered, "
                f"{self.unclean_stops} unclean stops"
            )
        if self.messages_acked < self.messages_in_raw or self.messages_in_raw == 0:
            reasons.append("the raw topic does not hold what the producer sent")
        return reasons

    def table(self) -> str:
        rows = [
            ("guarantee / faults", f"{self.guarantee} / {','.join(self.faults) or 'none'}"
             f" (seed {self.seed})"),
            ("events produced (raw topic)", f"{self.events_in_raw:,} in {self.messages_in_raw:,}"
             f" messages ({self.messages_acked:,} acked, {self.events_planned:,} planned)"),
            ("sanitized expected / seen", f"{self.sanitized_expected:,} / {self.sanitized_seen:,}"
             f" distinct ({self.sanitized_unexpected} not expected)"),
            ("lost (sanitized + quarantine)", f"{self.lost} ({self.sanitized_lost} + "
             f"{self.quarantine_lost})"),
            ("duplicates sanitized / quarantine", f"{self.sanitized_duplicates} / "
             f"{self.quarantine_duplicates}"),
            ("content mismatches vs oracle", str(self.mismatches)),
            ("sanitized records of aborted transactions", f"{self.aborted_records} (hidden by "
             "read_committed)"),
            ("quarantine expected / seen", f"{self.quarantine_expected} / "
             f"{self.quarantine_seen} distinct"),
            ("hostile inputs quarantined", f"{self.hostile_quarantined} / {self.hostile}"),
            ("leaks (raw ids, canaries)", str(self.leaks)),
            ("worker crashes / tracebacks", f"{self.crashes} / {self.tracebacks}"),
            ("workers not recovered (unhealthy, or not in the group)", str(self.unrecovered)),
            ("workers not stopped cleanly by SIGTERM", str(self.unclean_stops)),
            ("wall time", f"{self.wall_s:.0f} s"),
        ]  # fmt: skip
        width = max(len(name) for name, _ in rows)
        lines = [f"{name:<{width}}  {value}" for name, value in rows]
        lines += [
            f"fault {done.fault} at {done.at_events:,} events produced; workers healthy again "
            f"after {done.recovery_s:.0f} s ({done.produced_meanwhile:,} events produced meanwhile)"
            for done in self.faults_done
        ]
        lines += [f"note: {note}" for note in self.notes]
        failures = self.failures()
        lines.append("verdict: " + ("FAIL: " + "; ".join(failures) if failures else "PASS"))
        return "\n".join(lines)


def tally(
    figures: FaultRunFigures,
    expected: Expected,
    raw: list[Produced],
    hostile_places: set[tuple[int, int]],
    sanitized: list[ConsumerRecord],
    quarantine: list[ConsumerRecord],
    secrets: set[str],
) -> None:
    """Fill ``figures`` from the oracle's ``expected`` and the records read."""
    figures.messages_in_raw = len(raw)
    seen = sanitized_by_event_id(sanitized)
    figures.sanitized_expected, figures.sanitized_seen = len(expected.sanitized), len(seen)
    figures.sanitized_lost = len(expected.sanitized.keys() - seen.keys())
    figures.sanitized_unexpected = len(seen.keys() - expected.sanitized.keys())
    figures.sanitized_duplicates = sum(len(copies) - 1 for copies in seen.values())
    figures.mismatches = sum(
        copy != expected.sanitized[event_id]
        for event_id, copies in seen.items()
        if event_id in expected.sanitized
        for copy in copies
    )
    places = Counter(
        (r["partition"], r["offset"], r.get("index"), r["reason"])
        for r in map(orjson.loads, (record.value for record in quarantine))
    )
    got = Counter((p, o, reason) for p, o, _, reason in places)
    want = Counter(expected.quarantined)
    figures.quarantine_expected, figures.quarantine_seen = sum(want.values()), len(places)
    figures.quarantine_lost = sum((want - got).values())
    figures.quarantine_duplicates = sum(n - 1 for n in places.values())
    if got - want:
        figures.notes.append(f"{sum((got - want).values())} quarantine records not expected")
    figures.hostile = len(hostile_places)
    by_place: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    for place in expected.quarantined:
        by_place.setdefault(place[:2], []).append(place)
    figures.hostile_quarantined = sum(
        bool(by_place.get(place)) and all(got[q] for q in by_place[place])
        for place in hostile_places
    )
    figures.leaks = len(leaked_secrets(sanitized + quarantine, secrets))
