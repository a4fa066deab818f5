{#- The yml descriptions as DuckDB comments on each model this invocation built (its table or
    view and its columns), so an analyst reads them with duckdb_tables() / duckdb_columns().
    Run once at the end of the build (on-run-end) instead of dbt's persist_docs, which asks the
    adapter for each model's columns twice and sends each model's comments on their own: that
    was two fifths of a build's time (docs/decisions/0017). Columns described in a yml but
    absent from the relation are left out, as persist_docs does. -#}
{% macro comment_built_models(results) %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set built = [] -%}
  {%- for result in results -%}
    {%- if result.node.resource_type in ('model', 'seed') and result.status == 'success'
          and result.node.config.materialized != 'ephemeral' -%}
      {%- do built.append(result.node) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if built | length == 0 -%}{{ return('') }}{%- endif -%}

  {%- set columns_of = {} -%}
  {%- set listed = run_query(
        "select lower(table_schema || '.' || table_name), lower(column_name) "
        ~ "from information_schema.columns where table_catalog = current_database()") -%}
  {%- for row in listed.rows -%}
    {%- do columns_of.setdefault(row[0], []).append(row[1]) -%}
  {%- endfor -%}

  {%- set statements = [] -%}
  {%- for node in built -%}
    {%- set kind = 'view' if node.config.materialized == 'view' else 'table' -%}
    {%- set existing = columns_of.get((node.schema ~ '.' ~ node.alias) | lower, []) -%}
    {%- if node.description -%}
      {%- do statements.append('comment on ' ~ kind ~ ' ' ~ node.relation_name ~ ' is '
                               ~ duckdb_escape_comment(node.description)) -%}
    {%- endif -%}
    {%- for name, column in node.columns.items() -%}
      {%- if column.description and name | lower in existing -%}
        {%- do statements.append('comment on column ' ~ node.relation_name ~ '.'
                                 ~ (adapter.quote(name) if column.quote else name) ~ ' is '
                                 ~ duckdb_escape_comment(column.description)) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if statements -%}
    {%- do run_query(statements | join(';\n') ~ ';') -%}
  {%- endif -%}
{% endmacro %}
