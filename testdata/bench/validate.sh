#!/usr/bin/env bash
# Whole-process figures of `usersync validate` against a bare encoding/csv
# read (ReuseRecord) of the same generated file, side by side in one run,
# for each row count given (default: 1,000,000 and 100,000). RUNS=N runs
# each N times (default 5). See BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/usersync" .
go build -o "$tmp/bench" ./testdata/bench
echo "$(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); $(go version)"
counts=("$@")
if [ ${#counts[@]} -eq 0 ]; then counts=(1000000 100000); fi
for rows in "${counts[@]}"; do
	"$tmp/bench" gen -rows "$rows" -o "$tmp/users-$rows.csv"
	"$tmp/bench" compare -runs "${RUNS:-5}" -usersync "$tmp/usersync" "$tmp/users-$rows.csv"
	rm "$tmp/users-$rows.csv"
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
