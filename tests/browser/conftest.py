"""Headless Chromium (Debian's package) driven by Playwright against the real server.

The dashboard build (``make dashboard``) and ``chromium`` must exist: these tests skip without
them on a laptop and fail under ``CI=true``. Screenshots go to ``$TARSY_ARTIFACTS`` (default
``artifacts/``) at 1280x800.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tarsy.config.settings import DEFAULT_DASHBOARD_DIR

VIEWPORT = {"width": 1280, "height": 800}
ARTIFACTS = Path(os.environ.get("TARSY_ARTIFACTS", "artifacts")) / "screenshots"


def _require(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (required when CI=true)")
    pytest.skip(why)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    _require(executable is not None, "chromium is not installed (make browser)")
    _require(
        (DEFAULT_DASHBOARD_DIR / "index.html").is_file(), "dashboard not built (make dashboard)"
    )
    async with async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    return path
