-- The latest run's validation outcomes, summarised per step and suite.
with results as (
    select * from {{ source('quality', 'validation_results') }}
),

last_run as (
    select arg_max(run_id, validated_at) as run_id from results
),

final as (
    select
        results.run_id,
        results.step,
        results.suite,
        count(*) as expectations,
        count(*) filter (where not results.success) as failed,
        bool_and(results.success) as success,
        max(results.row_count) as rows_validated,
        max(results.validated_at) as validated_at
    from results
    inner join last_run using (run_id)
    group by results.run_id, results.step, results.suite
)

select * from final
