"""The validators of agent output (SECRETS, PII, REFUSAL, CLAIMED_TOOLS, OUTPUT_SCHEMA and
CROSS_CHECK's config): each passing and failing, redaction, and their configs."""

from __future__ import annotations

import json

import pytest

from services.ai_quality_gate.core.findings import Finding, Rule, RuleKind, Severity, Submission
from services.ai_quality_gate.core.pii import iban_valid, luhn_valid
from services.ai_quality_gate.core.rules import Evaluation, RuleConfigError, compile_rule, evaluate

GITHUB = "ghp_" + "a1B2" * 9
AWS = "AKIAIOSFODNN7EXAMPLE"
JWT = ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1c\n-----END RSA PRIVATE KEY-----"


def run(kind: RuleKind, text: str, config: object = None, **submission: object) -> Evaluation:
    rule = Rule(kind, "" if config is None else json.dumps(config))
    return evaluate([compile_rule(rule)], Submission(text, **submission))  # type: ignore[arg-type]


def categories(evaluation: Evaluation) -> list[str]:
    return [f.category for f in evaluation.findings]


def config_error(kind: RuleKind, config: object) -> str:
    with pytest.raises(RuleConfigError) as error:
        compile_rule(Rule(kind, json.dumps(config)))
    return str(error.value)


