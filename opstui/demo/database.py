"""The demo shop's database: the schema docs/postgresql.md documents, a realistic bulk fill, and live traffic.

``opstui demo-db --dsn DSN`` uses all three; the tests and the benchmark use :func:`create_schema`
and :func:`fill` directly. The schema is a typical shop's (users, products, orders, order_items,
payments, refunds, jobs) with exactly the indexes the example queries in ``config.example.yaml``
need: every business KPI reads a time range of one covering index, never the whole table.

The fill is made in Python with a seeded RNG and loaded with ``COPY`` (binary, via asyncpg): orders
spread over ``days`` with daily seasonality (quiet nights, a lunch and an evening peak), busier
weekends, a slight growth trend, Zipf-like product popularity and a skew of customers so some come
back (the repeat-customer rate). About 4 % of orders fail payment and ~2.5 % are refunded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

log = logging.getLogger(__name__)

TABLES = ("refunds", "payments", "order_items", "orders", "jobs", "products", "users")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS users_last_seen_at_idx ON users (last_seen_at);
CREATE TABLE IF NOT EXISTS products (
    id serial PRIMARY KEY,
    name text NOT NULL,
    category text NOT NULL,
    price numeric(10, 2) NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'refunded')),
    total numeric(10, 2) NOT NULL,
    created_at timestamptz NOT NULL
);
-- Covering: revenue, orders, AOV, conversion and the top products' orders read only this index.
CREATE INDEX IF NOT EXISTS orders_created_at_idx ON orders (created_at) INCLUDE (status, total, user_id, id);
-- A customer's earlier orders (the repeat-customer rate).
CREATE INDEX IF NOT EXISTS orders_user_id_idx ON orders (user_id, created_at) INCLUDE (status);
CREATE TABLE IF NOT EXISTS order_items (
    order_id bigint NOT NULL,
    product_id int NOT NULL,
    quantity int NOT NULL CHECK (quantity > 0),
    unit_price numeric(10, 2) NOT NULL
);
CREATE INDEX IF NOT EXISTS order_items_order_id_idx
    ON order_items (order_id) INCLUDE (product_id, quantity, unit_price);
CREATE TABLE IF NOT EXISTS payments (
    id bigserial PRIMARY KEY,
    order_id bigint NOT NULL,
    amount numeric(10, 2) NOT NULL,
    status text NOT NULL CHECK (status IN ('succeeded', 'failed')),
    error text,
    created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS payments_created_at_idx ON payments (created_at) INCLUDE (status);
CREATE TABLE IF NOT EXISTS refunds (
    id bigserial PRIMARY KEY,
    order_id bigint NOT NULL,
    amount numeric(10, 2) NOT NULL,
    reason text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS refunds_created_at_idx ON refunds (created_at) INCLUDE (amount);
CREATE TABLE IF NOT EXISTS jobs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    error text,
    created_at timestamptz NOT NULL,
    finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS jobs_pending_idx ON jobs (created_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS jobs_failed_idx ON jobs (finished_at) WHERE status = 'failed';
"""

# Added after the bulk load: validating once is far cheaper than checking each COPY row.
FOREIGN_KEYS = (
    ("orders", "orders_user_fk", "FOREIGN KEY (user_id) REFERENCES users (id)"),
    ("order_items", "order_items_order_fk", "FOREIGN KEY (order_id) REFERENCES orders (id)"),
    ("order_items", "order_items_product_fk", "FOREIGN KEY (product_id) REFERENCES products (id)"),
    ("payments", "payments_order_fk", "FOREIGN KEY (order_id) REFERENCES orders (id)"),
    ("refunds", "refunds_order_fk", "FOREIGN KEY (order_id) REFERENCES orders (id)"),
)

