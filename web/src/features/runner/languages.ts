/** Which room languages run, and in what. */
import type { SandboxLanguage } from "../../sandbox/protocol";

export const RUNNABLE: Record<string, SandboxLanguage> = {
  python: "python",
  javascript: "javascript",
  typescript: "javascript",
};

export const runsIn = (language: string): SandboxLanguage | null => RUNNABLE[language] ?? null;

/** Types stripped by sucrase, loaded on the first TypeScript run. */
export async function stripTypes(code: string): Promise<string> {
  const { transform } = await import("sucrase");
  return transform(code, { transforms: ["typescript"], disableESTransforms: true, filePath: "room.ts" }).code;
}
