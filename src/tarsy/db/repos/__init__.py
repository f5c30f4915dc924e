"""Repositories, one per aggregate; see ``tarsy.db`` for the list."""
