-- Claim mentions with their sentence and the outlet that published the sentence.
with mentions as (
    select * from {{ ref('stg_claim_mentions') }}
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
        mentions.similarity,
        mentions.cross_language
    from mentions
    inner join sentences using (sentence_id)
    inner join documents on documents.document_id = mentions.document_id
)

select * from joined
