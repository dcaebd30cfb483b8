import { helper } from "an-uninstalled-package";

export function viaDependency(n: number): number {
  return helper(n) + 1;
}
