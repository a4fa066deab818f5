-- Everything the pipeline set aside, for analysts: one row per document, file, jsonl record or
-- configuration row a stage quarantined, with where it came from and why. A document here is in
-- no other mart.
with quarantine as (
    select * from {{ ref('stg_quarantine') }}
),

dumps as (
    select document_id, source_file, source_format, byte_size from {{ ref('stg_dumps') }}
),

final as (
    select
        -- ids
        quarantine.quarantine_id,
        quarantine.document_id,
        -- provenance
        coalesce(quarantine.source_file, dumps.source_file) as source_file,
        quarantine.record_index,
        dumps.source_format,
        dumps.byte_size,
        -- what and why
        quarantine.subject,
        quarantine.stage,
        quarantine.reason,
        quarantine.detail,
        -- when
        quarantine.run_id,
        quarantine.first_seen_at,
        quarantine.last_seen_at
    from quarantine
    left join dumps using (document_id)
)

select * from final
