//! Everything that differs between SQLite and PostgreSQL, in one place. Storage modules ask
//! [`Dialect`] for a fragment (`tx.dialect().lock_row()`) instead of matching on the backend,
//! so a query is written once and its backend differences are named here, each with why.

/// The database a query is assembled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The backend a database URL names by its scheme: `sqlite:`, `postgres:` or
    /// `postgresql:`.
    pub fn of_url(url: &str) -> Option<Dialect> {
        match url.split(':').next() {
            Some("sqlite") => Some(Dialect::Sqlite),
            Some("postgres" | "postgresql") => Some(Dialect::Postgres),
            _ => None,
        }
    }

    /// Opens every transaction that writes. SQLite's `BEGIN IMMEDIATE` takes the write lock at
    /// once, so no other writer slips between a transaction's checks and its writes; a
    /// deferred one that waited for the lock finds its snapshot stale and fails with
    /// "database is locked" whatever the busy timeout.
    pub fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// Opens a read that sees one moment across many statements (replay, reconcile). A
    /// SQLite read transaction is a snapshot already.
    pub fn begin_snapshot(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// Appended to a `SELECT` whose rows the transaction holds until it ends. SQLite's one
    /// writer at a time (`BEGIN IMMEDIATE`) holds everything already.
    pub fn lock_rows(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// Like [`Dialect::lock_rows`], passing over rows another transaction holds (workers
    /// claiming jobs take different ones instead of queueing for the first).
    pub fn lock_free_rows(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// A lock on a name (`$1`, text) held until the transaction ends, for a rule over rows
    /// that do not exist yet (a renter's open requests, an owner's listings of the day).
    /// `None` on SQLite, whose writers already run one at a time.
    pub fn name_lock(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("SELECT pg_advisory_xact_lock(hashtext($1))"),
        }
    }

    /// The day `days` (an integer expression) after the date expression `date`.
    pub fn date_plus(self, date: &str, days: &str) -> String {
        match self {
            Dialect::Sqlite => format!("date({date}, '+' || {days} || ' days')"),
            Dialect::Postgres => format!("({date}::date + {days}::int)"),
        }
    }

    /// Whether titles can be matched by close spelling (PostgreSQL's trigram index); SQLite
    /// has only its full-text index.
    pub fn has_close_spelling(self) -> bool {
        self == Dialect::Postgres
    }

    /// A listing (`l`) whose text has the words of `query`, the placeholder of
    /// [`Dialect::words_query`]'s text.
    pub fn has_words(self, query: &str) -> String {
        match self {
            Dialect::Sqlite => format!(
                "l.id IN (SELECT k.listing_id FROM listings_fts JOIN listing_search_keys k \
                 ON k.key = listings_fts.rowid WHERE listings_fts MATCH {query})"
            ),
            Dialect::Postgres => format!("l.search_vector @@ to_tsquery('english', {query})"),
        }
    }

    /// The full-text query for `terms` (each only letters and digits): every word whole, and
    /// the last (perhaps still being typed) also as the start of a word in the title, brand
    /// and model or category, never of the description (as the catalogue matches).
    pub fn words_query(self, terms: &[String]) -> String {
        let Some((last, whole)) = terms.split_last() else {
            return String::new();
        };
        match self {
            Dialect::Sqlite => whole
                .iter()
                .map(|t| format!("\"{t}\""))
                .chain([format!(
                    "(\"{last}\" OR {{title maker category}} : \"{last}\"*)"
                )])
                .collect::<Vec<_>>()
                .join(" AND "),
            Dialect::Postgres => whole
                .iter()
                .map(|t| t.to_string())
                .chain([format!("({last} | {last}:*ABC)")])
                .collect::<Vec<_>>()
                .join(" & "),
        }
    }

    /// The full-text query for one word (only letters and digits) in one field of a
    /// listing's text: `column` of SQLite's index (title, maker, category, description)
    /// and the PostgreSQL weight it carries (A to D); whole, or as the start of a word.
    pub fn field_word_query(self, term: &str, column: &str, weight: char, prefix: bool) -> String {
        let star = if prefix { "*" } else { "" };
        match self {
            Dialect::Sqlite => format!("{{{column}}} : \"{term}\"{star}"),
            Dialect::Postgres => format!("{term}:{star}{weight}"),
        }
    }

    /// A listing (`l`) whose title is spelled close to `words` (a placeholder); only where
    /// [`Dialect::has_close_spelling`].
    pub fn spelled_like(self, words: &str) -> String {
        format!("{words} <% lower(l.title)")
    }

    /// Refreshes the planner's statistics after a bulk load.
    pub fn analyze(self) -> &'static str {
        match self {
            Dialect::Sqlite => "PRAGMA optimize=0x10002",
            Dialect::Postgres => "ANALYZE",
        }
    }

    /// The statement that appends `rows` events to the outbox: its first value is the count,
    /// then for each event its number (1 to `rows`), stream, kind, payload, actor and time.
    /// With `Some` first statement, that one takes the positions (its answer is the last of
    /// them) and the insert adds each event's number to the one before them; otherwise the
    /// one statement does both and answers the last position.
    ///
    /// SQLite has one writer at a time: two statements, and the writer wakes its own bus. On
    /// PostgreSQL the head's row lock is held from the append to the commit and every
    /// appending transaction waits for it, so the append is one statement (a data-modifying
    /// `WITH`: take the positions, insert, notify), leaving only the commit under the lock.
    /// The notification, sent at commit, wakes every instance's listener and carries only
    /// the last position: the table is the truth.
    pub fn append_events(self, rows: usize, channel: &str) -> (Option<&'static str>, String) {
        const TAKE_POSITIONS: &str =
            "UPDATE event_head SET position = position + $1 WHERE id = 1 RETURNING position";
        match self {
            Dialect::Sqlite => {
                let values = placeholders(rows, 1, |_| "");
                let sql = format!(
                    "INSERT INTO events (position, stream, kind, payload, actor_id, at) \
                     SELECT $1 + column1, column2, column3, column4, column5, column6 \
                     FROM (VALUES {values})"
                );
                (Some(TAKE_POSITIONS), sql)
            }
            Dialect::Postgres => {
                // The first row's casts give the VALUES list its column types.
                let values = placeholders(rows, 1, |column| match column {
                    0 => "::bigint",
                    1..=3 => "::text",
                    4 => "::uuid",
                    _ => "::timestamptz",
                });
                let sql = format!(
                    "WITH head AS (UPDATE event_head SET position = position + $1 WHERE id = 1 \
                         RETURNING position), \
                     added AS (INSERT INTO events (position, stream, kind, payload, actor_id, at) \
                         SELECT head.position - $1 + v.n, v.stream, v.kind, v.payload, \
                             v.actor_id, v.at \
                         FROM head, (VALUES {values}) AS v (n, stream, kind, payload, actor_id, at)) \
                     SELECT head.position FROM head \
                     CROSS JOIN LATERAL (SELECT pg_notify('{channel}', head.position::text)) \
                         AS notified"
                );
                (None, sql)
            }
        }
    }
}

