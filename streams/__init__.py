"""The streaming service: Faust workers that read raw interaction events from Kafka and write
sanitized events (or quarantine records) back to it. Only the service lives here; it imports
``transforms`` (the privacy core) and nothing of the tools in ``cli``, ``privacy`` or ``localdev``.

The data path, top to bottom:

1. ``app``: the Faust app (consumer group, opt-out table, web pages ``/metrics``, ``/healthz``).
2. ``agents``: the raw topic and the delivery loop of the configured guarantee.
3. ``intake``: whole fetches per raw partition, taken out of Faust's consumer (no per-message
   Faust event).
4. ``delivery``: one flow per assigned partition: restore its stage state (``session_store``,
   ``changelog``), route, publish, commit.
5. ``optout`` and ``routing``: drop opted-out users unread; decode, run the policy
   (``transforms.pipeline``), encode, and pick the sanitized or quarantine topic and partition.
6. ``publisher``, then ``at_least_once`` or ``exactly_once``: hand records to the producer and
   commit the raw offsets once the broker holds the outputs (or in one transaction with them).

Around it: ``settings`` (``SANITIZER_*``), ``runtime`` (the pipeline a worker runs),
``consumer_thread`` (what the worker adjusts in Faust's aiokafka consumer thread), ``metrics``,
``group_watch`` (``/healthz`` when the consumer is stuck out of its group), ``topics`` (creating
them), ``connection`` (the tools' broker errors) and ``worker`` (starting one: ``broker_wait``,
``log_repeats``, ``reconnect_backoff``).
"""
