"""`python -m biaotong` runs the same command as the `biaotong` console script."""

from biaotong.cli.entry import run

if __name__ == "__main__":
    run()
