"""Cleaning: decode a dump, repair it and cut it into the lossless segment ledger (plain text and HTML)."""
