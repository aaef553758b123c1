"""`python -m bench.sdk`: see bench/sdk/__init__.py."""
import sys

from bench.sdk import main

main(sys.argv[1:])
