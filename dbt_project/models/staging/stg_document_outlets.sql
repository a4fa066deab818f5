select
    document_id,
    outlet_id,
    outlet_name,
    domain,
    country,
    attribution_method,
    -- the manifest value, URL, site name or marker that decided the outlet
    evidence as attribution_evidence
from {{ source('raw', 'document_outlets') }}
