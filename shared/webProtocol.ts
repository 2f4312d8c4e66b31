import { z } from 'zod';
import { boardEventSchema, callErrorSchema } from './boardEvents';

/**
 * Web mode's WebSocket messages (docs/architecture.md §8), shared by electron/server/server.ts and the renderer's
 * WebSocket client. The payloads are the contract's: a call by name, its CallResult, board events.
 */

export { WS_PATH } from './webSocketPath';

export const requestIdSchema = z.union([z.string().min(1).max(64), z.number().int().nonnegative()]);
export type RequestId = z.infer<typeof requestIdSchema>;

/** Client → server: one contract call. `request` is validated against the call's own schema. */
export const clientMessageSchema = z
  .object({ id: requestIdSchema, name: z.string().min(1).max(64), request: z.unknown() })
  .strict();
export type ClientMessage = z.infer<typeof clientMessageSchema>;

const callResultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: callErrorSchema }),
]);

/** Server → client: the answer to a call (id null when the message was too broken to have one), or an event. */
export const serverMessageSchema = z.union([
  z.object({ id: requestIdSchema.nullable(), result: callResultSchema }),
  z.object({ event: boardEventSchema }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
