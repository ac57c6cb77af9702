"""The errors the game reports to a person as one line."""


class GameError(Exception):
    """A problem the user can fix; the message is one line naming the input and what was
    expected."""


class SceneError(GameError, ValueError):
    """A scene or one of its options cannot be used."""


class TrackError(SceneError):
    """A track file is unusable; the message names the file, the field and what was expected.

    The validator also says where the problem is, when it is somewhere (the editor marks it):
    `at_m` a world position [m], `point` the index of a centreline point in the file.
    """

    def __init__(
        self, message: str, *, at_m: tuple[float, float] | None = None, point: int | None = None
    ):
        super().__init__(message)
        self.at_m = at_m
        self.point = point


class DisplayError(GameError):
    """No window can be opened (e.g. no display on this machine)."""


class UsageError(GameError):
    """A flag, or a combination of flags, that cannot work; the message names the flag and what
    was expected."""
