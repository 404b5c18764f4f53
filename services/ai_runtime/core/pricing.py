"""What model calls cost (a price table per provider model) and whom they may be charged to
(per-tenant budgets)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from shared.errors import ResourceExhausted


@dataclasses.dataclass(frozen=True)
class ModelPrice:
    """Micro-dollars per 1000 input and output tokens."""

    input_per_1k: int = 0
    output_per_1k: int = 0


class PriceTable:
    """Prices by ``provider/model``, with ``provider/*`` as a provider-wide fallback.

    Models without a price cost nothing (the offline provider), but their tokens still count.
    """

    def __init__(self, prices: Mapping[str, ModelPrice]) -> None:
        self._prices = dict(prices)

    def price(self, provider: str, model: str) -> ModelPrice:
        return (self._prices.get(f"{provider}/{model}") or self._prices.get(f"{provider}/*")
                or ModelPrice())

    def cost(self, provider: str, model: str, input_tokens: int, output_tokens: int) -> int:
        """Micro-dollars of a call, rounded up."""
        price = self.price(provider, model)
        total = input_tokens * price.input_per_1k + output_tokens * price.output_per_1k
        return -(-total // 1000)


class Budgets:
    """Spend limits per tenant in micro-dollars; 0 means unlimited.

    Args:
        default: The limit of tenants without an override.
        overrides: Tenant -> limit.
    """

    def __init__(self, default: int = 0, overrides: Mapping[str, int] | None = None) -> None:
        self._default = default
        self._overrides = dict(overrides or {})

    def limit(self, tenant: str) -> int:
        return self._overrides.get(tenant, self._default)

    def check(self, tenant: str, spent: int, estimate: int) -> None:
        """Refuse a call that would take ``tenant`` over its budget.

        Raises:
            ResourceExhausted: ``spent + estimate`` exceeds the limit, or it is spent already.
        """
        limit = self.limit(tenant)
        if limit and (spent >= limit or spent + estimate > limit):
            raise ResourceExhausted(
                f"tenant {tenant!r} budget exhausted: spent {spent} of {limit} micro-dollars, "
                f"this call would cost about {estimate}",
                reason="BUDGET_EXHAUSTED",
                metadata={"tenant": tenant, "spent_micros": str(spent),
                          "budget_micros": str(limit), "estimate_micros": str(estimate)})
