with claims as (
    select * from {{ ref('stg_claims') }}
),

mentions as (
    select * from {{ ref('int_claim_mentions') }}
),

coverage as (
    select
        claim_id,
        count(distinct document_id) as document_count,
        count(distinct outlet_id) as outlet_count
    from mentions
    group by claim_id
),

final as (
    select
        claims.claim_id,
        claims.story_id,
        claims.claim_text,
        claims.origin,
        coalesce(coverage.document_count, 0) as document_count,
        coalesce(coverage.outlet_count, 0) as outlet_count
    from claims
    left join coverage using (claim_id)
)

select * from final
