{#- The yml descriptions as DuckDB comments on each model and seed this invocation built (its
    table or view and its columns), so an analyst reads them with duckdb_tables() and
    duckdb_columns(). Run once at the end of the build (on-run-end) instead of dbt's
    persist_docs, which asks the adapter for each model's columns twice and sends each model's
    comments on their own (docs/decisions/0017). Columns described in a yml but absent from the
    relation are left out, as persist_docs does. -#}
{% macro comment_built_models(results) %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set built = [] -%}
    {%- for result in results -%}
        {%- set node = result.node -%}
        {%- set is_relation = node.resource_type in ('model', 'seed') and node.config.materialized != 'ephemeral' -%}
        {%- if is_relation and result.status == 'success' -%}
            {%- do built.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if built | length == 0 -%}{{ return('') }}{%- endif -%}

    {%- set relation_sql = "lower(table_schema || '.' || table_name), lower(column_name)" -%}
    {%- set columns_sql = "select " ~ relation_sql ~ " from information_schema.columns" -%}
    {%- set columns_sql = columns_sql ~ " where table_catalog = current_database()" -%}
    {%- set columns_of = {} -%}
    {%- for row in run_query(columns_sql).rows -%}
        {%- do columns_of.setdefault(row[0], []).append(row[1]) -%}
    {%- endfor -%}

    {%- set statements = [] -%}
    {%- for node in built -%}
        {%- set kind = 'view' if node.config.materialized == 'view' else 'table' -%}
        {%- set existing = columns_of.get((node.schema ~ '.' ~ node.alias) | lower, []) -%}
        {%- if node.description -%}
            {%- set comment = duckdb_escape_comment(node.description) -%}
            {%- do statements.append('comment on ' ~ kind ~ ' ' ~ node.relation_name ~ ' is ' ~ comment) -%}
        {%- endif -%}
        {%- for name, column in node.columns.items() -%}
            {%- set column_sql = adapter.quote(name) if column.quote else name -%}
            {%- if column.description and name | lower in existing -%}
                {%- set target = node.relation_name ~ '.' ~ column_sql -%}
                {%- set comment = duckdb_escape_comment(column.description) -%}
                {%- do statements.append('comment on column ' ~ target ~ ' is ' ~ comment) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if statements -%}
        {%- do run_query(statements | join(';\n') ~ ';') -%}
    {%- endif -%}
{% endmacro %}
