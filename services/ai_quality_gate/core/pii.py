"""RULE_KIND_PII: personal data in output, found and redacted.

Config (all keys optional): ``kinds`` (a subset of :data:`KINDS`; default all but ``ipv4``),
``redact`` (default true), ``severity`` (default WARNING: output may rightly hold personal
data, which redaction then keeps out of what is stored downstream). Card numbers must pass
the Luhn check and IBANs their ISO 7064 mod-97 check, so that order numbers and ids are not
taken for them. One problem per kind found, counting its occurrences.
"""

from __future__ import annotations

import dataclasses

from services.ai_quality_gate.core.checks import Span, plural
from services.ai_quality_gate.core.detector_check import DetectorCheck
from services.ai_quality_gate.core.detectors import Detector
from services.ai_quality_gate.core.findings import RuleKind, Severity


def luhn_valid(text: str) -> bool:
    """Whether the digits of ``text`` (13 to 19 of them, not all zero) pass the Luhn check."""
    digits = [int(c) for c in text if c.isdigit()]
    if not 13 <= len(digits) <= 19 or not any(digits):
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """Whether ``text`` (spaces ignored) is an IBAN whose mod-97 check (ISO 7064) is 1."""
    iban = text.replace(" ", "").upper()
    if not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def ssn_valid(text: str) -> bool:
    """Whether ``text`` (``AAA-GG-SSSS``) is a possible US social security number: area not
    000, 666 or 9xx, group not 00, serial not 0000."""
    area, group, serial = text.split("-")
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def phone_valid(text: str) -> bool:
    """Whether a phone-shaped match has the digits of a phone number: 8 to 15 with a country
    code (``+``), 10 to 15 without."""
    digits = sum(c.isdigit() for c in text)
    return 8 <= digits <= 15 if text.startswith("+") else 10 <= digits <= 15


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"

# In priority order: a span one detector takes is not another's.
DETECTORS = (
    Detector("credit-card", "payment card number", r"\b(?:\d[ -]?){12,18}\d\b",
             valid=luhn_valid),
    Detector("iban", "IBAN", r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
             valid=iban_valid),
    Detector("us-ssn", "US social security number", r"\b\d{3}-\d{2}-\d{4}\b", valid=ssn_valid,
             isolated=True),
    Detector("email", "e-mail address",
             r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    Detector("ipv4", "IPv4 address", rf"\b(?:{_OCTET}\.){{3}}{_OCTET}\b"),
    Detector("phone", "phone number",
             r"\+[1-9]\d{7,14}\b|(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)|\b\d{2,4})[ .-]?\d{3,4}"
             r"[ .-]\d{3,4}\b", valid=phone_valid, isolated=True),
)
KINDS = tuple(d.kind for d in DETECTORS)
DEFAULT_KINDS = tuple(k for k in KINDS if k != "ipv4")


@dataclasses.dataclass(frozen=True)
class PiiCheck(DetectorCheck):
    """No personal data of ``kinds`` in the output; each found is redacted when ``redacts``."""

    kind = RuleKind.PII
    detectors = DETECTORS
    default_kinds = DEFAULT_KINDS
    default_severity = Severity.WARNING

    kinds: tuple[str, ...] = DEFAULT_KINDS
    severity: Severity = Severity.WARNING

    def advice(self, kind: str, noun: str, spans: list[Span]) -> str:
        counted = plural(len(spans), noun)
        return (f"Remove the personal data ({counted}) or replace it with a placeholder such "
                f"as <{kind}>, unless the task asks for it.")
