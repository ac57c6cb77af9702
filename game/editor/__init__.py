"""The track editor: draw a track with the mouse, see it validated live, save it, drive it.

Plain code, testable without a window: `model` (the draft and its edits), `history` (undo and
redo), `viewport` (world <-> screen), `hittest` (what is under the mouse), `validation` (the
track file's own rules, live), `storage` (atomic save, save-as, drafts) and `editor` (mouse
gestures and commands on all of these). The pygame layer only translates events and draws:
`mode` (the App's edit mode), `draw` (the picture), `launch` (the window, and driving,
watching or training on the track being edited).
"""
