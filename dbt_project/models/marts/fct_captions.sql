-- Photo captions with the language of their segment (captions may differ from the body).
with captions as (
    select * from {{ ref('stg_captions') }}
),

segment_languages as (
    select * from {{ ref('stg_segment_languages') }}
)

select
    captions.document_id,
    captions.caption_text,
    coalesce(segment_languages.language, 'und') as language,
    captions.credit
from captions
inner join {{ ref('int_documents') }} using (document_id)
left join segment_languages
    on
        segment_languages.document_id = captions.document_id
        and segment_languages.seq = captions.seq
