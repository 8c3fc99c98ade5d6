from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def paginate(request, rows, per_page: int = PAGE_SIZE) -> tuple[Page, str]:
    """The requested page of `rows` and the query string of the other filters (for links)."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
