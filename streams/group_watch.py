"""Notice a consumer that stays out of its group while the broker answers, and say so.

aiokafka 0.14 can leave a consumer outside its consumer group after a broker restart: it marks
the group coordinator dead and never looks it up again, while its other clients reconnect
(aio-libs/aiokafka#1154; seen here in 2 of 8 short fault runs). The worker then goes on with
partitions that the group has given to others (exactly-once fences it; at-least-once would
duplicate), and it hangs at shutdown waiting for the coordination task.

``GroupWatch`` looks at the consumer's coordinator every few seconds. A worker is *out of its
group* when it has no known coordinator, or has been told to rejoin and has not, while its
client's last metadata refresh succeeded (the broker answers: an outage is not this). After
``limit_s`` of that, ``/healthz`` answers 503 (``out_of_group_s``), so an orchestrator's liveness
probe restarts the worker; a rebalance or a broker outage, both shorter, never trips it.
The coordinator is read, never changed, from the app's thread: a stale read only delays.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# Longer than any rebalance the group should need (a session timeout or two) and than a broker
# restart, after which a healthy consumer is back within seconds.
DEFAULT_LIMIT_S = 90.0


def out_of_group(consumer: Any) -> bool:
    """Whether an aiokafka consumer is outside its group although its broker answers."""
    coordinator = getattr(consumer, "_coordinator", None)
    client = getattr(consumer, "_client", None)
    if coordinator is None or client is None or not hasattr(coordinator, "coordinator_id"):
        return False  # not started, or not a group member at all (manual assignment)
    if getattr(client, "_sanitizer_md_failures", 0):  # the broker does not answer: an outage
        return False
    rejoin = getattr(coordinator, "_rejoin_needed_fut", None)
    rejoin_pending = rejoin is not None and rejoin.done()
    return coordinator.coordinator_id is None or rejoin_pending


class GroupWatch:
    def __init__(
        self,
        consumer: Callable[[], Any],
        limit_s: float = DEFAULT_LIMIT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._consumer, self.limit_s, self._clock = consumer, limit_s, clock
        self._since: float | None = None
        self._reported = False

    def check(self) -> None:
        """Called on a timer: note when the consumer left its group, and when it came back."""
        try:
            outside = out_of_group(self._consumer())
        except Exception:  # the consumer is not started yet, or is stopping
            outside = False
        now = self._clock()
        if not outside:
            if self._reported:
                log.warning("the consumer is back in its group")
            self._since, self._reported = None, False
            return
        if self._since is None:
            self._since = now
        if not self._reported and now - self._since >= self.limit_s:
            self._reported = True
            log.error(
                "the consumer has been out of its group for %.0f s while the broker answers "
                "(aiokafka#1154); /healthz answers 503: restart this worker",
                now - self._since,
            )

    def out_of_group_s(self) -> float:
        """Seconds out of the group beyond the limit's start; 0 when in it."""
        return 0.0 if self._since is None else self._clock() - self._since

    def healthy(self) -> bool:
        return self.out_of_group_s() < self.limit_s
