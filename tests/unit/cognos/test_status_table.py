"""`cognos status`'s table: the total resident memory, and nothing cut on a narrow terminal."""

from __future__ import annotations

from rich.console import Console

from cognos.status_table import ProcessRow, render, render_loops

ROWS = [
    ProcessRow("agent-orchestrator", 4194303, "50053", "SERVING", "SERVING", 81 * 2**20),
    ProcessRow("ai-quality-gate", 1234, "50056", "NOT_SERVING", "UNAVAILABLE", 70 * 2**20),
    ProcessRow("task-planner", 999, "50052", "UNAVAILABLE", "UNAVAILABLE", 0),  # gone
    ProcessRow("envoy", 4321, "8080", "LIVE", "", 30 * 2**20),
]


def _printed(width: int) -> list[str]:
    console = Console(width=width, record=True, force_terminal=False)
    console.print(render(ROWS, "http://127.0.0.1:9901"))
    return console.export_text().splitlines()


def test_the_table_fits_70_columns_with_every_value_whole() -> None:
    lines = _printed(70)

    assert max(len(line) for line in lines) <= 70
    assert "…" not in "".join(lines)
    rows = {line.split()[0]: line.split() for line in lines if line.strip()}
    assert rows["agent-orchestrator"] == ["agent-orchestrator", "4194303", "50053", "SERVING",
                                          "SERVING", "81"]
    assert rows["ai-quality-gate"] == ["ai-quality-gate", "1234", "50056", "NOT_SERVING",
                                       "DOWN", "70"]
    assert rows["task-planner"] == ["task-planner", "999", "50052", "DOWN", "DOWN", "-"]
    assert rows["envoy"] == ["envoy", "4321", "8080", "LIVE", "30"]


def test_the_total_row_sums_the_resident_memory_of_live_processes() -> None:
    total = next(line for line in _printed(70) if line.split()[:1] == ["total"])

    assert total.split() == ["total", str(81 + 70 + 30)]


def test_a_healthy_mesh_fits_60_columns() -> None:
    healthy = [row for row in ROWS if row.direct in ("SERVING", "LIVE")]
    console = Console(width=60, record=True, force_terminal=False)
    console.print(render(healthy, "http://127.0.0.1:9901"))
    lines = console.export_text().splitlines()

    assert max(len(line) for line in lines) <= 60
    assert any(line.split() == ["agent-orchestrator", "4194303", "50053", "SERVING", "SERVING",
                                "81"] for line in lines)


def test_the_background_work_of_each_service_is_listed_within_60_columns() -> None:
    console = Console(width=60, record=True, force_terminal=False)
    console.print(render_loops(["task-planner", "agent-orchestrator", "audit-log"]))
    lines = console.export_text().splitlines()

    assert max(len(line) for line in lines) <= 60
    text = " ".join(" ".join(lines).split())
    assert "task-planner audit-delivery, planning" in text
    assert "audit-log retention-purge" in text
    assert "dispatch" in text and "agent-supervision" in text
