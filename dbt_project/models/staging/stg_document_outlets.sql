select document_id, outlet_id, outlet_name, domain, country, attribution_method
from {{ source('raw', 'document_outlets') }}
