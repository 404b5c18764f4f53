"""Local HTTP servers that speak the wire formats of OpenAI's chat completions API (and so
llama.cpp's server) and Anthropic's Messages API (JSON and server-sent events), for testing
the providers through their official SDKs. Plain ``asyncio.start_server``, HTTP/1.1, one
request per connection. A server counts the requests it is answering at once, can hold an
answer until the test lets it go, and can stream without end until its client goes away."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass
class Reply:
    """One scripted answer: a JSON body, or server-sent events when ``events`` is set.

    ``hold``: the answer waits until the event is set. ``trickle``: after ``events``, this
    event's data is sent again and again, slowly, until the client closes the connection.
    """

    status: int = 200
    body: Any = None
    events: list[tuple[str | None, Any]] | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0
    hold: asyncio.Event | None = None
    trickle: Any = None


Handler = Callable[[str, dict[str, Any]], Reply]


class WireServer:
    """Serves ``handler(path, request json)`` on 127.0.0.1 and keeps every request seen."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self._server: asyncio.Server | None = None
        self.port = 0
        self.in_flight = 0
        self.most_in_flight = 0
        # Set when the client of a trickling stream closed its connection.
        self.client_gone = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> WireServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode()
            if not request_line:
                return
            _method, path, _version = request_line.split(" ", 2)
            headers: dict[str, str] = {}
            while (line := (await reader.readline()).decode().strip()):
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            body = json.loads(raw) if raw else {}
            self.requests.append((path, headers, body))
            reply = self._handler(path, body)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                if reply.hold is not None:
                    await reply.hold.wait()
                await self._write(writer, reply)
                if reply.trickle is not None:
                    await self._trickle(reader, writer, reply.trickle)
            finally:
                self.in_flight -= 1
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _trickle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       data: Any) -> None:
        """Send ``data`` events until the client closes (its side reads as end of file)."""
        closed = asyncio.ensure_future(reader.read(1))
        try:
            while not closed.done():
                writer.write(f"data: {json.dumps(data)}\n\n".encode())
                await writer.drain()
                await asyncio.wait([closed], timeout=0.01)
        except ConnectionError:
            pass
        finally:
            closed.cancel()
        self.client_gone.set()

    @staticmethod
    async def _write(writer: asyncio.StreamWriter, reply: Reply) -> None:
        reason = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error",
                  400: "Bad Request", 503: "Service Unavailable"}.get(reply.status, "Status")
        head = [f"HTTP/1.1 {reply.status} {reason}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        if reply.events is None:
            payload = json.dumps(reply.body).encode()
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        else:
            head += ["Content-Type: text/event-stream", "Cache-Control: no-cache"]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
            for event, data in reply.events:
                text = data if isinstance(data, str) else json.dumps(data)
                frame = (f"event: {event}\n" if event else "") + f"data: {text}\n\n"
                writer.write(frame.encode())
                await writer.drain()
        await writer.drain()


def openai_completion(text: str, model: str = "gpt-test", prompt: int = 11,
                      completion: int = 7) -> dict[str, Any]:
    """A chat.completion body."""
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion}}


def openai_stream(pieces: list[str], model: str = "gpt-test", prompt: int = 11,
                  completion: int = 7) -> list[tuple[str | None, Any]]:
    """chat.completion.chunk events, a final usage chunk and ``[DONE]``."""
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                "model": model, "choices": [{"index": 0, "delta": delta,
                                             "finish_reason": finish}]}
    events: list[tuple[str | None, Any]] = [(None, chunk({"role": "assistant", "content": ""}))]
    events += [(None, chunk({"content": p})) for p in pieces]
    events.append((None, chunk({}, "stop")))
    events.append((None, {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                          "model": model, "choices": [],
                          "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                                    "total_tokens": prompt + completion}}))
    events.append((None, "[DONE]"))
    return events


def openai_tool_calls(calls: list[tuple[str, str, str]], model: str = "gpt-test"
                      ) -> dict[str, Any]:
    """A chat.completion body whose message calls tools: (id, name, arguments JSON)."""
    body = openai_completion("", model)
    body["choices"][0]["finish_reason"] = "tool_calls"
    body["choices"][0]["message"] = {
        "role": "assistant", "content": None,
        "tool_calls": [{"id": call_id, "type": "function",
                        "function": {"name": name, "arguments": arguments}}
                       for call_id, name, arguments in calls]}
    return body


def openai_chunk(delta: dict[str, Any], model: str = "gpt-test",
                 finish: str | None = None) -> dict[str, Any]:
    """One chat.completion.chunk with ``delta``."""
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def anthropic_message(text: str, model: str = "claude-test", prompt: int = 13,
                      completion: int = 5) -> dict[str, Any]:
    """A Messages API message body."""
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": completion}}


def anthropic_stream(pieces: list[str], model: str = "claude-test", prompt: int = 13,
                     completion: int = 5) -> list[tuple[str | None, Any]]:
    """message_start, content block events, message_delta with usage, message_stop."""
    start = anthropic_message("", model, prompt, 1)
    start["content"] = []
    start["stop_reason"] = None
    events: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}})]
    events += [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                        "delta": {"type": "text_delta", "text": p}})
               for p in pieces]
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta",
                           "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": {"output_tokens": completion}}),
        ("message_stop", {"type": "message_stop"})]
    return events
