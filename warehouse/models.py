"""Inventory: balances per item and organization, and the ledger they are the sum of."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import QUANTITY, Item, Organization
from core.models import SupplyDocumentKind


class InventoryBalance(models.Model):
    """On hand, reserved and in transit of one item at one organization.

    `on_hand` and `in_transit` are the sums of the ledger rows of their bucket; `reserved` counts
    on-hand reservations only, and can never exceed `on_hand` (database constraint).
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    on_hand = models.DecimalField(**QUANTITY, default=0)
    reserved = models.DecimalField(**QUANTITY, default=0)
    in_transit = models.DecimalField(**QUANTITY, default=0)

    class Meta:
        ordering = ["item__sku", "organization__code"]
        permissions = [("adjust_inventorybalance", "Can adjust inventory")]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "organization"], name="balance_item_org_unique"
            ),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="balance_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("reserved")), name="balance_on_hand_covers_reserved"
            ),
            models.CheckConstraint(condition=Q(in_transit__gte=0), name="balance_in_transit_gte_0"),
        ]

    def __str__(self):
        return f"{self.item.sku} @ {self.organization.code}: {self.on_hand} on hand"

    @property
    def available(self):
        return self.on_hand - self.reserved


class InventoryTransaction(models.Model):
    """One movement of stock: the ledger. Rows are only ever added, never changed."""

    class Kind(models.TextChoices):
        RECEIPT = "RECEIPT", "Receipt"
        SHIPMENT = "SHIPMENT", "Shipment"
        ADJUSTMENT = "ADJUSTMENT", "Adjustment"
        TRANSFER_SHIP = "TRANSFER_SHIP", "Transfer ship"
        TRANSFER_RECEIPT = "TRANSFER_RECEIPT", "Transfer receipt"
        WIP_ISSUE = "WIP_ISSUE", "WIP issue"
        WIP_COMPLETION = "WIP_COMPLETION", "WIP completion"

    class Bucket(models.TextChoices):
        ON_HAND = "ON_HAND", "On hand"
        IN_TRANSIT = "IN_TRANSIT", "In transit"

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    bucket = models.CharField(max_length=10, choices=Bucket.choices, default=Bucket.ON_HAND)
    quantity = models.DecimalField(**QUANTITY, help_text="Signed: + into the bucket, - out of it.")
    reason = models.CharField(max_length=200, blank=True)
    # The document that moved the stock, by type and id (it may live in a later app).
    document_type = models.CharField(max_length=60, blank=True)
    document_id = models.BigIntegerField(null=True, blank=True)
    document_number = models.CharField(max_length=40, blank=True)
    demand_line_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["item", "organization", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="ledger_quantity_not_zero"),
        ]

    def __str__(self):
        return f"{self.kind} {self.quantity:+} {self.item.sku} @ {self.organization.code}"


class Reservation(models.Model):
    """Quantity held for one demand line: on hand, or against a supply document line.

    Only ON_HAND reservations count in the balance's `reserved`; the others show what is
    coming for the line. A reservation is ACTIVE until it is consumed (shipped), released
    (cancelled) or moved to another supply source (then a new row takes over).
    """

    # Where the reserved quantity is: on hand, against a supply document (the document kinds,
    # core.models.SupplyDocumentKind), or stock held on hand for a document rather than for
    # shipping to the line (the components of a released work order at its plant, the goods a
    # transfer takes from its source).
    Source = models.TextChoices(
        "Source",
        [
            ("ON_HAND", ("ON_HAND", "On hand")),
            *((kind.name, (kind.value, kind.label)) for kind in SupplyDocumentKind),
            ("COMPONENT", ("COMPONENT", "Component held for a work order")),
            ("TRANSFER_SOURCE", ("TRANSFER_SOURCE", "Held at the source for a transfer")),
        ],
    )

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", "Active"
        MOVED = "MOVED", "Moved"
        CONSUMED = "CONSUMED", "Consumed"
        RELEASED = "RELEASED", "Released"

    # The sources whose rows hold on-hand stock (they count in the balance's `reserved`).
    HOLDS_STOCK = frozenset({Source.ON_HAND, Source.COMPONENT, Source.TRANSFER_SOURCE})

    demand_line = models.ForeignKey(
        "orders.FulfillmentLine", on_delete=models.PROTECT, related_name="reservations"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    supply_source = models.CharField(max_length=20, choices=Source.choices)
    # The supply document line (by type and id: it may live in a later app); empty for ON_HAND.
    document_type = models.CharField(max_length=60, blank=True)
    document_id = models.BigIntegerField(default=0)
    document_number = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_gt_0"),
            models.UniqueConstraint(
                fields=["demand_line", "supply_source", "document_type", "document_id"],
                condition=Q(status="ACTIVE"),
                name="one_active_reservation_per_line_and_document",
            ),
        ]
        indexes = [models.Index(fields=["item", "organization", "status"])]

    def __str__(self):
        return f"{self.quantity} {self.item.sku} @ {self.organization.code} ({self.supply_source})"


