select document_id, related_id, title, picture_path, related_date
from {{ source('raw', 'related_articles') }}
