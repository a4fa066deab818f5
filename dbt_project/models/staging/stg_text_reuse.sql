select document_id, source_document_id, shared_sentences, reused_share
from {{ source('raw', 'text_reuse') }}
