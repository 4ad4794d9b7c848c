/*
 * Limits of the HTTP probe that its settings (a zod schema) describe and the probe enforces: here,
 * so that the probe does not import the schema and bring zod into the probe Lambda's bundle.
 */

/** Redirects followed at most, as blackbox_exporter and Go's http client do. */
export const MAX_REDIRECTS = 10;
