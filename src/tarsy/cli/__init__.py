"""Command line (ring 7): ``tarsy serve|migrate|config check|submit|status``."""
