"""Every static file the templates name, and every file a vendored script or stylesheet names
(source maps, images, fonts), is in the release: with hashed names (DEBUG=0) a missing one
makes `collectstatic` abort or a page answer 500. The quick check behind
test_production_deploy.py's full run."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[2]
STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")
SOURCE_MAP = re.compile(r"[#@]\s*sourceMappingURL=(\S+?)(?:\s*\*/)?\s*$", re.MULTILINE)


def project_files(pattern: str):
    return [p for p in ROOT.glob(pattern) if ".venv" not in p.parts and "var" not in p.parts]


def test_every_static_file_a_template_names_exists():
    named = {
        (template.relative_to(ROOT), path)
        for template in project_files("**/templates/**/*.html")
        for path in STATIC_TAG.findall(template.read_text())
    }
    assert named, "no {% static %} found: the pattern is wrong"
    missing = [(str(t), p) for t, p in sorted(named) if finders.find(p) is None]
    assert missing == []


def test_no_static_script_or_stylesheet_names_a_missing_source_map():
    missing = []
    for file in project_files("**/static/**/*.js") + project_files("**/static/**/*.css"):
        for target in SOURCE_MAP.findall(file.read_text(errors="replace")):
            if not target.startswith("data:") and not (file.parent / target).exists():
                missing.append(f"{file.relative_to(ROOT)} → {target}")
    assert missing == []
