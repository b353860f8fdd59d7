"""Filled by a later issue; no models yet."""
