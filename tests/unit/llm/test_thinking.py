"""Native thinking per model family (SPEC §2.8) and the ``thinking:`` block overrides."""

from __future__ import annotations

from google.genai import types

from tarsy.config import ProviderConfig
from tarsy.llm.providers import anthropic, google, openai


def config(kind: str, model: str, **thinking: object) -> ProviderConfig:
    data: dict[str, object] = {"type": kind, "model": model}
    if thinking:
        data["thinking"] = thinking
    return ProviderConfig.model_validate(data)


def test_openai_reasoning_models_get_high_effort() -> None:
    assert openai.reasoning_effort(config("openai", "gpt-5")) == "high"
    assert openai.reasoning_effort(config("openai", "o4-mini")) == "high"
    assert openai.reasoning_effort(config("openai", "gpt-4.1")) is None
    assert openai.reasoning_effort(config("openai", "gpt-5", effort="low")) == "low"
    assert openai.reasoning_effort(config("openai", "gpt-5", enabled=False)) is None
    assert openai.reasoning_effort(config("xai", "grok-4")) is None
    assert openai.reasoning_effort(config("xai", "grok-3-mini", effort="high")) == "high"


def test_claude_versions() -> None:
    assert anthropic.claude_version("claude-sonnet-4-5-20250929") == 4.5
    assert anthropic.claude_version("claude-opus-4-20250514") == 4.0
    assert anthropic.claude_version("claude-3-7-sonnet-latest") == 3.7
    assert anthropic.claude_version("claude-opus-4-6") == 4.6
    assert anthropic.claude_version("claude-sonnet-4-5@20250929") == 4.5
    assert anthropic.claude_version("my-proxy-model") == 0.0


def test_claude_thinking() -> None:
    adaptive = {"type": "adaptive", "display": "summarized"}
    fixed = {"type": "enabled", "budget_tokens": 10000}
    assert anthropic.thinking_setting(config("anthropic", "claude-opus-4-6")) == (adaptive, None)
    assert anthropic.thinking_setting(config("anthropic", "claude-sonnet-4-5")) == (fixed, None)
    assert anthropic.thinking_setting(config("anthropic", "claude-3-5-haiku")) == (None, None)
    off = config("anthropic", "claude-opus-4-6", enabled=False)
    assert anthropic.thinking_setting(off) == (None, None)
    effort = config("anthropic", "claude-opus-4-6", effort="medium")
    assert anthropic.thinking_setting(effort) == (adaptive, "medium")
    thinking, _ = anthropic.thinking_setting(config("anthropic", "claude-x", budget_tokens=40000))
    assert anthropic.max_tokens_for(config("anthropic", "claude-x"), thinking) == 48192


def test_gemini_thinking() -> None:
    pro = google.thinking_setting(config("google", "gemini-2.5-pro"))
    assert pro is not None and (pro.thinking_budget, pro.include_thoughts) == (32768, True)
    flash = google.thinking_setting(config("google", "gemini-2.5-flash"))
    assert flash is not None and flash.thinking_budget == 24576
    three = google.thinking_setting(config("google", "gemini-3-pro-preview"))
    assert three is not None and three.thinking_level == types.ThinkingLevel.HIGH
    low = google.thinking_setting(config("google", "gemini-3-flash", effort="low"))
    assert low is not None and low.thinking_level == types.ThinkingLevel.LOW
    off = google.thinking_setting(config("google", "gemini-2.5-flash", enabled=False))
    assert off is not None and off.thinking_budget == 0
    assert google.thinking_setting(config("google", "gemini-2.0-flash")) is None
