"""With CI=true, an unreachable PostgreSQL fails the run instead of skipping its tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def run_migration_tests(ci: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CI": ci,
        "TARSY_TEST_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/none",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/integration/db/test_migrations.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ci_fails_without_postgres() -> None:
    result = run_migration_tests("true")
    assert result.returncode != 0
    assert "CI=true: PostgreSQL tests must run" in result.stdout


def test_laptop_skips_without_postgres() -> None:
    result = run_migration_tests("")
    assert result.returncode == 0, result.stdout
    assert "skipped" in result.stdout
