"""Typist identification from raw and sanitized keystroke timing, in one command.

    python benchmarks/privacy_timing.py            # all 300 participants, a few minutes
    python benchmarks/privacy_timing.py --quick    # 30 participants

Needs the 136M Keystrokes subset in ../shared/data/keystrokes-136m (or
$SANITIZER_KEYSTROKES_DIR) and the ``dev`` extra (numpy, scikit-learn).
"""

from __future__ import annotations

import sys

from cli.evaluate import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
