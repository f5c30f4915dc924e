"""``CostRates``: the estimated cost of one LLM interaction from ``system.cost_estimation``.

Rates per model name, first match wins: a promotion whose half-open UTC window ``[start, end)``
holds the interaction's time, then ``model_rates``. Thinking tokens are charged at the output
rate. A model with no rate, or estimation turned off, stays unpriced (``None``): aggregates
report that as ``cost_completeness``. No price catalog is fetched (SPEC §11.3 differs).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tarsy.config.schema_tarsy import CostEstimationConfig


class CostRates:
    def __init__(self, config: CostEstimationConfig) -> None:
        self._enabled = config.enabled
        self._rates = {
            name: (r.input_per_million, r.output_per_million)
            for name, r in config.model_rates.items()
        }
        self._promotions = config.promotions

    def rates(self, model_name: str, at: datetime) -> tuple[float, float] | None:
        """(input, output) USD per million tokens for ``model_name`` at ``at``; None: unpriced."""
        if not self._enabled:
            return None
        at = _aware(at)
        for promo in self._promotions:
            if promo.model != model_name:
                continue
            start = _aware(promo.start) if promo.start is not None else None
            if (start is None or start <= at) and at < _aware(promo.end):
                return promo.input_per_million, promo.output_per_million
        return self._rates.get(model_name)

    def cost(
        self,
        model_name: str,
        at: datetime,
        *,
        input_tokens: int,
        output_tokens: int,
        thinking_tokens: int = 0,
    ) -> float | None:
        """Estimated USD, or None when the model is unpriced or no tokens were used."""
        rates = self.rates(model_name, at)
        if rates is None or not (input_tokens or output_tokens or thinking_tokens):
            return None
        rate_in, rate_out = rates
        return (input_tokens * rate_in + (output_tokens + thinking_tokens) * rate_out) / 1e6


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
