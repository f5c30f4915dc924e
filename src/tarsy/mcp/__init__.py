"""MCP client side (ring 2): transports, tool listing and calls as a ``Toolset``.

Arrives with the MCP issue; until then ``tarsy.app.toolsets`` reports configured MCP servers as
unavailable to the agent instead of dropping them silently.
"""
