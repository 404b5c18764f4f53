"""User-supplied patterns: RE2's syntax, linear time, and refusals that say why; the JSON
Schema subset's ``pattern`` uses them."""

from __future__ import annotations

import pytest

from shared.values.json_schema import schema_errors, schema_problems
from shared.values.patterns import MAX_PROGRAM_SIZE, PatternError, compile_pattern


def test_python_like_syntax_compiles_and_searches_by_character() -> None:
    match = compile_pattern(r"(?i)\bpass(?:word)?\s*[:=]\s*(?P<v>\S+)").search(
        "héllo PASSWORD= hunter2")
    assert match is not None
    assert (match.start(), match.group(0)) == (6, "PASSWORD= hunter2")
    assert compile_pattern("a*").fullmatch("") is not None


@pytest.mark.parametrize(("pattern", "why"), [
    (r"(\w)\1", "backreferences (\\1…) are not supported"),
    (r"(?P<w>\w)(?P=w)", "backreferences ((?P=name)) are not supported"),
    (r"a(?=b)", "lookaround assertions"),
    (r"a(?!b)", "lookaround assertions"),
    (r"(?<=a)b", "lookaround assertions"),
    (r"(?<!a)b", "lookaround assertions"),
    (r"a\Z", "use \\z"),
    (r"a{1001}", "repetition counts are limited to 1000"),
    (r"(unclosed", "not valid RE2 syntax (missing ): (unclosed)"),
])
def test_what_re2_cannot_run_is_refused_saying_why(pattern: str, why: str) -> None:
    with pytest.raises(PatternError) as refused:
        compile_pattern(pattern)
    assert why in str(refused.value)


def test_a_pattern_larger_than_the_limit_is_too_complex() -> None:
    compile_pattern(r".{1000}")  # about 8000 instructions
    with pytest.raises(PatternError, match=f"at most {MAX_PROGRAM_SIZE}"):
        compile_pattern(r"(?:\w+\s*){1,1000}z")


def test_a_pattern_that_backtracks_for_ever_in_python_takes_one_pass() -> None:
    text = "a" * 1_000_000 + "!"
    assert compile_pattern(r"(a+)+$").search(text) is None
    assert compile_pattern(r"(?:a|aa)+$").search(text) is None


def test_json_schema_patterns_are_re2() -> None:
    assert schema_problems({"properties": {"id": {"pattern": "(x)\\1"}}}) == [
        "$.properties.id.pattern: backreferences (\\1…) are not supported in RE2 syntax "
        "(invalid escape sequence: \\1)"]
    schema = {"type": "string", "pattern": r"^[a-z]+\z"}
    assert schema_errors("abc", schema) == []
    assert schema_errors("abc\n", schema) == ["$: does not match '^[a-z]+\\\\z'"]
