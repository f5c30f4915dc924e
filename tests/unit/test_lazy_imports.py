"""Start-up stays lean: building the server imports none of the libraries it needs only later
(each costs a noticeable part of a second; docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys

LATER = ("mcp", "mcp_types", "alembic", "slack_sdk", "httpx", "openai", "anthropic", "google.genai")


def test_the_server_modules_import_none_of_the_later_libraries() -> None:
    code = (
        "import sys\n"
        "import tarsy.app.container, tarsy.app.server, tarsy.cli.main\n"
        f"print(','.join(m for m in {LATER!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""
