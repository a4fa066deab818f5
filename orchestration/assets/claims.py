"""Stories, claims, claim mentions and text reuse: four stages, each its own asset.

Thin wrappers over orchestration.core: stories group documents about one event, the claim engine
groups sentences of different documents stating the same proposition (and matches the analyst
catalog with the same similarity), the stance classifier labels every mention, and text reuse
pairs documents that repeat each other's sentences.

Each stage records in its ledger (pipeline.corpus_processed) the keys of the documents it worked
from (orchestration/corpus_ledger.py): when none changed it does no work and reports the table as it
is, with the same data version; otherwise it re-judges only what the changed documents reach —
stories for the new documents, discovery for the stories that received or lost a document,
stance for the documents whose mentions changed, reuse for the pairs with a changed document.

Stories and claims read their own previous output (raw.stories, raw.claims) so ids stay when
dumps arrive. Dagster draws a dependency of an asset on itself only between partitions; the read
is declared in each asset's metadata (`reads_previous`) until the stages are partitioned.
"""
from collections.abc import Collection

import dagster as dg
import duckdb

from orchestration.versions import code_version
from orchestration.model_process import model_process
from orchestration.assets.common import (
    STAGE_KINDS, counts, progress_logger, raw_key, stage_asset, stage_version, step_function, with_progress,
)
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata, quarantined_document_ids
from orchestration.core.claims.catalog import load_catalog
from orchestration.core.claims.discovery import match_catalog, story_blocks
from orchestration.discovery_pool import discover_on_cores
from orchestration.core.claims.semantic import (
    MODEL_NAME, Embedder, cross_language_mentions, model_files, paraphrase_claims, semantic_catalog_mentions,
)
from orchestration.core.language.detect import process_detector
from orchestration.core.stance.attribution import quote_contexts
from orchestration.core.stance.classify import POLICY_BY_SECTION, classify_stance, load_model
from orchestration.core.claims.stories import BodyCounts, assign_stories
from orchestration.core.claims.text_reuse import reach_keys, text_reuse
from orchestration.core.text.similarity import CorpusTokens
from orchestration.core.quarantine import ConfigError, isolate
from orchestration.core.types import ClaimMentionRow, ClaimSentenceRow, Sentence, StoryRow
from orchestration.corpus_ledger import (
    TOUCHED_IDS_VIEW, corpus_keys, corpus_plan, keys_digest, mention_digests, row_count, write_corpus_rows,
)
from orchestration.gc_pause import without_cyclic_gc
from orchestration.incremental import StagePlan, register_ids, version_key
from orchestration.core.text.token_cache import token_set
from orchestration.token_store import (
    NewBodyTerms, StoredTokens, body_token_counts, prime_tokens, prime_tokens_of_keys, sentence_index, store_body_terms,
    store_tokens,
)
from orchestration.stance_cache import labeller_version, read_stance_labels, stance_input_key, write_stance_labels
from orchestration.stance_pool import labels_on_cores
from orchestration.resources import ComputeResource, DUCKDB_POOL, LandingResource, ReferenceDataResource, WarehouseResource
from orchestration.warehouse import RAW_SCHEMA, append_raw_rows, read_records, table_exists

GROUP = "claims"
ACCEPTED = "quarantine_reason IS NULL"
# The ledger stage names of the corpus stages. Stance labelling quarantines per document under
# the quarantine stage "claims", and a ledger stage replaces its own quarantine rows, so the
# mentions stage records its keys under that name; discovery under its own.
STORIES_STAGE, DISCOVERY_STAGE, MENTIONS_STAGE, REUSE_STAGE = "stories", "claim_discovery", "claims", "text_reuse"
_READ_IDS = "corpus_read_ids"
_AFFECTED_STORIES = "affected_story_ids"
_WANTED_EMBEDDINGS = "wanted_text_keys"
# the texts whose stored tokens a stage primes its token cache with (orchestration/token_store.py)
SENTENCE_TEXTS = f"SELECT text FROM {RAW_SCHEMA}.sentences"
# The columns of raw.sentences that make a Sentence, in its fields' order: SentenceRow.sentence()'s
# mapping, read alone (a test holds the two together). Not declared in core/types.py: every
# stage's code version covers that module, and a change there re-processes the whole archive.
SENTENCE_COLUMNS = ("sentence_seq", "start_char", "end_char", "text", "continues_quote", "section")


