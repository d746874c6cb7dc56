"""The engine core: states, ports, the process lifecycle, the portal and the runner.

Pure asyncio (plus greenlet): this package never imports IPython, ipywidgets, jupyter_server, aio_pika,
SQLAlchemy or graphviz. The store, widgets and brokers plug in from the layers above.
"""

from ._attribute_dict import AttributeDict as AttributeDict, FrozenAttributeDict as FrozenAttributeDict
from ._builder import ProcessBuilder as ProcessBuilder, ProcessBuilderNamespace as ProcessBuilderNamespace
from ._errors import (
    ArchiveError as ArchiveError,
    ArgumentError as ArgumentError,
    BrokerLoginError as BrokerLoginError,
    BrokerUnreachableError as BrokerUnreachableError,
    CheckpointError as CheckpointError,
    CodeTravelError as CodeTravelError,
    CommunicatorError as CommunicatorError,
    DaemonError as DaemonError,
    DuplicateSubscriberError as DuplicateSubscriberError,
    GraphvizError as GraphvizError,
    IncompleteDefineError as IncompleteDefineError,
    InternalError as InternalError,
    InvalidOperationError as InvalidOperationError,
    LabelClashError as LabelClashError,
    MessageError as MessageError,
    NodeNotFoundError as NodeNotFoundError,
    NodeSealedError as NodeSealedError,
    NotResumableError as NotResumableError,
    NoWorkerWarning as NoWorkerWarning,
    PortValidationError as PortValidationError,
    ProcessError as ProcessError,
    ProcessKilledError as ProcessKilledError,
    ProcessNotRunningHereError as ProcessNotRunningHereError,
    ProtectedMethodError as ProtectedMethodError,
    ProvenanceError as ProvenanceError,
    RecipientNotFoundError as RecipientNotFoundError,
    RemoteError as RemoteError,
    RpcTimeoutError as RpcTimeoutError,
    SerializationError as SerializationError,
    SpecError as SpecError,
    StoreError as StoreError,
    StoreUnreachableError as StoreUnreachableError,
    TransitionError as TransitionError,
    UnknownInputError as UnknownInputError,
    UsageError as UsageError,
    ValidationError as ValidationError,
    WorkflowsError as WorkflowsError,
)
from ._events import EventBus as EventBus, ProcessEvent as ProcessEvent
from ._exit_code import ExitCode as ExitCode, ExitCodes as ExitCodes, ExitCodesNamespace as ExitCodesNamespace
from ._interrupts import (
    InterruptTarget as InterruptTarget,
    interrupts_go_to as interrupts_go_to,
    kill_signal_heard as kill_signal_heard,
    send_kill_signal as send_kill_signal,
)
from ._portal import await_ as await_, in_portal as in_portal
from ._ports import (
    UNSPECIFIED as UNSPECIFIED,
    InputPort as InputPort,
    OutputPort as OutputPort,
    PortNamespace as PortNamespace,
)
from ._process import (
    REPORT_LOGGER_NAME as REPORT_LOGGER_NAME,
    PreparedProcess as PreparedProcess,
    Process as Process,
    ProcessRecord as ProcessRecord,
    current_process as current_process,
    killed_with_caller as killed_with_caller,
    kills_reach_user_code as kills_reach_user_code,
)
from ._runner import Runner as Runner
from ._slots import Slots as Slots
from ._spec import ProcessSpec as ProcessSpec
from ._states import ACTIVE_STATES as ACTIVE_STATES, TERMINAL_STATES as TERMINAL_STATES, ProcessState as ProcessState
from ._timeouts import set_within as set_within
from ._transactions import check_may_yield as check_may_yield, transaction_scope as transaction_scope
