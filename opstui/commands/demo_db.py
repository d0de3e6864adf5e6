"""``opstui demo-db --dsn DSN``: the demo shop's database, filled and kept live.

Creates the shop schema (docs/postgresql.md) in a database the user names, bulk-loads a few
hundred thousand orders over 60 days, then keeps inserting orders, payments and failures until
interrupted (unless ``--no-live``). An existing fill is kept (``--reset`` rebuilds it), so running
it again just resumes the live traffic. Errors are one line, with the DSN's password hidden.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from opstui.commands.common import error

EXIT_DB = 1
"""The database could not be reached or written."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "demo-db",
        help="create, fill and keep live the demo shop's PostgreSQL database",
        description="Create the shop schema in DSN, fill it with ~300,000 orders over 60 days, then keep "
        "inserting live orders, payments and failures until interrupted. Then: opstui --demo --dsn DSN",
    )
    parser.add_argument(
        "--dsn",
        default=os.environ.get("OPSTUI_DEMO_DSN"),
        help="the database to fill (default $OPSTUI_DEMO_DSN); it must exist",
    )
    parser.add_argument("--orders", type=int, default=300_000, help="orders in the bulk fill (default 300000)")
    parser.add_argument("--days", type=int, default=60, help="days the fill spans (default 60)")
    parser.add_argument("--no-live", action="store_true", help="fill and exit, without live traffic")
    parser.add_argument("--reset", action="store_true", help="drop the shop tables first and fill again")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from opstui.redact import dsn_secrets, redact, redact_dsn

    if not args.dsn:
        error("demo-db needs --dsn postgresql://user@host:5432/dbname (or $OPSTUI_DEMO_DSN)")
        return 2
    if args.orders < 1 or args.days < 1:
        error("--orders and --days must be positive")
        return 2
    try:
        asyncio.run(_main(args))
    except KeyboardInterrupt:
        print("stopped.")
    except Exception as exc:  # noqa: BLE001 - any database failure is one line for the user
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, ConnectionRefusedError):
            text = "connection refused"
        error(f"demo database {redact_dsn(args.dsn)}: {redact(text, dsn_secrets(args.dsn))}")
        return EXIT_DB
    return 0


async def _main(args: argparse.Namespace) -> None:
    import asyncpg

    from opstui.demo.database import LiveShop, create_schema, drop_schema, fill, order_count
    from opstui.redact import redact_dsn

    where = redact_dsn(args.dsn)
    conn = await asyncpg.connect(args.dsn, timeout=10, server_settings={"application_name": "opstui-demo"})
    try:
        if args.reset:
            await drop_schema(conn)
        existing = await order_count(conn)
        await create_schema(conn)
        if existing:
            print(f"{where}: keeping the existing {existing:,} orders (--reset rebuilds them)")
        else:
            print(f"{where}: filling {args.orders:,} orders over {args.days} days ...", flush=True)
            summary = await fill(conn, orders=args.orders, days=args.days)
            print(
                f"  {summary.users:,} users, {summary.orders:,} orders, {summary.items:,} items, "
                f"{summary.payments:,} payments, {summary.refunds:,} refunds"
            )
    finally:
        await conn.close()
    if args.no_live:
        return
    print(f"live orders, payments and failures into {where}; ctrl+c to stop. In another terminal:")
    print("  opstui --demo --dsn '<the same DSN>'")
    await LiveShop(args.dsn).run()
