select document_id, seq, author, text as comment_text
from {{ source('raw', 'reader_comments') }}
