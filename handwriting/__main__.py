"""`python -m handwriting` is the same as the `handwriting` command."""

from handwriting.cli import main

raise SystemExit(main())
