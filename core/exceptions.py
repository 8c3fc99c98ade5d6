"""Errors that services raise; views turn them into messages, the API into 4xx JSON, in the
one error shape `{"detail": str, "code": str, "errors": [{"field", "message"}]}` (docs/api.md)."""


def error_body(detail: str, code: str, errors: list[dict] | None = None) -> dict:
    return {"detail": detail, "code": code, "errors": errors or []}


def is_api_request(request) -> bool:
    """Answered in the API's error shape (JSON) rather than with a page."""
    return request.path.startswith("/api/")


class BusinessRuleError(Exception):
    """A request that breaks a business rule: it is refused and nothing is written."""

    code = "business_rule"
    status = 422

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class FieldErrors(BusinessRuleError):
    """Several fields are wrong at once (unknown references, bad values): all are reported."""

    code = "validation_error"
    status = 422

    def __init__(self, errors: list[tuple[str, str]]):
        fields = ", ".join(field for field, _ in errors)
        super().__init__(f"The request is invalid: check {fields}.")
        self.errors = errors


class InvalidTransition(BusinessRuleError):
    """A state change that the document's state machine does not allow from where it is."""

    code = "invalid_transition"
    status = 409


class Conflict(BusinessRuleError):
    """The request clashes with what is already there (a duplicate, a concurrent change)."""

    code = "conflict"
    status = 409


JSON_ONLY_MESSAGE = "Send the body as JSON with the header Content-Type: application/json."
