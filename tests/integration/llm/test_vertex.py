"""Vertex AI through the real SDKs: Claude (``streamRawPredict``) and Gemini, with an access
token from a (patched) service-account file, against fakes of the Vertex endpoints."""

from __future__ import annotations

import pytest
from google.oauth2 import credentials as oauth2
from google.oauth2 import service_account

from tarsy.config import ProviderConfig
from tarsy.llm.factory import build_model
from tarsy.llm.types import TextDelta, ToolCallEvent
from tests.integration.llm.fake_server import FakeVendor
from tests.integration.llm.requests import collect, first_request
from tests.integration.llm.wire import anthropic_stream, gemini_stream


@pytest.fixture(autouse=True)
def vertex_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PROJECT", "sre-prod")
    monkeypatch.setenv("FAKE_LOCATION", "europe-west1")
    monkeypatch.setenv("FAKE_SA_FILE", "/secrets/sa.json")

    def load(path: str, scopes: tuple[str, ...]) -> oauth2.Credentials:
        assert path == "/secrets/sa.json"
        return oauth2.Credentials(token="ya29.fake-token", scopes=list(scopes))  # type: ignore[no-untyped-call]

    monkeypatch.setattr(service_account.Credentials, "from_service_account_file", load)


def provider(vendor: FakeVendor, model: str) -> ProviderConfig:
    return ProviderConfig(
        type="vertexai",
        model=model,
        project_env="FAKE_PROJECT",
        location_env="FAKE_LOCATION",
        credentials_env="FAKE_SA_FILE",
        base_url=vendor.url,
    )


async def test_claude_on_vertex(vendor: FakeVendor) -> None:
    vendor.queue(
        anthropic_stream(
            ["Looking."],
            calls=[("toolu_v1", "kubernetes-server__pods_list", ['{"namespace": "a"}'])],
        )
    )
    model = build_model("vertex-claude", provider(vendor, "claude-sonnet-4-6"))
    events = await collect(model, first_request())
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Looking."]
    assert [e.call.name for e in events if isinstance(e, ToolCallEvent)] == [
        "kubernetes-server.pods_list"
    ]
    sent = vendor.requests[0]
    assert sent.path == (
        "/projects/sre-prod/locations/europe-west1/publishers/anthropic/models/"
        "claude-sonnet-4-6:streamRawPredict"
    )
    assert sent.headers["authorization"] == "Bearer ya29.fake-token"
    assert "model" not in sent.body
    assert "anthropic_version" in sent.body


async def test_gemini_on_vertex(vendor: FakeVendor) -> None:
    vendor.queue(gemini_stream(["Fine."], model="gemini-2.5-pro"))
    model = build_model("vertex-gemini", provider(vendor, "gemini-2.5-pro"))
    events = await collect(model, first_request())
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Fine."]
    sent = vendor.requests[0]
    assert sent.path.endswith(
        "/projects/sre-prod/locations/europe-west1/publishers/google/models/"
        "gemini-2.5-pro:streamGenerateContent"
    )
    assert sent.headers["authorization"] == "Bearer ya29.fake-token"
