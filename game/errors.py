"""The errors the game reports to a person as one line."""


class GameError(Exception):
    """A problem the user can fix; the message is one line naming the input and what was
    expected."""


class SceneError(GameError, ValueError):
    """A scene or one of its options cannot be used."""


class TrackError(SceneError):
    """A track file is unusable; the message names the file, the field and what was expected."""


class DisplayError(GameError):
    """No window can be opened (e.g. no display on this machine)."""


class UsageError(GameError):
    """A flag, or a combination of flags, that cannot work; the message names the flag and what was
    expected."""