PRODUCTS: tuple[tuple[str, str, str], ...] = (
    ("Jollof rice spice mix", "spices", "6.50"),
    ("Suya pepper 200g", "spices", "7.90"),
    ("Palm oil 1L", "pantry", "12.00"),
    ("Egusi seeds 500g", "pantry", "14.50"),
    ("Plantain chips family pack", "snacks", "9.99"),
    ("Garri 2kg", "pantry", "11.25"),
    ("Smoked catfish", "fish", "24.00"),
    ("Stockfish bundle", "fish", "38.00"),
    ("Ogbono 250g", "pantry", "10.75"),
    ("Chin chin 400g", "snacks", "6.25"),
    ("Yam flour 1kg", "pantry", "8.40"),
    ("Hibiscus (zobo) leaves", "drinks", "5.60"),
    ("Malt drink 24-pack", "drinks", "29.90"),
    ("Ready meal: egusi soup", "meals", "16.90"),
    ("Ready meal: jollof & chicken", "meals", "18.50"),
    ("Ready meal: pepper soup", "meals", "15.40"),
    ("Monthly spice box", "bundles", "49.00"),
    ("Family feast bundle", "bundles", "89.00"),
    ("Honey 500g", "pantry", "13.80"),
    ("Shea butter 250g", "home", "11.00"),
    ("Black soap", "home", "7.50"),
    ("Kilishi 100g", "snacks", "12.90"),
    ("Cassava flour 2kg", "pantry", "9.70"),
    ("Locust beans (iru)", "spices", "8.10"),
    ("Puff-puff mix", "pantry", "5.90"),
    ("Bitter leaf, dried", "pantry", "6.80"),
    ("Crayfish 300g", "fish", "17.60"),
    ("Refill: rice 10kg", "refills", "34.00"),
    ("Refill: beans 5kg", "refills", "21.00"),
    ("Gift card $50", "gifts", "50.00"),
)

# The Executive screen's queries for this schema (config.example.yaml carries the same SQL).
# Each reads a time range of one index; docs/postgresql.md shows their EXPLAIN against 1M orders.
SHOP_QUERIES: dict[str, str | dict[str, object]] = {
    "revenue_today": "SELECT COALESCE(sum(total), 0) FROM orders"
    " WHERE created_at >= date_trunc('day', now()) AND status = 'paid'",
    "revenue_week": "SELECT COALESCE(sum(total), 0) FROM orders"
    " WHERE created_at >= date_trunc('week', now()) AND status = 'paid'",
    "revenue_month": "SELECT COALESCE(sum(total), 0) FROM orders"
    " WHERE created_at >= date_trunc('month', now()) AND status = 'paid'",
    "orders_today": "SELECT count(*) FROM orders WHERE created_at >= date_trunc('day', now()) AND status <> 'failed'",
    "active_users_24h": "SELECT count(*) FROM users WHERE last_seen_at >= now() - interval '24 hours'",
    "conversion_rate": "SELECT COALESCE(100.0 * (SELECT count(DISTINCT user_id) FROM orders"
    " WHERE created_at >= now() - interval '24 hours' AND status <> 'failed')"
    " / NULLIF((SELECT count(*) FROM users"
    " WHERE last_seen_at >= now() - interval '24 hours'), 0), 0)",
    "avg_order_value": "SELECT COALESCE(avg(total), 0) FROM orders"
    " WHERE created_at >= now() - interval '24 hours' AND status = 'paid'",
    "refund_rate": "SELECT COALESCE(100.0 * (SELECT count(*) FROM refunds"
    " WHERE created_at >= now() - interval '7 days')"
    " / NULLIF((SELECT count(*) FROM orders WHERE created_at >= now() - interval '7 days'"
    " AND status <> 'failed'), 0), 0)",
    # Of the last 24 hours' customers, the share who had ordered before (one index probe each).
    "repeat_customer_rate": "SELECT COALESCE(100.0 * count(*) FILTER (WHERE EXISTS (SELECT 1 FROM orders p"
    " WHERE p.user_id = c.user_id AND p.created_at < c.first AND p.status <> 'failed'))"
    " / NULLIF(count(*), 0), 0)"
    " FROM (SELECT user_id, min(created_at) AS first FROM orders"
    " WHERE created_at >= now() - interval '24 hours' AND status <> 'failed'"
    " GROUP BY user_id) AS c",
    "top_products": {
        "table": True,
        "max_rows": 10,
        "sql": "SELECT p.name AS product, sum(i.quantity) AS units, sum(i.quantity * i.unit_price) AS revenue"
        " FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id"
        " WHERE o.created_at >= now() - interval '24 hours' AND o.status = 'paid'"
        " GROUP BY p.name ORDER BY revenue DESC LIMIT 10",
    },
}

