with source as (
    select * from {{ source('raw', 'quarantine') }}
),

renamed as (
    select
        -- ids
        md5(concat_ws(
            '|', stage, reason, coalesce(source_file, ''),
            coalesce(cast(record_index as varchar), ''), coalesce(document_id, '')
        )) as quarantine_id,
        document_id,
        source_file,
        record_index,
        -- what and why
        stage,
        reason,
        subject,
        detail,
        -- when
        run_id,
        first_seen_at,
        last_seen_at
    from source
)

select * from renamed
