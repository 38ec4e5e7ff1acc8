"""Test data for benchmarks/feed_api.py: 200 municipalities, 20,000 residents and 1,000,000
posts in their own PostgreSQL database, loaded server-side with INSERT ... SELECT
generate_series, so a full load takes a minute or two instead of an hour of ORM saves.

The database is BENCH_DATABASE_URL (never DATABASE_URL: loading truncates every table it
fills). Rows carry fixed ids (municipality m = 1..200, user n = 1..20,000, post g = 1..1M) so
the shape below can be read straight off the SQL:

- Municipalities lie on a 20 x 10 grid, 4 km apart: with a 10 km reading radius an inner
  resident reads 21 of them (home + 20 neighbours), so the radii overlap heavily.
- User n lives in municipality ((n - 1) % 200) + 1, email confirmed, radius 10 km, one shared
  password hash. Every 10th user has an API token (2,000 tokens, 40 hex digits like DRF's);
  every 97th user moderates their home municipality.
- Post g is written by a resident of its municipality, ids rise with created_at over two
  years up to now. 40 % Plausch, 30 % Biete, 30 % Suche; Biete/Suche have a category, a
  status (60 % open, 10 % reserved, 30 % done) and an expiry of 7-90 days, and are archived
  once expired, as the beat task would have done. 15 % are limited to their own village.
- 30 % of posts have a photo row (10 % two); files do not exist, the feed needs only rows.
- comment_count / thanks_count are skewed random values; 200,000 Thanks rows exist so the
  "did I thank it" query reads a real table.
"""

from __future__ import annotations

import time

import psycopg

MUNICIPALITIES = 200
GRID_COLUMNS, GRID_ROWS = 20, 10
GRID_KM = 4.0
ORIGIN = (50.0, 9.0)  # somewhere in Hesse
USERS = 20_000
POSTS = 1_000_000
TOKEN_EVERY = 10  # every 10th user has an API token
MODERATOR_EVERY = 97
THANKS_ROWS = 200_000
READING_RADIUS_KM = 10
TOKEN_SALT = "dorffunk-bench-feed-"

TABLES = [
    "posts_thanks",
    "posts_comment",
    "posts_postphoto",
    "posts_post",
    "authtoken_token",
    "places_municipalityrole",
    "places_invitationcode",
    "accounts_user",
    "places_municipality",
]

FIRST_NAMES = [
    "Anna", "Bernd", "Claudia", "Dieter", "Elke", "Frank", "Gisela", "Hans", "Ingrid",
    "Jürgen", "Karin", "Lukas", "Monika", "Norbert", "Olga", "Peter", "Renate", "Stefan",
    "Tanja", "Uwe", "Vera", "Werner", "Yvonne", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
]  # fmt: skip
CATEGORIES = [
    "everyday_help", "rides", "giveaway", "lending", "craft_garden", "animals", "lost_found",
    "other",
]  # fmt: skip
TITLES = [
    "Rasenmäher zu verleihen", "Wer fährt Dienstag nach Fulda?", "Kinderfahrrad zu verschenken",
    "Hilfe beim Einkaufen gesucht", "Katze entlaufen", "Schlüsselbund gefunden",
    "Brennholz abzugeben", "Suche Hilfe im Garten", "Leiter gesucht", "Äpfel zu verschenken",
    "Fahrgemeinschaft zum Markt", "Wer kann Fliesen legen?",
]  # fmt: skip
SENTENCES = [
    "Hallo zusammen, ich melde mich mal wieder aus dem Oberdorf.",
    "Am Samstag ab 10 Uhr am Dorfgemeinschaftshaus.",
    "Bitte meldet euch per Nachricht oder klingelt einfach bei mir.",
    "Mehr Infos gibt es unter https://example.org/verein/termine.",
    "Danke an alle, die letzte Woche geholfen haben!",
    "Die Straße am Friedhof ist wieder frei.",
    "Abzuholen in der Lindenstraße, gern auch abends.",
    "Wir suchen noch zwei Leute für den Kuchenverkauf.",
    "Hat jemand einen Anhänger, den man sich kurz leihen kann?",
    "Der Bus fährt in den Ferien nur stündlich <leider>.",
    "Schöne Grüße & bis bald beim Dorffest.",
    "Siehe auch www.example.org/dorffest für das Programm.",
]  # fmt: skip


