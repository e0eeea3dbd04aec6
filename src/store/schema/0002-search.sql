-- 0002: the search index, one table per search parameter kind (docs/search.md, docs/store.md).
--
-- Rows exist only for the CURRENT, not deleted version of a resource (tx_put deletes the previous
-- version's rows by its seq and adds the new ones), so a row's seq names a current version.
--
-- Layout: each table is WITHOUT ROWID with the primary key (seq, param, <value>): the table itself
-- is then the (seq, param) index that checks one candidate ("does this resource have a row of
-- param matching v?"), gives sort keys and deletes a version's rows, and new rows are appended at
-- its end (seq only grows). The one secondary index per match direction, (type, param, <value>),
-- carries the key's seq for free, so it covers the driving lookup without touching the table.
-- Measured on 1M token rows against a rowid table with the two indexes: 12% smaller (126 vs
-- 143 MB) and 19% faster to fill. A key column cannot be NULL, so absent texts are stored as ''
-- (also what "no system" always was). Duplicate rows of one version mean nothing for search and
-- are dropped by INSERT OR IGNORE.
-- compartment (the Patient id) is carried on every row for per-patient access and later sharding.

CREATE TABLE ix_string (
    type TEXT NOT NULL,
    param TEXT NOT NULL,
    text TEXT NOT NULL,  -- normalised (search_norm_string)
    exact TEXT NOT NULL, -- as written
    seq INTEGER NOT NULL,
    compartment TEXT,
    PRIMARY KEY (seq, param, text, exact)
) WITHOUT ROWID;
-- No index on exact: :exact is rare, is checked per candidate, and an index would cost every put.
CREATE INDEX ix_string_text ON ix_string (type, param, text);

CREATE TABLE ix_token (
    type TEXT NOT NULL,
    param TEXT NOT NULL,
    system TEXT NOT NULL, -- '' = no system
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    compartment TEXT,
    PRIMARY KEY (seq, param, code, system)
) WITHOUT ROWID;
CREATE INDEX ix_token_code ON ix_token (type, param, code, system);

CREATE TABLE ix_ref (
    type TEXT NOT NULL,
    param TEXT NOT NULL,
    ref_type TEXT NOT NULL, -- '' when the reference is an absolute URL not ours
    ref_id TEXT NOT NULL,   -- ''   "
    text TEXT NOT NULL,     -- that URL, else ''
    seq INTEGER NOT NULL,
    compartment TEXT,
    PRIMARY KEY (seq, param, ref_type, ref_id, text)
) WITHOUT ROWID;
-- param after the target, so the same index also serves "any param of type pointing at X"
-- (_revinclude with "*"); with every column equal its rows still come in seq order.
CREATE INDEX ix_ref_target ON ix_ref (type, ref_id, ref_type, param);
CREATE INDEX ix_ref_text ON ix_ref (type, param, text) WHERE text <> '';

CREATE TABLE ix_date (
    type TEXT NOT NULL,
    param TEXT NOT NULL,
    lo INTEGER NOT NULL, -- [lo, hi) microseconds UTC
    hi INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    compartment TEXT,
    PRIMARY KEY (seq, param, lo, hi)
) WITHOUT ROWID;
CREATE INDEX ix_date_lo ON ix_date (type, param, lo, hi);
CREATE INDEX ix_date_hi ON ix_date (type, param, hi);

CREATE TABLE ix_number (
    type TEXT NOT NULL,
    param TEXT NOT NULL,
    num REAL NOT NULL,
    seq INTEGER NOT NULL,
    compartment TEXT,
    PRIMARY KEY (seq, param, num)
) WITHOUT ROWID;
CREATE INDEX ix_number_num ON ix_number (type, param, num);

CREATE TABLE ix_quantity (
    type TEXT NOT NULL,
    param TEXT NOT NULL,
    num REAL NOT NULL,
    system TEXT NOT NULL,     -- '' none
    code TEXT NOT NULL,       -- the unit as written, '' none
    canon REAL,               -- NULL when the unit is not convertible
    canon_code TEXT NOT NULL, -- '' when not convertible
    seq INTEGER NOT NULL,
    compartment TEXT,
    PRIMARY KEY (seq, param, num, system, code)
) WITHOUT ROWID;
CREATE INDEX ix_quantity_num ON ix_quantity (type, param, num);
CREATE INDEX ix_quantity_canon ON ix_quantity (type, param, canon_code, canon);

CREATE TABLE ix_uri (
    type TEXT NOT NULL,
    param TEXT NOT NULL,
    text TEXT NOT NULL,
    seq INTEGER NOT NULL,
    compartment TEXT,
    PRIMARY KEY (seq, param, text)
) WITHOUT ROWID;
CREATE INDEX ix_uri_text ON ix_uri (type, param, text);

-- The second component has several shapes (v_kind: the store_ix_kind number), so this one keeps
-- a rowid and nullable value columns.
CREATE TABLE ix_composite (
    type TEXT NOT NULL,
    param TEXT NOT NULL,
    system TEXT NOT NULL,
    code TEXT NOT NULL,
    v_kind INTEGER NOT NULL,
    v_system TEXT,
    v_code TEXT,
    v_text TEXT,
    v_num REAL,
    v_canon REAL,
    v_canon_code TEXT,
    v_lo INTEGER,
    v_hi INTEGER,
    seq INTEGER NOT NULL,
    compartment TEXT
);
CREATE INDEX ix_composite_code ON ix_composite (type, param, code, system);
CREATE INDEX ix_composite_seq ON ix_composite (seq, param);

-- The token rows written so far move over; tx_find reads ix_token from now on.
INSERT OR IGNORE INTO ix_token (type, param, system, code, seq, compartment)
    SELECT type, param, system, code, seq, compartment FROM token_index;
DROP TABLE token_index;

-- Small facts about the database, e.g. which SEARCH_INDEX_VERSION its rows were extracted with.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
