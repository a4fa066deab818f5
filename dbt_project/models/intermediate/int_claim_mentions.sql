-- Claim mentions with their sentence and the outlet that published the sentence.
with mentions as (
    select * from {{ ref('stg_claim_mentions') }}
),

claim_sentences as (
    select * from {{ ref('stg_claim_sentences') }}
),

sentences as (
    select * from {{ ref('stg_sentences') }}
),

documents as (
    select * from {{ ref('int_documents') }}
),

joined as (
    select
        mentions.claim_id || '@' || mentions.sentence_id as mention_id,
        mentions.claim_id,
        mentions.document_id,
        documents.outlet_id,
        documents.story_id,
        mentions.sentence_id,
        sentences.sentence_seq,
        sentences.sentence_text,
        sentences.section as found_in,
        mentions.stance,
        mentions.attributed_to,
        claim_sentences.similarity,
        mentions.cross_language
    from mentions
    inner join claim_sentences using (claim_id, sentence_id)
    inner join sentences using (sentence_id)
    inner join documents on documents.document_id = mentions.document_id
)

select * from joined
