"""活动 Promotions: plan a promotion from a sales target, forecast demand and stock, track the main day live,
and review what it truly added (docs/promotions.md)."""
