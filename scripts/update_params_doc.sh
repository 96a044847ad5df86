#!/usr/bin/env bash
# Rewrites the table in docs/PARAMETERS.md from the parameter registry (`rntk params --markdown`).
# A test fails when the page and the registry disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(build/rntk params --markdown)
/usr/bin/python3 - "$table" <<'PY'
import sys
path = "docs/PARAMETERS.md"
text = open(path).read()
start = text.index("| parameter |")
end = text.index("\n\n", start)
open(path, "w").write(text[:start] + sys.argv[1].rstrip("\n") + text[end:])
PY
