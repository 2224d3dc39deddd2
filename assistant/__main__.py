"""`python -m assistant` is the `policyqa` command."""

from assistant.cli import main

if __name__ == "__main__":  # not when a spawned server worker re-imports the main module
    main()
