-- Screens list the newest rows first (ORDER BY updatedAt DESC LIMIT n): an index per listed
-- table lets SQLite read just those rows instead of sorting the whole table.
CREATE INDEX users_updated ON users (updatedAt, id);
CREATE INDEX providers_updated ON providers (updatedAt, id);
CREATE INDEX customers_updated ON customers (updatedAt, id);
CREATE INDEX products_updated ON products (updatedAt, id);
