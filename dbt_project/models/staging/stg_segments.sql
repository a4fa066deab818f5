with source as (
    select * from {{ source('raw', 'segments') }}
)

select
    document_id,
    seq,
    kind,
    start_char,
    end_char,
    rule_id,
    text
from source
