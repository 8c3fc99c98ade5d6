"""Typed document references: how an earlier app points at a document of any app (the event
log, ledger rows, reservations) — its type (`app_label.model`), id and number — instead of a
foreign key that would point the wrong way between apps (DESIGN §2)."""


def document_type_of(model) -> str:
    """The type under which documents of `model` (a class or an instance) are referenced."""
    return model._meta.label_lower


def document_reference(document) -> dict:
    """The fields that reference `document`: document_type, document_id, document_number."""
    return {
        "document_type": document_type_of(document),
        "document_id": document.pk,
        "document_number": str(getattr(document, "number", "") or ""),
    }
