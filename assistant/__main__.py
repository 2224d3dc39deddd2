"""`python -m assistant` is the `policyqa` command."""

from assistant.cli import main

main()
