// `npm run migrate`: bring the central database (DATABASE_URL) to the latest schema.
// Railway runs this as the pre-deploy step; the server also runs it on start.
import { migrateCentral } from '../server/dist/db/migrate.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set: nothing to migrate (npm start migrates its embedded database itself).');
  process.exit(1);
}
const applied = await migrateCentral(url);
console.log(JSON.stringify({ migrated: applied }));
