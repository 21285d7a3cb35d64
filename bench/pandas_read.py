"""Time pandas.read_csv on one capture file and print rows, wall and CPU seconds and versions as one JSON line.

Usage: /usr/bin/python3 bench/pandas_read.py FILE
Only read_csv is timed, not the interpreter start or the pandas import. CPU seconds cover every thread of the process.
"""

import json
import platform
import sys
import time

import pandas as pd


def main() -> None:
    path = sys.argv[1]

    start = time.perf_counter()
    cpu_start = time.process_time()
    frame = pd.read_csv(path)
    cpu_seconds = time.process_time() - cpu_start
    seconds = time.perf_counter() - start

    result = {
        "rows": len(frame),
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
