#!/usr/bin/env bash
# `make audit`: known vulnerabilities in the locked dependencies, from PyPI's vulnerability
# data. Fails (exit 1) when that data cannot be reached: an audit that checked nothing must
# not look like one that found nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
if ! "$BIN/python" scripts/audit_reachable.py; then
	echo "make audit: PyPI's vulnerability data (https://pypi.org) is unreachable from here," \
		"so nothing was checked. Run it where PyPI answers (HTTPS_PROXY is honoured)." >&2
	exit 1
fi
"$BIN/python" -m pip install --quiet pip-audit
exec "$BIN/pip-audit" --strict --disable-pip --require-hashes -r requirements.lock
