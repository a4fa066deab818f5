select document_id, seq, text as caption_text, credit
from {{ source('raw', 'captions') }}
