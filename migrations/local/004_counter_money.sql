-- Issue 10, the counter and the money: columns and tables added to the registry
-- (common/src/registry.ts), and what the counter, the sales history and the cash drawer read.
ALTER TABLE products ADD COLUMN taxRate TEXT;
ALTER TABLE products ADD COLUMN weighed INTEGER;

ALTER TABLE sales ADD COLUMN kind TEXT;
ALTER TABLE sales ADD COLUMN originalSaleId TEXT;
ALTER TABLE sales ADD COLUMN sessionId TEXT;
ALTER TABLE sales ADD COLUMN subtotal INTEGER;
ALTER TABLE sales ADD COLUMN discount INTEGER;
ALTER TABLE sales ADD COLUMN change INTEGER;
ALTER TABLE sales ADD COLUMN approvedBy TEXT;
-- Sales history by day (createdAt), a session's sales, a sale's returns.
CREATE INDEX sales_created ON sales (createdAt);
CREATE INDEX sales_session ON sales (sessionId);
CREATE INDEX sales_original ON sales (originalSaleId);

ALTER TABLE sale_items ADD COLUMN name TEXT;
ALTER TABLE sale_items ADD COLUMN taxRate INTEGER;
ALTER TABLE sale_items ADD COLUMN weighed INTEGER;
ALTER TABLE sale_items ADD COLUMN ticketDiscount INTEGER;
ALTER TABLE sale_items ADD COLUMN originalItemId TEXT;
CREATE INDEX sale_items_original ON sale_items (originalItemId);

CREATE TABLE sale_payments (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  saleId TEXT NOT NULL, method TEXT NOT NULL, amount INTEGER NOT NULL, tendered INTEGER
) WITHOUT ROWID;
CREATE INDEX sale_payments_sale ON sale_payments (saleId);

CREATE TABLE cash_sessions (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  stationId TEXT NOT NULL, userId TEXT NOT NULL, float INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX cash_sessions_station ON cash_sessions (stationId, createdAt);

CREATE TABLE cash_movements (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  sessionId TEXT NOT NULL, kind TEXT NOT NULL, amount INTEGER NOT NULL, reason TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX cash_movements_session ON cash_movements (sessionId);

CREATE TABLE cash_closings (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  sessionId TEXT NOT NULL, userId TEXT NOT NULL, expected INTEGER NOT NULL, counted INTEGER NOT NULL,
  difference INTEGER NOT NULL, counts TEXT NOT NULL, report TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX cash_closings_session ON cash_closings (sessionId);

CREATE TABLE shop_settings (
  id TEXT PRIMARY KEY NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, deletedAt TEXT,
  version TEXT NOT NULL, updatedBy TEXT NOT NULL,
  shopName TEXT, taxId TEXT, address TEXT, rateGeneral INTEGER, rateReduced INTEGER,
  rateSuperReduced INTEGER, cashierDiscountLimit INTEGER, stockPolicy TEXT, requireSession INTEGER,
  receiptFooter TEXT
) WITHOUT ROWID;

-- The counter's search keeps the catalogue's names folded (no accents, no case) in memory;
-- this counter tells it when any product row changed (a local edit or a pull), so it reloads.
CREATE TABLE local_generations (name TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO local_generations (name, n) VALUES ('products', 0);
CREATE TRIGGER products_generation_insert AFTER INSERT ON products
BEGIN UPDATE local_generations SET n = n + 1 WHERE name = 'products'; END;
CREATE TRIGGER products_generation_update AFTER UPDATE ON products
BEGIN UPDATE local_generations SET n = n + 1 WHERE name = 'products'; END;
CREATE TRIGGER products_generation_delete AFTER DELETE ON products
BEGIN UPDATE local_generations SET n = n + 1 WHERE name = 'products'; END;
