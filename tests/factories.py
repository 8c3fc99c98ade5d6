from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import Customer, Item, Organization, SourcingRule, Supplier

PASSWORD = "correct horse battery staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"W{n + 100}")
    name = factory.LazyAttribute(lambda o: f"Warehouse {o.code}")
    kind = Organization.Kind.WAREHOUSE
    receiving_days = 1


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    sku = factory.Sequence(lambda n: f"ITEM-{n:05d}")
    description = factory.LazyAttribute(lambda o: f"Item {o.sku}")
    list_price = Decimal("100.00")
    standard_cost = Decimal("60.00")
    back_to_back = True


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    number = factory.Sequence(lambda n: f"S-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Supplier {o.number}")
    email = factory.LazyAttribute(lambda o: f"{o.number.lower()}@supplier.example")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    number = factory.Sequence(lambda n: f"C-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Customer {o.number}")
    default_ship_from = factory.SubFactory(OrganizationFactory)


class BuyRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourcingRule

    item = factory.SubFactory(ItemFactory)
    organization = factory.SubFactory(OrganizationFactory)
    rank = 1
    type = SourcingRule.Type.BUY
    supplier = factory.SubFactory(SupplierFactory)
    unit_price = Decimal("50.00")
    lead_time_days = 5


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@b2b-portal.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))
        self.save()
