"""placeholder until the market feature lands."""
