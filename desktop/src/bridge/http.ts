/** What the bridge's transport fixes: the largest body a channel call may send, and the session cookie's name. */
export const MAX_BODY_BYTES = 1_000_000;
// One name per bridge process (issue 13): cookies ignore ports, so two stations on 127.0.0.1
// (`npm start -- --demo`) would otherwise overwrite each other's session and log each other out.
export const SESSION_COOKIE = `mostrador_session_${process.pid}`;
