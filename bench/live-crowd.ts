/**
 * The "other stations" of bench/live.bench.ts, in their own process as they would be on
 * their own machines: plain WebSocket clients on /sync/ws that pull when
 * notified, one pull in flight and at most one queued each, with the very request a station
 * makes (columnar pages of 5,000), like the station live client; and, like it, that take a
 * notice's page instead when it starts at their cursor (protocol 2).
 *
 * Env: CROWD_URL (http://host:port), CROWD_TOKENS (comma-separated station tokens),
 * CROWD_SOCKETS (optional, how many sockets to open over those tokens).
 * Prints {"ready":N} once every socket has its hello; runs until SIGTERM, then prints how
 * long its members took from a notice to the pull that caught up with it.
 */
import WebSocket from 'ws';

interface Member {
  cursor: number;
  /** Status reports: one at once, then at most one per STATUS_INTERVAL_MS (as a station). */
  statusTimer: NodeJS.Timeout | null;
  statusDue: boolean;
  noticed: number;
  pulling: boolean;
  again: boolean;
  noticedAt: number;
}

/** Per notice and member: milliseconds from the notice to the pull that reached it. */
const noticeToPulled: number[] = [];
/** Notices whose page a member applied instead of pulling (not in noticeToPulled). */
let pagesApplied = 0;

const base = process.env.CROWD_URL ?? '';
const distinct = (process.env.CROWD_TOKENS ?? '').split(',').filter(Boolean);
/** CROWD_SOCKETS: more sockets than tokens, round-robin (a station may hold several). */
const tokens = Array.from(
  { length: Number(process.env.CROWD_SOCKETS ?? distinct.length) },
  (_, i) => distinct[i % distinct.length] as string,
);

/** The station live client's STATUS_INTERVAL_MS. */
const STATUS_INTERVAL_MS = 250;

/** Like a station: report the new cursor, at once and then at most once per interval. */
function report(member: Member, socket: WebSocket): void {
  if (member.statusTimer) {
    member.statusDue = true;
    return;
  }
  socket.send(JSON.stringify({ type: 'status', cursor: member.cursor, pending: 0, appVersion: 'crowd' }));
  member.statusTimer = setTimeout(() => {
    member.statusTimer = null;
    if (!member.statusDue) return;
    member.statusDue = false;
    report(member, socket);
  }, STATUS_INTERVAL_MS);
}

async function pull(member: Member, token: string, socket: WebSocket): Promise<void> {
  if (member.pulling) {
    member.again = true;
    return;
  }
  member.pulling = true;
  try {
    do {
      member.again = false;
      let hasMore = true;
      while (hasMore && member.noticed > member.cursor) {
        const response = await fetch(`${base}/sync/pull?cursor=${member.cursor}&limit=5000&format=columns`, {
          headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'identity' },
        });
        const page = (await response.json()) as { cursor: number; hasMore: boolean };
        member.cursor = page.cursor;
        hasMore = page.hasMore;
      }
      if (member.cursor >= member.noticed) noticeToPulled.push(performance.now() - member.noticedAt);
      // Like a station: report the new cursor (its status report after a pull).
      report(member, socket);
    } while (member.again);
  } finally {
    member.pulling = false;
  }
}

function join(token: string): Promise<void> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/sync/ws`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const member: Member = {
    cursor: 0,
    noticed: 0,
    pulling: false,
    again: false,
    noticedAt: 0,
    statusTimer: null,
    statusDue: false,
  };
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        type: string;
        head?: number;
        cursor?: number;
        from?: number;
        page?: unknown;
      };
      if (message.type === 'hello') {
        // A station that is up to date when it joins.
        member.cursor = message.head ?? 0;
        member.noticed = member.cursor;
        resolve();
      } else if (
        message.type === 'changes' &&
        message.page !== undefined &&
        message.from === member.cursor &&
        !member.pulling &&
        (message.cursor ?? 0) > member.cursor
      ) {
        // Like a station: a notice carrying the page from its cursor is applied, not pulled.
        member.cursor = message.cursor ?? 0;
        member.noticed = Math.max(member.noticed, member.cursor);
        pagesApplied++;
        report(member, socket);
      } else if (message.type === 'changes' && (message.cursor ?? 0) > member.noticed) {
        member.noticed = message.cursor ?? 0;
        member.noticedAt = performance.now();
        void pull(member, token, socket).catch(() => {});
      }
    });
  });
}

for (let i = 0; i < tokens.length; i += 100) await Promise.all(tokens.slice(i, i + 100).map(join));
process.stdout.write(`${JSON.stringify({ ready: tokens.length })}\n`);
process.on('SIGTERM', () => {
  const sorted = noticeToPulled.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  process.stdout.write(
    `${JSON.stringify({ noticeToPulled: { p50: at(0.5), p99: at(0.99), count: sorted.length }, pagesApplied })}\n`,
    () => process.exit(0),
  );
});
setInterval(() => {}, 1 << 30);