def counts(conn) -> dict[str, int]:
    found = {}
    for table in ("places_municipality", "accounts_user", "posts_post"):
        found[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    # Keys as DRF makes them (40 hex digits): the API refuses any other shape.
    found["authtoken_token"] = conn.execute(
        "SELECT count(*) FROM authtoken_token WHERE key ~ '^[0-9a-f]{40}$'"
    ).fetchone()[0]
    found["posts_postphoto"] = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM posts_postphoto LIMIT 1) s"
    ).fetchone()[0]
    return found


def is_loaded(conn) -> bool:
    found = counts(conn)
    return (
        found["places_municipality"] == MUNICIPALITIES
        and found["accounts_user"] == USERS
        and found["posts_post"] == POSTS
        and found["authtoken_token"] == USERS // TOKEN_EVERY
        and found["posts_postphoto"] > 0
    )


def _sql_array(values: list[str]) -> str:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"ARRAY[{quoted}]"


def load(url: str, password_hash: str, log=print) -> None:
    """Replace the data of every table the feed reads. One transaction, FK triggers off
    (the rows are consistent by construction), secondary indexes kept: building them during
    the insert is simpler than dropping and re-creating what migrate made."""
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET session_replication_role = replica")  # no FK trigger per row
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        conn.execute("SELECT setseed(0.42)")

        dlat = GRID_KM / 111.195
        conn.execute(
            """
            INSERT INTO places_municipality
                (id, name, slug, official_key, district, latitude, longitude, signup_policy,
                 netiquette, residents_may_create_events, created_at)
            SELECT m, 'Benchdorf ' || m, 'benchdorf-' || m, lpad((6000000 + m)::text, 8, '0'),
                   'Landkreis Bench', %(lat0)s + ((m - 1) / %(cols)s) * %(dlat)s,
                   %(lon0)s + ((m - 1) %% %(cols)s)
                       * (%(km)s / (111.195 * cos(radians(%(lat0)s + 10 * %(dlat)s)))),
                   'open', '', false, now() - interval '3 years'
            FROM generate_series(1, %(n)s::int) m
            """,
            {
                "lat0": ORIGIN[0],
                "lon0": ORIGIN[1],
                "cols": GRID_COLUMNS,
                "dlat": dlat,
                "km": GRID_KM,
                "n": MUNICIPALITIES,
            },
        )
        log(f"  municipalities: {MUNICIPALITIES}")

        conn.execute(
            f"""
            INSERT INTO accounts_user
                (id, password, last_login, is_superuser, email, first_name, last_name, bio,
                 photo, language, reading_radius_km, email_confirmed_at, is_active, is_staff,
                 date_joined, home_municipality_id)
            SELECT n, %(password)s, NULL, false, 'user' || n || '@bench.example',
                   ({_sql_array(FIRST_NAMES)})[1 + n %% {len(FIRST_NAMES)}],
                   ({_sql_array(LAST_NAMES)})[1 + (n / 7) %% {len(LAST_NAMES)}],
                   '', '', 'de', %(radius)s, now() - interval '2 years', true, false,
                   now() - interval '2 years', ((n - 1) %% %(m)s) + 1
            FROM generate_series(1, %(n)s::int) n
            """,
            {
                "password": password_hash,
                "radius": READING_RADIUS_KM,
                "m": MUNICIPALITIES,
                "n": USERS,
            },
        )
        conn.execute(
            """
            INSERT INTO authtoken_token (key, created, user_id)
            SELECT left(encode(sha256(convert_to(%(salt)s || n, 'UTF8')), 'hex'), 40), now(), n
            FROM generate_series(%(every)s::int, %(n)s::int, %(every)s::int) n
            """,
            {"salt": TOKEN_SALT, "every": TOKEN_EVERY, "n": USERS},
        )
        conn.execute(
            """
            INSERT INTO places_municipalityrole (kind, created_at, municipality_id, user_id)
            SELECT 'moderator', now(), ((n - 1) %% %(m)s) + 1, n
            FROM generate_series(%(every)s::int, %(n)s::int, %(every)s::int) n
            """,
            {"every": MODERATOR_EVERY, "n": USERS, "m": MUNICIPALITIES},
        )
        log(f"  users: {USERS}, tokens: {USERS // TOKEN_EVERY}")

        t0 = time.perf_counter()
        users_per_municipality = USERS // MUNICIPALITIES
        conn.execute(
            f"""
            INSERT INTO posts_post
                (id, kind, category, status, scope, title, body, created_at, edited_at,
                 expires_at, archived_at, comment_count, thanks_count, author_id,
                 municipality_id)
            SELECT g, kind,
                   CASE WHEN kind = 'chat' THEN ''
                        ELSE ({_sql_array(CATEGORIES)})[1 + floor(r_cat * 8)::int] END,
                   CASE WHEN kind = 'chat' OR r_status < 0.6 THEN 'open'
                        WHEN r_status < 0.7 THEN 'reserved' ELSE 'done' END,
                   CASE WHEN r_scope < 0.15 THEN 'village' ELSE 'nearby' END,
                   CASE WHEN kind = 'chat' AND r_title < 0.5 THEN ''
                        ELSE ({_sql_array(TITLES)})[1 + floor(r_title * {len(TITLES)})::int]
                   END,
                   sentences[1 + g %% {len(SENTENCES)}]
                       || CASE WHEN r_len > 0.3
                               THEN E'\\n' || sentences[1 + (g / 7) %% {len(SENTENCES)}]
                               ELSE '' END
                       || CASE WHEN r_len > 0.6
                               THEN ' ' || sentences[1 + (g / 13) %% {len(SENTENCES)}]
                               ELSE '' END
                       || CASE WHEN r_len > 0.85
                               THEN E'\\n\\n' || sentences[1 + (g / 29) %% {len(SENTENCES)}]
                               ELSE '' END,
                   created_at,
                   CASE WHEN r_edit < 0.05 THEN created_at + interval '1 hour' END,
                   expires_at,
                   CASE WHEN expires_at <= now() THEN expires_at + interval '5 minutes' END,
                   floor(r_comments ^ 3 * 25)::int,
                   floor(r_thanks ^ 2 * 15)::int,
                   municipality_id + %(m)s * floor(r_author * %(upm)s)::int,
                   municipality_id
            FROM (
                SELECT g, kind, r_cat, r_status, r_scope, r_title, r_len, r_edit, r_comments,
                       r_thanks, r_author, municipality_id, created_at,
                       CASE WHEN kind = 'chat' THEN NULL
                            ELSE created_at
                                 + (ARRAY[7, 14, 30, 30, 30, 90])[1 + floor(r_expiry * 6)::int]
                                 * interval '1 day' END AS expires_at
                FROM (
                    SELECT g,
                           CASE WHEN r_kind < 0.4 THEN 'chat'
                                WHEN r_kind < 0.7 THEN 'offer' ELSE 'request' END AS kind,
                           random() AS r_cat, random() AS r_status, random() AS r_scope,
                           random() AS r_title, random() AS r_len, random() AS r_edit,
                           random() AS r_comments, random() AS r_thanks, random() AS r_author,
                           random() AS r_expiry,
                           1 + floor(random() * %(m)s)::int AS municipality_id,
                           now() - interval '2 minutes' - interval '730 days'
                               + (g::float8 / %(n)s) * interval '730 days'
                               + (random() * 60 - 30) * interval '1 second' AS created_at
                    FROM (SELECT g, random() AS r_kind FROM generate_series(1, %(n)s::int) g) k
                ) r
            ) s,
            (SELECT {_sql_array(SENTENCES)} AS sentences) t
            ORDER BY g
            """,
            {"m": MUNICIPALITIES, "n": POSTS, "upm": users_per_municipality},
        )
        log(f"  posts: {POSTS} ({time.perf_counter() - t0:.0f} s)")

        t0 = time.perf_counter()
        conn.execute(
            """
            INSERT INTO posts_postphoto
                (image, thumbnail, width, height, position, alt_text, post_id)
            SELECT 'posts/' || p.id || '/bench-' || n || '.jpg',
                   'posts/' || p.id || '/bench-' || n || '-thumb.jpg',
                   1600, 1200, n, '', p.id
            FROM posts_post p, generate_series(0, 1) n
            WHERE p.id % 10 < 3 AND (n = 0 OR p.id % 10 = 0)
            ORDER BY p.id, n
            """
        )
        conn.execute(
            """
            INSERT INTO posts_thanks (user_id, post_id, comment_id, created_at)
            SELECT 1 + (g * 7919) %% %(users)s, g * 5, NULL, now()
            FROM generate_series(1, %(n)s::int) g
            """,
            {"users": USERS, "n": THANKS_ROWS},
        )
        for table in ("places_municipality", "accounts_user", "posts_post"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        log(f"  photos and thanks ({time.perf_counter() - t0:.0f} s)")
        conn.commit()

    with psycopg.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
        log(f"  VACUUM ANALYZE ({time.perf_counter() - t0:.0f} s)")
    log(f"loaded in {time.perf_counter() - started:.0f} s")


def sample_tokens(url: str) -> list[tuple[int, str]]:
    """(user id, token key) of every user with a token."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT user_id, key FROM authtoken_token ORDER BY user_id")
        return [(int(user_id), key) for user_id, key in rows]
