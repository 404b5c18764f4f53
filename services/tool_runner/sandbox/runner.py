"""The sandbox: untrusted Python run confined, one slot (and uid) per run, with its output
streamed and its end explained."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from services.tool_runner.sandbox.cgroups import PARENT, RunGroup, wrapper_pids
from services.tool_runner.sandbox.confine import ENVIRONMENT, Confinement
from services.tool_runner.sandbox.limits import Limits
from services.tool_runner.sandbox.output import OutputCallback, StreamOutput
from services.tool_runner.sandbox.probe import Choice, probe
from services.tool_runner.sandbox.result import Outcome, SandboxResult
from services.tool_runner.sandbox.slots import SlotPool
from services.tool_runner.sandbox.verdict import Ending, verdict

_log = logging.getLogger(__name__)

# How often the run's cgroup is read for its process limit and its CPU time.
POLL_SECONDS = 0.1
# How long the output may take to end once the run's processes have.
_DRAIN_SECONDS = 1.0
_run_ids = itertools.count()


class Sandbox:
    """Runs untrusted Python, and programs others spawn, under the machine's confinement.

    Build it with ``Sandbox.detect()``, which raises SandboxUnavailable where nothing confines.

    Args:
        confinement: The layers every process gets.
        slots: Python runs at once (each has its own uid); more wait for a slot.
        command_slots: Confined commands at once (``command``), each with a uid of its own
            after the run slots'.
    """

    def __init__(self, confinement: Confinement, *, slots: int = 4,
                 command_slots: int = 8) -> None:
        self._confinement = confinement
        self._runs = SlotPool(slots)
        self._commands = SlotPool(command_slots, first=slots)
        self._closing: set[asyncio.Task[None]] = set()

    @classmethod
    def detect(cls, *, slots: int = 4, command_slots: int = 8, mode: Choice = "auto",
               uid_base: int = 61000, python: str = "/usr/bin/python3",
               cgroup_parent: str = PARENT) -> Sandbox:
        """The sandbox this machine offers; ``mode`` forces bubblewrap or the fallback.

        Raises:
            SandboxUnavailable: Nothing here confines code.
        """
        confinement = probe(mode=mode, uid_base=uid_base, uids=slots + command_slots,
                            python=python, cgroup_parent=cgroup_parent)
        return cls(confinement, slots=slots, command_slots=command_slots)

    @property
    def confinement(self) -> Confinement:
        """The layers every process gets."""
        return self._confinement

    @property
    def layers(self) -> tuple[str, ...]:
        """The names of those layers, outermost first."""
        return self._confinement.layers

    async def run_python(self, code: str, *, stdin: bytes = b"", limits: Limits,
                         on_output: OutputCallback | None = None,
                         cancel: asyncio.Event | None = None) -> SandboxResult:
        """Run ``code`` to its end, a limit, or ``cancel``.

        Args:
            code: Python source, run as a script in a private, empty working directory.
            stdin: What the code reads from stdin.
            limits: What it may use.
            on_output: Called with ``("stdout" | "stderr", text)`` as output arrives.
            cancel: Set to stop the run (its outcome is then CANCELLED).

        Returns:
            How it ended; a limit, a timeout or a cancel is an outcome, not an exception.
        """
        slot = await self._runs.acquire()
        group: RunGroup | None = None
        try:
            group = self._confinement.group(f"run-{os.getpid()}-{next(_run_ids)}", limits)
            return await self._run(code, stdin, limits, slot, group, on_output, cancel)
        finally:
            # The slot (its uid) is free once the run's last process is gone; the result
            # need not wait for that.
            closing = asyncio.ensure_future(self._close(slot, group))
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)

    async def _close(self, slot: int, group: RunGroup | None) -> None:
        try:
            if group is not None:
                await group.close()
        except Exception:
            _log.exception("sandbox cgroup %s not removed", group.name if group else "")
        finally:
            self._runs.release(slot)

    async def aclose(self) -> None:
        """Wait until every finished run's processes and groups are gone."""
        while self._closing:
            await asyncio.gather(*self._closing)

    async def _run(self, code: str, stdin: bytes, limits: Limits, slot: int,
                   group: RunGroup | None, on_output: OutputCallback | None,
                   cancel: asyncio.Event | None) -> SandboxResult:
        stopped: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()

        def stop(outcome: Outcome) -> None:
            if not stopped.done():
                stopped.set_result(outcome)

        async def pump(stream: StreamOutput, reader: asyncio.StreamReader) -> None:
            try:
                await stream.pump(reader)
            except Exception as error:  # on_output failed: the run stops and it is raised
                if not stopped.done():
                    stopped.set_exception(error)

        streams = [StreamOutput(name, limits.output_bytes, on_output,
                                lambda: stop(Outcome.OUTPUT_LIMIT))
                   for name in ("stdout", "stderr")]
        started = time.monotonic()
        process = await self._spawn(code, limits, slot, group)
        assert process.stdin and process.stdout and process.stderr
        pumps = [asyncio.ensure_future(pump(stream, reader))
                 for stream, reader in zip(streams, (process.stdout, process.stderr),
                                           strict=True)]
        watchers = [asyncio.ensure_future(_feed(process.stdin, stdin))]
        if group is not None:
            watchers.append(asyncio.ensure_future(_watch(group, limits, stop)))
        if cancel is not None:
            watchers.append(asyncio.ensure_future(_cancelled(cancel, stop)))
        exited = asyncio.ensure_future(process.wait())
        try:
            ends: list[asyncio.Future[Any]] = [exited, stopped]
            await asyncio.wait(ends, timeout=limits.wall_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
            if not exited.done():
                stop(Outcome.TIMED_OUT)
                _kill(process.pid, group)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(exited), _DRAIN_SECONDS)
                if not exited.done():  # the wrapper itself did not end
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    await exited
            wall = time.monotonic() - started
            for watcher in watchers:
                watcher.cancel()
            _, late = await asyncio.wait(pumps, timeout=_DRAIN_SECONDS)
            if late:  # something still holds the pipes: end it
                _kill(process.pid, group)
                await asyncio.wait(late, timeout=_DRAIN_SECONDS)
        finally:
            for task in [*watchers, *pumps, exited]:
                task.cancel()
            if process.returncode is None:
                _kill(process.pid, group)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        assert process.returncode is not None
        ending = Ending(
            returncode=process.returncode,
            stopped=stopped.result() if stopped.done() else None,
            oom_killed=group.oom_killed() if group is not None else False,
            process_limit_hit=group.process_limit_hit() if group is not None else False,
            cpu_seconds=group.cpu_seconds() if group is not None else 0.0,
            stderr=streams[1].text[-4096:])
        outcome, exit_code, message = verdict(ending, limits)
        return SandboxResult(outcome=outcome, exit_code=exit_code, stdout=streams[0].text,
                             stderr=streams[1].text, message=message, wall_seconds=wall,
                             cpu_seconds=ending.cpu_seconds, layers=self.layers)

    async def _spawn(self, code: str, limits: Limits, slot: int,
                     group: RunGroup | None) -> asyncio.subprocess.Process:
        """Start the code confined; it reads its source from a memory file, not argv."""
        source = os.memfd_create("sandbox-code", os.MFD_CLOEXEC)
        try:
            data = memoryview(code.encode("utf-8", "surrogatepass"))
            while data:
                data = data[os.write(source, data):]
            os.lseek(source, 0, os.SEEK_SET)
            return await asyncio.create_subprocess_exec(
                *self._confinement.python_argv(source, limits),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, pass_fds=(source,), env=ENVIRONMENT, cwd="/",
                start_new_session=True,
                preexec_fn=self._confinement.preexec(slot=slot, group=group, limits=limits))
        finally:
            os.close(source)

    @contextlib.contextmanager
    def command(self, argv: Sequence[str], *, limits: Limits, network: bool = False,
                ro_paths: Sequence[str] = (), keep_env: Sequence[str] = ()
                ) -> Iterator[list[str]]:
        """The argv that runs ``argv`` confined, for a program another library spawns (an MCP
        server over stdio): the launcher (``python -m services.tool_runner.sandbox.launch``)
        puts it in its own cgroup, slot uid and bubblewrap, and passes stdio through.

        Args:
            argv: The program and its arguments, as seen inside the sandbox.
            limits: What it may use; ``output_bytes`` does not apply (stdio is its protocol)
                and ``wall_seconds`` bounds its whole life.
            network: Keep the host's network (and the files name resolution needs).
            ro_paths: Host paths the program needs, shown read-only at the same place.
            keep_env: Names of the launcher's environment variables the program gets.

        Yields:
            The launcher's argv; its slot is held until the block ends.

        Raises:
            SlotsExhausted: Every command slot is in use.
        """
        with self._commands.lease_now() as slot:
            c = self._confinement
            launcher = [sys.executable, "-m", "services.tool_runner.sandbox.launch",
                        "--mode", c.mode, "--wrapper", c.wrapper,
                        "--cpu-seconds", f"{limits.cpu_seconds:g}",
                        "--wall-seconds", f"{limits.wall_seconds:g}",
                        "--memory-bytes", str(limits.memory_bytes),
                        "--processes", str(limits.processes),
                        "--file-bytes", str(limits.file_bytes)]
            uid = c.uid(slot)
            if uid is not None:
                launcher += ["--uid", str(uid)]
            if c.cgroups is None:
                launcher.append("--no-cgroup")
            if network:
                launcher.append("--network")
            for path in ro_paths:
                launcher += ["--ro-path", path]
            for name in keep_env:
                launcher += ["--keep-env", name]
            yield [*launcher, "--", *argv]


