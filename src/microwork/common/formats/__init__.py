"""Date formats, one per language (settings.FORMAT_MODULE_PATH; docs/translating.md).

Django's own formats give each language a long date and a short one ("Dec. 6, 2026" beside
"12/06/2026"), and pages used both. Here a language has one way to write a date, long or
"short", and one for a date with its time; what is not set here (input formats, numbers) stays
Django's.
"""
