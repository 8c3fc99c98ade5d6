"""The change log as people read it: `{% load timeline %}` then `{{ entry|in_words }}`."""

from django import template

from core.documents import document_url
from core.formatting import change_in_words

register = template.Library()


@register.filter
def in_words(entry) -> str:
    """A timeline entry as a sentence (core.formatting.change_in_words)."""
    return change_in_words(entry)


@register.filter
def document_page(entry) -> str:
    """The page of the document a timeline entry is about ("" when it has none)."""
    return document_url(entry.document_type, entry.document_number)
