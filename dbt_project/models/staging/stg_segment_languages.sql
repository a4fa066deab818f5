select document_id, seq, language, probability, method
from {{ source('raw', 'segment_languages') }}
