select document_id, language, probability as language_confidence, method as language_method
from {{ source('raw', 'document_languages') }}