def read_sentences(conn, document_ids: Collection[str] | None = None) -> dict[str, list[Sentence]]:
    """raw.sentences as each document's sentences, in order (of `document_ids` only, if given);
    documents an earlier stage quarantined are left out."""
    if not table_exists(conn, "sentences"):
        return {}
    excluded = quarantined_document_ids(conn, before_stage="claims")
    where = ""
    if document_ids is not None:
        where = f"WHERE document_id IN (SELECT document_id FROM {register_ids(conn, document_ids, _READ_IDS)})"
    by_document: dict[str, list[Sentence]] = {}
    # a Sentence straight from its columns: every sentence of the archive when a day has news
    for document_id, *fields in conn.execute(
            f"SELECT document_id, {', '.join(SENTENCE_COLUMNS)} FROM {RAW_SCHEMA}.sentences {where} "
            "ORDER BY document_id, sentence_seq").fetchall():
        if document_id not in excluded:
            by_document.setdefault(document_id, []).append(Sentence(*fields))
    return by_document


def read_documents(conn, doc_ids) -> dict:
    """document_id -> raw.documents record, for the documents that have sentences (picked in
    DuckDB: a run labelling the mentions of a few documents read every body of the archive)."""
    ids = register_ids(conn, doc_ids, _READ_IDS)
    return {d.document_id: d for d in read_records(
        conn, "documents", where=f"{ACCEPTED} AND document_id IN (SELECT document_id FROM {ids})")}


def read_body_counts(conn, doc_ids) -> tuple[BodyCounts, NewBodyTerms]:
    """The body token counts of the accepted documents among `doc_ids`, and those to store."""
    ids = register_ids(conn, doc_ids, _READ_IDS)
    return body_token_counts(conn, f"SELECT document_id AS id, body_text AS text FROM {RAW_SCHEMA}.documents "
                                   f"WHERE {ACCEPTED} AND document_id IN (SELECT document_id FROM {ids})")


def unchanged(conn: duckdb.DuckDBPyConnection, table: str, plan: StagePlan, wanted: dict[str, str],
              asset: bool = False) -> dg.MaterializeResult:
    """The materialization of a corpus stage that had nothing to do: the table as it is, the same
    data version as the run that wrote it (downstream assets are not stale)."""
    key = {"asset_key": raw_key(table)} if asset else {}
    return dg.MaterializeResult(**key, data_version=dg.DataVersion(keys_digest(wanted)),
                                metadata={"dagster/row_count": row_count(conn, table), **plan.metadata()})


def written(table: str, count: int, plan: StagePlan, wanted: dict[str, str], asset: bool = False,
            **metadata) -> dg.MaterializeResult:
    key = {"asset_key": raw_key(table)} if asset else {}
    return dg.MaterializeResult(**key, data_version=dg.DataVersion(keys_digest(wanted)),
                                metadata={"dagster/row_count": count, **plan.metadata(), **metadata})


