/**
 * The bridge's one gate, passed by every request before anything else (the early server's
 * and the Fastify app's alike): the Host header must name an allowed host (loopback names;
 * more only when bound beyond loopback with an explicit allow-list), and an Origin, when
 * the browser sends one, must be this very origin. So neither a page on another port or
 * site nor a DNS-rebinding page can call a channel or listen to events.
 */
import type { IncomingHttpHeaders } from 'node:http';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]', '::1'];

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.includes(host);
}

/** The host name of a Host header (without the port; IPv6 keeps its brackets). */
function hostName(header: string | undefined): string {
  const host = (header ?? '').toLowerCase();
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}

export interface BridgeGate {
  /** Why a request with these headers is refused, or null when it may pass. */
  refusal(headers: IncomingHttpHeaders): string | null;
}

/** Throws for a bind beyond loopback without the names browsers will use. */
export function bridgeGate(host: string, allowedHosts: readonly string[] = []): BridgeGate {
  const extraHosts = allowedHosts.map((h) => h.toLowerCase());
  if (!isLoopbackHost(host) && extraHosts.length === 0) {
    throw new Error(
      `The bridge would listen on ${host}, beyond this computer: name the hosts browsers will use (--ui-allow-hosts caja1.local,192.168.1.20).`,
    );
  }
  const allowed = new Set([...LOOPBACK_NAMES, ...extraHosts]);
  return {
    refusal(headers) {
      if (!allowed.has(hostName(headers.host))) return 'Unexpected Host header.';
      const origin = headers.origin;
      if (origin !== undefined && origin !== `http://${headers.host}`)
        return 'Requests from another origin are refused.';
      return null;
    },
  };
}
