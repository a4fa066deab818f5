with source as (
    select * from {{ source('raw', 'claim_mentions') }}
)

select
    claim_id,
    document_id,
    {{ sentence_id() }} as sentence_id,
    stance,
    attributed_to,
    stance_cue,
    cross_language
from source
