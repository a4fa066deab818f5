-- Accepted documents with everything the marts need about them, one row per document: accepted
-- by cleaning and set aside by no later stage (raw.quarantine).
with quarantined as (
    select distinct document_id from {{ ref('stg_quarantine') }} where document_id is not null
),

documents as (
    select * from {{ ref('stg_documents') }}
    where is_accepted and document_id not in (select document_id from quarantined)
),

dumps as (
    select * from {{ ref('stg_dumps') }}
),

outlets as (
    select * from {{ ref('stg_document_outlets') }}
),

languages as (
    select * from {{ ref('stg_document_languages') }}
),

stories as (
    select * from {{ ref('stg_stories') }}
),

joined as (
    select
        -- ids
        documents.document_id,
        outlets.outlet_id,
        stories.story_id,
        -- provenance
        dumps.source_file,
        dumps.content_sha256,
        dumps.source_format,
        -- content
        coalesce(documents.title, dumps.title_hint) as title,
        documents.body_chars,
        languages.language,
        languages.language_confidence,
        -- timestamps
        documents.published_at
    from documents
    inner join dumps using (document_id)
    left join outlets using (document_id)
    left join languages using (document_id)
    left join stories using (document_id)
)

select * from joined
