-- 0001: resources, their versions, and the token index.
--
-- resource_version holds every version ever written. seq is the rowid, so it is the global write
-- order for free: SQLite gives a new row max(rowid)+1, and since versions are never deleted that is
-- strictly increasing without AUTOINCREMENT (which would cost an extra sqlite_sequence write per
-- put). Rows of a unit rolled back before commit were never visible, so reusing their seq is harmless.
-- json is the resource's bytes as written, stored as TEXT (UTF-8, as the database encoding, so no
-- conversion either way; SQLite's JSON functions and expression indexes work on it); NULL for a
-- delete marker. last_updated is the canonical UTC instant with milliseconds, so text order is
-- time order.
CREATE TABLE resource_version (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    last_updated TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    compartment TEXT,
    json TEXT,
    UNIQUE (type, id, version)
);
-- Type-level history pages by seq within one type; without this it would scan every version.
-- Keys arrive in increasing seq per type, so keeping it is an append, not a random insert.
CREATE INDEX resource_version_type_seq ON resource_version (type, seq);

-- The current version of each resource: a read is this lookup plus one rowid lookup. WITHOUT ROWID
-- keeps the row inside the (type, id) B-tree, so there is no second hop. scan (export) walks it in
-- (type, id) order. compartment is repeated here so per-patient queries (Patient/$everything,
-- compartment access checks) can find a patient's current resources without touching versions.
CREATE TABLE resource_current (
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    compartment TEXT,
    PRIMARY KEY (type, id)
) WITHOUT ROWID;
CREATE INDEX resource_current_compartment ON resource_current (compartment, type)
    WHERE compartment IS NOT NULL;

-- Token search entries (system|code) of the CURRENT, not deleted version of each resource only: a
-- put deletes the previous version's rows (found by their seq) and adds its own; a delete marker
-- adds none. "No system" is stored as '' rather than NULL so that "system = ''" finds it with the
-- index. The lookup index carries id, so a conditional match never reads the table itself.
-- compartment: every row of patient data carries its patient, for per-patient search later.
CREATE TABLE token_index (
    type TEXT NOT NULL,
    param TEXT NOT NULL,
    system TEXT NOT NULL,
    code TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    compartment TEXT
);
CREATE INDEX token_index_lookup ON token_index (type, param, code, system, id);
CREATE INDEX token_index_seq ON token_index (seq);
