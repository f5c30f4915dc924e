"""The built-in demo configuration, used when no config directory is given.

It is the built-ins plus one provider, ``demo-scripted`` (type ``scripted``: TARSy's own
deterministic model), set as ``defaults.llm_provider``. The built-in ``kubernetes`` chain
therefore runs with no API key and no environment at all.
"""

from __future__ import annotations

DEMO_PROVIDER = "demo-scripted"
DEMO_SOURCE = "built-in demo configuration"


def demo_tarsy_data() -> dict[str, object]:
    """The demo's ``tarsy.yaml`` content, as parsed data."""
    return {"defaults": {"llm_provider": DEMO_PROVIDER}}


def demo_providers_data() -> dict[str, object]:
    """The demo's ``llm-providers.yaml`` content, as parsed data."""
    return {"llm_providers": {DEMO_PROVIDER: {"type": "scripted", "model": DEMO_PROVIDER}}}
