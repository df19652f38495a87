"""Hostile inputs of the fault run really are hostile, and the traffic plan is what it says."""

from __future__ import annotations

from localdev.canary_traffic import Traffic, hostile_message
from localdev.fault_traffic import plan_traffic
from localdev.outcomes import default_pipeline
from transforms.event import Quarantined


def test_every_hostile_input_is_quarantined_by_the_batch_pipeline() -> None:
    pipeline, traffic = default_pipeline("k" * 32), Traffic()
    user = traffic.user(0)
    reasons = set()
    for n in range(15):  # the whole cycle
        key, value = hostile_message(traffic, user, n)
        assert key == user.encode()  # in the user's partition, so the oracle's order holds
        rejected = [o for o in pipeline.sanitize_message(value) if isinstance(o, Quarantined)]
        assert rejected, f"hostile input {n} was not quarantined"
        reasons.update(outcome.reason for outcome in rejected)
    assert {"invalid_json", "invalid_utf8", "empty_message", "oversized_field"} <= reasons


def test_a_plan_holds_the_events_and_hostile_inputs_asked_for() -> None:
    plan = plan_traffic(events=2000, users=14, hostile=40, seed=3)
    assert len(plan.hostile) == 40
    assert 2040 <= plan.total_events <= 2060  # a hostile batch holds two events
    assert len({key for key, _ in plan.messages}) == 14
    assert plan_traffic(events=2000, users=14, hostile=40, seed=3).hostile == plan.hostile
