"""``GET /api/v1/ws``: the WebSocket of live updates (protocol in ``services.live``)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from tarsy.services.live import LiveService

router = APIRouter(prefix="/api/v1")

CLOSE_POLICY = 1008


@router.websocket("/ws")
async def live_updates(websocket: WebSocket) -> None:
    service: LiveService = websocket.app.state.ctx.live
    if not service.origin_allowed(websocket.headers.get("origin")):
        await websocket.close(code=CLOSE_POLICY, reason="origin not allowed")
        return
    await websocket.accept()

    async def close(code: int, reason: str) -> None:
        await websocket.close(code=code, reason=reason)

    connection = service.connect(websocket.send_text, close)
    await connection.open()
    try:
        while True:
            await connection.handle(await websocket.receive_text())
    except WebSocketDisconnect:
        pass
    except RuntimeError:  # receive after the server closed the socket (slow client, shutdown)
        pass
    finally:
        await connection.aclose()
