"""The URL rules of runbooks: allowed hosts, GitHub blob/tree to raw, repository locations."""

from __future__ import annotations

import re

import pytest

from tarsy.runbooks.urls import (
    ContentsLocation,
    GitHubHosts,
    RunbookUrlError,
    check_allowed,
    contents_location,
    contents_url,
    normalise,
    raw_url,
)

GH = GitHubHosts()
GHE = GitHubHosts(
    web="https://git.corp.example",
    api="https://git.corp.example/api/v3",
    raw="https://git.corp.example/raw",
)
ALLOWED = ("github.com", "raw.githubusercontent.com")


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/rb/blob/main/a.md",
        "https://www.github.com/acme/rb/blob/main/a.md",
        "http://RAW.githubusercontent.com/acme/rb/main/a.md",
    ],
)
def test_allowed_hosts_pass(url: str) -> None:
    check_allowed(url, ALLOWED)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://github.com/a.md", "is not an http(s) URL"),
        ("github.com/acme/rb/a.md", "is not an http(s) URL"),
        ("https://github.com.evil.example/a.md", "'github.com.evil.example' is not an allowed"),
        ("https://gist.github.com/a.md", "'gist.github.com' is not an allowed"),
        ("https://evil.example/?u=github.com", "'evil.example' is not an allowed"),
    ],
)
def test_other_urls_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(RunbookUrlError, match=re.escape(why)):
        check_allowed(url, ALLOWED)


def test_blob_and_tree_urls_become_raw_urls() -> None:
    assert (
        raw_url("https://github.com/acme/rb/blob/main/k8s/crash.md", GH)
        == "https://raw.githubusercontent.com/acme/rb/main/k8s/crash.md"
    )
    assert (
        raw_url("https://github.com/acme/rb/tree/v1.2/a.md", GH)
        == "https://raw.githubusercontent.com/acme/rb/v1.2/a.md"
    )
    assert (
        raw_url("https://git.corp.example/sre/rb/blob/main/a.md", GHE)
        == "https://git.corp.example/raw/sre/rb/main/a.md"
    )
    for unchanged in (
        "https://raw.githubusercontent.com/acme/rb/main/a.md",
        "https://github.com/acme/rb",  # a repository, not a file
        "https://wiki.example/runbooks/a.md",
    ):
        assert raw_url(unchanged, GH) == unchanged


def test_normalise_drops_the_fragment_and_case_of_the_host() -> None:
    assert (
        normalise(" HTTPS://GitHub.com/Acme/rb/a.md#step-2 ") == "https://github.com/Acme/rb/a.md"
    )


def test_repository_locations() -> None:
    assert contents_location("https://github.com/acme/rb", GH) == ContentsLocation(
        "acme", "rb", None, ""
    )
    location = contents_location("https://github.com/acme/rb/tree/main/ops/k8s/", GH)
    assert location == ContentsLocation("acme", "rb", "main", "ops/k8s")
    assert (
        contents_url(location, GH)
        == "https://api.github.com/repos/acme/rb/contents/ops/k8s?ref=main"
    )
    assert (
        contents_url(contents_location("https://git.corp.example/sre/rb.git", GHE), GHE)
        == "https://git.corp.example/api/v3/repos/sre/rb/contents"
    )
    with pytest.raises(RunbookUrlError, match="names no repository"):
        contents_location("https://github.com/acme", GH)
    with pytest.raises(RunbookUrlError, match="is not a tree URL"):
        contents_location("https://github.com/acme/rb/blob/main/a.md", GH)
    with pytest.raises(
        RunbookUrlError, match=re.escape("is not a repository URL on https://github.com")
    ):
        contents_location("https://gitlab.com/acme/rb", GH)
