import pytest

from workbench.env.urls import BadURL, database_settings, redact, with_database


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bob:hunter2@db:5432/app", "postgresql://bob:***@db:5432/app"),
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("postgresql://bob@db/app", "postgresql://bob@db/app"),
        (
            "postgresql://db/app?password=hunter2&sslmode=require",
            "postgresql://db/app?password=***&sslmode=require",
        ),
        ("text before postgres://a:b@h/x and after", "text before postgres://a:***@h/x and after"),
    ],
)
def test_redact_hides_passwords(url, shown):
    assert redact(url) == shown
    assert "hunter2" not in redact(url)


def test_database_settings_from_tcp_url():
    cfg = database_settings("postgresql://bob:p%40ss@db.example:6543/app?sslmode=require")
    assert (cfg["NAME"], cfg["USER"], cfg["PASSWORD"], cfg["HOST"], cfg["PORT"]) == (
        "app",
        "bob",
        "p@ss",
        "db.example",
        "6543",
    )
    assert cfg["OPTIONS"] == {"sslmode": "require"}


def test_database_settings_from_socket_url():
    cfg = database_settings("postgresql://postgres@/workbench?host=/tmp/sock")
    assert (cfg["NAME"], cfg["HOST"], cfg["PORT"]) == ("workbench", "/tmp/sock", "")


def test_database_settings_rejects_other_schemes():
    with pytest.raises(BadURL, match="postgresql://"):
        database_settings("mysql://root:secret@db/app")
    with pytest.raises(BadURL) as info:
        database_settings("mysql://root:secret@db/app")
    assert "secret" not in str(info.value)


def test_with_database_keeps_the_server():
    assert with_database("postgresql://u:p@h:1/a?x=1", "b") == "postgresql://u:p@h:1/b?x=1"
