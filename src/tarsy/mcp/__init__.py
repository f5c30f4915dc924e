"""MCP client side (ring 2): transports, tool listing and calls as a ``Toolset``. Arrives with the MCP issue."""
