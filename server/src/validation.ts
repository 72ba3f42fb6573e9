import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Route validation with the same TypeBox schemas the station uses, compiled once per
 * route. Bodies are checked as sent (no coercion: `"5"` is not a number); query strings
 * and params get their defaults and are converted from text first, since that is all
 * a URL can carry.
 */
export const typeBoxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const checker = TypeCompiler.Compile(schema);
  return (input: unknown) => {
    const value = httpPart === 'body' ? input : Value.Convert(schema, Value.Default(schema, input));
    // A URL's number beyond 2^53 (`?cursor=99999999999999999999999`) loses its digits: refuse it.
    const unsafe = httpPart !== 'body' && unsafeNumber(value);
    if (unsafe) return { error: new Error(`${httpPart}/${unsafe}: must be a whole number below 2^53`) };
    if (checker.Check(value)) return { value };
    const first = checker.Errors(value).First();
    const where = `${httpPart ?? 'input'}${first?.path ?? ''}`;
    return { error: new Error(`${where}: ${first?.message ?? 'invalid'}`) };
  };
};

function unsafeNumber(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'number' && Number.isInteger(field) && !Number.isSafeInteger(field)) return key;
  }
  return null;
}
