"""Run the demo cluster MCP server over stdio: ``python -m tarsy.democluster``."""

from __future__ import annotations

from tarsy.democluster.server import build_server


def main() -> None:
    build_server().run()


if __name__ == "__main__":
    main()
