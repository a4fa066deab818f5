-- A story's timeline: its documents in order of publication, each with its outlet and the
-- claims it was the first to carry (no earlier document of the story carried them).
-- Documents with no known publication time sort last.
-- Parameters (optional, set before running):
--   SET VARIABLE story_id = '<story_id>';   -- default: the story covered by the most outlets
with params as (
    select coalesce(
        getvariable('story_id'),
        (select story_id from marts.dim_document where story_id is not null
         group by story_id order by count(distinct outlet_id) desc, story_id limit 1)
    ) as story_id
),

documents as (
    select document.*
    from marts.dim_document as document, params
    where document.story_id = params.story_id
),

-- the first document (by publication time, then id) to carry each claim
first_carriers as (
    select
        mention.claim_id,
        arg_min(documents.document_id, (coalesce(documents.published_at, timestamp '9999-12-31'), documents.document_id))
            as document_id
    from marts.fct_claim_mentions as mention
    inner join documents using (document_id)
    group by mention.claim_id
),

claims_first_carried as (
    select first_carriers.document_id, count(*) as claims_first_carried,
           string_agg(left(claim.claim_text, 80), ' | ' order by claim.claim_id) as first_carried
    from first_carriers
    inner join marts.dim_claim as claim using (claim_id)
    group by first_carriers.document_id
)

select
    documents.story_id,
    documents.published_at,
    coalesce(outlet.outlet_name, documents.outlet_id) as outlet_name,
    documents.title,
    documents.language,
    coalesce(claims_first_carried.claims_first_carried, 0) as claims_first_carried,
    claims_first_carried.first_carried,
    documents.document_id
from documents
left join marts.dim_outlet as outlet using (outlet_id)
left join claims_first_carried using (document_id)
order by documents.published_at nulls last, documents.document_id;
