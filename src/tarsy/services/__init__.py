"""Short use cases behind the API (ring 4)."""
