with source as (
    select * from {{ source('raw', 'dumps') }}
),

renamed as (
    select
        -- ids
        document_id,
        content_sha256,
        -- provenance
        source_file,
        record_index,
        source_format,
        byte_size,
        url as manifest_url,
        outlet_hint,
        fetched_at,
        title_hint,
        ingested_at
    from source
)

select * from renamed
