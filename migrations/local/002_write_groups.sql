-- Issue 8 (trusted writes): the outbox holds write GROUPS, one per local transaction, each
-- signed by the user who made it, pushed whole and applied by the server all or nothing.

-- Users carry their Ed25519 public key and their private key sealed with their password.
ALTER TABLE users ADD COLUMN publicKey TEXT;
ALTER TABLE users ADD COLUMN sealedKey TEXT;

-- One group per outermost local transaction that wrote synced rows. `changes` is the JSON
-- the group was signed over (the final state of each row written, with its baseVersion);
-- `version` is the group's time (the first version ticked in its transaction).
-- state: 'pending' (to push; protects its rows from older pulls), 'held' (the server keeps it
-- for an admin's review), 'rejected' (refused for good; undone here when the server said how),
-- 'unsigned' (left by the old row outbox: signed at the next login of its user, see below).
CREATE TABLE outbox_groups (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  userId TEXT NOT NULL,
  version TEXT NOT NULL,
  changes TEXT NOT NULL,
  signature TEXT,
  state TEXT NOT NULL DEFAULT 'pending',
  code TEXT,
  message TEXT,
  flaggedAt TEXT
);
CREATE INDEX outbox_groups_state ON outbox_groups (state, seq);

-- The rows of each group, to find the groups holding a row (pull guard, settling).
CREATE TABLE outbox_rows (
  groupSeq INTEGER NOT NULL,
  tableName TEXT NOT NULL,
  rowId TEXT NOT NULL,
  PRIMARY KEY (groupSeq, tableName, rowId)
) WITHOUT ROWID;
CREATE INDEX outbox_rows_row ON outbox_rows (tableName, rowId);

-- A local version that lost to a newer server version while its group was held or rejected:
-- kept here (never silently dropped) for a person to look at.
CREATE TABLE conflicts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tableName TEXT NOT NULL,
  rowId TEXT NOT NULL,
  localRow TEXT NOT NULL,
  remoteVersion TEXT NOT NULL,
  groupId TEXT,
  code TEXT,
  recordedAt TEXT NOT NULL
);

-- Rows left in the old per-row outbox cannot be signed without their user's password: each
-- becomes an 'unsigned' group of one row (as the old outbox pushed them: row by row), whose
-- changes list only table/id/baseVersion. At the next login of the row's last writer the
-- station fills in the row's current state, signs it and makes it 'pending'.
INSERT INTO outbox_groups (id, userId, version, changes, state)
SELECT
  lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
        substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
  owner.updatedBy,
  owner.version,
  json_array(json_object('table', o.tableName, 'id', o.rowId, 'baseVersion', o.baseVersion)),
  'unsigned'
FROM outbox o
JOIN (
  SELECT 'users' AS t, id, updatedBy, version FROM users
  UNION ALL SELECT 'providers', id, updatedBy, version FROM providers
  UNION ALL SELECT 'customers', id, updatedBy, version FROM customers
  UNION ALL SELECT 'products', id, updatedBy, version FROM products
  UNION ALL SELECT 'stock_movements', id, updatedBy, version FROM stock_movements
  UNION ALL SELECT 'sales', id, updatedBy, version FROM sales
  UNION ALL SELECT 'sale_items', id, updatedBy, version FROM sale_items
) owner ON owner.t = o.tableName AND owner.id = o.rowId
ORDER BY owner.version;

INSERT INTO outbox_rows (groupSeq, tableName, rowId)
SELECT seq, json_extract(changes, '$[0].table'), json_extract(changes, '$[0].id')
FROM outbox_groups WHERE state = 'unsigned';

DROP TABLE outbox;
