"""A throwaway resource given its standard methods as docs/architecture.md says ("Adding a
resource"): a contract, an entity and its table, a Resources subclass with its rules, a
StandardResource declaration and one line in the servicer; then all five methods are called
over gRPC."""

from __future__ import annotations

import dataclasses
import importlib
import pathlib
import sys
from collections.abc import AsyncIterator, Collection, Iterator
from types import ModuleType
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf import field_mask_pb2
from grpc_tools import protoc

from shared.database import DatabaseConnection, Repository, entity_columns
from shared.errors import InvalidArgument
from shared.proto.fields import masked_changes
from shared.resources.entity import Entity
from shared.resources.filters import FilterSpec, Text
from shared.resources.names import format_name
from shared.resources.standard import Resources
from shared.rpc.boundary import RpcBoundaryInterceptor
from shared.rpc.page_tokens import PageTokens
from shared.rpc.standard_methods import StandardResource, standard_methods

CONTRACT = """
syntax = "proto3";
package throwaway.v1;
import "google/protobuf/field_mask.proto";

message Note { string name = 1; string text = 2; string topic = 3; string etag = 4; }
message CreateNoteRequest { string parent = 1; Note note = 2; string note_id = 3; }
message CreateNoteResponse { Note note = 1; }
message GetNoteRequest { string name = 1; }
message GetNoteResponse { Note note = 1; }
message ListNotesRequest {
  string parent = 1; int32 page_size = 2; string page_token = 3; string filter = 4;
}
message ListNotesResponse { repeated Note notes = 1; string next_page_token = 2; }
message UpdateNoteRequest { Note note = 1; google.protobuf.FieldMask update_mask = 2; }
message UpdateNoteResponse { Note note = 1; }
message DeleteNoteRequest { string name = 1; }
message DeleteNoteResponse {}

service NoteService {
  rpc CreateNote(CreateNoteRequest) returns (CreateNoteResponse);
  rpc GetNote(GetNoteRequest) returns (GetNoteResponse);
  rpc ListNotes(ListNotesRequest) returns (ListNotesResponse);
  rpc UpdateNote(UpdateNoteRequest) returns (UpdateNoteResponse);
  rpc DeleteNote(DeleteNoteRequest) returns (DeleteNoteResponse);
}
"""


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    """The contract compiled as the project's are (protoc through grpcio-tools)."""
    root = tmp_path_factory.mktemp("contract")
    source = root / "throwaway" / "v1" / "notes_service.proto"
    source.parent.mkdir(parents=True)
    source.write_text(CONTRACT)
    includes = pathlib.Path(protoc.__file__).parent / "_proto"
    assert protoc.main(["protoc", f"-I{root}", f"-I{includes}", f"--python_out={root}",
                        f"--grpc_python_out={root}", str(source)]) == 0
    for folder in (root / "throwaway", root / "throwaway" / "v1"):
        (folder / "__init__.py").touch()
    sys.path.insert(0, str(root))
    try:
        yield (importlib.import_module("throwaway.v1.notes_service_pb2"),
               importlib.import_module("throwaway.v1.notes_service_pb2_grpc"))
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n.startswith("throwaway")]:
            del sys.modules[name]


# core/models.py: the entity.
@dataclasses.dataclass(frozen=True, kw_only=True)
class Note(Entity):
    text: str
    topic: str = ""


# repository.py: its table (and an Alembic revision creating it, in a real service).
metadata = sa.MetaData()
notes = sa.Table("notes", metadata, *entity_columns(),
                 sa.Column("text", sa.Text, nullable=False),
                 sa.Column("topic", sa.String(64), nullable=False))


# core/notes.py: the rules.
class NoteService(Resources[Note]):
    """Notes; a note is never blank."""

    updatable = ("text", "topic")

    async def check(self, resource: Note, changed: Collection[str] | None) -> None:
        if not resource.text.strip():
            raise InvalidArgument.for_field("note.text", "must not be blank")


def note_resource(pb: ModuleType) -> StandardResource[Note]:
    """convert.py: the resource in its messages."""
    return StandardResource(
        pb, "Note", "Notes", "notes",
        to_proto=lambda note: pb.Note(name=format_name(note.tenant, "notes", note.id),
                                      text=note.text, topic=note.topic, etag=note.etag),
        from_proto=lambda tenant, id_, message: Note(tenant=tenant, id=id_, text=message.text,
                                                     topic=message.topic),
        changes=lambda message, paths: masked_changes(paths, {"text": lambda: message.text,
                                                              "topic": lambda: message.topic}),
        filter=FilterSpec(topic=Text()))


