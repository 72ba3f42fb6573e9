// @ts-check
/**
 * Issue 12 (hardening), in the database so that every API instance shares it:
 * - `login_throttle`: login attempts per client address (a fixed window) and per username
 *   (consecutive failures with an exponential backoff);
 * - `user_sessions`: a user's session epoch. It moves when the password, role, activity or
 *   deletion of the user changes, whoever writes the row (push, reset-password script),
 *   and a NOTIFY on `mostrador_users` tells every instance to close that user's sockets;
 *   tokens carry the epoch they were signed at, so older ones stop working at once;
 * - an index on `conflicts.at` for the conflict log's retention;
 * - a guard that refuses to deactivate, demote or delete the last active admin (SQLSTATE
 *   ML001, message starting with LAST_ADMIN), so nobody is locked out for good.
 */

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.createTable('login_throttle', (t) => {
    t.text('key').primary();
    t.integer('count').notNullable();
    t.timestamp('windowStart', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('blockedUntil', { useTz: true });
  });
  // Conflict-log retention deletes by age and keeps the newest rows.
  await knex.raw('CREATE INDEX conflicts_at ON conflicts (at)');
  await knex.schema.createTable('user_sessions', (t) => {
    t.uuid('userId').primary();
    t.integer('epoch').notNullable();
  });

  await knex.raw(`
    CREATE FUNCTION mostrador_user_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO user_sessions ("userId", epoch) VALUES (OLD.id, 1)
        ON CONFLICT ("userId") DO UPDATE SET epoch = user_sessions.epoch + 1;
      PERFORM pg_notify('mostrador_users', OLD.id::text);
      RETURN NULL;
    END $$;
    CREATE TRIGGER users_end_sessions AFTER UPDATE ON users FOR EACH ROW
      WHEN (OLD."passwordHash" IS DISTINCT FROM NEW."passwordHash" OR OLD.role IS DISTINCT FROM NEW.role
         OR OLD.active IS DISTINCT FROM NEW.active OR OLD."deletedAt" IS DISTINCT FROM NEW."deletedAt")
      EXECUTE FUNCTION mostrador_user_sessions();
    CREATE TRIGGER users_end_sessions_on_delete AFTER DELETE ON users FOR EACH ROW
      EXECUTE FUNCTION mostrador_user_sessions();

    CREATE FUNCTION mostrador_keep_last_admin() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.role = 'admin' AND OLD.active AND OLD."deletedAt" IS NULL
         AND (TG_OP = 'DELETE' OR NOT (NEW.role = 'admin' AND NEW.active AND NEW."deletedAt" IS NULL))
         AND NOT EXISTS (SELECT 1 FROM users WHERE id <> OLD.id AND role = 'admin' AND active AND "deletedAt" IS NULL)
      THEN
        RAISE EXCEPTION 'LAST_ADMIN: % is the last active admin; make another user admin first', OLD.username
          USING ERRCODE = 'ML001';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER users_keep_last_admin BEFORE UPDATE OR DELETE ON users FOR EACH ROW
      EXECUTE FUNCTION mostrador_keep_last_admin();
  `);
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.raw(`
    DROP TRIGGER IF EXISTS users_keep_last_admin ON users;
    DROP TRIGGER IF EXISTS users_end_sessions ON users;
    DROP TRIGGER IF EXISTS users_end_sessions_on_delete ON users;
    DROP FUNCTION IF EXISTS mostrador_keep_last_admin();
    DROP FUNCTION IF EXISTS mostrador_user_sessions();
  `);
  await knex.schema.dropTableIfExists('user_sessions');
  await knex.schema.dropTableIfExists('login_throttle');
  await knex.raw('DROP INDEX IF EXISTS conflicts_at');
}
