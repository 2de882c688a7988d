"""Imports every subcommand module so that its commands register on the app."""

# Each module below defines its commands with ``@app.command()`` on junshi.cli.app.app.
from junshi.cli import (
    abtest,  # noqa: F401  (junshi abtest, junshi abtest plan)
    ads,  # noqa: F401  (junshi ads ..., junshi search ...)
    attribution,  # noqa: F401  (junshi attribution)
    customers,  # noqa: F401  (junshi customers ...)
    diagnose,  # noqa: F401  (junshi diagnose, junshi alerts, junshi advise)
    ingest,  # noqa: F401  (junshi ingest, junshi quarantine)
    kpi,  # noqa: F401  (junshi kpi, junshi metrics)
    lake,  # noqa: F401  (junshi lake vacuum)
    promo,  # noqa: F401  (junshi promo plan|review|live|forecast)
    report,  # noqa: F401  (junshi report, junshi push)
    risk,  # noqa: F401  (junshi risk orders)
    rollup,  # noqa: F401  (junshi rollup)
    schedule,  # noqa: F401  (junshi schedule add|list|remove|run)
    serve,  # noqa: F401  (junshi serve)
    service,  # noqa: F401  (junshi service reviews|logistics|dsr)
    shop,  # noqa: F401  (junshi shop show, junshi shop set)
    simulate,  # noqa: F401  (junshi simulate, junshi demo)
)
