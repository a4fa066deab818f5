-- The outlet-by-claim grid, dense: every outlet that covered a story x every claim of that
-- story. Omissions are rows with is_covered = false, so "who left it out" is a plain filter.
with claims as (
    select * from {{ ref('stg_claims') }}
),

story_outlets as (
    select * from {{ ref('int_story_outlets') }}
),

mentions as (
    select * from {{ ref('int_claim_mentions') }}
),

grid as (
    select story_outlets.outlet_id, claims.claim_id, claims.story_id
    from claims
    inner join story_outlets using (story_id)
),

stance_counts as (
    select outlet_id, claim_id, stance, count(*) as stance_mentions
    from mentions
    group by all
),

-- the outlet's dominant stance: its most frequent one, ties broken toward the stronger voice;
-- an outlet that both carries (asserts/reports) and denies a claim is 'mixed'
dominant_stance as (
    select
        outlet_id,
        claim_id,
        case
            when bool_or(stance = 'denies') and bool_or(stance in ('asserts', 'reports')) then 'mixed'
            else arg_max(
                stance,
                stance_mentions * 10 + case stance
                    when 'denies' then 4 when 'questions' then 3 when 'reports' then 2 else 1
                end
            )
        end as stance
    from stance_counts
    group by outlet_id, claim_id
),

mention_rollup as (
    select
        outlet_id,
        claim_id,
        count(*) as mention_count,
        arg_min(mention_id, sentence_id) as first_mention_id,
        arg_min(attributed_to, sentence_id) filter (where attributed_to is not null) as attributed_to,
        bool_and(coalesce(cross_language, false)) as only_across_languages
    from mentions
    group by outlet_id, claim_id
),

final as (
    select
        grid.outlet_id,
        grid.claim_id,
        grid.story_id,
        coalesce(mention_rollup.mention_count, 0) > 0 as is_covered,
        coalesce(mention_rollup.mention_count, 0) as mention_count,
        dominant_stance.stance,
        mention_rollup.attributed_to,
        mention_rollup.first_mention_id,
        coalesce(mention_rollup.only_across_languages, false) as cross_language
    from grid
    left join mention_rollup using (outlet_id, claim_id)
    left join dominant_stance using (outlet_id, claim_id)
)

select * from final
