-- 0004: a lean search index. Every 0002 row carried its resource type and parameter code as text
-- and its compartment (a 36-character Patient id) as text, in the table and again in each
-- secondary index: on the 100-patient Synthea database that was most of the index's 270 MB.
--
-- (type, code) pairs are interned in ix_param; an index row carries the small integer pid instead
-- (the type is implied by it). The writer keeps a map of the pairs per connection (ix_param.c) and
-- adds a new pair inside its transaction; a search names a pair by a scalar subquery
-- (pid = (SELECT pid FROM ix_param WHERE type = ? AND code = ?)), evaluated once per statement, so a
-- pair the database does not know yet matches no rows. Pairs are never deleted, so a pid, once
-- committed, names one pair forever.
--
-- Columns are declared in key order: SQLite 3.40's quick_check misreads a WITHOUT ROWID row whose
-- key columns are declared in another order (it reported "NULL value in ix_token.system").
--
-- Layout as in 0002, with pid in place of (type, param): the WITHOUT ROWID key (seq, pid, <value>)
-- checks one candidate, gives sort keys and deletes a version's rows; the secondary index
-- (pid, <value>) drives a search and carries the key's seq. The compartment is gone from index
-- rows: no query read it (per-patient search uses resource_current's compartment index, 0003;
-- $lastn's per-patient groups read resource_version.compartment).
CREATE TABLE ix_param (
    pid INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    UNIQUE (type, code)
);
INSERT INTO ix_param (type, code)
    SELECT type, param FROM ix_string UNION SELECT type, param FROM ix_token
    UNION SELECT type, param FROM ix_ref UNION SELECT type, param FROM ix_date
    UNION SELECT type, param FROM ix_number UNION SELECT type, param FROM ix_quantity
    UNION SELECT type, param FROM ix_uri UNION SELECT type, param FROM ix_composite
    ORDER BY 1, 2;

-- Each table: the old one steps aside, the new one is filled in its key order (seq first, so every
-- insert is an append; CROSS JOIN keeps the old table the outer loop), the old one goes (with its
-- indexes, whose names the new ones take), and the indexes are built once over the full table.
ALTER TABLE ix_string RENAME TO ix_string_0002;
CREATE TABLE ix_string (
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    text TEXT NOT NULL,  -- normalised (search_norm_string)
    exact TEXT NOT NULL, -- as written
    PRIMARY KEY (seq, pid, text, exact)
) WITHOUT ROWID;
INSERT OR IGNORE INTO ix_string (seq, pid, text, exact)
    SELECT o.seq, p.pid, o.text, o.exact FROM ix_string_0002 o
    CROSS JOIN ix_param p ON p.type = o.type AND p.code = o.param ORDER BY o.seq;
DROP TABLE ix_string_0002;
-- No index on exact: :exact is rare, is checked per candidate, and an index would cost every put.
CREATE INDEX ix_string_text ON ix_string (pid, text);

ALTER TABLE ix_token RENAME TO ix_token_0002;
CREATE TABLE ix_token (
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    code TEXT NOT NULL,
    system TEXT NOT NULL, -- '' = no system
    PRIMARY KEY (seq, pid, code, system)
) WITHOUT ROWID;
INSERT OR IGNORE INTO ix_token (seq, pid, system, code)
    SELECT o.seq, p.pid, o.system, o.code FROM ix_token_0002 o
    CROSS JOIN ix_param p ON p.type = o.type AND p.code = o.param ORDER BY o.seq;
DROP TABLE ix_token_0002;
CREATE INDEX ix_token_code ON ix_token (pid, code, system);

ALTER TABLE ix_ref RENAME TO ix_ref_0002;
CREATE TABLE ix_ref (
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    ref_type TEXT NOT NULL, -- '' when the reference is an absolute URL not ours
    ref_id TEXT NOT NULL,   -- ''   "
    text TEXT NOT NULL,     -- that URL, else ''
    PRIMARY KEY (seq, pid, ref_type, ref_id, text)
) WITHOUT ROWID;
INSERT OR IGNORE INTO ix_ref (seq, pid, ref_type, ref_id, text)
    SELECT o.seq, p.pid, o.ref_type, o.ref_id, o.text FROM ix_ref_0002 o
    CROSS JOIN ix_param p ON p.type = o.type AND p.code = o.param ORDER BY o.seq;
DROP TABLE ix_ref_0002;
-- The target first: "param P pointing at X" is equality on all three (candidates in seq order),
-- and "any param of type T pointing at X" (_revinclude *) is pid IN (the pids of T) under the same
-- (ref_id, ref_type) prefix.
CREATE INDEX ix_ref_target ON ix_ref (ref_id, ref_type, pid);
CREATE INDEX ix_ref_text ON ix_ref (pid, text) WHERE text <> '';

ALTER TABLE ix_date RENAME TO ix_date_0002;
CREATE TABLE ix_date (
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    lo INTEGER NOT NULL, -- [lo, hi) microseconds UTC
    hi INTEGER NOT NULL,
    PRIMARY KEY (seq, pid, lo, hi)
) WITHOUT ROWID;
INSERT OR IGNORE INTO ix_date (seq, pid, lo, hi)
    SELECT o.seq, p.pid, o.lo, o.hi FROM ix_date_0002 o
    CROSS JOIN ix_param p ON p.type = o.type AND p.code = o.param ORDER BY o.seq;
DROP TABLE ix_date_0002;
CREATE INDEX ix_date_lo ON ix_date (pid, lo, hi);
CREATE INDEX ix_date_hi ON ix_date (pid, hi);

ALTER TABLE ix_number RENAME TO ix_number_0002;
CREATE TABLE ix_number (
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    num REAL NOT NULL,
    PRIMARY KEY (seq, pid, num)
) WITHOUT ROWID;
INSERT OR IGNORE INTO ix_number (seq, pid, num)
    SELECT o.seq, p.pid, o.num FROM ix_number_0002 o
    CROSS JOIN ix_param p ON p.type = o.type AND p.code = o.param ORDER BY o.seq;
DROP TABLE ix_number_0002;
CREATE INDEX ix_number_num ON ix_number (pid, num);

ALTER TABLE ix_quantity RENAME TO ix_quantity_0002;
CREATE TABLE ix_quantity (
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    num REAL NOT NULL,
    system TEXT NOT NULL,     -- '' none
    code TEXT NOT NULL,       -- the unit as written, '' none
    canon REAL,               -- NULL when the unit is not convertible
    canon_code TEXT NOT NULL, -- '' when not convertible
    PRIMARY KEY (seq, pid, num, system, code)
) WITHOUT ROWID;
INSERT OR IGNORE INTO ix_quantity (seq, pid, num, system, code, canon, canon_code)
    SELECT o.seq, p.pid, o.num, o.system, o.code, o.canon, o.canon_code FROM ix_quantity_0002 o
    CROSS JOIN ix_param p ON p.type = o.type AND p.code = o.param ORDER BY o.seq;
DROP TABLE ix_quantity_0002;
CREATE INDEX ix_quantity_num ON ix_quantity (pid, num);
CREATE INDEX ix_quantity_canon ON ix_quantity (pid, canon_code, canon);

ALTER TABLE ix_uri RENAME TO ix_uri_0002;
CREATE TABLE ix_uri (
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (seq, pid, text)
) WITHOUT ROWID;
INSERT OR IGNORE INTO ix_uri (seq, pid, text)
    SELECT o.seq, p.pid, o.text FROM ix_uri_0002 o
    CROSS JOIN ix_param p ON p.type = o.type AND p.code = o.param ORDER BY o.seq;
DROP TABLE ix_uri_0002;
CREATE INDEX ix_uri_text ON ix_uri (pid, text);

-- The second component has several shapes (v_kind: the store_ix_kind number), so this one keeps
-- a rowid and nullable value columns.
ALTER TABLE ix_composite RENAME TO ix_composite_0002;
CREATE TABLE ix_composite (
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
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
    v_hi INTEGER
);
INSERT INTO ix_composite (seq, pid, system, code, v_kind, v_system, v_code, v_text, v_num,
                          v_canon, v_canon_code, v_lo, v_hi)
    SELECT o.seq, p.pid, o.system, o.code, o.v_kind, o.v_system, o.v_code, o.v_text, o.v_num,
           o.v_canon, o.v_canon_code, o.v_lo, o.v_hi FROM ix_composite_0002 o
    CROSS JOIN ix_param p ON p.type = o.type AND p.code = o.param ORDER BY o.seq;
DROP TABLE ix_composite_0002;
CREATE INDEX ix_composite_code ON ix_composite (pid, code, system);
CREATE INDEX ix_composite_seq ON ix_composite (seq, pid);
