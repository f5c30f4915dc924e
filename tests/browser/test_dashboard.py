"""The dashboard in headless Chromium against the real server with the scripted model: submit an
alert from the form, watch the session stream to completion, open the trace, chat, cancel, and
load every page from the address bar."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playwright.async_api import Page, expect

from tarsy.config import ResolvedAgentConfig, Settings, load_config
from tarsy.domain.tools import StaticToolset, ToolDef
from tarsy.llm.model import Model
from tarsy.llm.scripted import ScriptedModel, Turn
from tarsy.pipeline.ports import ModelHooks
from tests.browser.conftest import screenshot
from tests.e2e.harness import RunningApp, running_app
from tests.e2e.test_first_investigation import FAST_QUEUE

ANALYSIS = (
    "## Root cause\n\nThe **api-7d9** pod crash-loops because `DATABASE_HOST` points at a "
    "Service that no longer exists (`db-old`). Every restart fails the same lookup.\n\n"
    "## Recommendations\n\n1. Point `DATABASE_HOST` back at `db`.\n"
    "2. Roll the deployment.\n3. Add a readiness check on the database connection.\n"
)
TOOLS = {
    "kubernetes-server": StaticToolset(
        [
            (
                ToolDef("kubernetes-server.pods_log", "Logs of a pod"),
                "FATAL lookup db-old: no such host",
            ),
            (
                ToolDef("kubernetes-server.pods_get", "A pod"),
                "api-7d9 CrashLoopBackOff, 12 restarts",
            ),
        ]
    )
}


def models(model: ScriptedModel) -> Any:
    def factory(agent: ResolvedAgentConfig, hooks: ModelHooks) -> Model:
        return model

    return factory


def investigation(chat_answer: str = "") -> ScriptedModel:
    return ScriptedModel(
        routes={
            "KubernetesAgent": [
                Turn.tool_calls(
                    ("kubernetes-server.pods_get", '{"name": "api-7d9"}'),
                    ("kubernetes-server.pods_log", '{"name": "api-7d9"}'),
                    text="Checking the pod and its logs.",
                ),
                Turn.streamed(ANALYSIS, pieces=60, delay=0.05, thinking="Logs first, then config."),
            ],
            "ExecSummaryAgent": [Turn.streamed("api-7d9 down: DATABASE_HOST points at db-old.")],
            "ChatAgent": [
                Turn.streamed(chat_answer or "Roll back to revision 13.", pieces=30, delay=0.05)
            ],
        }
    )


async def test_submit_watch_trace_and_chat(page: Page, sqlite_settings: Settings) -> None:
    model = investigation("Revision 13 used `db`; roll back to it with `kubectl rollout undo`.")
    async with running_app(
        sqlite_settings, load_config(None), models=models(model), queue=FAST_QUEUE, toolsets=TOOLS
    ) as app:
        await page.goto(f"{app.url}/submit-alert")
        await page.get_by_test_id("alert-data").fill("Pod api-7d9 CrashLoopBackOff in prod")
        await screenshot(page, "submit")
        await page.get_by_test_id("submit-button").click()
        await page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]{36}$"))
        sid = page.url.rsplit("/", 1)[1]

        # The answer streams: its text grows between two observations.
        streaming = page.locator(
            '[data-testid="timeline-event"][data-event-type="llm_response"][data-status="streaming"]'
        ).first
        await expect(streaming).to_be_visible()
        first = await streaming.get_by_test_id("event-content").inner_text()
        await asyncio.sleep(0.6)
        second = await streaming.get_by_test_id("event-content").inner_text()
        assert len(second) > len(first), (first, second)
        await screenshot(page, "detail-streaming")

        await expect(page.get_by_test_id("session-status")).to_have_text(
            "completed", timeout=30_000
        )
        analysis = page.get_by_test_id("final-analysis")
        await expect(analysis).to_contain_text("Root cause")
        await expect(analysis.locator("strong", has_text="api-7d9")).to_be_visible()  # markdown
        await expect(page.get_by_test_id("executive-summary")).to_contain_text("db-old")
        tool_calls = page.locator('[data-testid="timeline-event"][data-event-type="llm_tool_call"]')
        await expect(tool_calls).to_have_count(2)
        await screenshot(page, "detail-completed")

        # Trace: the exact conversation of an LLM interaction.
        await page.get_by_test_id("trace-link").click()
        await page.wait_for_url(f"**/sessions/{sid}/trace")
        await expect(page.get_by_test_id("trace-view")).to_be_visible()
        await page.get_by_test_id("mcp-interaction").first.click()
        await expect(page.get_by_test_id("mcp-detail")).to_be_visible()
        await page.get_by_test_id("llm-interaction").first.click()
        messages = page.get_by_test_id("conversation-message")
        await expect(messages.first).to_be_visible()
        assert await messages.count() >= 2
        await expect(
            page.locator('[data-testid="conversation-message"][data-role="system"]').first
        ).to_be_visible()
        await screenshot(page, "trace")

        # Chat: the answer streams into the page.
        await page.goto(f"{app.url}/sessions/{sid}")
        await page.get_by_test_id("chat-input").fill("Which revision used the right host?")
        await page.get_by_test_id("chat-send").click()
        chat_stream = page.locator(
            '[data-testid="timeline-event"][data-event-type="llm_response"][data-status="streaming"]'
        ).first
        await expect(chat_stream).to_be_visible(timeout=30_000)
        first = await chat_stream.get_by_test_id("event-content").inner_text()
        await asyncio.sleep(0.5)
        second = await chat_stream.get_by_test_id("event-content").inner_text()
        assert len(second) > len(first), (first, second)
        answer = page.locator(
            '[data-testid="timeline-event"][data-event-type="llm_response"]'
        ).filter(has_text="Revision 13")
        await expect(answer.first).to_be_visible(timeout=30_000)
        await expect(answer.first).to_contain_text("kubectl rollout undo", timeout=30_000)

        # The list shows the session.
        await page.goto(app.url)
        row = page.locator(f'[data-testid="session-row"][data-session-id="{sid}"]')
        await expect(row).to_be_visible()
        await expect(row.get_by_test_id("session-status")).to_have_text("completed")
        await screenshot(page, "list")


async def test_cancel_a_long_running_session(page: Page, sqlite_settings: Settings) -> None:
    never = asyncio.Event()
    model = ScriptedModel(routes={"KubernetesAgent": [Turn(block=never)]})
    async with running_app(
        sqlite_settings, load_config(None), models=models(model), queue=FAST_QUEUE, toolsets=TOOLS
    ) as app:
        sid = await app.submit()
        await page.goto(f"{app.url}/sessions/{sid}")
        await expect(page.get_by_test_id("session-status")).to_have_text("in_progress")
        await page.get_by_test_id("cancel-button").click()
        await expect(page.get_by_test_id("session-status")).to_have_text(
            "cancelled", timeout=30_000
        )
        status = await app.wait_status(sid)
        assert status["status"] == "cancelled"


async def checked(app: RunningApp) -> None:
    """Wait for the health monitor's first check (the demo cluster over stdio)."""
    async with asyncio.timeout(30):
        while True:
            servers = (await app.client.get("/api/v1/system/mcp-servers")).json()["servers"]
            if servers and all(s["last_check"] for s in servers):
                return
            await asyncio.sleep(0.1)


async def test_every_page_loads_from_the_address_bar(page: Page, sqlite_settings: Settings) -> None:
    model = investigation()
    async with running_app(
        sqlite_settings,
        load_config(None),
        models=models(model),
        queue=FAST_QUEUE,
        mcp_health_interval=60,  # the demo cluster itself, so /system has a server to show
    ) as app:
        sid = await app.submit()
        await app.wait_status(sid)
        await checked(app)
        for path, testid in (
            ("/", "session-list"),
            (f"/sessions/{sid}", "timeline"),
            (f"/sessions/{sid}/trace", "trace-view"),
            ("/submit-alert", "submit-button"),
            ("/system", "mcp-server"),
        ):
            await page.goto(app.url + path)
            await expect(page.get_by_test_id(testid).first).to_be_visible()
        await page.goto(f"{app.url}/system")
        await screenshot(page, "system")
        # The theme toggle switches and is remembered.
        before = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        await page.get_by_test_id("theme-toggle").click()
        after = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert before != after
        await page.reload()
        assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == after
