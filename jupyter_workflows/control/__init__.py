"""How processes are steered and listed: pause, play, kill, processes()."""

from ._controls import kill as kill, pause as pause, play as play
from ._process_list import ProcessList as ProcessList, ProcessRow as ProcessRow, processes as processes

__all__ = ["ProcessList", "ProcessRow", "kill", "pause", "play", "processes"]
