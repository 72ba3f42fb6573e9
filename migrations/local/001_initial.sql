-- The station's local schema. Column names are the wire's camelCase fields, so rows move
-- between the wire and SQLite without renaming. Booleans are 0/1 and read back as booleans
-- through the table registry. There are deliberately NO unique indexes on synced tables:
-- pulled pages arrive in server order and a flagged local row may clash with the winner
-- for a while; uniqueness of local writes is checked by the writer instead.
PRAGMA application_id = 1297306702; -- 'MSTN': marks the file as a Mostrador station.

CREATE TABLE users (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  username TEXT NOT NULL, displayName TEXT NOT NULL, role TEXT NOT NULL, passwordHash TEXT NOT NULL,
  active INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX users_username ON users (username);

CREATE TABLE providers (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  name TEXT NOT NULL, taxId TEXT, phone TEXT, email TEXT, address TEXT, notes TEXT
) WITHOUT ROWID;

CREATE TABLE customers (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  name TEXT NOT NULL, taxId TEXT, phone TEXT, email TEXT
) WITHOUT ROWID;

CREATE TABLE products (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  sku TEXT NOT NULL, barcode TEXT, name TEXT NOT NULL, category TEXT, price INTEGER NOT NULL,
  cost INTEGER, providerId TEXT, active INTEGER NOT NULL
) WITHOUT ROWID;
-- Counter search: exact SKU/barcode lookups, and name prefixes (NOCASE so 'coca' finds 'Coca-Cola').
CREATE INDEX products_sku ON products (sku);
CREATE INDEX products_barcode ON products (barcode);
CREATE INDEX products_name ON products (name COLLATE NOCASE);

CREATE TABLE stock_movements (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  productId TEXT NOT NULL, quantity INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT, refId TEXT,
  stationId TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX stock_movements_product ON stock_movements (productId, quantity);

CREATE TABLE sales (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  number TEXT NOT NULL, stationId TEXT NOT NULL, userId TEXT NOT NULL, customerId TEXT,
  status TEXT NOT NULL, total INTEGER NOT NULL, paymentMethod TEXT NOT NULL, voidReason TEXT
) WITHOUT ROWID;

CREATE TABLE sale_items (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  saleId TEXT NOT NULL, productId TEXT NOT NULL, quantity INTEGER NOT NULL, unitPrice INTEGER NOT NULL,
  discount INTEGER NOT NULL, lineTotal INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sale_items_sale ON sale_items (saleId);

-- One entry per row waiting to be pushed; later edits coalesce into it. `baseVersion` is the
-- version the first unpushed edit started from (null for a row born here). A row the server
-- refused keeps its entry with the reason in flagCode/flagMessage until a person edits it.
CREATE TABLE outbox (
  tableName TEXT NOT NULL, rowId TEXT NOT NULL, baseVersion TEXT,
  flagCode TEXT, flagMessage TEXT, flaggedAt TEXT,
  PRIMARY KEY (tableName, rowId)
) WITHOUT ROWID;

CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT) WITHOUT ROWID;
