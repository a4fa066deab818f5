select document_id, blob_seq, position, declared_length, actual_length, status, reason, raw_json, item_count
from {{ source('raw', 'embedded_blobs') }}
