from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CriticVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CRITIC_VERDICT_UNSPECIFIED: _ClassVar[CriticVerdict]
    CRITIC_VERDICT_PASS: _ClassVar[CriticVerdict]
    CRITIC_VERDICT_FAIL: _ClassVar[CriticVerdict]
CRITIC_VERDICT_UNSPECIFIED: CriticVerdict
CRITIC_VERDICT_PASS: CriticVerdict
CRITIC_VERDICT_FAIL: CriticVerdict

class AgentInput(_message.Message):
    __slots__ = ("task", "goal", "title", "instructions", "acceptance_criteria", "context", "upstream_results")
    class UpstreamResultsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TASK_FIELD_NUMBER: _ClassVar[int]
    GOAL_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCE_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_RESULTS_FIELD_NUMBER: _ClassVar[int]
    task: str
    goal: str
    title: str
    instructions: str
    acceptance_criteria: _containers.RepeatedScalarFieldContainer[str]
    context: _containers.RepeatedScalarFieldContainer[str]
    upstream_results: _containers.ScalarMap[str, str]
    def __init__(self, task: _Optional[str] = ..., goal: _Optional[str] = ..., title: _Optional[str] = ..., instructions: _Optional[str] = ..., acceptance_criteria: _Optional[_Iterable[str]] = ..., context: _Optional[_Iterable[str]] = ..., upstream_results: _Optional[_Mapping[str, str]] = ...) -> None: ...

class DraftTask(_message.Message):
    __slots__ = ("id", "title", "instructions", "agent_role", "depends_on", "tools", "acceptance_criteria", "critical")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    AGENT_ROLE_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCE_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    instructions: str
    agent_role: str
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    tools: _containers.RepeatedScalarFieldContainer[str]
    acceptance_criteria: _containers.RepeatedScalarFieldContainer[str]
    critical: bool
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., instructions: _Optional[str] = ..., agent_role: _Optional[str] = ..., depends_on: _Optional[_Iterable[str]] = ..., tools: _Optional[_Iterable[str]] = ..., acceptance_criteria: _Optional[_Iterable[str]] = ..., critical: _Optional[bool] = ...) -> None: ...

class PlannerOutput(_message.Message):
    __slots__ = ("tasks", "complexity")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[DraftTask]
    complexity: int
    def __init__(self, tasks: _Optional[_Iterable[_Union[DraftTask, _Mapping]]] = ..., complexity: _Optional[int] = ...) -> None: ...

class ExecutorOutput(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: str
    def __init__(self, result: _Optional[str] = ...) -> None: ...

class CriticOutput(_message.Message):
    __slots__ = ("verdict", "issues")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    verdict: CriticVerdict
    issues: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, verdict: _Optional[_Union[CriticVerdict, str]] = ..., issues: _Optional[_Iterable[str]] = ...) -> None: ...

class SummarizerOutput(_message.Message):
    __slots__ = ("summary",)
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    summary: str
    def __init__(self, summary: _Optional[str] = ...) -> None: ...
