"""URL rules for runbooks: allowed hosts, GitHub blob/tree to raw, tree URL to contents API."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit


class RunbookUrlError(ValueError):
    """A runbook URL that may not be fetched; the message says why."""


@dataclass(frozen=True, slots=True)
class GitHubHosts:
    """Base URLs of one GitHub: github.com by default, or a GitHub Enterprise server."""

    web: str = "https://github.com"
    api: str = "https://api.github.com"
    raw: str = "https://raw.githubusercontent.com"

    def hostnames(self) -> frozenset[str]:
        """The hosts that may receive the GitHub token."""
        return frozenset(_host(u) for u in (self.web, self.api, self.raw))

    def is_web(self, url: str) -> bool:
        return _origin(url) == _origin(self.web)


@dataclass(frozen=True, slots=True)
class ContentsLocation:
    """A folder of a repository, as the contents API addresses it."""

    owner: str
    repo: str
    ref: str | None
    path: str


def check_allowed(url: str, allowed_domains: tuple[str, ...] | list[str]) -> None:
    """Raise ``RunbookUrlError`` unless ``url`` is http(s) on an allowed host (or ``www.`` it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RunbookUrlError(f"{url!r} is not an http(s) URL")
    host = parts.hostname.lower()
    if not any(host in (d.lower(), f"www.{d.lower()}") for d in allowed_domains):
        raise RunbookUrlError(
            f"host {host!r} is not an allowed runbook domain ({', '.join(allowed_domains)})"
        )


def normalise(url: str) -> str:
    """The cache key of a URL: scheme and host lowercased, fragment dropped."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def raw_url(url: str, hosts: GitHubHosts) -> str:
    """A GitHub ``<owner>/<repo>/blob|tree/<ref>/<path>`` URL as its raw-content URL,
    ``<raw>/<owner>/<repo>/<ref>/<path>``; any other URL as it is."""
    if not hosts.is_web(url):
        return url
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) >= 5 and segments[2] in ("blob", "tree"):
        owner, repo, _, ref, *path = segments
        return f"{hosts.raw.rstrip('/')}/{owner}/{repo}/{ref}/{'/'.join(path)}"
    return url


def contents_location(repo_url: str, hosts: GitHubHosts) -> ContentsLocation:
    """Where the contents API finds ``repo_url``, ``<owner>/<repo>[/tree/<ref>[/<path>]]``."""
    if not hosts.is_web(repo_url):
        raise RunbookUrlError(f"{repo_url!r} is not a repository URL on {hosts.web}")
    segments = [s for s in urlsplit(repo_url).path.split("/") if s]
    if len(segments) < 2:
        raise RunbookUrlError(f"{repo_url!r} names no repository (expected <owner>/<repo>)")
    owner, repo = segments[0], segments[1].removesuffix(".git")
    if len(segments) == 2:
        return ContentsLocation(owner, repo, None, "")
    if segments[2] != "tree" or len(segments) < 4:
        raise RunbookUrlError(
            f"{repo_url!r} is not a tree URL (expected <owner>/<repo>/tree/<ref>/<path>)"
        )
    return ContentsLocation(owner, repo, segments[3], "/".join(segments[4:]))


def contents_url(location: ContentsLocation, hosts: GitHubHosts, path: str | None = None) -> str:
    """The contents-API URL of ``path`` (default: the location's own folder)."""
    folder = location.path if path is None else path
    url = f"{hosts.api.rstrip('/')}/repos/{location.owner}/{location.repo}/contents"
    if folder:
        url += "/" + quote(folder.strip("/"))
    if location.ref:
        url += f"?ref={quote(location.ref)}"
    return url


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
