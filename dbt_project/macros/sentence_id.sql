{#- A sentence's id: its document and its zero-padded number, so ids sort in reading order. The one
    recipe every model that names a sentence uses. -#}
{% macro sentence_id(document_id='document_id', sentence_seq='sentence_seq') -%}
    {{ document_id }} || ':' || lpad(cast({{ sentence_seq }} as varchar), 4, '0')
{%- endmacro %}
