"""Validation of ``system.alertmanager``: every alert type it can pick is handled by a chain."""

from __future__ import annotations

from tarsy.config.validate_context import Context, known
from tarsy.config.yaml_source import KeyPath

_BASE: KeyPath = ("system", "alertmanager")


def check_alertmanager(ctx: Context) -> None:
    if ctx.is_broken(_BASE) or any(b[:1] == ("agent_chains",) for b in ctx.broken):
        return  # a broken chain would make every alert type look unknown
    block = ctx.config.system.alertmanager
    for key in ("alert_type_label", "runbook_annotation", "fingerprint_annotation"):
        value: str | None = getattr(block, key)
        if value is not None and not value.strip():
            ctx.fail((*_BASE, key), f"{key} must name a label or annotation, got {value!r}")
    for label_value, alert_type in block.alert_type_map.items():
        _check_type(ctx, alert_type, (*_BASE, "alert_type_map", label_value))
    if block.default_alert_type is not None:
        _check_type(ctx, block.default_alert_type, (*_BASE, "default_alert_type"))


def _check_type(ctx: Context, alert_type: str, path: KeyPath) -> None:
    if ctx.config.chain_id_for_alert_type(alert_type) is not None:
        return
    types = {t for chain in ctx.config.agent_chains.values() for t in chain.alert_types}
    ctx.fail(
        path,
        f"no chain handles alert type {alert_type!r} (alert types of the chains: {known(types)})",
    )
