"""Every query of the comms feature."""
