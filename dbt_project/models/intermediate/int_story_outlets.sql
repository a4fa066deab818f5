-- Which outlets covered which story: the rows of the dense outlet-by-claim grid. An outlet whose
-- report carries a claim of the story in another language covers the story too (its report is a
-- story of its own, in its own language: the stories block matching by shared words).
with documents as (
    select * from {{ ref('int_documents') }}
),

claims as (
    select * from {{ ref('stg_claims') }}
),

mentions as (
    select * from {{ ref('stg_claim_mentions') }}
),

outlets_of_documents as (
    select distinct story_id, outlet_id
    from documents
    where story_id is not null and outlet_id is not null
),

outlets_across_languages as (
    select distinct claims.story_id, documents.outlet_id
    from mentions
    inner join claims on claims.claim_id = mentions.claim_id
    inner join documents on documents.document_id = mentions.document_id
    where mentions.cross_language and claims.story_id is not null and documents.outlet_id is not null
)

select * from outlets_of_documents
union
select * from outlets_across_languages
