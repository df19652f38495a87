"""Exactly-once through a broker outage: the fault run of ``localdev.fault_run``, short.

Its own broker (the shared one cannot be killed), two workers with
``SANITIZER_PROCESSING_GUARANTEE=exactly_once``, traffic and hostile inputs produced without a
pause while the broker is SIGKILLed for 10 s and restarted on its data: read ``read_committed``,
every raw event's outcome is there once and equal to the batch pipeline's, every hostile input
is quarantined, and no canary or raw identifier leaks.
"""

from __future__ import annotations

from localdev.fault_run import FaultRunOptions, run
from tests.integration.conftest import require_local_kafka


def test_exactly_once_through_a_broker_outage(tmp_path):
    require_local_kafka()
    options = FaultRunOptions(
        guarantee="exactly_once", faults=("broker",), events=4000, produce_s=40.0, workdir=tmp_path
    )
    figures = run(options)
    print(figures.table())

    [outage] = figures.faults_done
    assert outage.produced_meanwhile > 0, "production paused during the outage"
    assert figures.messages_in_raw == figures.messages_acked > 0
    assert figures.events_in_raw >= 4000
    assert figures.sanitized_expected > 2000  # the default policy drops moves and key releases
    assert figures.sanitized_lost == figures.quarantine_lost == 0
    assert figures.sanitized_duplicates == figures.quarantine_duplicates == 0
    assert figures.sanitized_seen == figures.sanitized_expected
    assert figures.sanitized_unexpected == figures.mismatches == 0
    assert figures.hostile == figures.hostile_quarantined == 40
    assert figures.leaks == 0
    assert figures.crashes == 0  # no worker exited unasked
    # Not asserted: that both workers are back in the group and stop cleanly afterwards. In two
    # of eight short runs on this machine, after the broker restart, a worker's consumer never
    # rediscovered the group coordinator (it went on with its partitions outside the group until
    # the other worker took them and fenced it) and then hung on SIGTERM: an open defect. The
    # table shows it (workers not recovered, not stopped cleanly) and the fault run exits 1.
