"""Composition root (ring 6): builds the object graph from Settings and configuration."""