/// `rows` groups of six placeholders from `$after + 1`, `(…), (…)`; `cast` gives the first
/// row's casts by column.
fn placeholders(rows: usize, after: usize, cast: impl Fn(usize) -> &'static str) -> String {
    (0..rows)
        .map(|row| {
            let columns: Vec<String> = (0..6)
                .map(|column| {
                    let n = after + row * 6 + column + 1;
                    let cast = if row == 0 { cast(column) } else { "" };
                    format!("${n}{cast}")
                })
                .collect();
            format!("({})", columns.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A database GearShare runs on, for code that is generic over the backend's types (the
/// outbox append takes either backend's transaction).
pub trait Backend: sqlx::Database {
    const DIALECT: Dialect;
}

impl Backend for sqlx::Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;
}

impl Backend for sqlx::Postgres {
    const DIALECT: Dialect = Dialect::Postgres;
}

#[cfg(test)]
mod tests {
    use super::Dialect;

    #[test]
    fn a_url_names_its_backend_by_its_scheme() {
        let read = [
            "sqlite://data/gearshare.db",
            "sqlite::memory:",
            "postgres://gs@db/gearshare",
            "postgresql://gs@db/gearshare",
            "mysql://db/gearshare",
            "data/gearshare.db",
        ]
        .map(Dialect::of_url);
        let (sqlite, postgres) = (Some(Dialect::Sqlite), Some(Dialect::Postgres));
        assert_eq!(read, [sqlite, sqlite, postgres, postgres, None, None]);
    }
}
