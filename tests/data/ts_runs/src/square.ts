import { Rect } from "./shapes/rect";

export class Square extends Rect {
  constructor(side: number) { super(side, side); }
  name(): string { return "square"; }
}

export class Tile extends Rect {
  size = () => 3;
}
