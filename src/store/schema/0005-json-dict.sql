-- 0005: resource bytes stored compressed with a dictionary trained on this database's own data
-- (docs/store-json.md).
--
-- resource_version.json keeps its name and its meaning, "the resource's bytes as written", but a
-- row now holds one of two storage classes: TEXT, the JSON itself (every row written before this
-- step, resources under 64 bytes, and everything written before the first dictionary exists), or a
-- BLOB, one zstd frame (RFC 8878) with its content size and the dictID of the json_dict row it was
-- compressed with. Readers look at the storage class, never at a flag column, so no existing row
-- changes and none needs rewriting. SQL that reads json directly (json_extract, the sqlite3 CLI)
-- sees a BLOB for compressed rows: only the store's own readers decode them.
--
-- json_dict holds the dictionaries, in zstd's dictionary format (magic, dictID, entropy tables,
-- content), with the dictID field set to the row's id so a frame names its row. Rows are only ever
-- added: a frame must find its dictionary for as long as the frame exists.
CREATE TABLE json_dict (
    id INTEGER PRIMARY KEY,          -- the frames' dictID (1, 2, ...)
    dict BLOB NOT NULL,              -- the zstd dictionary
    created TEXT NOT NULL,           -- UTC instant of training
    samples INTEGER NOT NULL,        -- resources it was trained on
    sample_bytes INTEGER NOT NULL,   -- their size in all
    level INTEGER NOT NULL           -- the zstd level new frames are written at
);
