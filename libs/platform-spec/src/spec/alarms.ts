/**
 * Alarm notifications (`alarms`).
 */
import { z } from 'zod';

export const AlarmsSpecSchema = z.object({
  /** E-mail addresses subscribed to the alarm topic (each confirms by mail); empty = no subscription. */
  emails: z.array(z.email('must be an e-mail address')),
});
export type AlarmsSpec = z.infer<typeof AlarmsSpecSchema>;
