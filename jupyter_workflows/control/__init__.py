"""How processes are steered, listed, shown and watched: pause, play, kill, processes(), status_tree(),
report_text(), show_text(), watch_async()."""

from ._controls import kill as kill, pause as pause, play as play
from ._process_list import ProcessList as ProcessList, ProcessRow as ProcessRow, processes as processes
from ._status import report_text as report_text, show_text as show_text, status_tree as status_tree
from ._watch import watch_async as watch_async

__all__ = [
    "ProcessList",
    "ProcessRow",
    "kill",
    "pause",
    "play",
    "processes",
    "report_text",
    "show_text",
    "status_tree",
    "watch_async",
]
