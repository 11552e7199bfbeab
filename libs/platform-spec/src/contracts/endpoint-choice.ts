/** Which endpoint a client asks the invoker for: the values, without zod (`wire.ts` builds its enum from them). */
export const ENDPOINT_CHOICES = ['single', 'multi'] as const;

/** Whether `value` names one of `ENDPOINT_CHOICES`. */
export function isEndpointChoice(value: unknown): value is (typeof ENDPOINT_CHOICES)[number] {
  return (ENDPOINT_CHOICES as readonly unknown[]).includes(value);
}
