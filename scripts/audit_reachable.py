"""Exit 0 when PyPI's per-release JSON (where pip-audit reads vulnerabilities) answers for a
locked release, else 1 with the reason on standard error: `make audit` then fails, saying that
nothing was checked, instead of reporting every package missing or passing unchecked."""

import re
import sys
import urllib.request
from pathlib import Path

lock = (Path(__file__).resolve().parent.parent / "requirements.lock").read_text()
version = re.search(r"^django==(\S+)", lock, re.MULTILINE | re.IGNORECASE).group(1)
try:
    urllib.request.urlopen(f"https://pypi.org/pypi/django/{version}/json", timeout=10)
except OSError as error:
    print(f"audit: https://pypi.org did not answer: {error}", file=sys.stderr)
    sys.exit(1)
