"""The errors the game reports to a person as one line."""


class SceneError(ValueError):
    """A scene, its options or a track cannot be used; the message names the input and what was expected."""


class TrackError(SceneError):
    """A track file is unusable; the message names the file, the field and what was expected."""
