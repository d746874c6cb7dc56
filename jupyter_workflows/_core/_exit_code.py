"""Exit codes: how a finished process says whether it succeeded (0) or why it failed (> 0)."""

from __future__ import annotations

from typing import NamedTuple

from ._errors import UsageError

__all__ = ["ExitCode", "ExitCodes"]


class ExitCode(NamedTuple):
    """An exit status with a message. A step (or process function) returns one to stop its process."""

    status: int = 0
    message: str | None = None
    label: str | None = None
    invalidates_cache: bool = False  # a run that ended with it is never a cache source (see the README's Caching)

    def format(self, **kwargs: object) -> ExitCode:
        """A copy whose message has its ``{placeholders}`` filled in."""
        if self.message is None:
            return self
        return self._replace(message=self.message.format(**kwargs))


class ExitCodes(dict[str, ExitCode]):
    """The exit codes of a process class, also reachable as attributes: ``self.exit_codes.ERROR_NEGATIVE``."""

    def __getattr__(self, label: str) -> ExitCode:
        try:
            return self[label]
        except KeyError:
            known = ", ".join(sorted(self)) or "none"
            raise AttributeError(f"No exit code labelled {label!r}; known labels: {known}.") from None

    def __call__(self, identifier: int | str) -> ExitCode:
        """Look an exit code up by label or by status."""
        if isinstance(identifier, str):
            return self.__getattr__(identifier)
        for code in self.values():
            if code.status == identifier:
                return code
        known = ", ".join(f"{code.status} ({code.label})" for code in self.values())
        raise UsageError(f"No exit code with status {identifier}; known: {known}.")


# Exit codes every process has (AiiDA's numbers).
ERROR_UNSPECIFIED = ExitCode(1, "The process has failed with an unspecified error.", "ERROR_UNSPECIFIED", True)
ERROR_INVALID_OUTPUT = ExitCode(10, "The process returned an invalid output: {problems}", "ERROR_INVALID_OUTPUT", True)
ERROR_MISSING_OUTPUT = ExitCode(
    11, "The process did not register a required output: {labels}", "ERROR_MISSING_OUTPUT", True
)
BUILTIN_EXIT_CODES = (ERROR_UNSPECIFIED, ERROR_INVALID_OUTPUT, ERROR_MISSING_OUTPUT)
