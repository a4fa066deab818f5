select
    document_id,
    source_file,
    url,
    reason,
    retracted_at
from {{ source('raw', 'retractions') }}
