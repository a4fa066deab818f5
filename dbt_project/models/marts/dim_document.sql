select
    document_id,
    outlet_id,
    story_id,
    source_file,
    content_sha256,
    source_format,
    title,
    published_at,
    language,
    language_confidence,
    body_chars
from {{ ref('int_documents') }}
