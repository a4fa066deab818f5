-- Which outlets covered which story: the rows of the dense outlet-by-claim grid.
select distinct story_id, outlet_id
from {{ ref('int_documents') }}
where story_id is not null and outlet_id is not null
