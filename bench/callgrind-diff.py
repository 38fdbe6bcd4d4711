#!/usr/bin/env python3
"""Where two callgrind profiles of bench/instructions differ, per registration.

    bench/callgrind-diff.py BEFORE.out N_BEFORE AFTER.out N_AFTER

Prints each function's own instructions (not those of the functions it calls) per
registration, before and after, largest growth first. callgrind_annotate of valgrind 3.19
attributes the whole of a multi-threaded Rust server to `clone`, hence this reader of the
callgrind format (name compression, `calls=` lines followed by inclusive costs).
"""
import collections
import re
import sys


def own_costs(path):
    names, costs = {}, collections.Counter()
    function, after_calls = None, False
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        named = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?$", line)
        if named:
            kind, number, name = named.groups()
            if name:
                names[number] = name
            if kind == "fn":
                function = names.get(number, number)
            continue
        if line.startswith("calls="):
            after_calls = True
            continue
        if line[:1].isdigit() or line[:1] in "+-*":
            fields = line.split()
            if after_calls:  # the inclusive cost of the call just named
                after_calls = False
            elif len(fields) >= 2 and function:
                costs[function] += int(fields[1])
    return costs


def main():
    before, n_before = own_costs(sys.argv[1]), int(sys.argv[2])
    after, n_after = own_costs(sys.argv[3]), int(sys.argv[4])
    print(f"per registration: {sum(before.values()) / n_before:.0f} before, "
          f"{sum(after.values()) / n_after:.0f} after")
    growth = {f: after[f] / n_after - before[f] / n_before for f in set(before) | set(after)}
    ranked = sorted(growth, key=growth.get, reverse=True)
    for function in ranked[:25] + ["..."] + ranked[-10:]:
        if function == "...":
            print("...")
            continue
        print(f"{growth[function]:+9.0f} {before[function] / n_before:9.0f} "
              f"{after[function] / n_after:9.0f}  {function[:140]}")


if __name__ == "__main__":
    main()
