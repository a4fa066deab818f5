-- What did only one outlet say? Two kinds of answer, one row each:
--   kind = 'claim'     a claim (a proposition at least two documents state) that one outlet
--                      alone carried, in two or more of its own documents;
--   kind = 'exclusive' a body sentence of a story covered by two or more outlets that restates
--                      no claim: material no other document of the story carries (an outlet's
--                      own source, its analysis, or a paraphrase too loose to match).
-- A claim needs two documents by definition (docs/decisions/0008-single-outlet-claims.md), so on a
-- story with one document per outlet the first kind is empty and the second is the answer.
-- Sentences under 40 characters (datelines, "He said.") are left out.
-- Parameters (optional, set before running):
--   SET VARIABLE story_id = '<story_id>';   -- only this story (default: every story)
with stories as (
    select story_id, title from marts.dim_story
    where outlet_count >= 2
      and (getvariable('story_id') is null or story_id = getvariable('story_id'))
),

one_outlet_claims as (
    select
        claim.story_id,
        'claim' as kind,
        grid.outlet_id,
        claim.claim_id,
        mention.sentence_id,
        claim.claim_text as text,
        grid.stance,
        grid.attributed_to
    from marts.dim_claim as claim
    inner join marts.fct_outlet_claims as grid on grid.claim_id = claim.claim_id and grid.is_covered
    left join marts.fct_claim_mentions as mention on mention.mention_id = grid.first_mention_id
    where claim.outlet_count = 1
),

claimed_sentences as (
    select distinct sentence_id from marts.fct_claim_mentions
),

exclusive_sentences as (
    select
        document.story_id,
        'exclusive' as kind,
        document.outlet_id,
        null as claim_id,
        sentence.sentence_id,
        sentence.sentence_text as text,
        null as stance,
        null as attributed_to
    from staging.stg_sentences as sentence
    inner join marts.dim_document as document using (document_id)
    anti join claimed_sentences using (sentence_id)
    where length(sentence.sentence_text) >= 40
),

answers as (
    select * from one_outlet_claims
    union all
    select * from exclusive_sentences
)

select
    answers.story_id,
    stories.title as story_title,
    answers.kind,
    coalesce(outlet.outlet_name, answers.outlet_id) as outlet_name,
    answers.claim_id,
    answers.sentence_id,
    answers.text,
    answers.stance,
    answers.attributed_to
from answers
inner join stories using (story_id)
left join marts.dim_outlet as outlet on outlet.outlet_id = answers.outlet_id
order by answers.story_id, answers.kind, outlet_name, answers.sentence_id;
