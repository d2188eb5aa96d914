#!/usr/bin/env python3
"""Grow a person CSV export N-fold for the import benchmark (BENCHMARKS.md §1).

    python3 bench/scale_person_csv.py person10.csv 10 person100.csv

Copy 0 is the input unchanged; copy k (1..N-1) is every row again with the ID number's
three-digit sequence code (digits 15-17) shifted by a multiple of 100, so the area code,
birth date and sex digit stay valid, and a new GB 11643 check character computed. A shift
is taken only if the row's natural key (programme, ID number, start date) is still unused,
so the output has unique natural keys and imports cleanly."""
import csv
import sys

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def with_sequence(idn: str, seq: int) -> str:
    first17 = idn[:14] + f"{seq:03d}"
    return first17 + CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def main() -> None:
    src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(src, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    col_id = header.index("身份证号")
    col_prog = header.index("类别")
    col_start = header.index("开始日期")
    used = {(r[col_prog], r[col_id], r[col_start]) for r in rows}
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        for k in range(1, n):
            for r in rows:
                idn = r[col_id]
                seq = int(idn[14:17])
                for step in range(k, k + 10):
                    new = with_sequence(idn, (seq + 100 * step) % 1000)
                    key = (r[col_prog], new, r[col_start])
                    if key not in used:
                        break
                else:
                    raise SystemExit(f"no free ID for {idn[:6]}… in copy {k}")
                used.add(key)
                r2 = list(r)
                r2[col_id] = new
                w.writerow(r2)


if __name__ == "__main__":
    main()
