"""The sections below the head of a full ProcessWidget: report log, called processes, outputs, traceback and the
provenance graph.

Each is an Accordion of its own (so any number can be open at once). A section opens by itself the first time it
has something worth seeing (the first report, the first child, outputs once finished, the traceback once excepted);
after that the user decides.
"""

from __future__ import annotations

import ipywidgets as w  # type: ignore[import-untyped]

from ..nodes import ProcessNode, flat_namespace
from ._called_tree import CalledTree
from ._controls import Kit, show
from ._provenance import ProvenanceView
from ._repr import outputs_html, reports_html, traceback_html
from ._snapshot import ProcessSnapshot

__all__ = ["SECTIONS", "ProcessSections"]

SECTIONS = ("reports", "called", "outputs", "traceback", "provenance")


class ProcessSections:
    def __init__(self, node: ProcessNode, kit: Kit, called: CalledTree, provenance: ProvenanceView) -> None:
        self._node = node
        self._kit = kit
        self.called = called
        self._reports = kit.html()
        self._outputs = kit.html()
        self._traceback: w.HTML | None = None  # built only for an excepted process
        self.accordions: dict[str, w.Accordion] = {
            "reports": w.Accordion([self._reports], titles=("Report",), selected_index=None, layout=kit.column_layout),
            "called": w.Accordion([called.widget], titles=("Called processes",), selected_index=None),
            "outputs": w.Accordion([self._outputs], titles=("Outputs",), selected_index=None, layout=kit.column_layout),
            "provenance": provenance.accordion,
        }
        self.provenance = provenance
        show(self.accordions["called"], False)
        self.box = w.VBox(list(self.accordions.values()), layout=kit.column_layout)
        self._opened_once: set[str] = set()

    def render(self, stale: set[str], snap: ProcessSnapshot) -> None:
        """Re-read the sections named in ``stale`` (and the children that changed)."""
        if "reports" in stale:
            reports = self._node.reports
            self._reports.value = reports_html(reports)
            self.accordions["reports"].set_title(0, f"Report ({len(reports)})")
            self._open_once("reports", bool(reports))
        if "called" in stale:
            self.called.reload()
        elif self.called.pending:
            self.called.render()
        if "called" in stale or len(self.called):
            show(self.accordions["called"], bool(len(self.called)) or snap.kind == "WorkChain")
            self.accordions["called"].set_title(0, self.called.title())
            self._open_once("called", len(self.called) > 0)
        if "outputs" in stale:
            outputs = self._node.outputs
            self._outputs.value = outputs_html(outputs)
            self.accordions["outputs"].set_title(0, f"Outputs ({sum(1 for _ in flat_namespace(outputs))})")
            self._open_once("outputs", snap.terminated and bool(outputs))
        if "provenance" in stale:
            self.provenance.changed(terminated=snap.terminated)
        if snap.state == "excepted" and "traceback" in stale:
            self._show_traceback(self._node.exception)

    def close(self) -> None:
        self.called.close()
        self.provenance.close()
        for widget in (self._reports, self._outputs, self._traceback, *self.accordions.values(), self.box):
            if widget is not None:
                widget.close()

    def _show_traceback(self, text: str | None) -> None:
        if self._traceback is None:
            self._traceback = self._kit.html()
            self.accordions["traceback"] = w.Accordion([self._traceback], titles=("Traceback",), selected_index=None)
            self.box.children = tuple(self.accordions.values())
        self._traceback.value = traceback_html(text)
        self._open_once("traceback", True)

    def _open_once(self, name: str, condition: bool) -> None:
        if condition and name not in self._opened_once:
            self._opened_once.add(name)
            self.accordions[name].selected_index = 0
