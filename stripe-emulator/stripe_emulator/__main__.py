"""`python -m stripe_emulator --port 12111 [--host 127.0.0.1]`: the emulator in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import logging

from .surface.server import EmulatorServer
from .engine.store import API_VERSION


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stripe_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--public-url", help="base URL of the hosted pages when reached under another name")
    parser.add_argument("--delivery-backoff", type=float, default=1.0, help="first webhook retry delay (s)")
    parser.add_argument("--delivery-max-attempts", type=int, default=6)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    server = EmulatorServer(args.host, args.port, delivery_backoff=args.delivery_backoff,
                            delivery_max_attempts=args.delivery_max_attempts, public_url=args.public_url)
    print(f"Stripe emulator (API {API_VERSION}) listening on http://{args.host}:{args.port}\n"
          f"  create an account: curl -s -X POST http://{args.host}:{args.port}/_emulator/accounts", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
