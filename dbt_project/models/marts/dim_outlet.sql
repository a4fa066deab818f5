-- One row per outlet that published at least one accepted document.
with document_outlets as (
    select * from {{ ref('stg_document_outlets') }}
),

documents as (
    select document_id from {{ ref('int_documents') }}
),

ranked as (
    select
        document_outlets.*,
        -- the strongest evidence any of the outlet's documents gave for it
        case attribution_method
            when 'manifest' then 1 when 'html_meta' then 2 when 'marker' then 3 else 4
        end as method_rank
    from document_outlets
    inner join documents using (document_id)
),

final as (
    select
        outlet_id,
        -- ties on the evidence broken by document id, so every column comes from the same
        -- document and a rebuild picks the same one (by method_rank alone the pick was arbitrary)
        arg_min(outlet_name, (method_rank, document_id)) as outlet_name,
        arg_min(domain, (method_rank, document_id)) as domain,
        arg_min(country, (method_rank, document_id)) as country,
        arg_min(attribution_method, (method_rank, document_id)) as attribution_method,
        count(distinct document_id) as document_count
    from ranked
    group by outlet_id
)

select * from final
