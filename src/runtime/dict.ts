/**
 * Objects keyed by names that come from users (speakers, channels): null-prototype, so a speaker called
 * `__proto__` or `constructor` is an ordinary key, never the prototype or an inherited function.
 */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `o[k]` when `o` has its own key `k` (never an inherited property such as `constructor`). */
export function own<T>(o: Record<string, T> | undefined, k: string): T | undefined {
  return o !== undefined && o !== null && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}
