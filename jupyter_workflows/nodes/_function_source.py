"""Where the function of a process function's run is defined (AiiDA's ``FunctionCalculationMixin``): its name,
module, lines, and the text of its source file as it was when it ran (kept in the store, once per distinct text)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store import NodeRow, Store

__all__ = ["FunctionSource"]

SOURCE_FILE = "source_file"  # the sha256 of the source file's text in the store's code table (_processes._recorded)


class FunctionSource:
    """The source of a process function's run, on CalcFunctionNode and WorkFunctionNode."""

    _row: NodeRow
    if TYPE_CHECKING:  # given by Node

        @property
        def provenance_store(self) -> Store: ...

    def _attribute(self, key: str) -> Any:
        return self._row.attributes.get(key)

    @property
    def function_name(self) -> str | None:
        """The name of the function that ran."""
        return self._attribute("function_name")  # type: ignore[no-any-return]

    @property
    def function_namespace(self) -> str | None:
        """The module the function is defined in (``__main__`` for a notebook)."""
        return self._attribute("function_namespace")  # type: ignore[no-any-return]

    @property
    def function_starting_line_number(self) -> int | None:
        """The line of its source file where the function starts (its first decorator), counted from 1."""
        return self._attribute("function_starting_line_number")  # type: ignore[no-any-return]

    @property
    def function_number_of_lines(self) -> int | None:
        """How many lines the function's source has, decorators included."""
        return self._attribute("function_number_of_lines")  # type: ignore[no-any-return]

    def get_source_code_file(self) -> str | None:
        """The text of the file (or notebook cell) the function is defined in, as it was when it ran; None if it had
        no source (code made with ``exec``)."""
        sha256 = self._attribute(SOURCE_FILE)
        return self.provenance_store.load_code(sha256) if isinstance(sha256, str) else None

    def get_source_code_function(self) -> str | None:
        """The function's source as it was when it ran, decorators included (what ``inspect.getsource`` gave then);
        None if it had none."""
        text = self.get_source_code_file()
        first, count = self.function_starting_line_number, self.function_number_of_lines
        if text is None or first is None or count is None:
            return None
        return "".join(text.splitlines(keepends=True)[first - 1 : first - 1 + count])
