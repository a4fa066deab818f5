-- Documents withdrawn from the warehouse: what they were, when they were retracted and why.
with retractions as (
    select * from {{ ref('stg_retractions') }}
),

-- a retracted document is gone from every other table; a re-landed one leaves the ledger
still_landed as (
    select document_id from {{ ref('stg_dumps') }}
),

final as (
    select
        retractions.document_id,
        retractions.source_file,
        retractions.url,
        retractions.reason,
        retractions.retracted_at
    from retractions
    anti join still_landed using (document_id)
)

select * from final
