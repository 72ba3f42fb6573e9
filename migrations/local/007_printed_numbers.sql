-- issue 9: a sale the server renumbered (its number was already taken in the shop) keeps
-- the number first printed on its ticket.
ALTER TABLE sales ADD COLUMN printedNumber TEXT;
