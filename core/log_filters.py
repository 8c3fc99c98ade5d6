"""Log filters of the console log (settings.LOGGING)."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A 403 is the portal doing its job (a role without the permission, a CSRF failure), not
    a fault: Django logs it with the traceback of the PermissionDenied, a dozen lines of
    framework frames per refusal. Keep one warning line, naming the user and the reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403:
            return True
        details = []
        user = getattr(getattr(record, "request", None), "user", None)
        if user is not None and user.is_authenticated:
            details.append(f"user {user.get_username()}")
        if record.exc_info:
            reason = str(record.exc_info[1] or "")
            if reason:
                details.append(reason)
            record.exc_info = None
            record.exc_text = None
        if details:
            record.msg = f"{record.msg} ({'; '.join(d.replace('%', '%%') for d in details)})"
        return True
