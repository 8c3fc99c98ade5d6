"""Use cases that span apps, as short flows: each locks what it changes in the one lock order
(orders.locks), calls the owning app's document service, then the pegging core
(supply.pegging) for the demand line the document works for."""
