import * as z from 'zod';
import { LINK_ANNOTATIONS } from '../rules/types.js';

export { LINK_ANNOTATIONS };

/** `http(s)://host[:port]` followed by the start of a path, query or fragment. */
const ORIGIN_THEN_PATH = /^https?:\/\/[^/?#\s{}]+[/?#]/i;

/**
 * A rule's annotations. Channels make links only of the link annotations, so their target must be
 * the rule author's: the scheme and host are written out, and `{{ $labels.x }}` placeholders,
 * whose values come from scraped targets, may fill only the path, query or fragment. Otherwise
 * `runbook: '{{ $labels.url }}'` would let whoever controls a monitored server choose the link.
 */
export const annotationsSchema = z
  .record(z.string(), z.string())
  .default({})
  .superRefine((annotations, ctx) => {
    for (const name of LINK_ANNOTATIONS) {
      const value = annotations[name];
      if (value === undefined) continue;
      const placeholder = value.indexOf('{{');
      const valid =
        placeholder < 0
          ? /^https?:\/\//i.test(value) && URL.canParse(value)
          : ORIGIN_THEN_PATH.test(value.slice(0, placeholder)) && URL.canParse(value.slice(0, placeholder));
      if (!valid) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message:
            placeholder < 0
              ? 'must be an absolute http(s) URL (it becomes a link button)'
              : 'must start with http(s)://host/ before any {{ }}: placeholders may fill only the path or query, so no label value can choose where the link goes',
        });
      }
    }
  });
