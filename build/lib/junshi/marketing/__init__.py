"""推广 Marketing: paid channels, multi-touch attribution, creative tests."""
