"""Synthetic interaction/v1 traffic for ``sanitizer simulate``, the demo and the benchmarks.

Pure and seeded: no clock, no network, no Kafka. ``pii`` makes people and secrets, ``keyboard``
turns text into keystrokes with a person's rhythm, ``sessions`` makes whole users' sessions
batched as collectors batch them, and ``malformed`` adds the collector bugs quarantine exists for.
"""
