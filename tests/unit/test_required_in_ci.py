"""With CI=true, a missing service or binary fails its tests instead of skipping them; on a
laptop (CI unset) those tests skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
NO_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:1/none"


def run_pytest(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_migration_tests(ci: str) -> subprocess.CompletedProcess[str]:
    env = {"CI": ci, "TARSY_TEST_DATABASE_URL": NO_POSTGRES}
    return run_pytest(env, "tests/integration/db/test_migrations.py")


def run_without_alertmanager(ci: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"CI": ci, "PATH": str(tmp_path)}  # no binary on this PATH
    return run_pytest(env, "-k", "sqlite", "tests/e2e/test_alertmanager_real.py")


def test_ci_fails_without_postgres() -> None:
    result = run_migration_tests("true")
    assert result.returncode != 0
    assert "CI=true: PostgreSQL tests must run" in result.stdout


def test_laptop_skips_without_postgres() -> None:
    result = run_migration_tests("")
    assert result.returncode == 0, result.stdout
    assert "skipped" in result.stdout


def test_ci_fails_without_alertmanager(tmp_path: Path) -> None:
    result = run_without_alertmanager("true", tmp_path)
    assert result.returncode != 0
    assert "CI=true: the Alertmanager test must run" in result.stdout


def test_laptop_skips_without_alertmanager(tmp_path: Path) -> None:
    result = run_without_alertmanager("", tmp_path)
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