class Receipt(models.Model):
    """Goods received at an organization: on a purchase order, on several (an advance ship
    notice: `purchase_order` is empty, each line names its PO line) or on a transfer order."""

    number = models.CharField(max_length=20, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    # What was received: a purchase order, or a transfer order arriving at its destination.
    purchase_order = models.ForeignKey(
        "procurement.PurchaseOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    transfer_order = models.ForeignKey(
        "warehouse.TransferOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    # The supplier's advance ship notice (or delivery note) number, when one came with it.
    reference = models.CharField(max_length=40, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return self.number


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    purchase_order_line = models.ForeignKey(
        "procurement.PurchaseOrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipt_lines",
    )
    transfer_order_line = models.ForeignKey(
        "warehouse.TransferOrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipt_lines",
    )
    quantity = models.DecimalField(**QUANTITY)
    reserved_quantity = models.DecimalField(
        **QUANTITY, default=0, help_text="Reserved on hand for the pegged sales order line."
    )

    class Meta:
        ordering = ["receipt", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_quantity_gt_0"),
        ]

    def __str__(self):
        return f"{self.receipt.number}: {self.quantity}"

    @property
    def unreserved_quantity(self):
        return self.quantity - self.reserved_quantity

    @property
    def document_line(self):
        """The PO line or the transfer line received."""
        return self.purchase_order_line or self.transfer_order_line

    @property
    def demand_line(self):
        """The sales order line the received line is pegged to."""
        if self.purchase_order_line_id:
            return self.purchase_order_line.demand_line
        return self.transfer_order_line.transfer_order.demand_line


class PickWave(FSMModelMixin, models.Model):
    """Lines ready to ship at one organization released together (one shipment per customer),
    then picked, packed and ship-confirmed as one: RELEASED → PICKED → PACKED → SHIPPED.
    Its shipments move with it; one cancelled on its own is left out of the later steps."""

    class Status(models.TextChoices):
        RELEASED = "RELEASED", "Released"
        PICKED = "PICKED", "Picked"
        PACKED = "PACKED", "Packed"
        SHIPPED = "SHIPPED", "Shipped"

    number = models.CharField(max_length=20, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    status = FSMField(
        max_length=10, choices=Status.choices, default=Status.RELEASED, protected=True
    )
    # What was released: the filters as chosen (empty: any customer, any date).
    customer = models.ForeignKey(
        "catalog.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ship_by = models.DateField(null=True, blank=True, help_text="Lines scheduled up to this day.")
    carrier = models.CharField(
        max_length=60, blank=True, help_text="Collects the wave: its shipments leave with it."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self):
        return self.number

    @transition(
        field=status,
        source=Status.RELEASED,
        target=Status.PICKED,
        permission="warehouse.change_shipment",
    )
    def pick(self):
        pass

    @transition(
        field=status,
        source=Status.PICKED,
        target=Status.PACKED,
        permission="warehouse.change_shipment",
    )
    def pack(self):
        pass

    @transition(
        field=status,
        source=Status.PACKED,
        target=Status.SHIPPED,
        permission="warehouse.change_shipment",
    )
    def confirm(self):
        """Every shipment of the wave still packed is ship-confirmed."""


class Shipment(FSMModelMixin, models.Model):
    """Lines of one customer shipped together from one organization (docs/architecture.md)."""

    class Status(models.TextChoices):
        PLANNED = "PLANNED", "Planned"
        PICKED = "PICKED", "Picked"
        PACKED = "PACKED", "Packed"
        SHIPPED = "SHIPPED", "Shipped"
        CANCELLED = "CANCELLED", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("catalog.Customer", on_delete=models.PROTECT, related_name="+")
    status = FSMField(max_length=10, choices=Status.choices, default=Status.PLANNED, protected=True)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=60, blank=True)
    ship_date = models.DateField(null=True, blank=True)
    wave = models.ForeignKey(
        PickWave, null=True, blank=True, on_delete=models.PROTECT, related_name="shipments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self):
        return self.number

    @transition(
        field=status,
        source=Status.PLANNED,
        target=Status.PICKED,
        permission="warehouse.change_shipment",
    )
    def pick(self):
        pass

    @transition(
        field=status,
        source=Status.PICKED,
        target=Status.PACKED,
        permission="warehouse.change_shipment",
    )
    def pack(self):
        pass

    @transition(
        field=status,
        source=Status.PACKED,
        target=Status.SHIPPED,
        permission="warehouse.change_shipment",
    )
    def confirm(self):
        """Ship confirm: stock leaves through the ledger; happens exactly once."""

    @transition(
        field=status,
        source=[Status.PLANNED, Status.PICKED, Status.PACKED],
        target=Status.CANCELLED,
        permission="warehouse.change_shipment",
    )
    def cancel(self):
        pass


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    demand_line = models.ForeignKey(
        "orders.FulfillmentLine", on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.DecimalField(**QUANTITY)
    active = models.BooleanField(default=True, help_text="False once its shipment is cancelled.")

    class Meta:
        ordering = ["shipment", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_quantity_gt_0"),
            models.UniqueConstraint(
                fields=["demand_line"],
                condition=Q(active=True),
                name="one_active_shipment_per_line",
            ),
        ]

    def __str__(self):
        return f"{self.shipment.number}: {self.quantity}"


class TransferOrder(FSMModelMixin, models.Model):
    """Goods moving from a source organization to the fulfillment organization of one demand
    line: OPEN (held at the source) → SHIPPED (in transit) → RECEIVED → CLOSED (the demand
    shipped); CANCELLED before it ships."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        SHIPPED = "SHIPPED", "Shipped"
        RECEIVED = "RECEIVED", "Received"
        CLOSED = "CLOSED", "Closed"
        CANCELLED = "CANCELLED", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    source = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    demand_line = models.ForeignKey(
        "orders.FulfillmentLine", on_delete=models.PROTECT, related_name="transfer_orders"
    )
    need_by_date = models.DateField()
    status = FSMField(max_length=10, choices=Status.choices, default=Status.OPEN, protected=True)
    ship_date = models.DateField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["source", "status"]),
            models.Index(fields=["destination", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("destination")), name="transfer_between_two_orgs"
            ),
        ]

    def __str__(self):
        return self.number

    @transition(field=status, source=Status.OPEN, target=Status.SHIPPED)
    def ship(self):
        """Source on hand down, destination in transit up (ledger TRANSFER_SHIP)."""

    @transition(field=status, source=Status.SHIPPED, target=Status.RECEIVED)
    def receive(self):
        """Everything shipped arrived (ledger TRANSFER_RECEIPT)."""

    @transition(field=status, source=Status.RECEIVED, target=Status.CLOSED)
    def close(self):
        """The demand it was moved for has shipped."""

    @transition(field=status, source=Status.OPEN, target=Status.CANCELLED)
    def cancel(self):
        """Before it ships: the stock held at the source is released."""


class TransferOrderLine(models.Model):
    transfer_order = models.ForeignKey(
        TransferOrder, on_delete=models.CASCADE, related_name="lines"
    )
    line_number = models.PositiveIntegerField(default=1)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    quantity_shipped = models.DecimalField(**QUANTITY, default=0)
    quantity_received = models.DecimalField(**QUANTITY, default=0)

    class Meta:
        ordering = ["transfer_order", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["transfer_order", "line_number"], name="transfer_line_number_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=F("quantity")),
                name="transfer_never_over_shipped",
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_shipped")),
                name="transfer_never_over_received",
            ),
        ]

    def __str__(self):
        return f"{self.transfer_order.number}/{self.line_number}"

    @property
    def open_quantity(self):
        """Shipped and not yet received."""
        return self.quantity_shipped - self.quantity_received