# The seeds' business KPIs; where the seeds give only a target, falling short of it is the warning.
SHOP_KPIS: list[dict[str, str]] = [
    {"metric": "revenue_today", "label": "Revenue today", "unit": "$"},
    {"metric": "revenue_week", "label": "Revenue this week", "unit": "$"},
    {"metric": "revenue_month", "label": "Revenue this month", "unit": "$"},
    {"metric": "orders_today", "label": "Orders today"},
    {"metric": "active_users_24h", "label": "Active users (24 h)"},
    {"metric": "conversion_rate", "label": "Conversion", "unit": "%", "target": "> 2", "warning": "<= 2"},
    {"metric": "avg_order_value", "label": "Avg order value", "unit": "$", "target": "> 50", "warning": "<= 50"},
    {"metric": "refund_rate", "label": "Refund rate", "unit": "%", "target": "< 3", "warning": ">= 3"},
    {
        "metric": "repeat_customer_rate",
        "label": "Repeat customers (24 h)",
        "unit": "%",
        "target": "> 20",
        "warning": "<= 20",
    },
]

PAYMENT_ERRORS = ("card_declined", "insufficient_funds", "expired_card", "processing_error")
REFUND_REASONS = ("damaged in transit", "wrong item", "quality", "late delivery", "changed mind")


def hour_weight(hour: float) -> float:
    """Relative order rate by hour of day: a night trough, a lunch peak and a larger evening peak."""
    lunch = math.exp(-((hour - 12.5) ** 2) / 4.0)
    evening = 1.4 * math.exp(-((hour - 19.5) ** 2) / 5.0)
    return 0.08 + lunch + evening


_PEAK = max(hour_weight(h / 10) for h in range(240))


def rate_weight(when: datetime, start: datetime, end: datetime) -> float:
    """Relative order rate at ``when`` (0..~1.3): hour of day x weekend boost x 30 % growth over the span."""
    weekend = 1.2 if when.weekday() >= 5 else 1.0
    growth = 0.85 + 0.3 * (when - start) / max(end - start, timedelta(seconds=1))
    return hour_weight(when.hour + when.minute / 60) / _PEAK * weekend * growth


@dataclass
class FillSummary:
    users: int
    orders: int
    items: int
    payments: int
    refunds: int


async def create_schema(conn: asyncpg.Connection) -> None:
    """Create the tables and indexes (idempotent)."""
    await conn.execute(SCHEMA)


async def order_count(conn: asyncpg.Connection) -> int:
    """Orders already in the database (0 when the table is missing)."""
    exists = await conn.fetchval("SELECT to_regclass('orders') IS NOT NULL")
    return int(await conn.fetchval("SELECT count(*) FROM orders")) if exists else 0


async def drop_schema(conn: asyncpg.Connection) -> None:
    await conn.execute("DROP TABLE IF EXISTS " + ", ".join(TABLES) + " CASCADE")


