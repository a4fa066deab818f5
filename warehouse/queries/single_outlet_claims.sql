-- Which claims did only one outlet carry? Exclusives (or errors only one outlet made), with the
-- outlet, its stance, whom it attributed the claim to and the first sentence carrying it.
-- Parameters (optional, set before running):
--   SET VARIABLE story_id = '<story_id>';   -- only this story (default: every story)
select
    claim.story_id,
    claim.claim_id,
    claim.claim_text,
    claim.origin,
    grid.outlet_id,
    coalesce(outlet.outlet_name, grid.outlet_id) as outlet_name,
    grid.stance,
    grid.attributed_to,
    grid.mention_count,
    mention.sentence_text as first_sentence
from marts.dim_claim as claim
inner join marts.fct_outlet_claims as grid on grid.claim_id = claim.claim_id and grid.is_covered
left join marts.dim_outlet as outlet on outlet.outlet_id = grid.outlet_id
left join marts.fct_claim_mentions as mention on mention.mention_id = grid.first_mention_id
where claim.outlet_count = 1
  and (getvariable('story_id') is null or claim.story_id = getvariable('story_id'))
order by claim.story_id, claim.claim_id;
