"""scripts/backup.sh and scripts/restore.sh on a real demo portal: what is restored is the same.

The demo portal (migrate + seed_demo) is built in a database of its own, backed up (encrypted),
restored into a fresh database and fresh folders, and compared dossier by dossier and file by
file. PostgreSQL is the real server the suite runs on; pg_dump/pg_restore/psql are its tools.
"""

import json
import sys
from pathlib import Path

import pytest

from tests import object_store
from tests.sites import Site


@pytest.fixture(scope="module")
def demo_portal(demo_template, tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("source"), "source", template=demo_template)
    yield site
    site.drop()


@pytest.fixture(scope="module")
def plain_archive(demo_portal, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plain")
    return Path(demo_portal.run("scripts/backup.sh", str(folder)).stdout.split()[-1])


@pytest.fixture
def fresh_site(make_site):
    return make_site


@pytest.fixture
def passphrase(tmp_path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text("correct horse battery staple\n")
    return path


def _dossier_facts(site: Site) -> str:
    return site.query(
        "SELECT string_agg(code || ':' || state, ',' ORDER BY code) FROM dossiers_dossier"
    )


def _checksums(site: Site) -> dict:
    return json.loads(site.manage("file_checksums"))


def test_restore_gives_back_the_same_dossiers_and_files(
    demo_portal, fresh_site, tmp_path, passphrase
):
    backups = tmp_path / "backups"
    made = demo_portal.run(
        "scripts/backup.sh", str(backups), BACKUP_GPG_PASSPHRASE_FILE=str(passphrase)
    )
    archive = Path(made.stdout.strip().splitlines()[-1])
    assert archive.parent == backups and archive.name.endswith(".tar.gpg"), made.stdout
    assert [p.name for p in backups.iterdir()] == [archive.name]  # no partial folder left
    assert b"dossiers_dossier" not in archive.read_bytes()  # encrypted, not a plain tar

    target = fresh_site()
    restored = target.run(
        "scripts/restore.sh", str(archive), BACKUP_GPG_PASSPHRASE_FILE=str(passphrase)
    )
    assert "verified by checksum" in restored.stdout, restored.stderr

    source_facts = _dossier_facts(demo_portal)
    assert source_facts.count(":") >= 5  # the demo has dossiers in several states
    assert _dossier_facts(target) == source_facts
    for table in ("portal_user", "procedures_procedure", "payments_payment", "feedback_feedback"):
        count = f"SELECT count(*) FROM {table}"
        assert target.query(count) == demo_portal.query(count), table

    source_files = _checksums(demo_portal)
    assert source_files["media"] and source_files["private"]  # forms and dossier files
    assert _checksums(target) == source_files


def test_files_move_between_disks_and_buckets_through_a_backup(
    demo_portal, plain_archive, fresh_site, tmp_path, s3_endpoint
):
    # The demo portal's backup restored onto buckets, backed up from there and restored onto
    # other buckets: every dossier and every file arrives unchanged.
    on_buckets = fresh_site("buckets").on_buckets()
    on_buckets.run("scripts/restore.sh", str(plain_archive))
    source_files = _checksums(demo_portal)
    assert _checksums(on_buckets) == source_files
    assert not on_buckets.private.exists()  # nothing went to the local disk

    archive = Path(on_buckets.run("scripts/backup.sh", str(tmp_path)).stdout.split()[-1])
    again = fresh_site("again").on_buckets()
    again.run("scripts/restore.sh", str(archive))
    assert _dossier_facts(again) == _dossier_facts(demo_portal)
    assert _checksums(again) == source_files
    client = object_store.s3_client()
    private_keys = object_store.keys(client, again.buckets["PRIVATE_STORAGE_BUCKET"])
    assert sorted(private_keys) == sorted(source_files["private"])


def test_restore_refuses_a_database_that_is_not_empty(plain_archive, fresh_site):
    archive = plain_archive
    target = fresh_site()
    target.manage("migrate", "--noinput", "-v0")
    refused = target.run("scripts/restore.sh", str(archive), check=False)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    assert target.query("SELECT count(*) FROM dossiers_dossier") == "0"


@pytest.mark.parametrize("where", ["database", "file"])
def test_restore_refuses_a_damaged_archive(plain_archive, fresh_site, tmp_path, where):
    # One byte changed, in the dump or in a dossier file: nothing is restored at all.
    data = bytearray(plain_archive.read_bytes())
    marker = b"PGDMP" if where == "database" else b"%PDF"
    data[data.index(marker) + 200] ^= 0xFF
    archive = tmp_path / plain_archive.name
    archive.write_bytes(bytes(data))
    target = fresh_site()
    refused = target.run("scripts/restore.sh", str(archive), check=False)
    assert refused.returncode != 0
    assert "damaged" in refused.stderr
    assert target.query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == "0"


def test_restore_reports_a_file_whose_checksum_differs(demo_portal, fresh_site, tmp_path):
    # A file changed between the copy and the manifest (or on the way) is named, not accepted.
    from portal import backups

    folder = tmp_path / "files"
    demo_portal.manage("backup_files", "--to", str(folder))
    manifest = backups.read_manifest(folder)
    name = sorted(manifest["private"])[0]
    (folder / "private" / name).write_bytes(b"not the original")
    target = fresh_site()
    refused = target.run(
        sys.executable, "manage.py", "restore_files", "--from", str(folder), check=False
    )
    assert refused.returncode != 0
    assert f"private/{name}: checksum differs" in refused.stderr


def test_backups_beyond_the_retention_count_are_removed(demo_portal, tmp_path):
    made = [
        demo_portal.run("scripts/backup.sh", str(tmp_path), BACKUP_KEEP="2").stdout.split()[-1]
        for _ in range(3)
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(m).name for m in made[1:])
