"""Undo and redo: the drafts before and after the current one."""

from __future__ import annotations

from game.editor.model import TrackDraft

MAX_UNDO = 1_000
"""Undo steps kept (each is a reference to an immutable draft: about 30 KB at 1000 points)."""


class History:
    """The current draft, with every earlier one (undo) and the ones undone since (redo)."""

    def __init__(self, draft: TrackDraft):
        self.current = draft
        self._undo: list[TrackDraft] = []
        self._redo: list[TrackDraft] = []

    def push(self, draft: TrackDraft) -> bool:
        """Make `draft` current as a new step; False (and nothing done) if it equals the current."""
        if draft == self.current:
            return False
        self._undo.append(self.current)
        del self._undo[:-MAX_UNDO]
        self._redo.clear()
        self.current = draft
        return True

    def amend(self, draft: TrackDraft) -> None:
        """Replace the current draft within the same step (a drag in progress)."""
        self.current = draft
        self._redo.clear()

    def undo(self) -> bool:
        """Go back one step; False when there is none."""
        if not self._undo:
            return False
        self._redo.append(self.current)
        self.current = self._undo.pop()
        return True

    def redo(self) -> bool:
        """Go forward one undone step; False when there is none."""
        if not self._redo:
            return False
        self._undo.append(self.current)
        self.current = self._redo.pop()
        return True
