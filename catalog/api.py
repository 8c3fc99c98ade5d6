from ninja import Router, Schema
from ninja.pagination import paginate

from catalog import selectors
from catalog.models import Organization
from core.api import Price, choice_filter, choice_of, require_permission
from core.paging import KeysFirstPagination

router = Router(tags=["master data"])


class OrganizationOut(Schema):
    code: str
    name: str
    kind: choice_of(Organization.Kind)
    receiving_days: int


class ItemOut(Schema):
    sku: str
    description: str
    uom: str
    list_price: Price
    standard_cost: Price
    back_to_back: bool


@router.get("/items", response=list[ItemOut])
@paginate(KeysFirstPagination)
def list_items(request, back_to_back: bool | None = None, q: str = ""):
    require_permission(request, "catalog.view_item")
    return selectors.items(back_to_back=back_to_back, search=q)


@router.get("/items/{sku}", response=ItemOut)
def get_item(request, sku: str):
    require_permission(request, "catalog.view_item")
    return selectors.items().get(sku=sku)


@router.get("/organizations", response=list[OrganizationOut])
@paginate(KeysFirstPagination)
def list_organizations(request, kind: choice_filter(Organization.Kind) = ""):
    require_permission(request, "catalog.view_organization")
    return selectors.organizations(kind=kind)


@router.get("/organizations/{code}", response=OrganizationOut)
def get_organization(request, code: str):
    require_permission(request, "catalog.view_organization")
    return selectors.organizations().get(code=code)
