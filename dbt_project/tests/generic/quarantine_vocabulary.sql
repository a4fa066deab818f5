{#- Values outside one of the quarantine vocabularies (macros/quarantine_vocabulary.sql, mirrored
    from orchestration/core/types.py): `of` is 'reasons', 'stages' or 'subjects'. -#}
{% test quarantine_vocabulary(model, column_name, of) %}
{%- set vocabularies = {'reasons': quarantine_reasons(), 'stages': quarantine_stages(), 'subjects': quarantine_subjects()} -%}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in ({% for value in vocabularies[of] %}{{ "," if not loop.first }}'{{ value }}'{% endfor %})
{% endtest %}
