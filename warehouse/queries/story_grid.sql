-- The outlet x claim grid of one story: one row per claim, one column per outlet; a cell is
-- '✓ <stance>' where the outlet carries the claim and '✗' where it leaves it out: the marks of
-- the grid `make run` prints and the Dagster UI previews (orchestration/grid.py, cell_mark).
-- Stories and their headlines: select * from marts.dim_story;
-- Parameters (optional, set before running):
--   SET VARIABLE story_id = '<story_id>';   -- default: the story covered by the most outlets
with params as (
    select coalesce(
        getvariable('story_id'),
        (select story_id from marts.fct_outlet_claims
         group by story_id order by count(distinct outlet_id) desc, story_id limit 1)
    ) as story_id
),

cells as (
    select
        claim.claim_id,
        left(claim.claim_text, 70) as claim_text,
        claim.outlet_count as carried_by,
        coalesce(outlet.outlet_name, grid.outlet_id) as outlet_name,
        case when grid.is_covered then '✓ ' || coalesce(grid.stance, '?') else '✗' end as cell
    from marts.fct_outlet_claims as grid
    inner join params using (story_id)
    inner join marts.dim_claim as claim using (claim_id)
    left join marts.dim_outlet as outlet using (outlet_id)
)

pivot cells
on outlet_name
using first(cell)
group by claim_id, claim_text, carried_by
order by carried_by desc, claim_id;
