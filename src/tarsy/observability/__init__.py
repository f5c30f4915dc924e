"""Logging and metrics (ring 1).

Modules:
- ``logging`` -- ``configure_logging(level, fmt)``: structlog over stdlib logging, text or JSON.
- ``warnings`` -- ``WarningBoard``: in-memory system warnings raised and cleared by producers.
"""
