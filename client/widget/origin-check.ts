/**
 * Why a connection keeps failing, when the reason is the publisher's configuration: the server
 * refuses the handshake of pages whose origin is not in its ALLOWED_ORIGINS, and the browser
 * only reports a transport error. `GET /api/origin-check` (readable from any origin) says.
 */

interface OriginCheck {
  origin: string | null;
  allowed: boolean;
}

/** One answer per server per page: the origin does not change while the page lives. */
const answers = new Map<string, Promise<boolean>>();

/**
 * Resolves true when the server at `serverOrigin` does not allow this page's origin (and then
 * tells the publisher on the console, once). A request that never reached the server resolves
 * false and is asked again at the next connection error; any answer from it is kept.
 */
export function originRefused(serverOrigin: string): Promise<boolean> {
  let answer = answers.get(serverOrigin);
  if (!answer) {
    answer = ask(serverOrigin).then(
      (check) => {
        // A server without the route (older), or an answer we cannot read: nothing to say.
        if (!check || check.allowed) return false;
        const origin = check.origin ?? location.origin;
        console.error(
          `livethread: this page's origin ${origin} is not allowed by the server at ${serverOrigin}. ` +
            `Add it to ALLOWED_ORIGINS, e.g. ALLOWED_ORIGINS=${origin}`,
        );
        return true;
      },
      () => {
        answers.delete(serverOrigin);
        return false;
      },
    );
    answers.set(serverOrigin, answer);
  }
  return answer;
}

/** The server's answer, null if it gave none we can read; rejects when the request failed. */
async function ask(serverOrigin: string): Promise<OriginCheck | null> {
  const res = await fetch(`${serverOrigin}/api/origin-check`, { credentials: 'omit', cache: 'no-store' });
  const body = res.ok ? ((await res.json().catch(() => null)) as Partial<OriginCheck> | null) : null;
  if (typeof body?.allowed !== 'boolean') return null;
  return { origin: typeof body.origin === 'string' ? body.origin : null, allowed: body.allowed };
}
