/**
 * Secrets (webhook tokens, passwords) must never leave a channel in an error, log or outcome.
 * A Redactor replaces every known secret, and the secret-bearing parts of URLs, by `[REDACTED]`.
 */
export const REDACTED = '[REDACTED]';

export type Redactor = (text: string) => string;

export function redactorFor(secrets: readonly (string | undefined)[]): Redactor {
  const known = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
  const variants = known.flatMap((secret) => {
    const forms = [secret, encodeURIComponent(secret)];
    try {
      // A webhook URL's path and query carry its token: hide them even when they appear alone.
      const url = new URL(secret);
      if (url.pathname.length > 1) forms.push(url.pathname + url.search);
      if (url.password) forms.push(url.password);
    } catch {
      // not a URL: the literal forms suffice
    }
    return forms;
  });
  return (text) => {
    let out = text;
    for (const form of variants) out = out.split(form).join(REDACTED);
    return out;
  };
}
