-- Which outlets left a claim out? One row per (claim, outlet that covered the story but did
-- not carry the claim), with how many outlets did carry it: a claim most outlets carried and a
-- few omitted is the interesting case.
-- Parameters (optional, set before running):
--   SET VARIABLE story_id = '<story_id>';   -- only this story (default: every story)
--   SET VARIABLE claim_id = '<claim_id>';   -- only this claim (default: every claim)
with carried as (
    select claim_id, count(*) filter (where is_covered) as carried_by, count(*) as outlets_on_story
    from marts.fct_outlet_claims
    group by claim_id
)

select
    grid.story_id,
    grid.claim_id,
    claim.claim_text,
    grid.outlet_id,
    coalesce(outlet.outlet_name, grid.outlet_id) as outlet_name,
    carried.carried_by,
    carried.outlets_on_story
from marts.fct_outlet_claims as grid
inner join marts.dim_claim as claim using (claim_id)
inner join carried using (claim_id)
left join marts.dim_outlet as outlet using (outlet_id)
where not grid.is_covered
  and (getvariable('story_id') is null or grid.story_id = getvariable('story_id'))
  and (getvariable('claim_id') is null or grid.claim_id = getvariable('claim_id'))
order by carried.carried_by desc, grid.story_id, grid.claim_id, outlet_name;
