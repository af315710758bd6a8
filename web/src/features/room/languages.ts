import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";
import { indentUnit } from "@codemirror/language";
import type { Extension } from "@codemirror/state";

/** Languages a room can be set to (the server's list); the first three are highlighted. */
export const LANGUAGES: readonly { id: string; label: string }[] = [
  { id: "python", label: "Python" },
  { id: "javascript", label: "JavaScript" },
  { id: "typescript", label: "TypeScript" },
  { id: "json", label: "JSON" },
  { id: "html", label: "HTML" },
  { id: "css", label: "CSS" },
  { id: "markdown", label: "Markdown" },
  { id: "sql", label: "SQL" },
  { id: "rust", label: "Rust" },
  { id: "go", label: "Go" },
  { id: "java", label: "Java" },
  { id: "c", label: "C" },
  { id: "cpp", label: "C++" },
  { id: "shell", label: "Shell" },
  { id: "plaintext", label: "Plain text" },
];

/** The indentation that a language's own style guide asks for (PEP 8, gofmt, …). */
function indentFor(language: string): string {
  switch (language) {
    case "python":
    case "rust":
    case "java":
    case "c":
    case "cpp":
    case "sql":
    case "shell":
      return "    ";
    case "go":
      return "\t";
    default:
      return "  ";
  }
}

/** Highlighting for `language`, or plain text for one without a parser here. */
function highlighting(language: string): Extension {
  switch (language) {
    case "python":
      return python();
    case "javascript":
      return javascript({ jsx: true });
    case "typescript":
      return javascript({ typescript: true, jsx: true });
    case "json":
      return javascript();
    default:
      return [];
  }
}

/** Highlighting and indentation for `language`. */
export function languageSupport(language: string): Extension {
  return [highlighting(language), indentUnit.of(indentFor(language))];
}

const extensions = new Map<string, Extension>();

/** The same value for the same language, so that reconfiguring to it again is a no-op. */
export function languageExtension(language: string): Extension {
  let extension = extensions.get(language);
  if (!extension) {
    extension = languageSupport(language);
    extensions.set(language, extension);
  }
  return extension;
}
