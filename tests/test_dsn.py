import pytest

from marketplace.dsn import BadURL, database_settings, redact, with_database


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


def test_the_url_means_what_libpq_says_it_means():
    cfg = database_settings("postgresql://u@/?dbname=app&host=/tmp/s&port=5433")
    assert (cfg["NAME"], cfg["HOST"], cfg["PORT"]) == ("app", "/tmp/s", "5433")
    assert cfg["OPTIONS"] == {}
    # Given twice with the same value is not a contradiction.
    assert database_settings("postgresql://u@h/app?dbname=app")["NAME"] == "app"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("postgresql://u@h:5432/owned?dbname=foreign", "dbname"),
        ("postgresql://u@h/a?port=1&port=2", "port"),
        ("postgresql://u@h:5432/a?port=5433", "port"),
        ("postgresql://u@h/a?user=postgres", "user"),
        ("postgresql://u@h/a?host=other", "host"),
        ("postgresql://u:one@h/a?password=two", "password"),
    ],
)
def test_a_setting_given_twice_with_two_values_is_refused(url, key):
    # libpq would let the last one win; a check reading the path would believe the first.
    with pytest.raises(BadURL, match=f"gives {key} twice") as info:
        database_settings(url)
    assert "one" not in str(info.value) and "two" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://h:abc/db", "bad port"),
        ("postgresql://u@h:99999/db", "bad port"),
        ("postgresql://role:Leak@TAIL@host/db", "percent-encode an @"),
    ],
)
def test_bad_urls_get_one_clear_line_without_the_password(url, message):
    with pytest.raises(BadURL, match=message) as info:
        database_settings(url)
    assert "Leak" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://role:Leak@TAIL@host/db", "postgresql://role:***@host/db"),
        ('{"url": "redis://h/0?password=sec"}', '{"url": "redis://h/0?password=***"}'),
    ],
)
def test_redact_hides_passwords_with_an_at_sign_and_keeps_what_follows(text, shown):
    assert redact(text) == shown


def test_with_database_drops_a_dbname_parameter():
    url = with_database("postgresql://u@/?host=/tmp/s&dbname=zz", "b")
    assert database_settings(url)["NAME"] == "b"
    assert database_settings(url)["HOST"] == "/tmp/s"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("garbage", "schemes"),
        ("redis://127.0.0.1:6379/abc", "must be a number"),
        ("redis://:hunter2@h:99999/0", "Port out of range"),
        ("unix:///tmp/x.sock?db=zz", "Invalid value for 'db'"),
    ],
)
def test_bad_redis_urls_are_refused_without_the_password(url, message):
    from marketplace.dsn import check_redis_url

    with pytest.raises(BadURL, match=message) as info:
        check_redis_url(url)
    assert "hunter2" not in str(info.value)


def test_good_redis_urls_pass():
    from marketplace.dsn import check_redis_url

    assert check_redis_url("redis://127.0.0.1:6379/7")["db"] == 7
    assert check_redis_url("unix:///tmp/x.sock?db=0")["path"] == "/tmp/x.sock"
