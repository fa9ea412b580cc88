"""Entrypoints: the HTTP API, the web console, the CLI and the workers."""
