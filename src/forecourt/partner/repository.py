"""Every query of the partner feature."""
