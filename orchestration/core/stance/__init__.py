"""Stance: the cue lexicon, attribution and quotations, the classifier (rules and stored model)."""
