with source as (
    select * from {{ source('raw', 'claim_sentences') }}
)

select
    claim_id,
    document_id,
    {{ sentence_id() }} as sentence_id,
    similarity,
    cross_language
from source