@stage_asset(
    "stories", GROUP, "Documents about one event share a story: body TF-IDF and shared sentences (raw.sentences).",
    deps=("sentences", "documents"), metadata={"reads_previous": "raw.stories"},
)
@without_cyclic_gc
def stories(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        wanted = corpus_keys(conn, stage_version(context))
        plan, rebuild = corpus_plan(conn, STORIES_STAGE, ["stories"], wanted)
        if not plan.touched:
            return unchanged(conn, "stories", plan, wanted)
        # every body's token counts (a new document may join any story, and body weights are
        # the corpus'), read back as numbers from the token store: the bodies stay in DuckDB
        # but those never counted. The sentences of the new documents and those they reach, the
        # rest counted in DuckDB.
        bodies, new_body_terms = read_body_counts(conn, corpus_document_ids(conn))
        previous = {} if rebuild else {r.document_id: r.story_id for r in read_records(conn, "stories")}
        doc_sentences, corpus, _ = reach_inputs(conn, None if rebuild else set(bodies.document_ids) - set(previous))
    assigned = assign_stories(bodies, doc_sentences, previous=previous, corpus=corpus)
    # previous documents keep their story: only the documents processed get rows written
    rows = [StoryRow(d, assigned[d]) for d in sorted(plan.todo) if d in assigned]
    with warehouse.connect() as conn:
        count = write_corpus_rows(conn, plan, {"stories": rows}, rebuild)["stories"]
        tokenised = store_tokens(conn) + store_body_terms(conn, new_body_terms)
    return written("stories", count, plan, wanted, stories=len(set(assigned.values())), texts_tokenised=tokenised,
                   stories_assigned=len({s for d, s in assigned.items() if d in plan.todo}),
                   sentences_read=sum(len(sentences) for sentences in doc_sentences.values()))


def _catalog_version(landing: LandingResource) -> tuple[list, str]:
    try:
        catalog = load_catalog(landing.claim_catalog)      # bad rows were reported at ingest
    except ConfigError as error:
        raise dg.Failure(description=f"configuration: {error}") from error
    return catalog, version_key("catalog", *(f"{c.claim_id}|{c.claim_text}|{c.story_hint}" for c in catalog))


def read_embeddings(conn, keys: Collection[str]) -> dict[str, bytes]:
    """The embedding cache: text key -> vector, for the model in use, of the texts `keys`."""
    if not table_exists(conn, "sentence_embeddings"):
        return {}
    conn.register(_WANTED_EMBEDDINGS, _frame("text_key", keys))
    try:
        return dict(conn.execute(
            f"SELECT text_key, embedding FROM {RAW_SCHEMA}.sentence_embeddings WHERE model = ? "
            f"AND text_key IN (SELECT text_key FROM {_WANTED_EMBEDDINGS})", [MODEL_NAME]).fetchall())
    finally:
        conn.unregister(_WANTED_EMBEDDINGS)


@dg.multi_asset(
    code_version=code_version(__name__, model_files()),
    name="claims",
    specs=[
        dg.AssetSpec(raw_key("claims"), group_name=GROUP, kinds=STAGE_KINDS,
                     deps=[raw_key("sentences"), raw_key("stories")], metadata={"reads_previous": "raw.claims"},
                     description="Claims discovered across the documents of a story, and the analyst catalog's."),
        dg.AssetSpec(raw_key("claim_sentences"), group_name=GROUP, kinds=STAGE_KINDS, deps=[raw_key("sentences")],
                     description="The sentences stating each claim, with their similarity to it."),
        dg.AssetSpec(raw_key("sentence_embeddings"), group_name=GROUP, kinds=STAGE_KINDS, deps=[raw_key("sentences")],
                     description="Embeddings of the sentences the semantic matcher compared, by text hash "
                                 "(append-only: a text is embedded once)."),
    ],
    pool=DUCKDB_POOL,
)
@step_function
@without_cyclic_gc
def claims(context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource,
           reference: ReferenceDataResource, compute: ComputeResource):
    catalog, catalog_key = _catalog_version(landing)
    semantic = reference.semantic_matcher
    with warehouse.connect(read_only=True) as conn:
        story_of = {r.document_id: r.story_id for r in read_records(conn, "stories")}
        outlet_of = dict(conn.execute(f"SELECT document_id, outlet_id FROM {RAW_SCHEMA}.document_outlets").fetchall())
        # a changed catalog or matcher re-matches everything: their keys are part of every document's;
        # a document's story and outlet are its inputs too (paraphrases count a story's outlets)
        stage_key = version_key(stage_version(context), catalog_key, f"semantic={'on' if semantic else 'off'}")
        wanted = corpus_keys(conn, stage_key, extra={d: f"{story}|{outlet_of.get(d)}" for d, story in story_of.items()})
        plan, rebuild = corpus_plan(conn, DISCOVERY_STAGE, ["claim_sentences", "claims"], wanted)
        if not plan.touched:
            yield unchanged(conn, "claims", plan, wanted, asset=True)
            yield unchanged(conn, "claim_sentences", plan, wanted, asset=True)
            yield _embeddings_result(conn, 0, semantic, failed=0)
            return
        affected = set(story_of.values()) if rebuild else _affected_stories(conn, plan, story_of)
        members = [d for d, story in story_of.items() if story in affected and d in wanted]
        # the catalog is matched against every sentence (its weights are the corpus'); discovery
        # reads only the stories that received or lost a document
        doc_sentences = read_sentences(conn, None if catalog else members)
        existing = [c for c in read_records(conn, "claims", where="origin = 'discovered'") if c.story_id in affected]
        read_ids = register_ids(conn, doc_sentences.keys(), _READ_IDS)
        sentence_language = {(d, seq): language for d, seq, language in conn.execute(
            f"SELECT document_id, sentence_seq, language FROM {RAW_SCHEMA}.sentences "
            f"WHERE document_id IN (SELECT document_id FROM {read_ids})").fetchall()}
    story_sentences = {d: doc_sentences[d] for d in members if d in doc_sentences}

    def stored_embeddings(keys: list[str]) -> dict[str, bytes]:
        # asked while the step computes, before it opens the warehouse to write
        with warehouse.connect(read_only=True) as conn:
            return read_embeddings(conn, keys)

    # the model runs in its own process, gone (with its memory) when the semantic pass ends
    with model_process() as model:
        embedder = Embedder(lookup=stored_embeddings if semantic else None, encode_texts=model.encode)
        # the workers read their sentences' stored tokens themselves: primed here for all of them,
        # the tokens were 0.6 GB of the 1.55 GB the step added on a 1% day at 100k (decision 0029)
        discovered, discovered_sentences = discover_on_cores(story_blocks(story_sentences, story_of, existing),
                                                             compute.workers, StoredTokens(str(warehouse.live_path)))
        if catalog or semantic:
            # the catalog and the semantic pass read every sentence read, here
            with warehouse.connect(read_only=True) as conn:
                read_ids = register_ids(conn, doc_sentences.keys(), _READ_IDS)
                prime_tokens(conn, f"{SENTENCE_TEXTS} WHERE document_id IN (SELECT document_id FROM {read_ids})")
        if semantic:
            # paraphrases: the lexical claims of multi-outlet stories, gathered by sentence embeddings
            discovered, discovered_sentences = paraphrase_claims(discovered, discovered_sentences, story_sentences,
                                                                 story_of, outlet_of, embedder,
                                                                 seen=[c.claim_id for c in existing])
        else:
            context.log.info("semantic matcher off (CLAIMGRID_SEMANTIC_MATCHER=off): lexical matches only")
        catalog_claims, catalog_sentences = match_catalog(catalog, doc_sentences, story_of) if catalog else ([], [])
        all_claims = discovered + catalog_claims
        all_mentions = discovered_sentences + catalog_sentences
        if semantic:
            all_mentions = discovered_sentences + semantic_catalog_mentions(catalog, catalog_sentences, doc_sentences,
                                                                            embedder)
            # sentences in another language than a claim: matched to the claim they translate
            all_mentions = cross_language_mentions(all_claims, all_mentions, doc_sentences, sentence_language,
                                                   lambda text: process_detector().detect(text).language, embedder)
    # a stream: one row object at a time, not 770k of them (a 1% day at 100k)
    rows = {"claim_sentences": (ClaimSentenceRow.of(m) for m in all_mentions), "claims": all_claims}
    in_scope = f"origin = 'catalog' OR story_id IN (SELECT story_id FROM {_AFFECTED_STORIES})"
    new_embeddings = embedder.new_rows()
    with warehouse.connect() as conn:
        conn.register(_AFFECTED_STORIES, _frame("story_id", affected))
        written_counts = write_corpus_rows(conn, plan, rows, rebuild, scopes={
            # claim sentences first: their scope reads the claims about to be replaced
            "claim_sentences": f"claim_id IN (SELECT claim_id FROM {RAW_SCHEMA}.claims WHERE {in_scope}) "
                               f"OR document_id IN (SELECT document_id FROM {TOUCHED_IDS_VIEW})",
            "claims": in_scope,
        })
        conn.unregister(_AFFECTED_STORIES)
        append_raw_rows(conn, "sentence_embeddings", new_embeddings)
        tokenised = store_tokens(conn)
        embeddings = _embeddings_result(conn, len(new_embeddings), semantic, failed=len(embedder.failed))
    kept_ids = len({c.claim_id for c in existing} & {c.claim_id for c in discovered})
    yield written("claims", written_counts["claims"], plan, wanted, asset=True,
                  origins=counts(c.origin for c in all_claims), stories_rediscovered=len(affected),
                  claim_ids_kept_from_previous_run=kept_ids, catalog_claims_loaded=len(catalog),
                  texts_tokenised=tokenised)
    yield written("claim_sentences", written_counts["claim_sentences"], plan, wanted, asset=True)
    yield embeddings


def _embeddings_result(conn: duckdb.DuckDBPyConnection, embedded: int, semantic: bool,
                       failed: int) -> dg.MaterializeResult:
    return dg.MaterializeResult(asset_key=raw_key("sentence_embeddings"),
                                metadata={"dagster/row_count": row_count(conn, "sentence_embeddings"), "embedded_this_run": embedded,
                                          "model": MODEL_NAME, "semantic_matcher": "on" if semantic else "off",
                                          "texts_the_model_could_not_encode": failed})

def _frame(column: str, values: Collection[str]):
    import pandas as pd
    return pd.DataFrame({column: pd.Series(sorted(values), dtype="object")})


def _affected_stories(conn, plan: StagePlan, story_of: dict[str, str]) -> set[str]:
    """The stories whose claims may change: those of the documents processed, and those whose
    discovered claims a document that left was part of."""
    affected = {story_of[d] for d in plan.todo if d in story_of}
    if plan.gone:
        gone = register_ids(conn, plan.gone, _READ_IDS)
        affected |= {story for (story,) in conn.execute(f"""
            SELECT DISTINCT c.story_id FROM {RAW_SCHEMA}.claim_sentences s
            JOIN {RAW_SCHEMA}.claims c USING (claim_id)
            WHERE c.origin = 'discovered' AND s.document_id IN (SELECT document_id FROM {gone})""").fetchall()}
    return affected


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
        wanted = corpus_keys(conn, version_key(stage_version(context), labeller), extra=mention_digests(conn))
        plan, rebuild = corpus_plan(conn, MENTIONS_STAGE, ["claim_mentions"], wanted)
        if not plan.touched:
            return unchanged(conn, "claim_mentions", plan, wanted)
        doc_sentences = read_sentences(conn, plan.todo)
        documents = read_documents(conn, doc_sentences.keys())
        ids = register_ids(conn, plan.todo, _READ_IDS)
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


@stage_asset(
    "text_reuse", GROUP, "Documents that repeat sentences of an earlier document, with the share they repeat.",
    deps=("sentences", "documents"),
)
@without_cyclic_gc
def text_reuse_pairs(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        wanted = corpus_keys(conn, stage_version(context))
        plan, rebuild = corpus_plan(conn, REUSE_STAGE, ["text_reuse"], wanted)
        if not plan.touched:
            return unchanged(conn, "text_reuse", plan, wanted)
        focus = None if rebuild else set(plan.todo)
        doc_sentences, corpus, counts = reach_inputs(conn, focus)
        ids = register_ids(conn, doc_sentences.keys(), _READ_IDS)
        published_at = dict(conn.execute(
            f"SELECT document_id, published_at FROM {RAW_SCHEMA}.documents "
            f"WHERE {ACCEPTED} AND document_id IN (SELECT document_id FROM {ids})").fetchall())
    rows = text_reuse(doc_sentences, published_at, focus=focus, corpus=corpus, sentence_counts=counts)
    with warehouse.connect() as conn:
        tokenised = store_tokens(conn)
        count = write_corpus_rows(conn, plan, {"text_reuse": rows}, rebuild, scopes={"text_reuse": (
            f"document_id IN (SELECT document_id FROM {TOUCHED_IDS_VIEW}) "
            f"OR source_document_id IN (SELECT document_id FROM {TOUCHED_IDS_VIEW})")})["text_reuse"]
    return written("text_reuse", count, plan, wanted, pairs_written=len(rows), texts_tokenised=tokenised,
                   sentences_read=sum(len(sentences) for sentences in doc_sentences.values()))


_FOCUS_IDS, _UNREAD_IDS, _REACHED = "reach_focus_ids", "reach_unread_ids", "reach_reached_texts"
_REACHED_ROWS = "reach_reached_sentences"
_REACHED_IDS = "reach_reached_ids"


def corpus_document_ids(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """The documents read_sentences would return: those with sentences, none quarantined before claims."""
    if not table_exists(conn, "sentences"):
        return set()
    excluded = quarantined_document_ids(conn, before_stage="claims")
    return {d for (d,) in conn.execute(f"SELECT DISTINCT document_id FROM {RAW_SCHEMA}.sentences").fetchall()
            if d not in excluded}


def reach_inputs(conn: duckdb.DuckDBPyConnection, focus: set[str] | None
                 ) -> tuple[dict[str, list[Sentence]], CorpusTokens | None, dict[str, int]]:
    """What a sentence comparison of the corpus (text reuse, story links) reads, its tokens
    primed: the sentences, the counts of the corpus when they are not all of it, and how many
    sentences each of their documents has. With a focus: the focus documents' sentences and the
    others' that they reach (text_reuse.reach_keys), the rest of the archive counted in DuckDB
    from its stored tokens, so a run grows with its news, not with the archive. Every sentence
    when there is no focus, or when some text of the rest has no stored tokens (a new tokenizer:
    the full read stores them for the next run)."""
    if focus is not None and not focus:
        return {}, CorpusTokens(0, 0, {}), {}      # nothing to compare: no need to count the archive
    if focus is not None:
        own = read_sentences(conn, focus)
        focus_ids = register_ids(conn, focus, _FOCUS_IDS)
        prime_tokens(conn, f"{SENTENCE_TEXTS} WHERE document_id IN (SELECT document_id FROM {focus_ids})")
        unread_ids = register_ids(conn, quarantined_document_ids(conn, before_stage="claims"), _UNREAD_IDS)
        rest = (f"SELECT * FROM {RAW_SCHEMA}.sentences WHERE document_id NOT IN (SELECT document_id FROM {focus_ids}) "
                f"AND document_id NOT IN (SELECT document_id FROM {unread_ids})")
        reached_texts = None
        with sentence_index(conn, rest) as index:
            if index is not None:
                texts = [sentence.text for document_id in sorted(own) for sentence in own[document_id]]
                corpus = CorpusTokens.of(token_set(text) for text in texts).plus(index.counts)
                reached_texts = index.texts_sharing(*reach_keys(texts, corpus))
        if reached_texts is not None:
            reached = _sentences_of_texts(conn, rest, reached_texts)
            reached_ids = register_ids(conn, reached, _REACHED_IDS)
            counts = dict(conn.execute(f"SELECT document_id, count(*) FROM {RAW_SCHEMA}.sentences "
                                       f"WHERE document_id IN (SELECT document_id FROM {reached_ids}) GROUP BY 1").fetchall())
            return {**own, **reached}, corpus, counts
    prime_tokens(conn, SENTENCE_TEXTS)
    return read_sentences(conn), None, {}


def _sentences_of_texts(conn: duckdb.DuckDBPyConnection, sentences_sql: str,
                        text_keys: Collection[str]) -> dict[str, list[Sentence]]:
    """The sentences of `sentences_sql` whose text has one of `text_keys`, their tokens primed."""
    conn.register(_REACHED, _frame("text_key", text_keys))
    try:
        # the archive's sentences are hashed once, into the rows chosen; the tokens are looked up
        # by the keys themselves (a text reached but not among them only primes the cache more)
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {_REACHED_ROWS} AS "
                     f"SELECT document_id, {', '.join(SENTENCE_COLUMNS)} FROM ({sentences_sql}) "
                     f"WHERE md5(text) IN (SELECT text_key FROM {_REACHED})")
        prime_tokens_of_keys(conn, f"SELECT text_key FROM {_REACHED}")
        by_document: dict[str, list[Sentence]] = {}
        for document_id, *fields in conn.execute(
                f"SELECT * FROM {_REACHED_ROWS} ORDER BY document_id, sentence_seq").fetchall():
            by_document.setdefault(document_id, []).append(Sentence(*fields))
        return by_document
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {_REACHED_ROWS}")
        conn.unregister(_REACHED)

