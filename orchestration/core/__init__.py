"""Plain functions over plain data: decoding, cleaning, language, sentences, outlets, claims,
stance. Nothing in this package imports Dagster, dbt, DuckDB or Great Expectations, so every
piece can be unit-tested and benchmarked alone; the Dagster assets are thin wrappers over it."""
