"""Claim mentions: every sentence stating a claim, with its stance and the source it names
(orchestration.core.stance)."""
import dagster as dg

from orchestration.assets.common import counts, progress_logger, stage_asset, stage_version, with_progress
from orchestration.assets.corpus import GROUP, MENTIONS_STAGE, planned_work, unchanged, written
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata
from orchestration.core.quarantine import isolate
from orchestration.core.stance.attribution import quote_contexts
from orchestration.core.stance.classify import POLICY_BY_SECTION, classify_stance, load_model
from orchestration.core.types import ClaimMentionRow
from orchestration.corpus_ledger import mention_digests, write_corpus_rows
from orchestration.corpus_reads import READ_IDS, read_documents, read_sentences
from orchestration.gc_pause import without_cyclic_gc
from orchestration.incremental import register_ids, version_key
from orchestration.resources import ComputeResource, ReferenceDataResource, WarehouseResource
from orchestration.stance_cache import labeller_version, read_stance_labels, stance_input_key, write_stance_labels
from orchestration.stance_pool import labels_on_cores
from orchestration.versions import code_version
from orchestration.warehouse import RAW_SCHEMA, read_records


STANCE_CODE_VERSION = code_version(classify_stance.__module__)


@stage_asset(
    "claim_mentions", GROUP, "Every sentence stating a claim, with its stance toward the claim and the source it names.",
    deps=("claims", "claim_sentences", "sentences", "documents"),
)
@without_cyclic_gc
def claim_mentions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, reference: ReferenceDataResource,
    compute: ComputeResource,
) -> dg.MaterializeResult:
    # the labeller: the stance code (classify_stance and what it reaches, the lexicon and the
    # shipped model) and the model the setting names (by content). Not this stage's version: a
    # change to discovery or to how rows are written re-processes the documents, not their labels.
    labeller = labeller_version(STANCE_CODE_VERSION, reference.stance_model)
    with warehouse.connect(read_only=True) as conn:
        # a document's stance labels change with its sentences, its claim sentences and their
        # claims' text, and with the labeller (another model re-judges every document)
        wanted, plan, rebuild = planned_work(conn, MENTIONS_STAGE, ["claim_mentions"],
                                             version_key(stage_version(context), labeller), extra=mention_digests(conn))
        if not plan.touched:
            return unchanged(conn, "claim_mentions", plan, wanted)
        doc_sentences = read_sentences(conn, plan.todo)
        documents = read_documents(conn, doc_sentences.keys())
        ids = register_ids(conn, plan.todo, READ_IDS)
        claim_sentences = read_records(conn, "claim_sentences", order_by="claim_id, document_id, sentence_seq",
                                       where=f"document_id IN (SELECT document_id FROM {ids})")
        claim_text = {c.claim_id: c.claim_text for c in read_records(
            conn, "claims", where=f"claim_id IN (SELECT DISTINCT claim_id FROM {RAW_SCHEMA}.claim_sentences "
                                  f"WHERE document_id IN (SELECT document_id FROM {ids}))")}
    model = load_model(reference.stance_model)
    sentence_at = {(d, s.seq): s for d, sentences in doc_sentences.items() for s in sentences}
    # Stance needs the quotation each sentence sits in, computed once per document; a document
    # this (or the stance of one of its sentences) fails on is quarantined as a whole.
    prepared = isolate(
        sorted(doc_sentences.items()),
        # quotations run through the body only: the title stands apart from it
        lambda item: (item[0], quote_contexts([s for s in item[1] if s.section == "body"],
                                              documents[item[0]].body_text if item[0] in documents else None)),
        "claims", document_id=lambda item: item[0])
    contexts = dict(prepared.results)

    def inputs(mention) -> tuple[str, str | None, str | None, str]:
        sentence = sentence_at[(mention.document_id, mention.sentence_seq)]
        return (sentence.text, claim_text.get(mention.claim_id),
                contexts[mention.document_id].get(mention.sentence_seq), POLICY_BY_SECTION[sentence.section])

    def input_key(mention) -> str | None:
        try:
            return stance_input_key(*inputs(mention))
        except Exception:       # labelling it fails the same way, inside isolate: its document is quarantined
            return None

    # a label is computed once per distinct input, ever: stored ones are read, the new ones
    # classified on every core first (one that fails there is labelled again below, where its
    # error quarantines its document)
    to_label = [(m, input_key(m)) for m in claim_sentences if m.document_id in contexts]
    with warehouse.connect(read_only=True) as conn:
        stored = read_stance_labels(conn, labeller, {key for _, key in to_label if key is not None})
    new_inputs = {key: inputs(m) for m, key in to_label if key is not None and key not in stored}
    computed = labels_on_cores(new_inputs, reference.stance_model, compute.workers,
                               on_progress=progress_logger(context, len(new_inputs), "new stance inputs classified"))
    known = {**stored, **computed}

    def label(item) -> ClaimMentionRow:
        mention, key = item
        stance = known.get(key) if key is not None else None
        if stance is None:
            sentence, claim, quote_context, policy = inputs(mention)
            stance = classify_stance(sentence, claim_text=claim, quote_context=quote_context,
                                     model=model, use_model=model is not None, policy=policy)
            if key is not None:
                known[key] = computed[key] = stance
        return ClaimMentionRow(
            claim_id=mention.claim_id, document_id=mention.document_id, sentence_seq=mention.sentence_seq,
            stance=stance.stance, attributed_to=stance.attributed_to,
            stance_cue=stance.cue, cross_language=mention.cross_language,
        )

    labelled = isolate(with_progress(context, to_label, "stance-labelled mentions"),
                       label, "claims", document_id=lambda item: item[0].document_id)
    quarantined = prepared.quarantined + labelled.quarantined
    out = prepared.quarantined_ids | labelled.quarantined_ids
    rows = [r for r in labelled.results if r.document_id not in out]
    with warehouse.connect() as conn:
        count = write_corpus_rows(conn, plan, {"claim_mentions": rows}, rebuild,
                                    quarantine=quarantined, run_id=context.run.run_id)["claim_mentions"]
        write_stance_labels(conn, labeller, computed)
    log_quarantine(context, "claims", quarantined)
    return written("claim_mentions", count, plan, wanted, mentions_labelled=len(rows),
                   stance_labels_reused=sum(1 for _, key in to_label if key in stored),
                   stance_labels_computed=len(computed),
                   stances=counts(r.stance for r in rows), **quarantine_metadata(quarantined))
