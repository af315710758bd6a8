// Copies the Pyodide core (interpreter and standard library, no packages) from
// node_modules into dist/pyodide/<version>/, which Pairpad serves with
// year-long immutable caching: the version in the path is the cache key.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(web, "node_modules", "pyodide");
const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
const target = join(web, "dist", "pyodide", version);
mkdirSync(target, { recursive: true });
for (const name of ["pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]) {
  copyFileSync(join(source, name), join(target, name));
}
console.log(`pyodide ${version} copied to ${target}`);
