{#- Values that are neither an ISO 639-1 code (macros/vocabularies.sql) nor 'und'. -#}
{% test language_code(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in ('und'{% for code in vocabulary('iso_639_1_codes') %}, '{{ code }}'{% endfor %})
{% endtest %}
