"""Group commit: concurrent submissions for one key are written in few batches, each
submitter getting its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from shared.group_commit import GroupCommit


async def test_concurrent_submissions_share_batches_and_get_their_own_outcomes() -> None:
    batches: list[list[int]] = []

    async def write(key: str, items: Sequence[int]) -> list[int | Exception]:
        batches.append(list(items))
        await asyncio.sleep(0.01)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]

    commit: GroupCommit[str, int, int] = GroupCommit(write)
    outcomes = await asyncio.gather(*(commit.submit("k", i) for i in range(20)),
                                    return_exceptions=True)

    assert [o if isinstance(o, int) else str(o) for o in outcomes] == [
        i * 10 if i % 2 == 0 else f"odd {i}" for i in range(20)]
    assert len(batches) <= 2  # not one transaction per submission
    assert sorted(i for batch in batches for i in batch) == list(range(20))


async def test_a_failed_batch_fails_each_of_its_items_and_keys_do_not_wait_for_each_other(
        ) -> None:
    async def write(key: str, items: Sequence[int]) -> list[int | Exception]:
        if key == "bad":
            raise RuntimeError("disk full")
        return list(items)

    commit: GroupCommit[str, int, int] = GroupCommit(write)
    good, bad = await asyncio.gather(commit.submit("good", 1), commit.submit("bad", 2),
                                     return_exceptions=True)
    assert good == 1 and isinstance(bad, RuntimeError)
    with pytest.raises(RuntimeError):
        await commit.submit("bad", 3)
    assert await commit.submit("good", 4) == 4  # the writer of a key ends and restarts


async def test_a_submitter_that_gives_up_does_not_stop_its_batch() -> None:
    written: list[int] = []

    async def write(key: str, items: Sequence[int]) -> list[int | Exception]:
        await asyncio.sleep(0.05)
        written.extend(items)
        return list(items)

    commit: GroupCommit[str, int, int] = GroupCommit(write)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(commit.submit("k", 7), timeout=0.01)
    await asyncio.sleep(0.1)
    assert written == [7]


async def test_a_lingering_commit_writes_what_arrives_meanwhile_in_its_first_batch() -> None:
    batches: list[list[int]] = []

    async def write(key: str, items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        return list(items)

    commit: GroupCommit[str, int, int] = GroupCommit(write, linger=0.05)

    async def later(i: int) -> int:
        await asyncio.sleep(0.01 * i)
        return await commit.submit("k", i)

    assert await asyncio.gather(*(later(i) for i in range(3))) == [0, 1, 2]
    assert batches == [[0, 1, 2]]
