"""Communications: one interaction log per customer, and outbound messages sent only with the
consent they need (an opt-out takes effect at once)."""
