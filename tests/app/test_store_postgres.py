"""The PostgreSQL side of the store: the marker, passwords never shown, libpq's settings, lost
connections; the tests both backends share are in test_store.py."""

from __future__ import annotations

import pytest

from handwriting.app.store import Store, StoreError
from tests.app.test_store import ALICE, add, raw_sql
from tests.postgres import free_port


def test_postgresql_is_marked_as_ours_and_reads_like_sqlite(postgres_url, postgres_server, tmp_path):
    with Store(postgres_url) as store, Store(tmp_path / "p.sqlite") as lite:
        assert store.path is None and postgres_server.password not in store.location
        assert store.location == postgres_url.replace(postgres_server.password, "***")
        rows = []
        for s in (store.scoped(ALICE), lite.scoped(ALICE)):
            rid = add(s, "Q", strokes=[[[1, 2], [3, 4]]], uncertain=True, name="q.png", raw="Q")
            s.correct(rid, "o")
            rows.append(s.get(rid))
        pg, sq = rows
        assert {k: v for k, v in vars(pg).items() if k not in ("created", "corrected")} == \
            {k: v for k, v in vars(sq).items() if k not in ("created", "corrected")}
        assert type(pg.confidence) is float and pg.created.endswith("Z") and len(pg.created) == len(sq.created)
    assert raw_sql(postgres_url, "SELECT application, schema_version FROM handwriting_store") == [
        ("handwriting-predictions", Store(postgres_url).schema_version())]
    postgres = postgres_url.replace("postgresql://", "postgres://")  # libpq's other spelling
    assert Store(postgres).count() == 1


def test_a_wrong_password_or_server_is_named_with_the_password_masked(postgres_server, capfd, caplog):
    secret = postgres_server.password
    for url, what in [(postgres_server.url().replace(secret, secret[::-1]), "password authentication failed"),
                      (postgres_server.url().replace(f":{postgres_server.port}/", f":{free_port()}/"),
                       "cannot connect")]:
        with pytest.raises(StoreError) as caught:
            Store(url)
        message = str(caught.value)
        assert what in message and "127.0.0.1" in message and ":***@" in message
        assert secret not in message and secret[::-1] not in message
    out, err = capfd.readouterr()
    assert secret not in out + err + caplog.text and secret[::-1] not in out + err + caplog.text


def test_a_password_in_a_url_or_in_libpq_settings_never_shows(postgres_server, monkeypatch):
    from handwriting.app.store import masked

    assert masked("postgresql://u:p@ss/w@h:5/db?sslmode=x") == "postgresql://u:***@h:5/db?sslmode=x"
    assert masked("postgresql://h/db?user=u&password=s3cret&x=1") == "postgresql://h/db?user=u&password=***&x=1"
    assert masked("postgresql://u@h/db") == "postgresql://u@h/db" and masked("/a:b@c") == "/a:b@c"
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)  # what the docs advise: no password in the URL
    url = postgres_server.url(postgres_server.create_database(), password=False)
    with Store(url) as store:
        assert store.location == url and store.count() == 0


def test_a_database_marked_by_someone_else_is_refused(postgres_url):
    raw_sql(postgres_url, "CREATE TABLE handwriting_store (application TEXT, schema_version INTEGER)",
            "INSERT INTO handwriting_store VALUES ('other-app', 1)")
    with pytest.raises(StoreError, match="does not mark it"):
        Store(postgres_url)
    assert raw_sql(postgres_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'") == [
        ("handwriting_store",)]


def test_a_url_is_never_a_file_path(tmp_path, monkeypatch):
    from handwriting.app.store import resolve_location, sqlite_file

    monkeypatch.chdir(tmp_path)
    url = f"postgresql://u:pw@127.0.0.1:{free_port()}/db"
    assert resolve_location(url) == url and resolve_location("x.sqlite") == str(tmp_path / "x.sqlite")
    with pytest.raises(StoreError, match="PostgreSQL URL, not a SQLite file") as caught:
        sqlite_file(url)
    assert "pw" not in str(caught.value)
    with pytest.raises(StoreError, match="cannot connect"):
        Store(url)
    assert list(tmp_path.iterdir()) == []


def test_a_lost_connection_is_a_store_error_then_the_store_reconnects(postgres_url, postgres_server):
    with Store(postgres_url) as store:
        rid = add(store)
        raw_sql(postgres_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = 'handwriting'")  # as a server restart would
        with pytest.raises(StoreError, match=r"127\.0\.0\.1.*/hw_test_\d+: reading failed") as caught:
            store.get(rid)
        assert postgres_server.password not in str(caught.value)
        assert store.get(rid).id == rid and store.get(add(store)) is not None
