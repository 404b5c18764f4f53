"""Each rule kind: its config parsed (or refused) and its check passing and failing."""

from __future__ import annotations

import json

import pytest

from services.ai_quality_gate.core.models import Finding, Rule, RuleKind, Severity
from services.ai_quality_gate.core.rules import (
    MAX_PATTERNS,
    MAX_PROBLEMS_PER_RULE,
    RuleConfigError,
    compile_rule,
    evaluate,
)
from services.ai_quality_gate.core.scoring import quality_score

PROSE = ("The deployment finished at noon. All twelve services report healthy, and the "
         "error rate stayed below one percent during the rollout; sources: the runbook.")


def findings(kind: RuleKind, config: object, text: str) -> list[str]:
    found = evaluate([compile_rule(Rule(kind, json.dumps(config)))], text).findings
    return [f.message for f in found]


def config_error(kind: RuleKind, config: str) -> str:
    with pytest.raises(RuleConfigError) as error:
        compile_rule(Rule(kind, config))
    return str(error.value)


SUMMARY_SCHEMA = {"type": "object", "required": ["summary"], "additionalProperties": False,
                  "properties": {"summary": {"type": "string", "minLength": 3},
                                 "tags": {"type": "array", "items": {"enum": ["a", "b"]},
                                          "maxItems": 2},
                                 "confidence": {"type": "number", "minimum": 0,
                                                "maximum": 1}}}


def test_json_schema_passes_valid_json() -> None:
    text = json.dumps({"summary": "all good", "tags": ["a"], "confidence": 0.9})
    assert findings(RuleKind.JSON_SCHEMA, SUMMARY_SCHEMA, text) == []


def test_json_schema_reports_every_violation_with_its_path() -> None:
    text = json.dumps({"summary": "x", "tags": ["a", "c", "b"], "confidence": 2, "extra": 1})

    found = findings(RuleKind.JSON_SCHEMA, SUMMARY_SCHEMA, text)

    assert [m.removeprefix("output does not match the JSON schema: ") for m in found] == [
        "$.summary: shorter than 3 characters", "$.tags: more than 2 items",
        "$.tags[1]: not one of ['a', 'b']", "$.confidence: more than 1", "$: unexpected 'extra'"]


def test_json_schema_fails_output_that_is_not_json() -> None:
    [message] = findings(RuleKind.JSON_SCHEMA, SUMMARY_SCHEMA, "Sure! Here is the summary.")
    assert message.startswith("output is not valid JSON")
    [deep] = findings(RuleKind.JSON_SCHEMA, {}, "[" * 100_000)
    assert deep.startswith("output is not valid JSON")


def test_json_schema_config_must_be_a_valid_schema() -> None:
    assert "JSON object" in config_error(RuleKind.JSON_SCHEMA, "[1]")
    assert "$.properties.n.type" in config_error(
        RuleKind.JSON_SCHEMA, '{"properties": {"n": {"type": "int"}}}')
    assert "$.required" in config_error(RuleKind.JSON_SCHEMA, '{"required": "summary"}')
    assert "$.pattern" in config_error(RuleKind.JSON_SCHEMA, '{"pattern": "("}')
    assert "$.maxItems" in config_error(RuleKind.JSON_SCHEMA, '{"maxItems": -1}')
    assert "nested more than" in config_error(RuleKind.JSON_SCHEMA,
                                              '{"items": ' * 40 + "{}" + "}" * 40)
    compile_rule(Rule(RuleKind.JSON_SCHEMA, '{"$schema": "x", "anyOf": [{}]}'))  # ignored


def test_max_length_counts_characters() -> None:
    assert findings(RuleKind.MAX_LENGTH, {"max": 5}, "héllo") == []
    assert findings(RuleKind.MAX_LENGTH, {"max": 5}, "héllo!") == [
        "output has 6 characters, more than the maximum 5"]


def test_max_length_config_needs_a_positive_integer_max() -> None:
    assert config_error(RuleKind.MAX_LENGTH, "{}") == "missing `max`"
    assert "unknown key `max_chars`" in config_error(RuleKind.MAX_LENGTH, '{"max_chars": 5}')
    for bad in ('{"max": 0}', '{"max": "5"}', '{"max": 2.5}', '{"max": true}'):
        assert "positive integer" in config_error(RuleKind.MAX_LENGTH, bad)
    assert "not valid JSON" in config_error(RuleKind.MAX_LENGTH, "{max: 5")


def test_required_keywords_ignore_case_by_default() -> None:
    config = {"keywords": ["Sources", "runbook", "rollback"]}

    assert findings(RuleKind.REQUIRED_KEYWORDS, config, PROSE) == [
        "output lacks the required keyword 'rollback'"]


def test_required_keywords_can_be_case_sensitive() -> None:
    config = {"keywords": ["Sources", "runbook"], "case_sensitive": True}

    assert findings(RuleKind.REQUIRED_KEYWORDS, config, PROSE) == [
        "output lacks the required keyword 'Sources'"]
    assert findings(RuleKind.REQUIRED_KEYWORDS, {**config, "keywords": ["The"]}, PROSE) == []


