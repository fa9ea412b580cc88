"""Tables of the comms feature."""
