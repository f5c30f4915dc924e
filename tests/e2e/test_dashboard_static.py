"""The backend serves the dashboard build: hashed assets cached for a year, ``index.html`` for
every page path (deep links), API paths untouched, and a hint when nothing is built."""

from __future__ import annotations

from pathlib import Path

from tarsy.config import Settings, load_config
from tests.e2e.harness import running_app
from tests.e2e.test_first_investigation import FAST_QUEUE


def fake_build(directory: Path) -> Path:
    (directory / "assets").mkdir(parents=True)
    (directory / "index.html").write_text('<!doctype html><div id="root"></div>')
    (directory / "assets" / "index-3f2a1b.js").write_text("console.log('tarsy')")
    (directory / "favicon.svg").write_text("<svg/>")
    return directory


async def test_the_build_is_served_with_deep_links_and_long_cached_assets(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    settings = sqlite_settings.model_copy(update={"dashboard_dir": fake_build(tmp_path / "dist")})
    async with running_app(settings, load_config(None), queue=FAST_QUEUE) as app:
        for path in ("/", "/sessions/abc", "/sessions/abc/trace", "/submit-alert", "/system"):
            page = await app.client.get(path)
            assert page.status_code == 200, path
            assert page.text.startswith("<!doctype html>"), path
            assert page.headers["cache-control"] == "no-cache"
        asset = await app.client.get("/assets/index-3f2a1b.js")
        assert asset.status_code == 200 and "tarsy" in asset.text
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert (await app.client.get("/assets/missing.js")).status_code == 404
        assert (await app.client.get("/favicon.svg")).text == "<svg/>"
        missing = await app.client.get("/api/v1/nothing-here")
        assert missing.status_code == 404 and missing.json()["message"]
        assert (await app.client.get("/health")).json()["status"] == "healthy"
        assert "paths" in (await app.client.get("/openapi.json")).json()
        assert (await app.client.get("/api/v1/alert-types")).status_code == 200


async def test_without_a_build_the_root_says_how_to_make_one(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    settings = sqlite_settings.model_copy(update={"dashboard_dir": tmp_path / "none"})
    async with running_app(settings, load_config(None), queue=FAST_QUEUE) as app:
        page = await app.client.get("/")
        assert page.status_code == 200 and "make dashboard" in page.text
