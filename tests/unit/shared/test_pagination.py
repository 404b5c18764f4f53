"""Page tokens are opaque, round-trip exactly, and reject garbage."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import InvalidArgument
from shared.resources.pages import Cursor


@given(when=st.datetimes(timezones=st.just(dt.UTC)), id_=st.text(min_size=1, max_size=64))
def test_cursor_round_trips(when: dt.datetime, id_: str) -> None:
    cursor = Cursor(when, id_)
    assert Cursor.decode(cursor.encode()) == cursor


@given(token=st.text(min_size=1, max_size=80))
def test_garbage_tokens_are_invalid_argument_not_crashes(token: str) -> None:
    try:
        Cursor.decode(token)
    except InvalidArgument as error:
        assert error.violations[0].field == "page_token"


def test_truncated_token_is_rejected() -> None:
    token = Cursor(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "g1").encode()
    with pytest.raises(InvalidArgument):
        Cursor.decode(token[:-5])
