// The OpenAPI document's JSON schemas (generated into src/client/schemas.gen.ts), by schema name.
import * as generated from '../client/schemas.gen';

export const API_SCHEMAS: Record<string, unknown> = Object.fromEntries(
  Object.entries(generated).map(([name, schema]) => [name.replace(/Schema$/, ''), schema]),
);
