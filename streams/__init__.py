"""The streaming service: Faust workers that read raw interaction events from Kafka and write
sanitized events (or quarantine records) back to it. Only the service lives here; it imports
``transforms`` (the privacy core) and nothing of the tools in ``cli``, ``privacy`` or ``localdev``.

The data path, top to bottom:

1. ``app``: the Faust app, its topics and the web pages (``/metrics``, ``/healthz``).
2. ``agents``: take a batch of raw messages from the raw topic (no per-message ack).
3. ``optout``: drop the messages of opted-out users, unread.
4. ``routing``: decode and run the policy (``transforms.pipeline``) on each message, encode,
   and pick the sanitized or quarantine topic and partition for each record.
5. ``publisher``: hand the records to the producer as record batches, then ack the raw offsets
   once the broker has acknowledged them.

Around it: ``settings`` (``SANITIZER_*``), ``runtime`` (the pipeline a worker runs),
``metrics``, ``topics`` (creating them) and ``worker`` (starting one).
"""
