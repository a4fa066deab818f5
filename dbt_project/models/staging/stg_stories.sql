select document_id, story_id
from {{ source('raw', 'stories') }}
