"""How a running goal looks on a terminal: a live table of its tasks while it runs, one line per
event where there is no terminal (CI logs), and the report once it ended (plan, tasks with
their agents, attempts, results and the memories they used, usage, final answer).

Nothing here talks to the mesh: ``cognos.demo`` feeds it tasks as ``TaskView`` values.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Iterable, Mapping, Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from cognition.planner.v1 import task_pb2
from shared.agents.memories import ContextRecord, MemoryUse

STATE_STYLES = {
    "BLOCKED": "dim", "READY": "yellow", "RUNNING": "bold cyan", "SUCCEEDED": "green",
    "FAILED": "bold red", "SKIPPED": "magenta", "CANCELLED": "red",
    "PENDING": "dim", "PLANNING": "yellow", "PAUSED": "magenta",
}
ENDED = frozenset({"SUCCEEDED", "FAILED", "SKIPPED", "CANCELLED"})
RESULT_WIDTH = 200
MEMORIES_SHOWN = 5  # per task; more are counted


@dataclasses.dataclass(frozen=True)
class TaskView:
    """What the display shows of one task."""

    id: str
    title: str
    role: str
    depends_on: tuple[str, ...]
    state: str
    attempts: int
    start_time: datetime.datetime | None
    end_time: datetime.datetime | None
    result: str
    agents: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    memories: tuple[MemoryUse, ...] = ()  # given as context, best first
    memories_left_out: int = 0  # used too, but not named where they were recorded

    @classmethod
    def of(cls, task: task_pb2.Task) -> TaskView:
        """The view of a planner task (names shortened to ids)."""
        return cls(
            id=_last(task.name), title=task.title, role=task.agent_role,
            depends_on=tuple(_last(d) for d in task.depends_on),
            state=task_pb2.TaskState.Name(task.state).removeprefix("TASK_STATE_"),
            attempts=task.attempts,
            start_time=task.start_time.ToDatetime(datetime.UTC)
            if task.HasField("start_time") else None,
            end_time=task.end_time.ToDatetime(datetime.UTC) if task.HasField("end_time") else None,
            result=task.result)

    def elapsed(self, now: datetime.datetime) -> str:
        """Seconds spent running: so far while it runs, in total once it ended."""
        if self.start_time is None:
            return ""
        end = self.end_time or (now if self.state == "RUNNING" else None)
        return f"{(end - self.start_time).total_seconds():.1f}s" if end else ""


class GoalProgress:
    """The tasks of a goal as the latest events tell them; rendered as a table by rich."""

    def __init__(self, goal: str) -> None:
        self.goal = goal
        self.goal_state = ""  # until the first event
        self.tasks: dict[str, TaskView] = {}
        self.started = datetime.datetime.now(datetime.UTC)

    def update(self, view: TaskView) -> TaskView:
        """Record the latest ``view`` of a task, keeping the agents already known."""
        known = self.tasks.get(view.id)
        if known is not None and not view.agents:
            view = dataclasses.replace(view, agents=known.agents, errors=known.errors)
        self.tasks[view.id] = view
        return view

    def since_start(self) -> str:
        return f"{(datetime.datetime.now(datetime.UTC) - self.started).total_seconds():5.1f}s"

    def event_line(self, event_type: str, view: TaskView | None) -> Text:
        """One plain line per event, for output that is not a terminal."""
        line = Text(f"{self.since_start()}  ")
        if view is None:
            return line.append(f"goal {self.goal_state}", _style(self.goal_state))
        line.append(f"{view.id} ({view.role}) ")
        line.append(view.state, _style(view.state))
        if view.agents:
            line.append(f" by {view.agents[-1]}")
        if view.attempts > 1:
            line.append(f", attempt {view.attempts}")
        return line if event_type != "task.updated" else line.append(" (updated)")

    def __rich__(self) -> RenderableType:
        now = datetime.datetime.now(datetime.UTC)
        state = self.goal_state or "PENDING"
        table = Table(title=f"{self.goal}  [{_style(state)}]{state}[/]  "
                            f"{self.since_start().strip()}", title_justify="left")
        for column in ("task", "role", "state", "agent", "attempts", "elapsed"):
            table.add_column(column, justify="right" if column in ("attempts", "elapsed")
                             else "left")
        for view in self.tasks.values():
            table.add_row(view.id, view.role, Text(view.state, _style(view.state)),
                          ", ".join(view.agents), str(view.attempts or ""), view.elapsed(now))
        if not self.tasks:
            table.add_row("(planning)", "", "", "", "", "")
        return table


def plan_tree(goal: str, description: str, tasks: Sequence[TaskView]) -> Tree:
    """The plan as a tree: each task under the tasks it depends on (shared ones repeated)."""
    tree = Tree(f"[bold]{description}[/bold]  ({goal})")
    by_id = {t.id: t for t in tasks}
    children: dict[str, list[TaskView]] = {t.id: [] for t in tasks}
    for task in tasks:
        for dep in task.depends_on:
            children.setdefault(dep, []).append(task)

    def add(node: Tree, task: TaskView, seen: frozenset[str]) -> None:
        deps = f" after {', '.join(task.depends_on)}" if len(task.depends_on) > 1 else ""
        branch = node.add(f"[bold]{task.id}[/bold] [dim]({task.role})[/dim] {task.title}{deps}")
        for child in children.get(task.id, ()):
            if child.id not in seen and child.depends_on[-1] == task.id:
                add(branch, child, seen | {child.id})  # under its last dependency only

    for task in tasks:
        if not task.depends_on or not all(d in by_id for d in task.depends_on):
            add(tree, task, frozenset({task.id}))
    return tree


def task_report(tasks: Iterable[TaskView]) -> Group:
    """Each task with its agent(s), attempts, state and time, its result on one line below
    (cut to the console's width) and the memories it was given with their scores, readable
    without a terminal too."""
    now = datetime.datetime.now(datetime.UTC)
    lines: list[RenderableType] = [Text("Tasks", "bold")]
    for task in tasks:
        tries = f"{task.attempts} attempt{'s' if task.attempts != 1 else ''}"
        lines.append(Text.assemble(
            (f"{task.id:<12} ", "bold"), (f"{task.state:<10}", _style(task.state)),
            f" {tries:<11} {task.elapsed(now):>6}  by {', '.join(task.agents) or '-'}"))
        outcome = one_line(task.result) if task.result else "; ".join(task.errors) or "-"
        lines.append(Text(f"    -> {outcome}", "dim" if not task.result else "",
                          no_wrap=True, overflow="ellipsis"))
        lines.extend(memory_lines(task))
    return Group(*lines)


def memory_lines(task: TaskView) -> list[Text]:
    """The memories ``task`` was given as context: a line each, with its score; none when
    it was given none."""
    lines = [Text.assemble("    memory ", (f"{use.score:.2f}", "cyan"), f"  {use.name}",
                           no_wrap=True, overflow="ellipsis")
             for use in task.memories[:MEMORIES_SHOWN]]
    more = len(task.memories[MEMORIES_SHOWN:]) + task.memories_left_out
    if more:
        lines.append(Text(f"    memory … and {more} more", "dim"))
    return lines


def with_memories(tasks: Sequence[TaskView],
                  records: Mapping[str, ContextRecord]) -> list[TaskView]:
    """``tasks`` with the memories each used, by task id."""
    return [dataclasses.replace(t, memories=records[t.id].used,
                                memories_left_out=records[t.id].left_out)
            if t.id in records else t for t in tasks]


def usage_line(cost_micros: int, input_tokens: int, output_tokens: int,
               completions: int) -> Text:
    """The goal's model usage as the AI runtime metered it."""
    return Text.assemble(
        ("cost ", "bold"), f"${cost_micros / 1e6:.6f}  ",
        ("tokens ", "bold"), f"{input_tokens + output_tokens} "
        f"({input_tokens} in, {output_tokens} out) over {completions} model completions")


def models_line(answered: dict[str, int]) -> Text:
    """Which provider and model answered the goal's completions, and how often."""
    if not answered:
        return Text.assemble(("answered by ", "bold"), "no model")
    ranked = sorted(answered.items(), key=lambda item: (-item[1], item[0]))
    return Text.assemble(("answered by ", "bold"), ", ".join(
        f"{key} ({count} completion{'s' if count != 1 else ''})" for key, count in ranked))


def final_answer(task: TaskView | None, goal_state: str) -> RenderableType:
    """The result of the goal's last task, as its answer."""
    if task is None or not task.result:
        why = "ended" if goal_state in ENDED else "is still"
        return Panel(Text(f"no answer: the goal {why} {goal_state}", "red"), title="Answer")
    return Panel(Group(Text(readable(task.result))),
                 title=f"Answer (from {task.id}, goal [{_style(goal_state)}]{goal_state}[/])",
                 title_align="left")


def last_task(tasks: Sequence[TaskView]) -> TaskView | None:
    """The task no other task depends on (the last such one in plan order)."""
    needed = {d for t in tasks for d in t.depends_on}
    sinks = [t for t in tasks if t.id not in needed]
    return sinks[-1] if sinks else (tasks[-1] if tasks else None)


def readable(result: str) -> str:
    """A result as prose: the text of a JSON answer's main field, else the text itself."""
    try:
        value = json.loads(result)
    except ValueError:
        return result.strip()
    if isinstance(value, dict):
        for key in ("summary", "result", "answer", "text"):
            if isinstance(value.get(key), str):
                return str(value[key]).strip()
        if "verdict" in value:
            issues = value.get("issues") or []
            return f"verdict {value['verdict']}" + (f": {'; '.join(map(str, issues))}"
                                                    if issues else "")
    return result.strip()


def one_line(result: str, width: int = RESULT_WIDTH) -> str:
    text = " ".join(readable(result).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _style(state: str) -> str:
    return STATE_STYLES.get(state, "")


def _last(name: str) -> str:
    return name.rsplit("/", 1)[-1]
