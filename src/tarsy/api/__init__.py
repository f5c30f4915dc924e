"""HTTP and WebSocket edge (ring 5)."""
