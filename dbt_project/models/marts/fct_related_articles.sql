select related.document_id, related.related_id, related.title, related.picture_path, related.related_date
from {{ ref('stg_related_articles') }} as related
inner join {{ ref('int_documents') }} using (document_id)