def test_required_keywords_config() -> None:
    assert config_error(RuleKind.REQUIRED_KEYWORDS, "{}") == "missing `keywords`"
    for bad in ('{"keywords": []}', '{"keywords": [""]}', '{"keywords": "x"}'):
        assert "non-empty list" in config_error(RuleKind.REQUIRED_KEYWORDS, bad)
    assert "true or false" in config_error(
        RuleKind.REQUIRED_KEYWORDS, '{"keywords": ["x"], "case_sensitive": "no"}')


@pytest.mark.parametrize(("pattern", "why"), [
    (r"(\w+)\s+\1", "backreferences (\\1…) are not supported"),
    (r"(?P<w>\w+) (?P=w)", "backreferences ((?P=name)) are not supported"),
    (r"secret(?=:)", "lookaround assertions"),
    (r"(?<!not )allowed", "lookaround assertions"),
    (r"end\Z", "use \\z"),
    (r"a{1001}", "repetition counts are limited to 1000"),
    (r"(?:\w+\s*){1,1000}z", "too complex"),
])
def test_a_pattern_re2_cannot_run_is_refused_saying_why(pattern: str, why: str) -> None:
    problem = config_error(RuleKind.FORBIDDEN_PATTERNS, json.dumps({"patterns": ["ok", pattern]}))
    assert problem.startswith("`patterns[1]`: ") and why in problem


def test_a_pattern_that_backtracks_in_python_runs_in_linear_time() -> None:
    # Python's engine takes about 2**n steps on this; RE2 one pass.
    text = "a" * 200_000 + "!"
    assert findings(RuleKind.FORBIDDEN_PATTERNS, {"patterns": [r"(a+)+$"]}, text) == []
    assert findings(RuleKind.FORBIDDEN_PATTERNS, {"patterns": [r"(a|aa)+!"]}, text)


def test_forbidden_patterns_name_each_matching_pattern() -> None:
    config = {"patterns": [r"(?i)as an ai", r"\bpassword\s*[:=]", r"lorem"]}

    found = findings(RuleKind.FORBIDDEN_PATTERNS, config,
                     "As an AI model I cannot. The password: hunter2")

    assert found == [
        "output matches the forbidden pattern '(?i)as an ai' at character 0: 'As an AI'",
        "output matches the forbidden pattern '\\\\bpassword\\\\s*[:=]' at character 29: "
        "'password:'"]
    assert findings(RuleKind.FORBIDDEN_PATTERNS, config, PROSE) == []


def test_forbidden_patterns_config() -> None:
    assert "`patterns[1]`: not valid RE2 syntax" in config_error(
        RuleKind.FORBIDDEN_PATTERNS, '{"patterns": ["ok", "(unclosed"]}')
    too_many = json.dumps({"patterns": [f"p{i}" for i in range(MAX_PATTERNS + 1)]})
    assert f"at most {MAX_PATTERNS}" in config_error(RuleKind.FORBIDDEN_PATTERNS, too_many)
    assert "matches the empty string" in config_error(
        RuleKind.FORBIDDEN_PATTERNS, '{"patterns": ["x*"]}')
    assert "non-empty list" in config_error(RuleKind.FORBIDDEN_PATTERNS, '{"patterns": [1]}')


def test_min_score_compares_the_content_score() -> None:
    assert findings(RuleKind.MIN_SCORE, {"min": 0.9}, PROSE) == []
    assert findings(RuleKind.MIN_SCORE, {"min": 0.9}, "ok " * 50) == [
        "quality score 0.5104 is below the minimum 0.9"]


def test_min_score_config() -> None:
    for bad in ('{"min": 1.5}', '{"min": -0.1}', '{"min": "0.5"}', '{"min": null}'):
        assert "number from 0 to 1" in config_error(RuleKind.MIN_SCORE, bad)
    assert config_error(RuleKind.MIN_SCORE, '{"min_score": 0.5}').startswith("unknown key")
    compile_rule(Rule(RuleKind.MIN_SCORE, '{"min": 1}'))


def test_quality_score_is_the_mean_of_uniqueness_and_substance() -> None:
    assert quality_score(PROSE) == 1.0
    assert quality_score("  \n ") == 0.0
    assert quality_score("Paris.") == round((1 + 1 / 20) / 2, 4)
    # 10 words twice: 18 trigrams, 10 distinct (the 8 of the second copy repeat the first).
    assert quality_score("a b c d e f g h i j " * 2) == round((10 / 18 + 1) / 2, 4)


def test_evaluate_keeps_rule_order_and_caps_problems_per_rule() -> None:
    checks = [compile_rule(Rule(RuleKind.MAX_LENGTH, '{"max": 3}')),
              compile_rule(Rule(RuleKind.REQUIRED_KEYWORDS, json.dumps(
                  {"keywords": [f"k{i}" for i in range(15)]})))]

    evaluation = evaluate(checks, "long enough")

    found = evaluation.findings
    assert found[0] == Finding(0, "output has 11 characters, more than the maximum 3",
                               Severity.ERROR, RuleKind.MAX_LENGTH, "",
                               "Shorten the answer to at most 3 characters.")
    assert [f.rule_index for f in found] == [0] + [1] * (MAX_PROBLEMS_PER_RULE + 1)
    assert found[-1].message == "and 5 more problems"
    assert evaluation.quality == quality_score("long enough")
    assert evaluation.redacted == ""
