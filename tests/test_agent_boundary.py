"""The agent package sees only the Gymnasium API: importing it loads neither pygame nor the game."""

import subprocess
import sys


def test_importing_agent_loads_no_pygame_and_no_game():
    code = (
        "import sys, agent; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('pygame', 'game')]; "
        "print(loaded); sys.exit(bool(loaded))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
