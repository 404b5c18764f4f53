"""The service registry: every service of the mesh, its gRPC service names and default port.

Envoy's configuration, the local supervisor, the CLI and the tests are all derived from this
one table, so adding a service is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    """One service of the mesh.

    Attributes:
        name: Service name as used in logs, Envoy clusters and the CLI (``task-planner``).
        package: Python package under ``services/`` (``task_planner``).
        proto_package: Protobuf package of its contract (``cognition.planner.v1``).
        grpc_service: Unqualified name of its gRPC service (``PlannerService``).
        port: Default gRPC port.
        loops: Its background loops, by the names its composition root gives them (every
            service but the audit log delivers its audit entries in the background).
    """

    name: str
    package: str
    proto_package: str
    grpc_service: str
    port: int
    loops: tuple[str, ...] = ("audit-delivery",)

    @property
    def full_service_name(self) -> str:
        """Fully qualified gRPC service name, e.g. ``cognition.planner.v1.PlannerService``."""
        return f"{self.proto_package}.{self.grpc_service}"

    @property
    def error_domain(self) -> str:
        """``google.rpc.ErrorInfo.domain`` of its errors, e.g. ``planner.cognition``."""
        return f"{self.proto_package.split('.')[1]}.cognition"

    @property
    def env_prefix(self) -> str:
        """Prefix of this service's settings in the environment, e.g. ``COGNOS_TASK_PLANNER_``."""
        return f"COGNOS_{self.package.upper()}_"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("auth", "auth", "cognition.auth.v1", "AuthService", 50051),
    ServiceSpec("task-planner", "task_planner", "cognition.planner.v1", "PlannerService", 50052,
                loops=("audit-delivery", "planning")),
    ServiceSpec("agent-orchestrator", "agent_orchestrator", "cognition.orchestrator.v1",
                "OrchestratorService", 50053,
                loops=("audit-delivery", "agent-supervision", "dispatch")),
    ServiceSpec("memory", "memory", "cognition.memory.v1", "MemoryService", 50054,
                loops=("audit-delivery", "index-sync", "access-log", "lifecycle")),
    ServiceSpec("ai-runtime", "ai_runtime", "cognition.runtime.v1", "RuntimeService", 50055),
    ServiceSpec("ai-quality-gate", "ai_quality_gate", "cognition.quality.v1", "QualityService",
                50056, loops=("audit-delivery", "rule-workers")),
    ServiceSpec("tool-runner", "tool_runner", "cognition.tools.v1", "ToolService", 50057,
                loops=("run-reaper",)),
    ServiceSpec("workflow-engine", "workflow_engine", "cognition.workflow.v1", "WorkflowService",
                50058),
    ServiceSpec("audit-log", "audit_log", "cognition.audit.v1", "AuditService", 50059,
                loops=("retention-purge",)),
    ServiceSpec("explainability", "explainability", "cognition.explain.v1", "ExplainService",
                50060),
    ServiceSpec("observability", "observability", "cognition.observability.v1",
                "ObservabilityService", 50061),
)

ENVOY_LISTEN_PORT = 8080
ENVOY_ADMIN_PORT = 9901


def by_name(name: str) -> ServiceSpec:
    """The spec of the service called ``name`` (or whose package is ``name``).

    Raises:
        KeyError: No such service.
    """
    for spec in SERVICES:
        if name in (spec.name, spec.package):
            return spec
    raise KeyError(name)
