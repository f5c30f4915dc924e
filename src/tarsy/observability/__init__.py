"""Logging and metrics (ring 1).

Modules:
- ``logging`` -- ``configure_logging(level, fmt)``: structlog over stdlib logging, text or JSON.
- ``metrics`` -- ``Metrics``: the Prometheus families, in a registry of their own.
- ``warnings`` -- ``WarningBoard``: in-memory system warnings raised and cleared by producers.
"""
