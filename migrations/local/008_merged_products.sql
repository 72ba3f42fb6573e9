-- issue 9: two products created apart with the same SKU are one: the later one is kept
-- deleted, naming the product it was merged into.
ALTER TABLE products ADD COLUMN mergedInto TEXT;
