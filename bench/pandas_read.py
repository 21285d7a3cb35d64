"""Time pandas.read_csv on one capture file and print rows, seconds and versions as one JSON line.

Usage: /usr/bin/python3 bench/pandas_read.py FILE
Only read_csv is timed, not the interpreter start or the pandas import.
"""

import json
import platform
import sys
import time

import pandas as pd


def main() -> None:
    path = sys.argv[1]

    start = time.perf_counter()
    frame = pd.read_csv(path)
    seconds = time.perf_counter() - start

    print(json.dumps({"rows": len(frame), "seconds": seconds, "pandas": pd.__version__, "python": platform.python_version()}))


if __name__ == "__main__":
    main()
