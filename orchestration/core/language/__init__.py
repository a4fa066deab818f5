"""Language: the language of segments, sentences and documents, or 'und'."""
