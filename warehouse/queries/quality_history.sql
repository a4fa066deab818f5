-- Data-quality history: for every pipeline run, how many expectations each gate (a Great
-- Expectations suite or dbt's tests) checked and how many failed, with the failing expectations
-- named. Blocking failures stop publishing; warning suites (`*_warn`) only report.
-- Outcomes accumulate run after run in the live warehouse; a run whose blocking gates failed
-- does not publish, so its outcomes reach this snapshot with the next run that passes (until
-- then: quality.validation_results in the live file).
-- Parameters (optional, set before running):
--   SET VARIABLE failed_only = true;        -- only gates with a failing expectation
select
    run_id,
    min(validated_at) as validated_at,
    step,
    suite,
    max(row_count) as rows_validated,
    count(*) as expectations,
    count(*) filter (where not success) as failed,
    count(*) filter (where not success and coalesce(blocking, true)) as blocking_failed,
    string_agg(expectation, '; ' order by expectation) filter (where not success) as failing_expectations
from quality.validation_results
group by run_id, step, suite
having not coalesce(getvariable('failed_only'), false) or count(*) filter (where not success) > 0
order by validated_at desc, step, suite;
