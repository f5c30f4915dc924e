"""``build_masker`` and ``Masker``: resolution, caching, code masker first, off-loop masking."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tarsy.masking import (
    NULL_MASKER,
    SECRET_DATA_MARKER,
    CustomRule,
    MaskingRules,
    build_masker,
    resolve_rules,
)
from tarsy.masking import masker as masker_module

SECRET = "apiVersion: v1\nkind: Secret\ndata:\n  username: aHVudGVyMjI=\n"


def test_groups_and_names_resolve_to_a_union_in_priority_order() -> None:
    resolved = resolve_rules(
        MaskingRules(groups=("kubernetes",), patterns=("email", "token", "password"))
    )
    assert resolved.code_maskers == {"kubernetes_secret"}
    assert resolved.builtins == (
        "certificate_authority_data",
        "api_key",
        "token",
        "password",
        "email",
    )


def test_equal_rules_give_the_same_masker_and_no_rules_the_null_masker() -> None:
    rules = MaskingRules(groups=("security",), custom=(CustomRule("x{3}", "[X]"),))
    assert build_masker(rules) is build_masker(MaskingRules(rules.groups, (), rules.custom))
    assert build_masker(MaskingRules()) is NULL_MASKER
    assert not NULL_MASKER.active
    assert NULL_MASKER.mask("password: hunter22") == "password: hunter22"


def test_the_secret_masker_runs_only_when_its_name_is_active() -> None:
    with_code = build_masker(MaskingRules(groups=("kubernetes",)))
    assert SECRET_DATA_MARKER in with_code.mask(SECRET)
    regex_only = build_masker(MaskingRules(groups=("security",)))
    assert regex_only.mask(SECRET) == SECRET  # no keyword, no code masker: untouched


def test_code_masker_first_then_regexes() -> None:
    masker = build_masker(MaskingRules(groups=("kubernetes",), patterns=("token",)))
    text = SECRET + "---\nkind: ConfigMap\ndata:\n  token: abcdefghijklmnopqrstuvwxyz\n"
    masked = masker.mask(text)
    assert "aHVudGVyMjI=" not in masked and "abcdefghijklmnopqrstuvwxyz" not in masked
    assert "token: [MASKED_TOKEN]" in masked


def test_masks_until_nothing_changes() -> None:
    masker = build_masker(MaskingRules(groups=("all",)))
    text = "passwordpasswordYWRtaW4=passwordpasswordYWRtaW4="
    once = masker.mask(text)
    assert masker.mask(once) == once


async def test_long_texts_are_masked_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(masker_module, "OFFLOAD_CHARS", 10)
    masker = build_masker(MaskingRules(groups=("basic",)))
    seen: list[bool] = []
    original = masker.mask

    def spy(text: str) -> str:
        seen.append(threading.current_thread() is threading.main_thread())
        return original(text)

    monkeypatch.setattr(masker, "mask", spy)
    assert await masker.mask_async("short") == "short"
    masked = await masker.mask_async("password: hunter22 " * 3)
    assert masked.count("[MASKED_PASSWORD]") == 3
    assert seen == [True, False]
    await asyncio.sleep(0)
