with source as (
    select * from {{ source('raw', 'documents') }}
),

renamed as (
    select
        -- ids
        document_id,
        -- decoding
        encoding,
        encoding_method,
        repairs,
        decoded_chars,
        -- text
        title,
        subtitle,
        byline,
        dateline_place,
        body_text,
        length(body_text) as body_chars,
        -- html metadata
        url,
        sitename,
        hostname,
        author,
        -- timestamps
        try_cast(published_at as timestamp) as published_at,
        published_at_source,
        -- status
        quarantine_reason,
        quarantine_reason is null as is_accepted
    from source
)

select * from renamed