def _kill(pid: int, group: RunGroup | None) -> None:
    """SIGKILL every process of the run but the wrapper (``pid``) and its init, which report
    the code's death and exit; without cgroups, the wrapper's process group."""
    if group is not None:
        group.kill(spare=wrapper_pids(pid))
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


async def _feed(writer: asyncio.StreamWriter, data: bytes) -> None:
    """Write ``data`` to the code's stdin and close it; the code need not read it all."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        if data:
            writer.write(data)
            await writer.drain()
        writer.close()


async def _watch(group: RunGroup, limits: Limits, stop: Callable[[Outcome], None]) -> None:
    """Stop the run when its cgroup shows a process killed at the memory limit, a fork
    refused at the process limit, or CPU time past the limit (of all its processes together;
    the rlimit holds each one)."""
    while True:
        await asyncio.sleep(POLL_SECONDS)
        if group.oom_killed():
            stop(Outcome.MEMORY_LIMIT)
        elif group.process_limit_hit():
            stop(Outcome.PROCESS_LIMIT)
        elif group.cpu_seconds() >= limits.cpu_seconds:
            stop(Outcome.CPU_LIMIT)


async def _cancelled(cancel: asyncio.Event, stop: Callable[[Outcome], None]) -> None:
    await cancel.wait()
    stop(Outcome.CANCELLED)
