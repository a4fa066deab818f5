-- One row per story: what it is called, when it ran, who carried it.
with documents as (
    select * from {{ ref('int_documents') }}
    where story_id is not null
),

outlets as (
    select * from {{ ref('dim_outlet') }}
),

claims as (
    select * from {{ ref('dim_claim') }}
),

-- the story's headline: the earliest dated document's title, else the first title by document id
titled as (
    select
        story_id,
        title,
        row_number() over (
            partition by story_id
            order by title is null, published_at nulls last, document_id
        ) as title_rank
    from documents
),

coverage as (
    select
        documents.story_id,
        min(documents.published_at) as first_published_at,
        max(documents.published_at) as last_published_at,
        count(distinct documents.document_id) as document_count,
        count(distinct documents.outlet_id) as outlet_count,
        string_agg(
            distinct coalesce(outlets.outlet_name, documents.outlet_id), ', '
            order by coalesce(outlets.outlet_name, documents.outlet_id)
        ) as outlet_names
    from documents
    left join outlets using (outlet_id)
    group by documents.story_id
),

claim_counts as (
    select story_id, count(*) as claim_count
    from claims
    group by story_id
),

final as (
    select
        coverage.story_id,
        titled.title,
        coverage.first_published_at,
        coverage.last_published_at,
        coverage.outlet_count,
        coverage.outlet_names,
        coverage.document_count,
        coalesce(claim_counts.claim_count, 0) as claim_count
    from coverage
    inner join titled on titled.story_id = coverage.story_id and titled.title_rank = 1
    left join claim_counts on claim_counts.story_id = coverage.story_id
)

select * from final
