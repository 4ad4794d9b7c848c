import * as z from 'zod';
import { tagMappingSchema } from './mapping.js';

/**
 * Where tag events come in from the RTLS system: an HTTP endpoint it pushes to, or an MQTT broker
 * it publishes on. The agent's config and the local runtime's `assets.inputs` share this schema.
 */
const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:8181 or 0.0.0.0:8181');

export const httpInputSchema = z.strictObject({
  kind: z.literal('http'),
  listen,
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be a URL path starting with /')
    .default('/tags'),
  max_body_bytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  bearer_token: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe('When set, pushes must carry Authorization: Bearer <token>; write it as ${NAME}'),
  mapping: tagMappingSchema.prefault({}),
});

export const mqttInputSchema = z.strictObject({
  kind: z.literal('mqtt'),
  url: z
    .string()
    .regex(/^(mqtt|mqtts|ws|wss):\/\/[^\s/]+(\/.*)?$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  topics: z.array(z.string().min(1).max(65535)).min(1).describe('Topic filters; + and # wildcards allowed'),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  client_id: z.string().min(1).max(64).optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional().describe('Write it as ${NAME}'),
  mapping: tagMappingSchema.prefault({}),
});

export const rtlsInputSchema = z.discriminatedUnion('kind', [httpInputSchema, mqttInputSchema]);

export type RtlsInputSettings = z.output<typeof rtlsInputSchema>;
export type HttpInputSettings = z.output<typeof httpInputSchema>;
export type MqttInputSettings = z.output<typeof mqttInputSchema>;
