import { shift } from "./util/math";

export function total(count: number): number {
  return shift(count * 2, "abc") + 1;
}

let ticks = 0;
export function tick(step: number): number {
  ticks += step;
  return ticks * 10 + 1;
}

export function noisy(): number {
  return Math.random();
}

export function spin(): number {
  for (;;) {}
}

export function seesHost(): string {
  return require("fs").existsSync("/etc/passwd") ? "host" : "sandbox";
}
