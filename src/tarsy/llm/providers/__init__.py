"""Vendor adapters implementing ``Model``; vendor SDK types never leave this package."""
