"""Persistence plumbing: engine factory, declarative base, portable column types, migrations.

The lowest layer: it imports nothing else from Forecourt.
"""
