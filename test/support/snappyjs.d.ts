/** snappyjs ships no types; the tests use it as an independent snappy decoder. */
declare module 'snappyjs' {
  export function uncompress<T extends Uint8Array | ArrayBuffer>(input: T, maxLength?: number): T;
  export function compress<T extends Uint8Array | ArrayBuffer>(input: T): T;
}
