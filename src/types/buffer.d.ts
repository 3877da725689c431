// drizzle-zod types a column as binary when its data `extends Buffer`. Workers code has no Node
// typings, so an undeclared Buffer would be `any` and every text column would be typed as binary.
interface Buffer extends Uint8Array {
  readonly __nodeBuffer: true;
}
