"""Engines, sessions and migrations on real SQLite files and a real PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.store import engine as engine_module
from bot.store.engine import database_url, dispose_engines, get_engine, session_scope
from bot.store.migrate import current_revision, downgrade_db, head_revision, init_db, is_up_to_date
from bot.store.models import metadata

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def schema_diffs(url: str):
    with get_engine(url).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, metadata)


def table_names(url: str):
    return set(sa.inspect(get_engine(url)).get_table_names())


def test_migrated_schema_matches_the_models(db_url):
    assert schema_diffs(db_url) == []
    assert table_names(db_url) == set(metadata.tables) | {"alembic_version"}
    assert set(metadata.tables) == {
        "intakes", "handoffs", "outbox", "staff_users", "audit_events", "staff_notes", "sms_consent",
        "specialist_overrides", "sms_choices",
    }
    assert current_revision(db_url) == head_revision()
    assert is_up_to_date(db_url)


def test_the_comparison_would_notice_a_difference(db_url):
    changed = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["handoffs"].append_column(sa.Column("extra", sa.String(10)))
    with get_engine(db_url).connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), changed)
    assert [diff[0] for diff in diffs] == ["add_column"]


def test_upgrade_is_idempotent_and_downgrade_drops_everything(sqlite_url):
    init_db(sqlite_url)
    init_db(sqlite_url)
    assert current_revision(sqlite_url) == head_revision()
    downgrade_db(sqlite_url, "base")
    assert current_revision(sqlite_url) is None
    assert table_names(sqlite_url) == {"alembic_version"}
    init_db(sqlite_url)
    assert schema_diffs(sqlite_url) == []


@pytest.mark.postgres
def test_postgres_downgrade_and_concurrent_upgrades(new_pg_database):
    # A database of its own: the session's shared one stays migrated.
    with new_pg_database("intake_mig_") as url:
        errors = []

        def start():
            try:
                init_db(url)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert schema_diffs(url) == []
        downgrade_db(url, "base")
        assert table_names(url) == {"alembic_version"}
        init_db(url)
        assert schema_diffs(url) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url):
    init_db(sqlite_url)
    with get_engine(sqlite_url).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    with pytest.raises(sa.exc.IntegrityError):
        with session_scope(sqlite_url) as session:
            session.execute(
                sa.text(
                    "INSERT INTO handoffs (handoff_id, intake_id, conversation_id, channel, urgency,"
                    " created_at, payload) VALUES ('x', 999, 'c', 'web', 'routine', '2024-01-01', '{}')"
                )
            )


def test_check_constraints_hold_on_both_databases(db_url):
    with pytest.raises(sa.exc.IntegrityError):
        with session_scope(db_url) as session:
            session.execute(
                sa.text(
                    "INSERT INTO staff_users (username, password_hash, role, created_at)"
                    " VALUES ('eve', 'h', 'superuser', CURRENT_TIMESTAMP)"
                )
            )


def test_default_database_is_sqlite_under_var(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{PROJECT_ROOT / 'var' / 'intake.db'}"
    # get_engine makes the folder, without connecting
    fake = tmp_path / "project" / "var" / "intake.db"
    monkeypatch.setattr(engine_module, "DEFAULT_SQLITE_PATH", fake)
    engine = get_engine()
    try:
        assert fake.parent.is_dir() and not fake.exists()
        assert str(engine.url) == f"sqlite:///{fake}"
        assert get_engine() is engine  # one engine per URL
    finally:
        dispose_engines()


def test_database_url_comes_from_the_environment(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert database_url() == sqlite_url
    assert database_url("sqlite:///other.db") == "sqlite:///other.db"
    init_db()
    assert current_revision(sqlite_url) == head_revision()


def test_importing_the_store_does_not_connect(tmp_path):
    # An unreachable database: importing must still succeed, instantly.
    env = dict(os.environ, DATABASE_URL="postgresql+psycopg2://nobody@127.0.0.1:1/none")
    code = (
        "import bot.store, bot.store.repository, bot.handoff;"
        "from bot.store import get_engine; get_engine();"
        "print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_session_scope_commits_or_rolls_back(db_url):
    with session_scope(db_url) as session:
        session.execute(sa.text("INSERT INTO sms_consent (phone, updated_at, first_contact_at) VALUES ('+15550000001', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    with pytest.raises(RuntimeError):
        with session_scope(db_url) as session:
            session.execute(sa.text("INSERT INTO sms_consent (phone, updated_at, first_contact_at) VALUES ('+15550000002', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            raise RuntimeError("boom")
    with session_scope(db_url) as session:
        phones = session.execute(sa.text("SELECT phone FROM sms_consent")).scalars().all()
    assert phones == ["+15550000001"]


def test_command_line_upgrade(sqlite_url):
    env = dict(os.environ, DATABASE_URL=sqlite_url)
    result = subprocess.run(
        [sys.executable, "-m", "bot.store", "upgrade"], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"at revision {head_revision()}" in result.stdout
    assert schema_diffs(sqlite_url) == []
