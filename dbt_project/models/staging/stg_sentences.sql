with source as (
    select * from {{ source('raw', 'sentences') }}
)

select
    -- ids: stable across runs because document ids are content hashes
    {{ sentence_id() }} as sentence_id,
    document_id,
    sentence_seq,
    -- title or body (sentence_sections); a title sentence follows the body's
    section,
    -- position in the document body (in the title, for the title sentence)
    start_char,
    end_char,
    -- text
    text as sentence_text,
    language,
    language_probability,
    language_method,
    -- inside a quotation opened by an earlier sentence
    continues_quote
from source
