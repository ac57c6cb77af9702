"""Shared test setup: no screen or sound card is needed, ever."""

import os

# Before anything imports pygame: tests that draw or open a window use SDL's dummy drivers.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
