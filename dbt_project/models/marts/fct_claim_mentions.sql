select
    mention_id,
    claim_id,
    document_id,
    outlet_id,
    sentence_id,
    sentence_text,
    found_in,
    stance,
    attributed_to,
    similarity,
    cross_language
from {{ ref('int_claim_mentions') }}
