with source as (
    select * from {{ source('raw', 'claim_sentences') }}
)

select
    claim_id,
    document_id,
    document_id || ':' || lpad(cast(sentence_seq as varchar), 4, '0') as sentence_id,
    similarity,
    cross_language
from source
