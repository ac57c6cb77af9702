"""What runs in the window, one module per mode; each steps its world and describes it for the HUD.

| mode   | module   | who acts                                                |
|--------|----------|---------------------------------------------------------|
| play   | play.py  | you, with the keyboard                                  |
| watch  | watch.py | a trained policy (or the race's scripted driver), N copies |
| versus | versus.py| you and the agent, on the same track                    |
| train  | train.py | the learner, while it learns                            |

Play, watch and versus share drive.py's loop; base.py holds what every mode shares.
"""

from game.modes.base import Mode
from game.modes.drive import DriveMode
from game.modes.play import PlayMode
from game.modes.train import TrainMode
from game.modes.versus import VersusMode
from game.modes.watch import WatchMode

__all__ = ["DriveMode", "Mode", "PlayMode", "TrainMode", "VersusMode", "WatchMode"]
