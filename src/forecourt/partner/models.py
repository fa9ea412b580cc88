"""Tables of the partner feature."""
