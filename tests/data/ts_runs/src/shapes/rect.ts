import { Shape } from "./base";

export class Rect extends Shape {
  constructor(private w: number, private h: number) { super(); }
  area(): number { return this.w * this.h; }
  name(): string { return "rect"; }
  size(): number { return 2; }
}
