// `npm run admin -- <command>`: maintenance on the server machine, against DATABASE_URL.
//   reset-password <username> [--password-file FILE]
//     sets a new password (generated and printed, or read from the file), syncs it to every
//     station and ends the user's sessions. For an admin locked out of every station.
import { readFileSync } from 'node:fs';
import { resetPassword } from '../server/dist/auth/reset-password.js';
import { createPool } from '../server/dist/db/pool.js';

const USAGE = 'usage: npm run admin -- reset-password <username> [--password-file FILE]';
const [command, username, ...rest] = process.argv.slice(2);

function fail(message) {
  console.error(`mostrador admin: ${message}`);
  process.exit(1);
}

if (command !== 'reset-password' || !username) fail(USAGE);
const url = process.env.DATABASE_URL;
if (!url) {
  fail(
    "DATABASE_URL is not set. For `npm start`'s embedded database (while it runs): DATABASE_URL=postgres://postgres:postgres@127.0.0.1:54329/mostrador",
  );
}
let password;
const fileAt = rest.indexOf('--password-file');
if (fileAt >= 0) {
  const file = rest[fileAt + 1];
  if (!file) fail(USAGE);
  password = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

const db = createPool(url, 2);
try {
  const chosen = await resetPassword(db, username, password);
  if (password === undefined) console.log(`New password for "${username}": ${chosen}`);
  else console.log(`Password of "${username}" reset.`);
  console.log('Every session of this user has ended; stations receive the new password at their next sync.');
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  await db.end();
}
