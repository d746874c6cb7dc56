"""The one exception hierarchy of jupyter_workflows.

Every error a user can cause is a :class:`WorkflowsError`; its message says what was wrong and how to fix it.
Engine bugs raise :class:`InternalError` instead, so they never look like a user's mistake.
"""

from __future__ import annotations

from collections.abc import Sequence


class WorkflowsError(Exception):
    """Base class of every error jupyter_workflows raises on purpose."""


class ValidationError(WorkflowsError, ValueError):
    """Inputs, outputs or a specification were wrong. ``problems`` lists every problem found, not just the first.

    ``port_tree``: the inputs the process takes (types, defaults, help), shown below the traceback as an exception
    note (Python 3.11+ and IPython show notes), so the message itself stays the list of problems."""

    def __init__(self, summary: str, problems: Sequence[str] = (), *, port_tree: str = "") -> None:
        self.summary = summary
        self.problems = list(problems)
        self.port_tree = port_tree
        if port_tree:
            self.__notes__ = [port_tree]  # what add_note() does, also on Python 3.10 (IPython shows it there)
        if not self.problems:
            message = summary
        elif len(self.problems) == 1:
            message = f"{summary}: {self.problems[0]}"
        else:
            message = f"{summary} ({len(self.problems)} problems):\n" + "\n".join(f"- {p}" for p in self.problems)
        super().__init__(message)


class PortValidationError(ValidationError):
    """What ``port.validate(value)`` returns (as AiiDA's) when ``value`` does not fit: ``message`` says what is wrong
    and ``port`` is the dotted path of the port."""

    def __init__(self, message: str, port: str) -> None:
        super().__init__(f"Invalid value for port '{port}'", [message])
        self.message = message
        self.port = port


class UnknownInputError(ValidationError, AttributeError):
    """An input name the process does not declare (``builder.z = 1``); an AttributeError too, as in AiiDA."""


class ArgumentError(ValidationError, TypeError):
    """A process function was called with arguments its signature does not take (too many positional arguments, a
    missing or an unknown one). A TypeError, as Python's own for a plain function, and a ValueError, as in AiiDA."""


class LabelClashError(ValidationError, RuntimeError):
    """Two arguments of one call would get the same input label: the items of ``*args`` are labelled ``args_0``,
    ``args_1``, ... and a parameter has one of these names. A RuntimeError, as in AiiDA; nothing is run or stored."""


class SerializationError(ValidationError, TypeError):
    """A value cannot become a storable node or JSON (``Int('a')``, ``Dict({1: 2})``); the message says what was
    wrong, what would work and where. Both ``except ValueError`` and ``except TypeError`` catch it, as in AiiDA."""


class UsageError(WorkflowsError, TypeError, ValueError):
    """A function of jupyter_workflows was called with an argument of the wrong kind (``jw.run(42)``)."""


class SpecError(WorkflowsError, TypeError, ValueError):
    """A process class or function was defined wrongly (bad port, outline or exit code declaration). Both
    ``except TypeError`` and ``except ValueError`` catch it: AiiDA raises either, depending on the mistake."""


class IncompleteDefineError(SpecError, AssertionError):
    """A process class's ``define(cls, spec)`` does not call ``super().define(spec)``. An AssertionError, as AiiDA's
    (plumpy asserts it)."""


class ProtectedMethodError(SpecError, RuntimeError):
    """A WorkChain class overrides a method the engine runs it by (``run``). A RuntimeError, as in AiiDA."""


class ProvenanceError(WorkflowsError, ValueError):
    """An action would break the provenance graph's rules (a calcfunction returning existing data or calling a
    process, a workflow returning new data). A ValueError, as AiiDA's link validation raises."""


class InvalidOperationError(UsageError, ProvenanceError):
    """An operation that is not allowed where it was attempted (AiiDA's ``InvalidOperation``): launching the base
    WorkChain class itself, a calcfunction calling a process, submitting a process that stores no provenance, the
    top-level ``submit`` inside a WorkChain step (use ``self.submit``). A UsageError and a ProvenanceError."""


class TransitionError(WorkflowsError):
    """A process was asked to move between two states that the state machine does not connect."""


class ProcessError(WorkflowsError):
    """A process did not finish successfully; ``node`` is its process node."""

    def __init__(self, message: str, node: object = None) -> None:
        super().__init__(message)
        self.node = node


class ProcessKilledError(ProcessError):
    """The process was killed before it finished."""


class ProcessNotRunningHereError(WorkflowsError):
    """A control (pause, play, kill) targeted a process that this kernel does not run."""


class NotResumableError(WorkflowsError):
    """A process cannot be resumed (no checkpoint, a process function, or it already terminated)."""


class CodeTravelError(WorkflowsError):
    """A process defined in a notebook (or a script's ``__main__``) cannot run in another process: its code uses
    something that cannot travel with it (a closure, an open file), its source is not available, or the stored code
    cannot be loaded there. The message names what, and how to fix it."""


class DaemonError(WorkflowsError):
    """The daemon (a supervisor and its workers) could not be started, stopped or reached: it already runs, it does
    not run, or it did not come up; the message says what to do."""


class StoreError(WorkflowsError):
    """The provenance store failed or was asked something it cannot do."""


class StoreUnreachableError(StoreError):
    """The store's database could not be opened or reached."""


class NodeNotFoundError(StoreError, LookupError):
    """No node with the given pk or uuid exists in the store."""


class NodeSealedError(StoreError):
    """A write to a sealed node: a process that terminated (perhaps ended by another kernel) never changes again."""


class CheckpointError(StoreError):
    """A checkpoint could not be written or read back (for example it is corrupted or of a newer version)."""


class CommunicatorError(WorkflowsError):
    """A message could not be sent, received or answered over the message broker."""


class BrokerUnreachableError(CommunicatorError):
    """The message broker (RabbitMQ) could not be reached within the time allowed; the message says how to fix it."""


class BrokerLoginError(BrokerUnreachableError):
    """The message broker refused the broker URL's login (its user name or password, or its virtual host): trying
    again will not help; the URL must be fixed."""


class MessageError(CommunicatorError, ValueError):
    """A broker message is malformed, too large, or of a wire-format version this build does not read."""


class RecipientNotFoundError(CommunicatorError, LookupError):
    """Nobody holds the identifier an RPC was sent to (for example no kernel or worker runs that process)."""


class RpcTimeoutError(CommunicatorError, TimeoutError):
    """The holder of an RPC's identifier did not answer in time (its event loop may be busy)."""


class RemoteError(CommunicatorError):
    """The receiver of an RPC raised; ``error_type`` names its exception class, the message is its message."""

    def __init__(self, message: str, error_type: str = "") -> None:
        super().__init__(message)
        self.error_type = error_type


class DuplicateSubscriberError(CommunicatorError):
    """An RPC identifier is already served, by this communicator or by another one on the same broker."""


class GraphvizError(WorkflowsError):
    """Graphviz is missing, failed, or took too long to lay out a graph."""


class ArchiveError(WorkflowsError):
    """An AiiDA archive cannot be written or read: the path is missing or no archive, its version is not one this
    package reads, or what it holds contradicts itself. The message names what was expected and the fix."""


class InternalError(Exception):
    """A bug in jupyter_workflows itself. Please report it with the traceback."""


class NoWorkerWarning(UserWarning):
    """A process was submitted to the daemon while no daemon worker of its store runs: it waits in the queue until
    one starts (``jw.daemon.start()``)."""
