import { describe, expect, it } from "vitest";
import { syncLabel } from "./ConnectionStatus";

describe("syncLabel", () => {
  it("says synced, with the last edit's round trip once there is one", () => {
    expect(syncLabel(0, null)).toBe("synced");
    expect(syncLabel(0, 12)).toBe("synced · 12 ms");
    expect(syncLabel(0, 2.6)).toBe("synced · 3 ms");
  });

  it("counts unsaved edits instead while any are pending", () => {
    expect(syncLabel(1, 12)).toBe("1 edit not yet saved");
    expect(syncLabel(3, null)).toBe("3 edits not yet saved");
  });
});
