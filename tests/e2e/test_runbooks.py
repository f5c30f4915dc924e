"""Runbooks end to end (SPEC §9) against a local fake GitHub: checked at submit, fetched with the
token into the prompts, a failed fetch visible on the timeline while the session runs on, and the
repository listing."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tarsy.config import Settings, TarsyConfig, load_config
from tarsy.llm.scripted import ScriptedModel, Turn
from tests.e2e.harness import running_app
from tests.e2e.test_chat import TOOLS, shared
from tests.e2e.test_first_investigation import FAST_QUEUE
from tests.fake_github import FakeGitHub
from tests.fakehttp import served

TOKEN_ENV = "TARSY_TEST_RUNBOOK_TOKEN"
DEFAULT_RUNBOOK = "Default runbook: check recent deploys."


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    fake = FakeGitHub(
        repos={
            "sre/runbooks": {"main": {"k8s/crashloop.md": "# CrashLoop\nRead the previous logs."}},
        },
        private={"sre/runbooks"},
    )
    async with served(fake.app()) as url:
        fake.url = url
        yield fake


def runbook_config(github: FakeGitHub) -> TarsyConfig:
    config = load_config(None)
    system = config.system.model_copy(
        update={
            "github": config.system.github.model_copy(
                update={
                    "token_env": TOKEN_ENV,
                    "url": github.url,
                    "api_url": f"{github.url}/api",
                    "raw_url": f"{github.url}/raw",
                }
            ),
            "runbooks": config.system.runbooks.model_copy(
                update={
                    "allowed_domains": ("127.0.0.1",),
                    "repo_url": f"{github.url}/sre/runbooks/tree/main",
                }
            ),
        }
    )
    defaults = config.defaults.model_copy(update={"runbook": DEFAULT_RUNBOOK})
    return dataclasses.replace(config, system=system, defaults=defaults)


def model() -> ScriptedModel:
    return ScriptedModel(
        routes={
            "KubernetesAgent": [Turn.text("Root cause: bad DATABASE_HOST.")],
            "ExecSummaryAgent": [Turn.text("api down: bad DATABASE_HOST")],
        }
    )


def user_prompt(scripted: ScriptedModel, agent: str) -> str:
    request = next(r for r in scripted.requests if r.agent_name == agent)
    return next(m.content for m in request.messages if m.role.value == "user")


async def test_a_private_runbook_is_fetched_with_the_token_into_the_prompt(
    settings: Settings, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, github.token)
    scripted = model()
    async with running_app(
        settings, runbook_config(github), models=shared(scripted), queue=FAST_QUEUE, toolsets=TOOLS
    ) as app:
        sid = await app.submit(runbook=f"{github.url}/sre/runbooks/blob/main/k8s/crashloop.md")
        assert (await app.wait_status(sid))["status"] == "completed"
        prompt = user_prompt(scripted, "KubernetesAgent")
        assert "Read the previous logs." in prompt
        assert DEFAULT_RUNBOOK not in prompt
        [fetch] = github.hits("/raw/")
        assert fetch.authorization == f"Bearer {github.token}"
        timeline = (await app.client.get(f"/api/v1/sessions/{sid}/timeline")).json()
        assert not [e for e in timeline if e["event_type"] == "error"]
        detail = (await app.client.get(f"/api/v1/sessions/{sid}")).json()
        assert detail["runbook_url"].endswith("/k8s/crashloop.md")

        listed = await app.client.get("/api/v1/runbooks")
        assert listed.status_code == 200
        assert listed.json() == [f"{github.url}/sre/runbooks/blob/main/k8s/crashloop.md"]


async def test_a_missing_runbook_leaves_a_warning_and_the_session_runs_on(
    settings: Settings, github: FakeGitHub
) -> None:
    scripted = model()
    async with running_app(
        settings, runbook_config(github), models=shared(scripted), queue=FAST_QUEUE, toolsets=TOOLS
    ) as app:
        url = f"{github.url}/sre/runbooks/blob/main/k8s/gone.md"
        sid = await app.submit(runbook=url)
        status = await app.wait_status(sid)
        assert status["status"] == "completed", status
        assert DEFAULT_RUNBOOK in user_prompt(scripted, "KubernetesAgent")

        timeline: list[dict[str, Any]] = (
            await app.client.get(f"/api/v1/sessions/{sid}/timeline")
        ).json()
        [warning] = [e for e in timeline if e["event_type"] == "error"]
        assert warning["stage_id"] is None and warning["execution_id"] is None
        assert warning["status"] == "completed"
        assert warning["metadata"] == {"source": "runbook", "runbook_url": url}
        assert f"Runbook {url} could not be fetched: HTTP 404" in warning["content"]
        assert "the default runbook is used" in warning["content"]
        assert timeline[0]["event_id"] == warning["event_id"]  # shown before the investigation

        # Without the token the private repository's listing is empty, not an error.
        listed = await app.client.get("/api/v1/runbooks")
        assert listed.status_code == 200 and listed.json() == []


async def test_a_runbook_on_a_disallowed_domain_is_refused_at_submit(
    settings: Settings, github: FakeGitHub
) -> None:
    async with running_app(settings, runbook_config(github), queue=FAST_QUEUE) as app:
        response = await app.client.post(
            "/api/v1/alerts",
            json={"data": "disk full", "runbook": "https://evil.example.com/rb.md"},
        )
        assert response.status_code == 400
        assert response.json() == {
            "message": "runbook: host 'evil.example.com' is not an allowed runbook domain "
            "(127.0.0.1)"
        }
        response = await app.client.post(
            "/api/v1/alerts", json={"data": "disk full", "runbook": "file:///etc/passwd"}
        )
        assert response.status_code == 400
        assert "is not an http(s) URL" in response.json()["message"]
        listed = (await app.client.get("/api/v1/sessions")).json()
        assert listed["pagination"]["total_items"] == 0  # nothing stored
    assert github.seen == []


async def test_the_runbook_list_is_empty_when_unconfigured(settings: Settings) -> None:
    async with running_app(settings, load_config(None), queue=FAST_QUEUE) as app:
        listed = await app.client.get("/api/v1/runbooks")
        assert listed.status_code == 200 and listed.json() == []
