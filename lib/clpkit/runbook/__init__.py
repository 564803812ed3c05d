"""Runbooks: the Maintenance Guide's procedures as plans of gated steps."""