async def fill(
    conn: asyncpg.Connection, orders: int = 300_000, days: int = 60, seed: int = 1, now: datetime | None = None
) -> FillSummary:
    """Bulk-load ``orders`` orders over the last ``days`` days (plus users, items, payments, refunds, jobs)."""
    rng = random.Random(seed)
    end = now or await conn.fetchval("SELECT now()")
    start = end - timedelta(days=days)
    span = (end - start).total_seconds()
    per_day = orders / days
    n_users = max(200, orders * 2)  # every visitor has a row (guests too): conversion needs them
    # Active in the last 24 h: enough that ~3 % of them order in a day (the seeds' target is > 2 %).
    p_active = min(0.9, per_day / 0.03 / n_users)
    day = timedelta(days=1)

    users = []
    for uid in range(1, n_users + 1):
        created = start - timedelta(days=30) + timedelta(seconds=rng.random() * (span + 30 * 86400) * 0.9)
        seen = end - day * rng.random() if rng.random() < p_active else created + (end - day - created) * rng.random()
        users.append((uid, f"user{uid}@example.com", created, max(created, seen)))
    await conn.copy_records_to_table("users", records=users, columns=["id", "email", "created_at", "last_seen_at"])
    del users

    await conn.copy_records_to_table(
        "products",
        records=[(i, n, c, Decimal(p)) for i, (n, c, p) in enumerate(PRODUCTS, 1)],
        columns=["id", "name", "category", "price"],
    )
    prices = [Decimal(p) for _, _, p in PRODUCTS]
    popularity = [1.0 / (rank + 1) ** 0.9 for rank in range(len(PRODUCTS))]

    order_rows: list[tuple[object, ...]] = []
    item_rows: list[tuple[object, ...]] = []
    payment_rows: list[tuple[object, ...]] = []
    refund_rows: list[tuple[object, ...]] = []
    payment_id = 0
    for oid in range(1, orders + 1):
        while True:  # rejection sampling against the seasonality curve
            when = start + timedelta(seconds=rng.random() * span)
            if rng.random() * 1.3 < rate_weight(when, start, end):
                break
        user = 1 + int(n_users * rng.random() ** 2.2)  # a skew: some customers come back often
        total = Decimal(0)
        for product in rng.choices(range(1, len(PRODUCTS) + 1), popularity, k=rng.choice((1, 2, 2, 3, 3, 4))):
            qty = rng.choice((1, 1, 1, 2, 3))
            total += prices[product - 1] * qty
            item_rows.append((oid, product, qty, prices[product - 1]))
        roll = rng.random()
        status = "failed" if roll < 0.04 else ("refunded" if roll < 0.065 else "paid")
        refund_at = when + timedelta(days=0.2 + 4 * rng.random())
        if status == "refunded" and refund_at > end:
            status = "paid"  # its refund has not happened yet
        if status != "failed" and rng.random() < 0.03:  # a declined first attempt, then success
            payment_id += 1
            payment_rows.append((payment_id, oid, total, "failed", rng.choice(PAYMENT_ERRORS), when))
        payment_id += 1
        paid_at = when + timedelta(seconds=2 + rng.random() * 20)
        failed = status == "failed"
        payment_rows.append(
            (
                payment_id,
                oid,
                total,
                "failed" if failed else "succeeded",
                rng.choice(PAYMENT_ERRORS) if failed else None,
                min(paid_at, end),
            )
        )
        if status == "refunded":
            refund_rows.append((len(refund_rows) + 1, oid, total, rng.choice(REFUND_REASONS), refund_at))
        order_rows.append((oid, user, status, total, when))
    await conn.copy_records_to_table(
        "orders", records=order_rows, columns=["id", "user_id", "status", "total", "created_at"]
    )
    await conn.copy_records_to_table(
        "order_items", records=item_rows, columns=["order_id", "product_id", "quantity", "unit_price"]
    )
    await conn.copy_records_to_table(
        "payments", records=payment_rows, columns=["id", "order_id", "amount", "status", "error", "created_at"]
    )
    await conn.copy_records_to_table(
        "refunds", records=refund_rows, columns=["id", "order_id", "amount", "reason", "created_at"]
    )
    finished = [end - day * rng.random() * days for _ in range(2000)]
    jobs: list[tuple[object, ...]] = [
        (i, rng.choice(("email", "refill", "invoice")), "done", None, at - timedelta(seconds=5), at)
        for i, at in enumerate(finished, 1)
    ]
    jobs += [
        (2000 + i, "email", "pending", None, end - timedelta(seconds=rng.random() * 60), None) for i in range(1, 21)
    ]
    await conn.copy_records_to_table(
        "jobs", records=jobs, columns=["id", "kind", "status", "error", "created_at", "finished_at"]
    )
    for table, column in (
        ("users", "id"),
        ("products", "id"),
        ("orders", "id"),
        ("payments", "id"),
        ("refunds", "id"),
        ("jobs", "id"),
    ):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))"
        )
    for table, name, definition in FOREIGN_KEYS:
        await conn.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '{name}') THEN "
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}; END IF; END $$"
        )
    # Fresh statistics and a visibility map, so the planner picks the covering index-only scans.
    await conn.execute("VACUUM ANALYZE")
    return FillSummary(n_users, orders, len(item_rows), len(payment_rows), len(refund_rows))


LIVE_ORDER_SQL = """
WITH o AS (
    INSERT INTO orders (user_id, status, total, created_at) VALUES ($1, $2, $3, now()) RETURNING id
), items AS (
    INSERT INTO order_items (order_id, product_id, quantity, unit_price)
    SELECT o.id, p, q, u FROM o, unnest($4::int[], $5::int[], $6::numeric[]) AS t(p, q, u)
)
INSERT INTO payments (order_id, amount, status, error, created_at)
SELECT o.id, $3, CASE WHEN $2 = 'failed' THEN 'failed' ELSE 'succeeded' END, $7, now() FROM o
"""


