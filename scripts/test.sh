#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run them.
# This is the README's test command and exactly what CI runs (.ci/run).
# Installs: LibreOffice (headless), python3-uno, poppler-utils, CJK fonts, PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=0
command -v soffice >/dev/null 2>&1 || need_apt=1
command -v pdftotext >/dev/null 2>&1 || need_apt=1
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || need_apt=1
if [ "$need_apt" = 1 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "Installing LibreOffice (headless), python3-uno, poppler-utils, CJK fonts ..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc-nogui python3-uno poppler-utils fonts-noto-cjk >/dev/null
fi

# A real PostgreSQL for the database backend's tests (they start a throwaway cluster of their own).
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "Installing PostgreSQL ..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    postgresql >/dev/null
fi

PY="${PYTHON:-python3}"
"$PY" -m pip install -q --disable-pip-version-check -e ".[test]"

# The layering contracts (pyproject.toml [tool.importlinter]): the core imports no backend, xlsx,
# registry or CLI; the backends do not import each other; nothing imports the CLI; no cycles.
lint=0
"$PY" -c 'from importlinter.cli import lint_imports_command as lint; lint()' --no-cache --no-logo \
  || lint=$?

# pytest runs last; the script fails when the tests fail or a contract is broken.
status=0
"$PY" -m pytest -q "$@" || status=$?
if [ "$lint" != 0 ] && [ "$status" = 0 ]; then
  echo "import contracts broken (see lint-imports above)" >&2
  status=1
fi
exit "$status"
