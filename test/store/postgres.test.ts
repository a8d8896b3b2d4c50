import { describePostgres } from '../helpers/postgres.js';
import { describeStoreContract } from './store-contract.js';

await describePostgres('PostgreSQL store', (schema) => {
  describeStoreContract('postgres', () => schema.openStore());
});
