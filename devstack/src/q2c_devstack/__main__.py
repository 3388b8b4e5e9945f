"""`python -m q2c_devstack ...` is `q2c-dev ...` (handy where the console script is not on PATH)."""

from q2c_devstack.cli import main

raise SystemExit(main())
