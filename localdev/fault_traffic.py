"""The collectors of a fault run: a thread that produces recorded traffic without pausing.

The plan (every message, built before the run from a seed) is single events and collector
batches of ``users`` people, with hostile inputs spread through it. The thread sends it paced
over a time window and never waits for the broker: during an outage kafka-python buffers and
retries (idempotent, so a retry writes no second copy), which is what a collector does.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata

from localdev.canary_traffic import KINDS, Message, Traffic, hostile_message
from localdev.outcomes import events_in_message
from localdev.simulate import Pacer

BATCH_EVENTS = 40  # a collector batch, as the worker integration tests send


@dataclass
class TrafficPlan:
    """Every message to produce, in order; ``hostile`` holds the indexes of hostile ones."""

    traffic: Traffic
    messages: list[Message] = field(default_factory=list)
    events: list[int] = field(default_factory=list)  # raw events per message
    hostile: set[int] = field(default_factory=set)

    @property
    def total_events(self) -> int:
        return sum(self.events)


def plan_traffic(events: int, users: int, hostile: int, seed: int) -> TrafficPlan:
    """About ``events`` good events (half as single-event messages, half in batches) of
    ``users`` people, plus ``hostile`` hostile messages at random places."""
    rng = random.Random(seed)
    plan = TrafficPlan(Traffic(seed=f"{seed:06x}"[-6:]))
    people = [plan.traffic.user(n) for n in range(users)]
    batches = max(0, events // 2 // BATCH_EVENTS)
    kinds: list[int] = [1] * (events - batches * BATCH_EVENTS) + [BATCH_EVENTS] * batches
    rng.shuffle(kinds)
    hostile_at = set(rng.sample(range(len(kinds) + hostile), hostile))
    pending = iter(kinds)
    for index in range(len(kinds) + hostile):
        user = rng.choice(people)
        if index in hostile_at:
            plan.hostile.add(index)
            plan.messages.append(hostile_message(plan.traffic, user, len(plan.hostile) - 1))
            plan.events.append(events_in_message(plan.messages[-1][1]))
        elif (size := next(pending)) == 1:
            plan.messages.append(plan.traffic.single(user, rng.choice(KINDS)))
            plan.events.append(1)
        else:
            plan.messages.append(plan.traffic.batch(user, rng.choices(KINDS, k=size)))
            plan.events.append(size)
    return plan


class TrafficThread(threading.Thread):
    """Sends ``plan`` to ``topic`` at ``plan.total_events / seconds`` events/s; ``sent_events``
    is the progress, ``acked`` the (partition, offset) of each message once Kafka has it."""

    def __init__(self, bootstrap: str, topic: str, plan: TrafficPlan, seconds: float) -> None:
        super().__init__(name="fault-run-traffic", daemon=True)
        self.plan, self.topic, self.rate = plan, topic, plan.total_events / seconds
        self.producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=10,
            max_request_size=4 * 1024 * 1024,
            delivery_timeout_ms=300_000,  # outlives any outage the run makes
            max_block_ms=300_000,
        )
        self.sent_events = 0
        self.futures: list[FutureRecordMetadata] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            pacer = Pacer(self.rate)
            for (key, value), events in zip(self.plan.messages, self.plan.events, strict=True):
                self.futures.append(self.producer.send(self.topic, key=key, value=value))
                self.sent_events += events
                pacer.pace(events)
            self.producer.flush(timeout=300)
        except BaseException as error:  # reported by acked(); the run then fails
            self.error = error
        finally:
            self.producer.close(timeout=30)

    def acked(self) -> list[tuple[int, int] | None]:
        """Per planned message, where Kafka put it (None: not sent or failed)."""
        places: list[tuple[int, int] | None] = []
        for future in self.futures:
            if future.succeeded():
                metadata = future.value
                places.append((metadata.partition, metadata.offset))
            else:
                places.append(None)
        return places + [None] * (len(self.plan.messages) - len(self.futures))
