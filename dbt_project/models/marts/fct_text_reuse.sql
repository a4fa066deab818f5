select reuse.document_id, reuse.source_document_id, reuse.shared_sentences, reuse.reused_share
from {{ ref('stg_text_reuse') }} as reuse
inner join {{ ref('int_documents') }} using (document_id)
