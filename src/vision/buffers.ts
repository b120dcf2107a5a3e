/**
 * Reusable float buffers for the per-frame work of the face path (detector input, landmark and classifier
 * batches, quality crops). Each frame used to allocate ~1.5 MB of short-lived typed arrays; on glibc, large
 * blocks freed after the first ones raise malloc's mmap threshold, so later ones come from the thread's heap
 * and the process's RSS crept up over an hour of video. A buffer is taken for one use and given back after it,
 * so concurrent calls never share one. Buffers may hold old values: every user writes all it reads.
 */
const spare: Float32Array[] = [];
const MAX_SPARE = 8;

/** A buffer of at least `n` floats (use `.subarray(0, n)` where the exact length matters). */
export function takeBuffer(n: number): Float32Array {
  let best = -1;
  for (let i = 0; i < spare.length; i++) if (spare[i].length >= n && (best < 0 || spare[i].length < spare[best].length)) best = i;
  return best >= 0 ? spare.splice(best, 1)[0] : new Float32Array(n);
}

/** Give a buffer from `takeBuffer` back (keeps the largest few). */
export function giveBuffer(b: Float32Array): void {
  spare.push(b);
  if (spare.length > MAX_SPARE) {
    let small = 0;
    for (let i = 1; i < spare.length; i++) if (spare[i].length < spare[small].length) small = i;
    spare.splice(small, 1);
  }
}
