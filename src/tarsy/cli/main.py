"""The ``tarsy`` command: serve, migrate, config check, submit, status."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from tarsy import __version__
from tarsy.config import Settings, TarsyConfig, load_config
from tarsy.domain.errors import ConfigErrors

app = typer.Typer(help="TARSy: an AI SRE that investigates alerts.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration commands.", no_args_is_help=True)
app.add_typer(config_app, name="config")

ConfigDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--config-dir",
        help="Directory with tarsy.yaml and llm-providers.yaml (env CONFIG_DIR). "
        "Without it the built-in demo configuration is used.",
    ),
]
UrlOpt = Annotated[
    str, typer.Option("--url", envvar="TARSY_URL", help="Base URL of a running TARSy.")
]


def _settings(config_dir: Path | None = None, port: int | None = None) -> Settings:
    settings = Settings()
    updates: dict[str, object] = {}
    if config_dir is not None:
        updates["config_dir"] = config_dir
    if port is not None:
        updates["http_port"] = port
    return settings.model_copy(update=updates) if updates else settings


def _load(settings: Settings) -> TarsyConfig:
    try:
        return load_config(settings.config_dir)
    except ConfigErrors as exc:
        typer.echo(f"configuration is invalid ({len(exc.errors)} problem(s)):", err=True)
        for error in exc.errors:
            typer.echo(f"  {error.message}", err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    config_dir: ConfigDirOpt = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (env HTTP_PORT, 8080).")] = None,
    host: Annotated[str | None, typer.Option(help="Bind address (env TARSY_HOST).")] = None,
    role: Annotated[
        str, typer.Option(help="all: API and workers; api: API only; worker: workers only.")
    ] = "all",
) -> None:
    """Run the API, the dashboard and the workers."""
    import uvicorn

    from tarsy.api.auth import AuthSetupError
    from tarsy.app.container import build_container
    from tarsy.app.server import SERVER_OPTIONS, create_app
    from tarsy.config.secrets import secret_values
    from tarsy.observability.logging import configure_logging, register_secrets

    if role not in ("all", "api", "worker"):
        raise typer.BadParameter("role must be one of all, api, worker", param_hint="--role")
    settings = _settings(config_dir, port)
    configure_logging(settings.log_level, settings.log_format)
    config = _load(settings)
    register_secrets(secret_values(config, os.environ))
    for warning in config.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if settings.config_dir is None:
        typer.echo(
            "No --config-dir/CONFIG_DIR: using the built-in demo configuration "
            "(scripted demo model 'demo-scripted', in-process demo cluster).",
            err=True,
        )
    chosen: Literal["all", "api", "worker"] = role  # type: ignore[assignment]
    container = build_container(settings, config, role=chosen)
    try:
        served = create_app(container, freeze_gc=True)
    except AuthSetupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    uvicorn.run(
        served,
        host=host or settings.host,
        port=settings.http_port,
        timeout_graceful_shutdown=int(config.queue.graceful_shutdown_timeout.total_seconds()),
        **SERVER_OPTIONS,
    )


@app.command()
def migrate() -> None:
    """Apply database migrations (serve does this at start-up too)."""
    from tarsy.db.engine import connect
    from tarsy.db.migrate import current_revision, upgrade

    settings = _settings()

    async def run() -> str | None:
        db = connect(settings.database_url, schema=settings.database_schema)
        try:
            await upgrade(db)
            return await current_revision(db)
        finally:
            await db.dispose()

    revision = asyncio.run(run())
    typer.echo(f"database at revision {revision}")


@config_app.command("check")
def config_check(config_dir: ConfigDirOpt = None) -> None:
    """Load and validate the configuration; exit non-zero naming file, key and line."""
    settings = _settings(config_dir)
    config = _load(settings)
    for warning in config.warnings:
        typer.echo(f"warning: {warning}", err=True)
    source = settings.config_dir or "built-in demo configuration"
    typer.echo(
        f"configuration OK ({source}): {len(config.agent_chains)} chains, "
        f"{len(config.agents)} agents, {len(config.mcp_servers)} MCP servers, "
        f"{len(config.llm_providers)} LLM providers"
    )


@app.command()
def submit(
    alert_type: Annotated[str | None, typer.Option("--type", help="Alert type.")] = None,
    file: Annotated[
        str, typer.Option("--file", help="File with the alert data, or - for stdin.")
    ] = "-",
    runbook: Annotated[str | None, typer.Option(help="Runbook URL.")] = None,
    url: UrlOpt = "http://localhost:8080",
) -> None:
    """Submit an alert; prints the new session id."""
    data = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    body: dict[str, object] = {"data": data}
    if alert_type:
        body["alert_type"] = alert_type
    if runbook:
        body["runbook"] = runbook
    response = _request("POST", f"{url}/api/v1/alerts", body)
    typer.echo(response["session_id"])


@app.command()
def status(
    session_id: str,
    url: UrlOpt = "http://localhost:8080",
) -> None:
    """Print a session's status, final analysis and error as JSON."""
    typer.echo(json.dumps(_request("GET", f"{url}/api/v1/sessions/{session_id}/status"), indent=2))


@app.command()
def openapi(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write (default: stdout)")
    ] = None,
) -> None:
    """Print the OpenAPI document of the REST API (the dashboard's client is generated from it)."""
    from tarsy.api.app import create_api

    text = json.dumps(create_api(None, version=__version__).openapi(), indent=2, sort_keys=True)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n")


@app.command()
def version() -> None:
    """Print the TARSy version."""
    typer.echo(__version__)


def _request(method: str, url: str, body: dict[str, object] | None = None) -> dict[str, object]:
    import httpx  # only the client commands need it

    try:
        response = httpx.request(method, url, json=body, timeout=30)
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach TARSy at {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        payload = response.json()
    except ValueError:
        payload = {"message": response.text}
    if response.status_code >= 400:
        typer.echo(f"error {response.status_code}: {payload.get('message', payload)}", err=True)
        raise typer.Exit(1)
    if not isinstance(payload, dict):
        raise typer.Exit(1)
    return payload


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
