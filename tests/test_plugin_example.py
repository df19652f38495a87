"""The README's worked plugin example runs as documented: registered by name, used from a policy."""

import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[1] / "examples" / "plugin"


def test_worked_plugin_example_passes_its_own_test() -> None:
    sys.path.insert(0, str(EXAMPLE / "src"))
    try:
        import sanitizer_grid.snap_pointer_to_grid  # noqa: F401  (registers the transform)

        sys.path.insert(0, str(EXAMPLE / "tests"))
        from test_snap_pointer_to_grid import test_pointer_positions_are_snapped_to_the_grid

        test_pointer_positions_are_snapped_to_the_grid()
    finally:
        sys.path[:] = [p for p in sys.path if not p.startswith(str(EXAMPLE))]
