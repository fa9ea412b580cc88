"""Comms tests run against a real SMTP server on 127.0.0.1."""

from tests.outbound import clock, container, receiver, smtp

__all__ = ["clock", "container", "receiver", "smtp"]
