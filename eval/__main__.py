"""``python -m eval``: the Hydra entry point (see eval.cli)."""

from eval.cli import main

if __name__ == "__main__":
    main()
