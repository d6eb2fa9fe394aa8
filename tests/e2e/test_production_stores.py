"""A whole intake on the production stores: PostgreSQL tracker store and app database,
Redis lock store (the real servers on this machine, not mocks)."""
from __future__ import annotations

import uuid

import psycopg2
import pytest
import redis

from bot.handoff.schema import validate_payload
from tests.conversations.conftest import Patient
from tests.servers import ROOT, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
PG = dict(host="127.0.0.1", port=5432, user="postgres")


@pytest.fixture
def databases():
    names = [f"intake_e2e_{uuid.uuid4().hex[:8]}", f"tracker_e2e_{uuid.uuid4().hex[:8]}"]
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    with admin.cursor() as cur:
        for name in names:
            cur.execute(f'CREATE DATABASE "{name}"')
    yield names
    with admin.cursor() as cur:
        for name in names:
            cur.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


def test_intake_on_postgres_and_redis(tmp_path, databases):
    app_db, tracker_db = databases
    redis_db = "5"
    redis.Redis(host="127.0.0.1", port=6379, db=int(redis_db)).flushdb()
    env = {"TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432", "TRACKER_DB": tracker_db,
           "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "",
           "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": redis_db}
    with running_stack(tmp_path, env_extra=env, endpoints=ROOT / "endpoints.production.yml",
                       database_url=f"postgresql://postgres@127.0.0.1:5432/{app_db}") as stack:
        patient = Patient(stack, "pg")
        patient.say("hi")
        patient.say("my left heel hurts first thing in the morning")
        patient.answer_all({})
        payload = patient.handoff()
        validate_payload(payload)
    # the conversation itself is in PostgreSQL, not in memory
    conn = psycopg2.connect(dbname=tracker_db, **PG)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user'",
                    (patient.sender,))
        assert cur.fetchone()[0] >= 10
    conn.close()
