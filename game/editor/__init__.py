"""The track editor: draw a track with the mouse, see it validated live, save it, drive it.

Plain code, testable without a window: `model` (the draft and its edits), `history` (undo and
redo), `viewport` (world <-> screen), `hittest` (what is under the mouse), `validation` (the
track file's own rules, live), `storage` (atomic save, save-as, drafts), `editor` (the
commands on all of these) and `gestures` (what the mouse does). The pygame layer only
translates events and draws: `mode` (the App's edit mode), `draw` (the picture), `trials`
(drive, watch or train on the track) and `launch` (the window).
"""
