/** The secret a command-line tool signs with: the server's AUTH_SECRET, from the environment. */
export function cliSecret(): string {
  const secret = process.env.AUTH_SECRET;
  if (!secret || secret.length < 32) throw new Error('AUTH_SECRET must be set (at least 32 characters), the same as the server');
  return secret;
}
