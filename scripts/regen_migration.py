"""Regenerate the initial migration from the models (allowed until the first release ships).

Run: .venv/bin/python scripts/regen_migration.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from blastwall.db.engine import make_engine
from blastwall.db.migrate import MIGRATIONS_DIR, alembic_config

VERSIONS = MIGRATIONS_DIR / "versions"


def main() -> None:
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/empty.db")
        config = alembic_config(engine)
        command.revision(
            config, message="initial schema", autogenerate=True, rev_id="0001", head="base"
        )
    target = VERSIONS / "0001_initial.py"
    for made in VERSIONS.glob("0001_*.py"):
        made.rename(target)
    # Autogenerate writes JSONB(astext_type=Text()) without importing Text.
    target.write_text(target.read_text().replace("astext_type=Text()", "astext_type=sa.Text()"))
    ruff = Path(sys.executable).parent / "ruff"
    subprocess.run([ruff, "format", "--quiet", str(target)], check=True)
    subprocess.run([ruff, "check", "--fix", "--quiet", "--unsafe-fixes", str(target)], check=False)
    print("wrote", target)


if __name__ == "__main__":
    main()
