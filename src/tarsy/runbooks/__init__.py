"""Runbooks: resolve a session's runbook, fetch it from GitHub (or any allowed host), list a
repository's runbooks (SPEC §9).

Modules:
- ``urls``   -- pure URL rules: the allowed-domain check, GitHub blob/tree URL to raw URL,
  a repository tree URL to a contents-API location.
- ``github`` -- ``RunbookHttp``: the HTTP side (raw file fetch, recursive contents listing),
  sending the GitHub token to the GitHub hosts only.
- ``source`` -- ``Runbooks``: the per-session resolution (alert URL, else ``defaults.runbook``,
  else nothing), a TTL cache with concurrent fetches of one URL coalesced, and the cached
  listing. Implements ``RunbookSource``; ``NoRunbooks`` is its null object.

Contract: ``RunbookSource.resolve(url)`` never raises for a fetch failure: it returns the
fallback text with a ``warning`` the caller shows on the session's timeline.
``RunbookSource.catalog()`` never raises: it is empty on any error or when unconfigured.
"""

from tarsy.runbooks.source import NoRunbooks, ResolvedRunbook, Runbooks, RunbookSource

__all__ = ["NoRunbooks", "ResolvedRunbook", "RunbookSource", "Runbooks"]
