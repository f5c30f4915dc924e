"""``CostRates``: promotions, then model rates; thinking at the output rate; unpriced is None."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tarsy.config.pricing import CostRates
from tarsy.config.schema_tarsy import CostEstimationConfig

CONFIG = CostEstimationConfig.model_validate(
    {
        "model_rates": {"gpt-x": {"input_per_million": 2, "output_per_million": 8}},
        "promotions": [
            {
                "model": "gpt-x",
                "start": "2026-11-01",
                "end": "2026-12-01",
                "input_per_million": 1,
                "output_per_million": 4,
            },
            {"model": "free-y", "end": "2027-01-01T00:00:00Z"},
        ],
    }
)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("model", "when", "expected"),
    [
        ("gpt-x", "2026-10-31T23:59:59", (2, 8)),  # before the promotion
        ("gpt-x", "2026-11-01T00:00:00", (1, 4)),  # start is inclusive
        ("gpt-x", "2026-11-30T23:59:59", (1, 4)),
        ("gpt-x", "2026-12-01T00:00:00", (2, 8)),  # end is exclusive
        ("free-y", "2020-01-01T00:00:00", (0, 0)),  # no start: open to the past
        ("free-y", "2027-01-01T00:00:00", None),  # no model rate after the promotion
        ("unknown", "2026-11-15T00:00:00", None),
    ],
)
def test_rate_resolution(model: str, when: str, expected: tuple[float, float] | None) -> None:
    assert CostRates(CONFIG).rates(model, at(when)) == expected


def test_cost_charges_thinking_at_the_output_rate() -> None:
    rates = CostRates(CONFIG)
    cost = rates.cost(
        "gpt-x", at("2026-12-02"), input_tokens=1000, output_tokens=500, thinking_tokens=250
    )
    assert cost == pytest.approx((1000 * 2 + 750 * 8) / 1e6)
    assert rates.cost("gpt-x", at("2026-12-02"), input_tokens=0, output_tokens=0) is None
    assert rates.cost("nope", at("2026-12-02"), input_tokens=10, output_tokens=10) is None


def test_disabled_estimation_prices_nothing() -> None:
    off = CostRates(CONFIG.model_copy(update={"enabled": False}))
    assert off.cost("gpt-x", at("2026-12-02"), input_tokens=10, output_tokens=10) is None
