#!/usr/bin/env bash
# Re-extract the English strings and merge them into every catalogue (docs/translation.md).
# Then translate the new or changed entries (msgstr "" or "#, fuzzy") and run the tests:
# tests/web/test_i18n.py fails while any entry is missing, empty or fuzzy.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
"$PYBABEL" extract -F pyproject.toml --no-wrap --sort-by-file --project advice_chat \
  --copyright-holder "advice_chat contributors" -o advice_chat/locale/messages.pot .
"$PYBABEL" update -i advice_chat/locale/messages.pot -d advice_chat/locale --no-wrap --ignore-obsolete
# Optional: compile .mo files (the app compiles .po files in memory at start when these are
# missing or older, so this only saves a few milliseconds at start).
if [ "${COMPILE:-0}" = "1" ]; then
  "$PYBABEL" compile -d advice_chat/locale --statistics
fi
