#!/bin/sh
# Mutation run over the pure rules in domain/, against the fast unit tests only.
#
#   bench/mutation.sh [domain/module.py ...]     (default: the six rule modules below)
#
# A tool, not CI: run it by hand, one worker at low priority. mutmut 3 (pip install mutmut)
# reads its settings from setup.cfg only when pyproject.toml has no [tool.mutmut], so this
# script writes a temporary setup.cfg for the run and removes it afterwards: the normal test
# suite is never configured by it. mutmut works in ./mutants/ (git-ignored); delete it to
# start from scratch. Output: a per-module count of every status, then the surviving mutants;
# `.venv/bin/mutmut show <name>` prints one mutant's diff.
set -eu
cd "$(dirname "$0")/.."
MUTMUT=${MUTMUT:-.venv/bin/mutmut}
if [ -e setup.cfg ]; then
    echo "setup.cfg exists; this script needs to write its own" >&2
    exit 2
fi
if [ "$#" -eq 0 ]; then
    set -- domain/clock.py domain/yearend.py domain/reminders.py domain/fees.py \
        domain/identity.py domain/limits.py
fi
{
    echo "[mutmut]"
    echo "source_paths=domain"
    echo "only_mutate="
    for module in "$@"; do echo "    $module"; done
    echo "also_copy=seeds/"
    echo "pytest_add_cli_args_test_selection=tests/unit"
    echo "pytest_add_cli_args=-p no:cacheprovider"
} > setup.cfg
trap 'rm -f setup.cfg' EXIT INT TERM
mkdir -p mutants
nice -n 10 "$MUTMUT" run --max-children 1 > mutants/run.log 2>&1 || true
tail -n 3 mutants/run.log
"$MUTMUT" results --all true > mutants/results.txt
awk '
    /^ *domain\./ {
        split($1, part, ".")
        module = part[1] "." part[2]
        status = $2
        count[module, status]++
        total[module]++
        seen[status] = 1
        modules[module] = 1
    }
    END {
        for (m in modules) {
            line = sprintf("%-18s total %4d", m, total[m])
            for (s in seen) line = line sprintf("  %s %d", s, count[m, s] + 0)
            print line
        }
    }
' mutants/results.txt | sort
echo
grep -v ': killed$' mutants/results.txt | grep '^ *domain\.' || true
