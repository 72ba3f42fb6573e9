/**
 * The commands `station serve` reads, one JSON object per line (PROTOCOL.md), parsed
 * against a schema; anything else is answered BAD_COMMAND and changes nothing.
 */
import { MostradorError } from '@mostrador/common';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const Tag = Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()]));
const User = Type.Optional(Type.String({ minLength: 1 }));
const Table = Type.String({ minLength: 1 });
const Id = Type.String({ minLength: 1 });

export const ServeCommand = Type.Union([
  Type.Object({
    cmd: Type.Literal('put'),
    table: Table,
    row: Type.Record(Type.String(), Type.Unknown()),
    user: User,
    tag: Tag,
  }),
  Type.Object({ cmd: Type.Literal('delete'), table: Table, id: Id, user: User, tag: Tag }),
  Type.Object({ cmd: Type.Literal('get'), table: Table, id: Id, tag: Tag }),
  Type.Object({
    cmd: Type.Literal('login'),
    user: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
    tag: Tag,
  }),
  Type.Object({ cmd: Type.Literal('sync'), tag: Tag }),
  // Issue 9 (an extension, README protocol notes): a sale with its items and stock movements,
  // numbered by the station, in one transaction (the chaos harness sells through it).
  Type.Object({
    cmd: Type.Literal('sale'),
    items: Type.Array(
      Type.Object({ productId: Id, quantity: Type.Integer({ minimum: 1 }), unitPrice: Type.Optional(Type.Integer()) }),
      { minItems: 1 },
    ),
    paymentMethod: Type.Union([Type.Literal('cash'), Type.Literal('card'), Type.Literal('other')]),
    user: User,
    tag: Tag,
  }),
  Type.Object({ cmd: Type.Literal('status'), tag: Tag }),
  Type.Object({ cmd: Type.Literal('quit'), tag: Tag }),
]);
export type ServeCommand = Static<typeof ServeCommand>;

const COMMANDS = new Set(['put', 'delete', 'get', 'login', 'sync', 'status', 'quit', 'sale']);
const checker = TypeCompiler.Compile(ServeCommand);

export interface ParsedLine {
  /** Repeated in the reply, even when the command is refused. */
  tag: unknown;
  command: ServeCommand | null;
  error: MostradorError | null;
}

export function parseCommandLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return refused(undefined, 'The line is not JSON; send one JSON object per line.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refused(undefined, 'A command is a JSON object such as {"cmd":"status"}.');
  }
  const tag = (value as { tag?: unknown }).tag;
  const cmd = (value as { cmd?: unknown }).cmd;
  if (typeof cmd !== 'string' || !COMMANDS.has(cmd)) {
    return refused(tag, `Unknown command ${JSON.stringify(cmd ?? null)}; expected one of ${[...COMMANDS].join(', ')}.`);
  }
  if (!checker.Check(value)) {
    const fields = [...checker.Errors(value)].map((e) => e.path).filter((p) => p !== '');
    const where = [...new Set(fields)].slice(0, 3).join(', ') || '/';
    return refused(tag, `Malformed ${cmd} command (check ${where}).`);
  }
  return { tag, command: value, error: null };
}

function refused(tag: unknown, message: string): ParsedLine {
  return { tag, command: null, error: new MostradorError('BAD_COMMAND', message) };
}
