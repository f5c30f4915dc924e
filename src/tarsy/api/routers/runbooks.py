"""``GET /api/v1/runbooks``: the runbooks of the configured repository (SPEC §9)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tarsy.runbooks import RunbookSource

router = APIRouter(prefix="/api/v1", tags=["alerts"])


@router.get("/runbooks", response_model=list[str])
async def list_runbooks(request: Request) -> list[str]:
    """Blob URLs of the ``.md`` files under ``system.runbooks.repo_url``; always 200, empty
    when unconfigured or when GitHub cannot be reached."""
    source: RunbookSource = request.app.state.ctx.runbooks
    return await source.catalog()
