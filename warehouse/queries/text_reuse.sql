-- Who reproduced whom? Each document that reuses sentences of another, with both outlets and
-- publication times: the source is the earlier document, the copy the later one.
-- Parameters (optional, set before running):
--   SET VARIABLE min_reused_share = 0.5;    -- only copies sharing at least this share of
--                                           -- their sentences (default: 0, every pair)
select
    copy.story_id,
    coalesce(copy_outlet.outlet_name, copy.outlet_id) as reproducing_outlet,
    copy.title as reproducing_title,
    copy.published_at as reproduced_at,
    coalesce(source_outlet.outlet_name, source.outlet_id) as source_outlet,
    source.title as source_title,
    source.published_at as source_published_at,
    reuse.shared_sentences,
    round(reuse.reused_share, 3) as reused_share,
    reuse.document_id,
    reuse.source_document_id
from marts.fct_text_reuse as reuse
inner join marts.dim_document as copy on copy.document_id = reuse.document_id
left join marts.dim_document as source on source.document_id = reuse.source_document_id
left join marts.dim_outlet as copy_outlet on copy_outlet.outlet_id = copy.outlet_id
left join marts.dim_outlet as source_outlet on source_outlet.outlet_id = source.outlet_id
where reuse.reused_share >= coalesce(getvariable('min_reused_share'), 0)
order by reuse.reused_share desc, reuse.shared_sentences desc, reuse.document_id;