@pytest.fixture
async def notes_stub(contract: tuple[ModuleType, ModuleType],
                     tmp_path: pathlib.Path) -> AsyncIterator[Any]:
    pb, pb_grpc = contract
    resource = note_resource(pb)

    # servicer.py: one line for the five methods.
    class NoteServicer(pb_grpc.NoteServiceServicer):  # type: ignore[misc, name-defined]
        CreateNote, GetNote, ListNotes, UpdateNote, DeleteNote = standard_methods(
            resource, "_notes")

        def __init__(self, notes: NoteService) -> None:
            self._notes = notes

    db = DatabaseConnection(f"sqlite+aiosqlite:///{tmp_path}/notes.db")
    async with db.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    # The RPC boundary every service has: errors as statuses, page tokens sealed.
    boundary = RpcBoundaryInterceptor("notes.cognition", 5.0, page_tokens=PageTokens(bytes(32)))
    server = grpc.aio.server(interceptors=[boundary])
    pb_grpc.add_NoteServiceServicer_to_server(
        NoteServicer(NoteService(Repository(db, notes, Note, "note"))), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield pb_grpc.NoteServiceStub(channel)
    await server.stop(None)
    await db.dispose()


async def test_a_throwaway_resource_serves_its_five_standard_methods(
        contract: tuple[ModuleType, ModuleType], notes_stub: Any) -> None:
    pb, _ = contract
    parent = "tenants/acme"
    created = (await notes_stub.CreateNote(pb.CreateNoteRequest(
        parent=parent, note_id="first", note=pb.Note(text="hello", topic="greetings")))).note
    assert created.name == "tenants/acme/notes/first" and created.etag
    other = (await notes_stub.CreateNote(pb.CreateNoteRequest(
        parent=parent, note=pb.Note(text="other")))).note

    got = (await notes_stub.GetNote(pb.GetNoteRequest(name=created.name))).note
    assert got == created

    listed = await notes_stub.ListNotes(pb.ListNotesRequest(parent=parent, page_size=1))
    assert len(listed.notes) == 1 and listed.next_page_token
    rest = await notes_stub.ListNotes(pb.ListNotesRequest(
        parent=parent, page_size=1, page_token=listed.next_page_token))
    assert [n.name for n in [*listed.notes, *rest.notes]] == [other.name, created.name]
    greetings = await notes_stub.ListNotes(pb.ListNotesRequest(
        parent=parent, filter='topic = "greetings"'))
    assert [n.name for n in greetings.notes] == [created.name]

    updated = (await notes_stub.UpdateNote(pb.UpdateNoteRequest(
        note=pb.Note(name=created.name, text="hello again", topic="ignored", etag=created.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["text"])))).note
    assert (updated.text, updated.topic) == ("hello again", "greetings")
    assert updated.etag != created.etag

    await notes_stub.DeleteNote(pb.DeleteNoteRequest(name=created.name))
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await notes_stub.GetNote(pb.GetNoteRequest(name=created.name))
    assert gone.value.code() is grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(("call", "field"), [
    ("blank", "note.text"), ("stale etag", ""), ("unknown mask path", "update_mask"),
    ("unknown filter field", "filter"), ("name of another collection", "name"),
])
async def test_the_standard_methods_refuse_what_the_resource_forbids(
        contract: tuple[ModuleType, ModuleType], notes_stub: Any, call: str,
        field: str) -> None:
    pb, _ = contract
    note = (await notes_stub.CreateNote(pb.CreateNoteRequest(
        parent="tenants/acme", note=pb.Note(text="kept")))).note
    attempts = {
        "blank": lambda: notes_stub.CreateNote(pb.CreateNoteRequest(
            parent="tenants/acme", note=pb.Note(text="  "))),
        "stale etag": lambda: notes_stub.UpdateNote(pb.UpdateNoteRequest(
            note=pb.Note(name=note.name, text="new", etag="0" * 16),
            update_mask=field_mask_pb2.FieldMask(paths=["text"]))),
        "unknown mask path": lambda: notes_stub.UpdateNote(pb.UpdateNoteRequest(
            note=pb.Note(name=note.name, text="new"),
            update_mask=field_mask_pb2.FieldMask(paths=["etag"]))),
        "unknown filter field": lambda: notes_stub.ListNotes(pb.ListNotesRequest(
            parent="tenants/acme", filter='text = "kept"')),
        "name of another collection": lambda: notes_stub.GetNote(pb.GetNoteRequest(
            name="tenants/acme/goals/g1")),
    }
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await attempts[call]()
    expected = grpc.StatusCode.ABORTED if call == "stale etag" else (
        grpc.StatusCode.INVALID_ARGUMENT)
    assert refused.value.code() is expected
    assert field in (refused.value.details() or "")
