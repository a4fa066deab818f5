"""Claims: propositions several documents of a story state (discovery), and the analyst catalog's
claims matched to sentences; with the semantic matcher on, paraphrases and translations too
(orchestration.core.claims)."""
from collections.abc import Collection

import dagster as dg
import duckdb

from orchestration.assets.common import STAGE_KINDS, counts, raw_key, stage_version, step_function
from orchestration.assets.corpus import DISCOVERY_STAGE, GROUP, planned_work, unchanged, written
from orchestration.core.claims.catalog import load_catalog
from orchestration.core.claims.discovery import match_catalog, settled_documents, story_blocks
from orchestration.core.claims.semantic import (
    MODEL_NAME, Embedder, cross_language_mentions, model_files, paraphrase_claims, semantic_catalog_mentions,
)
from orchestration.core.language.detect import process_detector
from orchestration.core.quarantine import ConfigError
from orchestration.core.types import ClaimSentenceRow
from orchestration.corpus_ledger import TOUCHED_IDS_VIEW, row_count, write_corpus_rows
from orchestration.corpus_reads import READ_IDS, SENTENCE_TEXTS, read_sentences, values_frame
from orchestration.discovery_pool import StoredClaimSentences, discover_on_cores
from orchestration.gc_pause import without_cyclic_gc
from orchestration.incremental import StagePlan, register_ids, version_key
from orchestration.model_process import model_process
from orchestration.resources import ComputeResource, DUCKDB_POOL, LandingResource, ReferenceDataResource, WarehouseResource
from orchestration.token_store import StoredTokens, prime_tokens, store_tokens
from orchestration.versions import code_version
from orchestration.warehouse import RAW_SCHEMA, append_raw_rows, read_records, table_exists

_AFFECTED_STORIES = "affected_story_ids"
_WANTED_EMBEDDINGS = "wanted_text_keys"


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
    conn.register(_WANTED_EMBEDDINGS, values_frame("text_key", keys))
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
        wanted, plan, rebuild = planned_work(conn, DISCOVERY_STAGE, ["claim_sentences", "claims"], stage_key,
                                             extra={d: f"{story}|{outlet_of.get(d)}" for d, story in story_of.items()})
        if not plan.touched:
            yield unchanged(conn, "claims", plan, wanted, asset=True)
            yield unchanged(conn, "claim_sentences", plan, wanted, asset=True)
            yield _embeddings_result(conn, 0, semantic, failed=0)
            return
        lost = set() if rebuild else _stories_that_lost_documents(conn, plan)
        affected = set(story_of.values()) if rebuild else {story_of[d] for d in plan.todo if d in story_of} | lost
        members = [d for d, story in story_of.items() if story in affected and d in wanted]
        # stories that only received new documents are extended: their settled documents'
        # mentions stay (decision 0035)
        settled = settled_documents({d: story_of[d] for d in members}, plan.todo, plan.first_time, lost)
        extended = {story_of[d] for d in settled}
        # the catalog is matched against every sentence (its weights are the corpus'); discovery
        # reads only the stories that received or lost a document
        doc_sentences = read_sentences(conn, None if catalog else members)
        existing = [c for c in read_records(conn, "claims", where="origin = 'discovered'") if c.story_id in affected]
        # what the cross-language pass reads, and only it: 170 MB of the step's peak on a 1% day at 100k
        sentence_language = _sentence_languages(conn, doc_sentences.keys()) if semantic else {}
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
        discovered, discovered_sentences = discover_on_cores(
            story_blocks(story_sentences, story_of, existing, settled), compute.workers,
            StoredTokens(str(warehouse.live_path)), StoredClaimSentences(str(warehouse.live_path)))
        if catalog or semantic:
            # the catalog and the semantic pass read every sentence read, here
            with warehouse.connect(read_only=True) as conn:
                read_ids = register_ids(conn, doc_sentences.keys(), READ_IDS)
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
        conn.register(_AFFECTED_STORIES, values_frame("story_id", affected))
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
                  origins=counts(c.origin for c in all_claims), stories_rediscovered=len(affected - extended),
                  stories_extended=len(extended),
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


def _sentence_languages(conn: duckdb.DuckDBPyConnection,
                        document_ids: Collection[str]) -> dict[tuple[str, int], str]:
    """(document id, sentence seq) -> the sentence's language, for the documents given."""
    read_ids = register_ids(conn, document_ids, READ_IDS)
    return {(d, seq): language for d, seq, language in conn.execute(
        f"SELECT document_id, sentence_seq, language FROM {RAW_SCHEMA}.sentences "
        f"WHERE document_id IN (SELECT document_id FROM {read_ids})").fetchall()}


def _stories_that_lost_documents(conn, plan: StagePlan) -> set[str]:
    """The stories whose discovered claims a document that left was part of: discovered again."""
    if not plan.gone:
        return set()
    gone = register_ids(conn, plan.gone, READ_IDS)
    return {story for (story,) in conn.execute(f"""
        SELECT DISTINCT c.story_id FROM {RAW_SCHEMA}.claim_sentences s
        JOIN {RAW_SCHEMA}.claims c USING (claim_id)
        WHERE c.origin = 'discovered' AND s.document_id IN (SELECT document_id FROM {gone})""").fetchall()}
