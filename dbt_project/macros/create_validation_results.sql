{#- quality.validation_results is written by the pipeline's checks during a run (see
    orchestration/checks/history.py, which runs the same DDL); create it empty before dbt builds
    so quality_last_run compiles on a warehouse no check has written to yet. The column list
    must match history.VALIDATION_RESULTS_DDL (tests/unit/test_suites.py compares them). -#}
{% macro create_validation_results() -%}
create schema if not exists quality;
create table if not exists quality.validation_results (
    run_id varchar not null,
    step varchar not null,
    suite varchar not null,
    expectation varchar not null,
    success boolean not null,
    observed_value varchar,
    unexpected_count bigint,
    failing_examples varchar,
    row_count bigint,
    validated_at timestamp not null,
    blocking boolean
);
{%- endmacro %}
