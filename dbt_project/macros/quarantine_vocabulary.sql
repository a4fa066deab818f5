{#- The quarantine vocabularies, mirrored from orchestration/core/types.py (QUARANTINE_REASONS,
    QUARANTINE_STAGES, QUARANTINE_SUBJECTS); tests/unit/test_quarantine.py keeps them equal. -#}
{% macro quarantine_reasons() -%}
{{ return([
    'unreadable', 'truncated', 'oversize', 'vanished', 'changed_while_read', 'outside_landing',
    'bad_record', 'empty_file', 'undecodable', 'empty_body', 'unsupported_format', 'debris_residue',
    'unknown_language', 'no_sentence', 'stage_error', 'bad_manifest_entry', 'bad_catalog_row'
]) }}
{%- endmacro %}
{% macro quarantine_stages() -%}
{{ return([
    'config', 'ingest', 'clean', 'language', 'outlets', 'sentences',
    'claims'
]) }}
{%- endmacro %}
{% macro quarantine_subjects() -%}
{{ return([
    'document', 'file', 'record', 'config_row'
]) }}
{%- endmacro %}
