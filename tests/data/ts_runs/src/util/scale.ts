export function scale(x: number): number {
  "use strict";
  const step = (v: number) => v + 1;
  return step(x) * 3;
}
