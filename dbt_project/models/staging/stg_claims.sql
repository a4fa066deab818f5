select claim_id, story_id, claim_text, origin
from {{ source('raw', 'claims') }}
