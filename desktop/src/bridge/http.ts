/** What the bridge's transport fixes: the largest body a channel call may send, and the session cookie's name. */
export const MAX_BODY_BYTES = 1_000_000;
// One name per bridge process (issue 13): cookies ignore ports, so two stations on 127.0.0.1
// (`npm start -- --demo`) would otherwise overwrite each other's session and log each other out.
export const SESSION_COOKIE = `mostrador_session_${process.pid}`;

/**
 * The bridge's security headers, as helmet makes them: the app sends them through
 * @fastify/helmet and the early server (before the app is loaded) through helmet itself.
 * The renderer talks only to this origin; nothing inline, nothing from elsewhere.
 */
export const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      connectSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      styleSrc: ["'self'"],
      scriptSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  // Plain HTTP on this computer or the shop's network: no HSTS, no upgrade of requests.
  strictTransportSecurity: false,
  referrerPolicy: { policy: 'no-referrer' as const },
};
