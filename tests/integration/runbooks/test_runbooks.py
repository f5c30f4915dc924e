"""``Runbooks`` against a local fake GitHub over real HTTP: raw fetches, the token, the cache,
fallbacks and the repository listing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import pytest

from tarsy.runbooks import Runbooks
from tarsy.runbooks.github import RunbookHttp
from tarsy.runbooks.urls import GitHubHosts
from tests.fake_github import FakeGitHub
from tests.fakehttp import served

DEFAULT = "Check the pod's events first."
REPOS = {
    "acme/runbooks": {
        "main": {
            "k8s/crashloop.md": "# CrashLoopBackOff\nLook at the previous container's logs.",
            "k8s/deep/oom.md": "# OOMKilled",
            "k8s/notes.txt": "not a runbook",
            "README.md": "# Index",
        }
    },
    "acme/secret-runbooks": {"main": {"db.md": "# Private database runbook"}},
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    fake = FakeGitHub(repos=REPOS, private={"acme/secret-runbooks"})
    async with served(fake.app()) as url:
        fake.url = url
        yield fake


def make(
    github: FakeGitHub,
    *,
    token: str | None = None,
    clock: Callable[[], float] | None = None,
    default: str | None = DEFAULT,
    repo_url: str | None = None,
    ttl: float = 60,
) -> Runbooks:
    hosts = GitHubHosts(web=github.url, api=f"{github.url}/api", raw=f"{github.url}/raw")
    return Runbooks(
        RunbookHttp(hosts, token, timeout=5),
        hosts=hosts,
        allowed_domains=("127.0.0.1", "localhost"),
        default_text=default,
        repo_url=repo_url,
        cache_ttl=ttl,
        clock=clock or Clock(),
    )


async def test_a_blob_url_is_fetched_as_raw_content(github: FakeGitHub) -> None:
    runbooks = make(github)
    resolved = await runbooks.resolve(f"{github.url}/acme/runbooks/blob/main/k8s/crashloop.md")
    assert resolved.warning is None
    assert resolved.text is not None and "previous container's logs" in resolved.text
    [hit] = github.hits("/raw/")
    assert hit.path == "/raw/acme/runbooks/main/k8s/crashloop.md"
    assert hit.authorization is None  # no token configured
    await runbooks.aclose()


async def test_the_token_opens_a_private_repository_and_goes_only_to_github(
    github: FakeGitHub,
) -> None:
    url = f"{github.url}/acme/secret-runbooks/blob/main/db.md"
    without = make(github)
    missed = await without.resolve(url)
    assert missed.text == DEFAULT
    assert missed.warning is not None and "HTTP 404" in missed.warning
    assert "system.github.token_env" in missed.warning  # says how to fix it

    with_token = make(github, token=github.token)
    found = await with_token.resolve(url)
    assert found == type(found)("# Private database runbook")
    assert github.hits("/raw/acme/secret-runbooks")[-1].authorization == f"Bearer {github.token}"

    # Another allowed host never sees the token.
    port = urlsplit(github.url).port
    wiki = await with_token.resolve(f"http://localhost:{port}/other/oncall.md")
    assert wiki.text == "# Wiki page oncall.md"
    assert github.hits("/other/")[-1].authorization is None
    await without.aclose()
    await with_token.aclose()


async def test_the_cache_keeps_a_runbook_for_its_ttl_and_coalesces_fetches(
    github: FakeGitHub,
) -> None:
    clock = Clock()
    runbooks = make(github, clock=clock, ttl=60)
    url = f"{github.url}/acme/runbooks/blob/main/k8s/crashloop.md"
    results = await asyncio.gather(*(runbooks.resolve(url) for _ in range(20)))
    assert len({r.text for r in results}) == 1
    assert len(github.hits("/raw/")) == 1  # twenty sessions at once: one fetch

    clock.now += 59
    await runbooks.resolve(url + "#section")  # same runbook: the fragment is not a new key
    assert len(github.hits("/raw/")) == 1

    REPOS["acme/runbooks"]["main"]["k8s/crashloop.md"] = "# Updated runbook"
    try:
        clock.now += 2  # past the TTL
        assert (await runbooks.resolve(url)).text == "# Updated runbook"
        assert len(github.hits("/raw/")) == 2
    finally:
        REPOS["acme/runbooks"]["main"]["k8s/crashloop.md"] = (
            "# CrashLoopBackOff\nLook at the previous container's logs."
        )
    await runbooks.aclose()


async def test_failures_fall_back_without_raising(github: FakeGitHub) -> None:
    runbooks = make(github, default=None)
    missing = await runbooks.resolve(f"{github.url}/acme/runbooks/blob/main/nope.md")
    assert missing.text is None
    assert missing.warning is not None
    assert "nope.md could not be fetched: HTTP 404" in missing.warning
    assert "no runbook is used" in missing.warning

    refused = await runbooks.resolve("https://evil.example.com/runbook.md")
    assert refused.text is None
    assert refused.warning is not None and "not an allowed runbook domain" in refused.warning

    closed = await make(github).resolve("http://127.0.0.1:9/acme/runbooks/blob/main/x.md")
    assert closed.text == DEFAULT
    assert closed.warning is not None and "ConnectError" in closed.warning
    assert (await runbooks.resolve(None)).text is None
    await runbooks.aclose()


async def test_the_catalog_walks_the_repository_for_markdown(github: FakeGitHub) -> None:
    runbooks = make(github, repo_url=f"{github.url}/acme/runbooks/tree/main/k8s")
    listed = await runbooks.catalog()
    assert listed == [
        f"{github.url}/acme/runbooks/blob/main/k8s/crashloop.md",
        f"{github.url}/acme/runbooks/blob/main/k8s/deep/oom.md",
    ]
    assert all(h.query == "ref=main" for h in github.hits("/api/"))
    calls = len(github.hits("/api/"))
    assert await runbooks.catalog() == listed  # cached
    assert len(github.hits("/api/")) == calls

    # No ref: the repository's default branch, from the root, every folder walked.
    whole = make(github, repo_url=f"{github.url}/acme/runbooks")
    assert await whole.catalog() == [
        f"{github.url}/acme/runbooks/blob/main/README.md",
        *listed,
    ]

    private = make(github, repo_url=f"{github.url}/acme/secret-runbooks/tree/main")
    assert await private.catalog() == []  # 404 without the token: empty, no error
    assert await make(github, token=github.token, repo_url=private_url(github)).catalog() == [
        f"{github.url}/acme/secret-runbooks/blob/main/db.md"
    ]
    assert await make(github).catalog() == []  # unconfigured
    for r in (runbooks, whole, private):
        await r.aclose()


def private_url(github: FakeGitHub) -> str:
    return f"{github.url}/acme/secret-runbooks/tree/main"
