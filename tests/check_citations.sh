#!/usr/bin/env bash
# check_citations.sh — comments cite documents inside the repository only (docs/architecture.md,
# "Documents the code cites"): no path into the design notes outside it, no bare name of one of
# them, no style-guide rule number that is not docs/architecture.md's. Prints the offending
# lines; exit 1 when there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=(engine nets weights post tools include tests bench Makefile)
bad=$(grep -rnIE '(shared/specs|shared/STYLE|(^|[^[:alnum:]_/.-])specs/)|STYLE R[0-9]|(^|[^[:alnum:]_/.-])(models|ecosystem|performance|aesthetics-study|reliability)\.md' \
      "${dirs[@]}" --exclude=check_citations.sh --exclude-dir=node_modules 2>/dev/null || true)
if [ -n "$bad" ]; then
    echo "check_citations: cite documents inside the repository (docs/...):"
    echo "$bad"
    exit 1
fi
echo "check_citations: every cited document is inside the repository"
