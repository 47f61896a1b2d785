"""Serve Tanggap's web application with waitress: `python -m web.wsgi [--port 8000] [--threads 8]`.

Other WSGI servers take the factory directly, e.g. `gunicorn -w 2 'web.app:create_app()'`."""

from __future__ import annotations

import argparse

from waitress import serve

from web.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    serve(create_app(), host=args.host, port=args.port, threads=args.threads)


if __name__ == "__main__":
    main()
