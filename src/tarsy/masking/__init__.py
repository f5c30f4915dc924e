"""Redaction of secrets in alert data and tool results (ring 1)."""
