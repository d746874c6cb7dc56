"""How processes are steered, listed and shown: pause, play, kill, processes(), status_tree()."""

from ._controls import kill as kill, pause as pause, play as play
from ._process_list import ProcessList as ProcessList, ProcessRow as ProcessRow, processes as processes
from ._status import status_tree as status_tree

__all__ = ["ProcessList", "ProcessRow", "kill", "pause", "play", "processes", "status_tree"]
