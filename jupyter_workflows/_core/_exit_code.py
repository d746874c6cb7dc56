"""Exit codes: how a finished process says whether it succeeded (0) or why it failed (> 0)."""

from __future__ import annotations

from typing import NamedTuple

from ._errors import UsageError

__all__ = ["ExitCode", "ExitCodes", "ExitCodesNamespace"]


class ExitCode(NamedTuple):
    """An exit status with a message, as AiiDA's: a step (or process function) returns one to stop its process.

    ``invalidates_cache``: a process that ended with this code is never used as a cache source.
    """

    status: int = 0
    message: str | None = None
    invalidates_cache: bool = False

    def format(self, **kwargs: object) -> ExitCode:
        """A copy whose message has its ``{placeholders}`` filled in; every placeholder needs a keyword."""
        if self.message is None:
            raise UsageError(f"Exit code {self.status} has no message to format; give it a message with placeholders.")
        try:
            message = self.message.format(**kwargs)
        except (KeyError, IndexError) as error:
            given = ", ".join(sorted(kwargs)) or "none"
            raise UsageError(
                f"The message of exit code {self.status}, {self.message!r}, needs the placeholder {error}; "
                f"pass it as a keyword to format() (given: {given})."
            ) from None
        return self._replace(message=message)


class ExitCodes(dict[str, ExitCode]):
    """The exit codes of a process class by label, also reachable as attributes: ``MyWorkChain.exit_codes.ERROR_X``.
    Calling it looks a code up by label or by status: ``exit_codes(400)``."""

    def __getattr__(self, label: str) -> ExitCode:
        try:
            return self[label]
        except KeyError:
            known = ", ".join(sorted(self)) or "none"
            raise AttributeError(f"No exit code labelled {label!r}; known labels: {known}.") from None

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self]

    def __call__(self, identifier: int | str) -> ExitCode:
        """Look an exit code up by label or by status (the first declared with that status)."""
        if isinstance(identifier, str):
            if identifier not in self:
                raise UsageError(f"No exit code labelled {identifier!r}; known labels: {', '.join(sorted(self))}.")
            return self[identifier]
        for code in self.values():
            if code.status == identifier:
                return code
        known = ", ".join(f"{code.status} ({label})" for label, code in self.items())
        raise UsageError(f"No exit code with status {identifier}; known: {known}.")


ExitCodesNamespace = ExitCodes
"""AiiDA's name for :class:`ExitCodes`."""

# Exit codes every process has (AiiDA's numbers). A process that ended with one of them is never a cache source.
ERROR_UNSPECIFIED = ExitCode(1, "The process has failed with an unspecified error.", True)
ERROR_INVALID_OUTPUT = ExitCode(10, "The process returned an invalid output: {problems}", True)
ERROR_MISSING_OUTPUT = ExitCode(11, "The process did not register a required output: {labels}", True)
BUILTIN_EXIT_CODES = {
    "ERROR_UNSPECIFIED": ERROR_UNSPECIFIED,
    "ERROR_INVALID_OUTPUT": ERROR_INVALID_OUTPUT,
    "ERROR_MISSING_OUTPUT": ERROR_MISSING_OUTPUT,
}
