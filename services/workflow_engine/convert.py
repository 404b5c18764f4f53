"""Conversion between the workflow-engine's protobuf messages and its domain models."""

from __future__ import annotations

from cognition.workflow.v1 import workflow_pb2
from cognition.workflow.v1 import workflow_service_pb2 as pb
from services.workflow_engine.core.models import Workflow, WorkflowState
from shared.proto.fields import enum_from_proto, enum_to_proto, masked_changes, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec
from shared.rpc.standard_methods import StandardResource

COLLECTION = "workflows"

# The fields of ListWorkflows' filter, as its contract documents them.
WORKFLOW_FILTER = FilterSpec(state=EnumValue(workflow_pb2.WorkflowState, WorkflowState))


def workflow_to_proto(workflow: Workflow) -> workflow_pb2.Workflow:
    return workflow_pb2.Workflow(
        name=names.format_name(workflow.tenant, COLLECTION, workflow.id),
        display_name=workflow.display_name,
        definition_yaml=workflow.definition_yaml,
        version=workflow.version,
        schedule=workflow.schedule,
        state=enum_to_proto(workflow_pb2.WorkflowState, workflow.state),
        create_time=timestamp(workflow.create_time),
        update_time=timestamp(workflow.update_time),
        etag=workflow.etag,
    )


def state_from_proto(value: int) -> WorkflowState:
    """Proto state to domain; UNSPECIFIED means ACTIVE."""
    return enum_from_proto(workflow_pb2.WorkflowState, value, WorkflowState, WorkflowState.ACTIVE)


def new_workflow(tenant: str, workflow_id: str, message: workflow_pb2.Workflow) -> Workflow:
    """The domain workflow to create from a CreateWorkflow request's workflow."""
    return Workflow(
        tenant=tenant,
        id=workflow_id,
        display_name=message.display_name,
        definition_yaml=message.definition_yaml,
        schedule=message.schedule,
        state=state_from_proto(message.state),
    )


def workflow_changes(message: workflow_pb2.Workflow, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateWorkflow request sets, for the masked paths."""
    return masked_changes(paths, {
        "display_name": lambda: message.display_name,
        "definition_yaml": lambda: message.definition_yaml,
        "schedule": lambda: message.schedule,
        "state": lambda: state_from_proto(message.state),
    })


WORKFLOWS = StandardResource(pb, "Workflow", "Workflows", COLLECTION,
                             to_proto=workflow_to_proto, from_proto=new_workflow,
                             changes=workflow_changes, filter=WORKFLOW_FILTER)
