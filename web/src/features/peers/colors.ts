const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const FALLBACK = "#8b949e";

/** The server's colour if it is a plain hex colour (it ends up in a style attribute), else grey. */
export function safeColor(color: string): string {
  return HEX_COLOR.test(color) ? color : FALLBACK;
}

/** The colour with `alpha` (0–1) for a selection background. */
export function translucent(color: string, alpha: number): string {
  let hex = safeColor(color).slice(1);
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join("");
  const a = Math.round(Math.max(0, Math.min(1, alpha)) * 255)
    .toString(16)
    .padStart(2, "0");
  return `#${hex}${a}`;
}
