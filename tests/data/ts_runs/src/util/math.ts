import { scale } from "./scale.js";

/** Weighs a reading against the length of its tag. */
export function shift(value: number, label: string): number {
  return scale(value + 1) + label.length;
}

export const twice = (n: number) => n * 2;
