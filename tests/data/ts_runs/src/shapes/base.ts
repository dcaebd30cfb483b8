export class Shape {
  area(): number { return 0; }
  name(): string { return "shape"; }
  size(): number { return 1; }
}
