"""Text: sentences with offsets, content tokens, set similarity."""
