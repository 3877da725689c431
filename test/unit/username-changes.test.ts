import { describe, expect, it } from "vitest";
import { usernameChanges } from "../../scripts/username-changes";

describe("usernameChanges (npm run db:normalize-usernames)", () => {
  it("changes nothing for rows already as registration writes them", () => {
    expect(
      usernameChanges([
        { id: 1, username: "Alice", username_key: "alice" },
        { id: 2, username: "élodie", username_key: "élodie" },
      ]),
    ).toEqual([]);
  });

  it("NFKC-normalises compatibility characters and case-folds the key beyond ASCII", () => {
    expect(
      usernameChanges([
        { id: 1, username: "ａｌｉｃｅ", username_key: "ａｌｉｃｅ" },
        { id: 2, username: "Élodie", username_key: "Élodie" },
        { id: 3, username: "STRAẞE", username_key: "straẞe" },
      ]),
    ).toEqual([
      { id: 1, from: "ａｌｉｃｅ", username: "alice", key: "alice" },
      { id: 2, from: "Élodie", username: "Élodie", key: "élodie" },
      { id: 3, from: "STRAẞE", username: "STRAẞE", key: "strasse" },
    ]);
  });
});
