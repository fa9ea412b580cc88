"""Forecourt: the customer platform of a car brand."""

__version__ = "0.1.0"
