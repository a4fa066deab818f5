"""Claims: stories, claim discovery and the analyst catalog, text reuse."""
