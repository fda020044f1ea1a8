"""Shipped strategies: read them, copy them. Importing this package registers them by name."""
