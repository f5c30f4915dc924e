"""A simulated Kubernetes cluster served as a stdio MCP server, for demos and tests.

Standalone: imports only ``tarsy.domain`` and the MCP SDK, never the rest of TARSy. Run it with
``python -m tarsy.democluster``. Modules: ``cluster`` (the data and its story), ``kubectl``
(kubectl-like text views), ``server`` (the ``MCPServer`` and its tools).
"""
