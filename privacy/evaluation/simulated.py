"""The simulator's traffic (``localdev.synthetic``) through a policy: retention and k-anonymity.

Simulated users click, type, scroll, paste and switch windows in many apps, on 3 operating
systems and 3 screen sizes, which the typing-test and mouse data sets do not. So this is where
the order of actions, click positions (``actions.py``) and the quasi-identifiers
(``exposure.py``) are measured. Seeded: the same seed gives the same traffic and figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from localdev.synthetic.message import event_ms
from localdev.synthetic.sessions import generate
from privacy.evaluation import actions
from privacy.evaluation.exposure import k_anonymity_bands
from privacy.evaluation.runs import run_sessions

USERS = 50
MINUTES = 10.0
Event = dict[str, Any]


@dataclass(frozen=True)
class SimulatedFigures:
    policy: str
    users: int
    minutes: float
    events_in: int
    events_out: int
    kept: actions.Kept
    k_bands: dict[str, float]  # share of output events with k = 1, 2-4, >= 5

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "kept": self.kept.to_json()}


def simulated_sessions(
    users: int = USERS, minutes: float = MINUTES, seed: int = 0
) -> list[list[Event]]:
    """Every simulated session's raw events in order (``ts`` as epoch ms)."""
    _, messages = generate(seed, users, duration_s=minutes * 60)
    sessions: dict[str, list[Event]] = {}
    for message in messages:
        for event in message.events:
            if isinstance(event, dict):
                event = {**event, "ts": event_ms(event["ts"])}
                sessions.setdefault(str(event["session_id"]), []).append(event)
    return list(sessions.values())


def measure(
    policy: str, sessions: list[list[Event]], users: int = USERS, minutes: float = MINUTES
) -> SimulatedFigures:
    run = run_sessions(policy, sessions)
    return SimulatedFigures(
        policy=run.policy,
        users=users,
        minutes=minutes,
        events_in=sum(len(s) for s in sessions),
        events_out=sum(len(s) for s in run.out_sessions),
        kept=actions.kept(sessions, run.out_sessions, run.origins),
        k_bands=k_anonymity_bands(run.out_sessions),
    )
