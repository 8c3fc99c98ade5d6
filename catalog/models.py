"""Master data: organizations, items, customers, suppliers, sourcing rules, bills of material."""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from core.money import PRICE, QUANTITY


class Organization(models.Model):
    class Kind(models.TextChoices):
        WAREHOUSE = "WAREHOUSE", "Warehouse"
        PLANT = "PLANT", "Plant"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WAREHOUSE)
    receiving_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days from receipt to available stock (post-processing)."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.name}"


class Item(models.Model):
    sku = models.CharField("SKU", max_length=40, unique=True)
    description = models.CharField(max_length=200)
    uom = models.CharField("UOM", max_length=10, default="EA")
    list_price = models.DecimalField(**PRICE, default=0, validators=[MinValueValidator(0)])
    standard_cost = models.DecimalField(**PRICE, default=0, validators=[MinValueValidator(0)])
    back_to_back = models.BooleanField(
        default=False, help_text="Supply is created for each order line (not stocked)."
    )

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(list_price__gte=0), name="item_list_price_gte_0"),
            models.CheckConstraint(
                condition=Q(standard_cost__gte=0), name="item_standard_cost_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.sku} – {self.description}"


class Customer(models.Model):
    number = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    ship_to_address = models.TextField(blank=True)
    email = models.EmailField(
        blank=True,
        help_text="The customer's contact: order acknowledgments, ship notices and invoices.",
    )
    default_ship_from = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transit_days = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} – {self.name}"


class Supplier(models.Model):
    number = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    automatic_po = models.BooleanField(
        "touchless POs", default=False, help_text="Requisitions become POs without a buyer."
    )
    over_receipt_tolerance_pct = models.DecimalField(
        "over-receipt tolerance %",
        max_digits=5,
        decimal_places=2,
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(over_receipt_tolerance_pct__gte=0)
                & Q(over_receipt_tolerance_pct__lte=100),
                name="supplier_tolerance_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.number} – {self.name}"


class SupplyType(models.TextChoices):
    """How a demand line is supplied — the one enum of the concept: a sourcing rule's type and
    a supply order's type are BUY, MAKE or TRANSFER (SOURCE_TYPES); a line reserved from stock
    is ON_HAND."""

    ON_HAND = "ON_HAND", "On hand"
    BUY = "BUY", "Buy"
    MAKE = "MAKE", "Make"
    TRANSFER = "TRANSFER", "Transfer"


# The supply types a source (a sourcing rule, a supply order) can have.
SOURCE_TYPES = [choice for choice in SupplyType.choices if choice[0] != SupplyType.ON_HAND]


class SourcingRule(models.Model):
    """Where supply of an item for an organization comes from, by rank.

    A rule with no item applies to every item, one with no organization to every organization;
    promising uses the most specific level that has effective rules (docs/architecture.md).
    """

    Type = SupplyType

    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.CASCADE, related_name="sourcing_rules"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    type = models.CharField(max_length=10, choices=SOURCE_TYPES)
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="sourcing_rules"
    )
    source_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="TRANSFER: the warehouse shipped from. MAKE: the plant.",
    )
    unit_price = models.DecimalField(**PRICE, null=True, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(default=0)
    allocation_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["item__sku", "organization__code", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                Coalesce(F("item"), Value(0)),
                Coalesce(F("organization"), Value(0)),
                "type",
                "rank",
                Coalesce(F("supplier"), Value(0)),
                Coalesce(F("source_organization"), Value(0)),
                Coalesce(F("effective_from"), Value(datetime.date(1, 1, 1))),
                name="sourcing_rule_natural_key",
                violation_error_message="A sourcing rule with this item, organization, type, "
                "rank, source and effective date already exists.",
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="sourcing_rule_rank_gte_1"),
            models.CheckConstraint(
                condition=Q(allocation_percent__gte=0) & Q(allocation_percent__lte=100),
                name="sourcing_rule_allocation_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(type="BUY")
                | (Q(supplier__isnull=False) & Q(unit_price__isnull=False) & Q(unit_price__gte=0)),
                name="sourcing_rule_buy_needs_supplier_and_price",
                violation_error_message="A BUY rule needs a supplier and a unit price ≥ 0.",
            ),
            models.CheckConstraint(
                condition=Q(type="BUY") | Q(source_organization__isnull=False),
                name="sourcing_rule_make_transfer_need_source_org",
                violation_error_message="A MAKE or TRANSFER rule needs a source organization.",
            ),
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True)
                | Q(effective_to__isnull=True)
                | Q(effective_to__gte=F("effective_from")),
                name="sourcing_rule_effective_dates_ordered",
                violation_error_message="Effective to must not be before effective from.",
            ),
        ]

    def __str__(self):
        item = self.item.sku if self.item_id else "any item"
        org = self.organization.code if self.organization_id else "any org"
        return f"{item} @ {org}: #{self.rank} {self.type} from {self.source_label}"

    @property
    def source_label(self) -> str:
        source = self.supplier if self.type == self.Type.BUY else self.source_organization
        return getattr(source, "number", None) or getattr(source, "code", "") or "—"


class BillOfMaterials(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="bills_of_material")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", help_text="The plant."
    )

    class Meta:
        verbose_name = "bill of materials"
        verbose_name_plural = "bills of material"
        ordering = ["item__sku", "organization__code"]
        constraints = [
            models.UniqueConstraint(fields=["item", "organization"], name="bom_item_plant_unique"),
        ]

    def __str__(self):
        return f"BOM {self.item.sku} @ {self.organization.code}"


class BomComponent(models.Model):
    bom = models.ForeignKey(BillOfMaterials, on_delete=models.CASCADE, related_name="components")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        "quantity per unit", **QUANTITY, validators=[MinValueValidator(Decimal("0.001"))]
    )

    class Meta:
        ordering = ["bom", "item__sku"]
        constraints = [
            models.UniqueConstraint(fields=["bom", "item"], name="bom_component_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bom_component_qty_gt_0"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.item.sku}"