class LiveShop:
    """Keeps inserting orders, payments (with failure spikes), refunds, jobs and visits, in real time.

    ``orders_per_min`` is the average at the daily peak; the rate follows :func:`hour_weight`. Every
    ~10 minutes a two-minute payment-failure spike (30 % declined) gives the dashboards something to
    show. One connection, one transaction per second: light on the database it demonstrates.
    """

    def __init__(self, dsn: str, orders_per_min: float = 60.0, seed: int | None = None) -> None:
        self.dsn = dsn
        self.orders_per_min = orders_per_min
        self.rng = random.Random(seed)
        self.inserted = 0

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Insert until ``stop`` is set (or the task is cancelled); reconnects when the connection drops."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                conn = await asyncpg.connect(self.dsn, timeout=5, server_settings={"application_name": "opstui-demo"})
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("demo database: cannot connect: %s", type(exc).__name__)
                await _wait(stop, 5.0)
                continue
            try:
                n_users = int(await conn.fetchval("SELECT COALESCE(max(id), 1) FROM users"))
                while not stop.is_set():
                    await self.tick(conn, n_users)
                    await _wait(stop, 1.0)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("demo database: %s", type(exc).__name__)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()
            await _wait(stop, 5.0)  # a missing schema or a restart: retry calmly, not in a tight loop

    async def tick(self, conn: asyncpg.Connection, n_users: int) -> None:
        """One second of shop traffic, in one transaction."""
        rng = self.rng
        now = datetime.now(UTC)
        spike = now.minute % 10 < 2
        expected = self.orders_per_min / 60.0 * hour_weight(now.hour + now.minute / 60) / _PEAK
        count = sum(1 for _ in range(8) if rng.random() < expected / 8)
        async with conn.transaction():
            for _ in range(count):
                products = rng.choices(range(1, len(PRODUCTS) + 1), k=rng.choice((1, 2, 2, 3)))
                qty = [rng.choice((1, 1, 2)) for _ in products]
                unit = [Decimal(PRODUCTS[p - 1][2]) for p in products]
                total = sum((u * q for u, q in zip(unit, qty, strict=True)), Decimal(0))
                failed = rng.random() < (0.3 if spike else 0.03)
                await conn.execute(
                    LIVE_ORDER_SQL,
                    1 + int(n_users * rng.random() ** 2.2),
                    "failed" if failed else "paid",
                    total,
                    products,
                    qty,
                    unit,
                    rng.choice(PAYMENT_ERRORS) if failed else None,
                )
                self.inserted += 1
            await conn.execute(
                "UPDATE users SET last_seen_at = now() WHERE id = ANY($1::bigint[])",
                [1 + int(n_users * rng.random()) for _ in range(20)],
            )
            if rng.random() < 0.02:
                await conn.execute(
                    "WITH o AS (SELECT id, total FROM orders WHERE status = 'paid' AND created_at > now() - "
                    "interval '2 days' ORDER BY created_at LIMIT 1) UPDATE orders SET status = 'refunded' "
                    "FROM o WHERE orders.id = o.id"
                )
                await conn.execute(
                    "INSERT INTO refunds (order_id, amount, reason, created_at) SELECT id, total, $1, now() "
                    "FROM orders WHERE status = 'refunded' ORDER BY id DESC LIMIT 1",
                    rng.choice(REFUND_REASONS),
                )
            await conn.execute("INSERT INTO jobs (kind, status, created_at) VALUES ('email', 'pending', now())")
            await conn.execute(
                "UPDATE jobs SET status = CASE WHEN random() < $1 THEN 'failed' ELSE 'done' END, "
                "finished_at = now() WHERE id = (SELECT min(id) FROM jobs WHERE status = 'pending')",
                0.2 if spike else 0.01,
            )


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


class BackgroundLiveShop:
    """:class:`LiveShop` on its own thread and loop, for ``opstui --demo --dsn`` (like the demo shop)."""

    def __init__(self, dsn: str) -> None:
        self.live = LiveShop(dsn)
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="opstui-demo-db", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._stop = asyncio.Event()
        self._loop.run_until_complete(self.live.run(self._stop))

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
