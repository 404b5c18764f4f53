"""RULE_KIND_SECRETS: credentials in output, found and redacted.

Config (all keys optional): ``kinds`` (a subset of :data:`KINDS`; default all), ``redact``
(default true), ``severity`` (default ERROR). One problem per kind found, counting its
occurrences; messages never quote the secret.
"""

from __future__ import annotations

import dataclasses

from services.ai_quality_gate.core.checks import Span, plural
from services.ai_quality_gate.core.detector_check import DetectorCheck
from services.ai_quality_gate.core.detectors import Detector
from services.ai_quality_gate.core.findings import RuleKind, Severity

# Values of ``password=…``-style assignments that are placeholders, not secrets.
_PLACEHOLDERS = frozenset({
    "none", "null", "nil", "true", "false", "required", "optional", "string", "str", "text",
    "example", "redacted", "hidden", "secret", "password", "changeme", "your_password",
    "your-password", "yourpassword", "your_api_key", "your-api-key", "undefined", "empty",
})


def _is_value(value: str) -> bool:
    """Whether an assigned value looks like a real secret rather than a placeholder."""
    stripped = value.strip("\"'`")
    if len(stripped) < 4 or stripped.casefold() in _PLACEHOLDERS:
        return False
    if stripped[0] in "<{$%*[(" or len(set(stripped)) == 1:
        return False  # <your key>, ${ENV}, %s, *****, xxxx
    return not stripped.casefold().startswith(("your", "example", "os.environ", "env."))


def _mixed(token: str) -> bool:
    """Whether a key-shaped token mixes letters and digits, as generated keys do (which
    ``sk-learn-pipeline-model-notes`` does not)."""
    body = token.split("-", 1)[-1]
    return any(c.isdigit() for c in body) and any(c.isalpha() for c in body)


DETECTORS = (
    Detector("private-key", "PEM private key",
             r"(?s)-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?"
             r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\z)"),
    Detector("aws-access-key", "AWS access key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    Detector("github-token", "GitHub token",
             r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    Detector("openai-key", "OpenAI API key",
             r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", valid=_mixed),
    Detector("slack-token", "Slack token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}"),
    Detector("jwt", "JSON Web Token",
             r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    Detector("cognitionos-key", "CognitionOS API key",
             r"\bcog_[a-z0-9][a-z0-9-]{0,62}_[A-Za-z0-9_-]{20,}"),
    Detector("assignment", "password or key assignment",
             r"(?i)\b(?:password|passwd|passphrase|client[_-]?secret|api[_-]?key|"
             r"access[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|private[_-]?key)"
             r"[\"']?\s*[:=]\s*([\"']?[^\s\"'`,;]{4,}[\"']?)", group=1, valid=_is_value),
)
KINDS = tuple(d.kind for d in DETECTORS)


@dataclasses.dataclass(frozen=True)
class SecretsCheck(DetectorCheck):
    """No credential of ``kinds`` in the output; each found is redacted when ``redacts``."""

    kind = RuleKind.SECRETS
    detectors = DETECTORS
    default_kinds = KINDS
    default_severity = Severity.ERROR

    kinds: tuple[str, ...] = KINDS
    severity: Severity = Severity.ERROR

    def advice(self, kind: str, noun: str, spans: list[Span]) -> str:
        return (f"Remove the {noun} ({plural(len(spans), 'occurrence')}): never write "
                "credentials in output; refer to them by name, e.g. an environment variable.")
