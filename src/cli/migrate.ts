import 'reflect-metadata';
import { loadConfig, loadDotEnv } from '../config/app-config.js';
import { loadLocalSecrets } from '../database/local-secrets.js';
import { prepareDatabase } from '../database/prepare-database.js';

// `npm run migrate`: create the runtime roles and apply pending migrations, then exit.
loadDotEnv();
const config = loadConfig(process.env, (dir) => loadLocalSecrets(dir));
prepareDatabase(config, { log: (line) => console.log(line) })
  .then(async (db) => {
    console.log('database is up to date');
    await db.embedded?.stop();
  })
  .catch((err) => {
    console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
