/** What the bridge's transport fixes: the largest body a channel call may send, and the session cookie's name. */
export const MAX_BODY_BYTES = 1_000_000;
export const SESSION_COOKIE = 'mostrador_session';