@pytest.mark.parametrize(("secret", "kind"), [
    (AWS, "aws-access-key"),
    (GITHUB, "github-token"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijKLMNOP", "github-token"),
    ("sk-proj-Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cD", "openai-key"),
    ("sk-" + "Zq8" * 16, "openai-key"),
    ("xoxb-1234567890-abcdefghijkl", "slack-token"),
    (JWT, "jwt"),
    (PEM, "private-key"),
    ("cog_k1_" + "Qw3rTy" * 7 + "x", "cognitionos-key"),
])
def test_each_kind_of_secret_is_found_and_redacted(secret: str, kind: str) -> None:
    evaluation = run(RuleKind.SECRETS, f"Deployed. Use {secret} to log in.")

    [finding] = evaluation.findings
    assert (finding.category, finding.severity, finding.kind) == (kind, Severity.ERROR,
                                                                  RuleKind.SECRETS)
    assert secret not in finding.message and secret not in finding.fix
    assert evaluation.redacted == f"Deployed. Use [REDACTED:{kind}] to log in."


def test_assignments_redact_the_value_and_placeholders_pass() -> None:
    evaluation = run(RuleKind.SECRETS, 'db: password="hunter2!x", api_key: 9f8e7d6c5b4a')

    assert categories(evaluation) == ["assignment"]
    assert evaluation.findings[0].message == (
        "output contains 2 password or key assignments (at characters 13, 35)")
    assert evaluation.redacted == (
        "db: password=[REDACTED:assignment], api_key: [REDACTED:assignment]")
    placeholders = ("password: <your password>, api_key=${API_KEY}, password: required, "
                    "secret_key = ******, api_key: YOUR_API_KEY")
    assert run(RuleKind.SECRETS, placeholders).findings == []


def test_text_about_keys_without_keys_passes() -> None:
    text = ("Rotate the AWS access key, store the GitHub token in the vault and use the "
            "sk-learn-pipeline-classifier-notes document; AKIA keys are 20 characters long.")
    evaluation = run(RuleKind.SECRETS, text)
    assert (evaluation.findings, evaluation.redacted) == ([], "")


def test_secrets_config_chooses_kinds_redaction_and_severity() -> None:
    text = f"{AWS} and {GITHUB}"
    only_aws = run(RuleKind.SECRETS, text, {"kinds": ["aws-access-key"]})
    assert categories(only_aws) == ["aws-access-key"]
    assert only_aws.redacted == f"[REDACTED:aws-access-key] and {GITHUB}"

    unredacted = run(RuleKind.SECRETS, text, {"redact": False, "severity": "warning"})
    assert unredacted.redacted == ""
    assert {f.severity for f in unredacted.findings} == {Severity.WARNING}

    assert "unknown kind 'password'" in config_error(RuleKind.SECRETS, {"kinds": ["password"]})
    assert "true or false" in config_error(RuleKind.SECRETS, {"redact": "yes"})
    assert "ERROR, WARNING, INFO" in config_error(RuleKind.SECRETS, {"severity": "FATAL"})
    assert "unknown key `kind`" in config_error(RuleKind.SECRETS, {"kind": ["jwt"]})


@pytest.mark.parametrize(("datum", "kind"), [
    ("ada.lovelace@example.co.uk", "email"),
    ("+1 (555) 123-4567", "phone"),
    ("(555) 123-4567", "phone"),
    ("+442079460958", "phone"),
    ("4111 1111 1111 1111", "credit-card"),
    ("5500-0000-0000-0004", "credit-card"),
    ("123-45-6789", "us-ssn"),
    ("DE89 3704 0044 0532 0130 00", "iban"),
    ("GB82WEST12345698765432", "iban"),
])
def test_each_kind_of_personal_data_is_found_and_redacted(datum: str, kind: str) -> None:
    evaluation = run(RuleKind.PII, f"Customer record: {datum}.")

    [finding] = evaluation.findings
    assert (finding.category, finding.severity) == (kind, Severity.WARNING)
    assert datum not in finding.message
    assert evaluation.redacted == f"Customer record: [REDACTED:{kind}]."


@pytest.mark.parametrize("text", [
    "Order 4111 1111 1111 1112 shipped.",  # fails the Luhn check
    "Account DE88 3704 0044 0532 0130 00.",  # fails the mod-97 check
    "Case 000-12-3456 and 666-12-3456 and 900-12-3456.",  # impossible SSN areas
    "Build 2024-01-15 took 3.14159 s; version 1.2.3; 12 345 items.",
    "The server at 10.0.0.7 answered.",  # IPv4 is not checked by default
])
def test_lookalikes_of_personal_data_pass(text: str) -> None:
    assert run(RuleKind.PII, text).findings == []


def test_checksums() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert not luhn_valid("0000 0000 0000 0000")
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid("GB82WEST12345698765433")


def test_pii_config_adds_ipv4_and_counts_each_kind_once() -> None:
    text = "Mail a@example.com, b@example.org; host 192.168.1.20."
    evaluation = run(RuleKind.PII, text, {"kinds": ["email", "ipv4"]})

    assert categories(evaluation) == ["email", "ipv4"]
    assert evaluation.findings[0].message == (
        "output contains 2 e-mail addresses (at characters 5, 20)")
    assert evaluation.redacted == ("Mail [REDACTED:email], [REDACTED:email]; host "
                                   "[REDACTED:ipv4].")
    assert "unknown kind 'name'" in config_error(RuleKind.PII, {"kinds": ["name"]})


def test_a_card_number_is_not_also_a_phone_number() -> None:
    assert categories(run(RuleKind.PII, "Card: 4111 1111 1111 1111")) == ["credit-card"]


@pytest.mark.parametrize("text", [
    "I can't help with that.",
    "I'm sorry, but I cannot assist with this request.",
    "  **I am unable to provide** that information.",
    "As an AI language model, I do not have opinions.",
    "As an AI, I don't browse the web.",
    "Sorry, but I can't do that.",
    "I must decline this request.",
    "I\u2019m afraid I can\u2019t do that, Dave.",
    json.dumps({"result": "I'm sorry, but I cannot complete this task."}),
])
def test_refusals_are_found(text: str) -> None:
    [finding] = run(RuleKind.REFUSAL, text).findings
    assert finding.message.startswith("output is a refusal or deflection")
    assert finding.fix.startswith("Do not refuse")


@pytest.mark.parametrize("text", [
    "The migration cannot run while writes are enabled, so I paused them first and then ran it.",
    "Users can't log in when the token expires; I extended its lifetime to 24 hours.",
    "As an AI researcher would put it, the model overfits.",
    "Result: I cannot stress enough that the backup finished. I can't help with that is a "
    "phrase the old bot used.",
    json.dumps({"result": "Done.", "note": "The API cannot return more than 100 items."}),
])
def test_answers_that_mention_cannot_pass(text: str) -> None:
    assert run(RuleKind.REFUSAL, text).findings == []


def test_refusal_phrases_can_be_added() -> None:
    config = {"phrases": ["Let me get back to you"]}
    assert run(RuleKind.REFUSAL, "let me get back to you on this.", config).findings
    assert run(RuleKind.REFUSAL, "Here it is; let me get back to you later.", config
               ).findings == []
    assert "non-empty list" in config_error(RuleKind.REFUSAL, {"phrases": []})
    assert "only marks" in config_error(RuleKind.REFUSAL, {"phrases": ["**"]})


TOOLS: dict[str, object] = {
    "known_tools": ("execute_python", "http_request", "memory_search", "web.search")}


@pytest.mark.parametrize(("text", "tool"), [
    ("I ran execute_python and the tests pass.", "execute_python"),
    ("Using http_request, I fetched the page.", "http_request"),
    ("According to memory_search, the user prefers tea.", "memory_search"),
    ("I called the `web.search` tool: three results.", "web.search"),
    ("memory_search returned two notes.", "memory_search"),
    ("The output of execute_python was 42.", "execute_python"),
    ("It is 832040; I double-checked it with http_request.", "http_request"),
    ("Verified with memory_search: the user prefers tea.", "memory_search"),
])
def test_a_claimed_tool_that_did_not_run_is_a_finding(text: str, tool: str) -> None:
    evaluation = run(RuleKind.CLAIMED_TOOLS, text, **TOOLS)

    [finding] = evaluation.findings
    assert finding.category == tool
    assert f"the tool {tool!r}" in finding.message
    assert finding.fix.startswith(f"Do not claim to have used {tool}")


def test_claimed_tools_that_ran_or_are_only_named_pass() -> None:
    ran = run(RuleKind.CLAIMED_TOOLS, "I ran execute_python; it printed 42.",
              known_tools=("execute_python",), tools_used=("execute_python",))
    assert ran.findings == []
    named = run(RuleKind.CLAIMED_TOOLS, "execute_python is not needed here; the answer is 4.",
                **TOOLS)
    assert named.findings == []
    unknown = run(RuleKind.CLAIMED_TOOLS, "I ran shell_exec to list files.", **TOOLS)
    assert unknown.findings == []
    assert run(RuleKind.CLAIMED_TOOLS, "I ran execute_python.").findings == []  # no tools known


def test_claims_of_many_tools_are_found() -> None:
    tools = tuple(f"tool_{i}" for i in range(256))
    text = "I ran tool_3, then using tool_200 and tool_77 returned nothing."
    found = run(RuleKind.CLAIMED_TOOLS, text, known_tools=tools, tools_used=("tool_77",))
    assert categories(found) == ["tool_3", "tool_200"]


SCHEMA = json.dumps({"type": "object", "required": ["summary"],
                     "properties": {"summary": {"type": "string"}}})


def test_output_schema_checks_the_requests_schema() -> None:
    assert run(RuleKind.OUTPUT_SCHEMA, "plain text").findings == []  # no schema sent
    assert run(RuleKind.OUTPUT_SCHEMA, '{"summary": "ok"}', output_schema=SCHEMA).findings == []

    [missing] = run(RuleKind.OUTPUT_SCHEMA, '{"title": "x"}', output_schema=SCHEMA).findings
    assert missing == Finding(0, "output does not match the output schema: $: missing 'summary'",
                              Severity.ERROR, RuleKind.OUTPUT_SCHEMA, "",
                              "Make the JSON answer valid for the output schema: $: missing "
                              "'summary'.")
    [not_json] = run(RuleKind.OUTPUT_SCHEMA, "Sure! {", output_schema=SCHEMA).findings
    assert not_json.message.startswith("output is not valid JSON")
    assert "unknown key `schema`" in config_error(RuleKind.OUTPUT_SCHEMA, {"schema": {}})


def test_cross_check_config() -> None:
    assert compile_rule(Rule(RuleKind.CROSS_CHECK, "")).role == "critic"  # type: ignore[attr-defined]
    assert "agent role" in config_error(RuleKind.CROSS_CHECK, {"role": "Critic!"})
    assert "number from 0 to 1" in config_error(RuleKind.CROSS_CHECK, {"min_score": 2})
    assert run(RuleKind.CROSS_CHECK, "anything", {"role": "reviewer"}).findings == []


def test_redactions_of_several_rules_are_merged() -> None:
    rules = [Rule(RuleKind.SECRETS, "{}"), Rule(RuleKind.PII, "{}")]
    evaluation = evaluate([compile_rule(r) for r in rules],
                          f"mail ops@example.com key {AWS}")
    assert evaluation.redacted == "mail [REDACTED:email] key [REDACTED:aws-access-key]"
    assert [f.rule_index for f in evaluation.findings] == [0, 1]
