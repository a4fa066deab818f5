{#- Rows where a boolean expression does not hold (a dbt_utils test, rewritten offline). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
