"""Oracle: a CSV file as Python's csv module (the standard library's RFC 4180 reader) reads it.

usage: csv_read.py FILE  -> prints {"rows": [[field, ...], ...]}
The file is opened with newline="" as the csv module requires, in strict mode (a malformed quote raises).
"""
import csv
import json
import sys


def main() -> None:
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, strict=True))
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
