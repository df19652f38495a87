"""Privacy evaluation: measure what an attacker can still learn from sanitized output.

Reads the 136M Keystrokes subset from ``../shared/data`` (never copied into the repository),
turns it into interaction/v1 events and runs them through the real policy code.
"""
